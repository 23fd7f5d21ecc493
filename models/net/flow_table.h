// The flows a middle node tracks (a NAT gateway's mappings, a host's conntrack table): each
// found by the (source, destination) its segments carry in either direction, moved by
// flow_step() and removed after its state's timeout without traffic.
#pragma once

#include <array>
#include <boost/unordered/unordered_flat_set.hpp>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "models/net/address.h"
#include "models/net/flow_state.h"
#include "models/net/segment.h"
#include "sim/event.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"
#include "sim/time.h"

namespace tcpsim::net {

// Each entry expires at (last counted segment + its state's timeout), kept in the entry. One
// expiry event per entry is queued, never after that deadline: a segment that moves the
// deadline later touches nothing else, and an event that finds the deadline moved queues the
// next one then; only a move to an earlier deadline (a shorter timeout) queues an event at
// once. A segment costs one hash lookup and one entry (one cache line), and nothing is
// allocated once the table has reached its peak size.
class FlowTable final : public sim::EventHandler {
 public:
  using Index = std::uint32_t;
  using Timeouts = std::array<sim::Time, kFlowStateCount>;

  // Told of an entry just before the table removes it (timeout, or an RST under Linux
  // rules); not of remove() calls.
  class Observer {
   public:
    virtual ~Observer() = default;
    virtual void flow_removed(Index entry) = 0;
  };

  struct Hit {
    Index entry;
    FlowDirection direction;
  };

  // linux_rules: see NatGatewayConfig::linux_conntrack.
  FlowTable(sim::Simulator& sim, const Timeouts& timeouts, bool linux_rules,
            Observer* observer = nullptr);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Bytes a tracked flow holds: its entry, generation, two keys and its pending expiry event.
  static constexpr std::size_t bytes_per_flow() {
    return sizeof(Entry) + sizeof(std::uint32_t) + 2 * (sizeof(std::uint32_t) + 2) +
           sim::Simulator::kBytesPerEvent;
  }

  // The flow whose segments from `src` to `dst` this is, and their direction.
  [[nodiscard]] std::optional<Hit> find(Endpoint src, Endpoint dst) const;
  [[nodiscard]] bool contains(Endpoint src, Endpoint dst) const {
    return keys_.contains(FourTuple{src, dst});
  }
  // A new flow from its first segment (flow_start(first).state must not be kNone), whose
  // replies travel from reply_src to reply_dst. Neither key may be in use.
  Index insert(const Segment& first, Endpoint reply_src, Endpoint reply_dst);
  // flow_step() on the entry, then its timer. On kRemoved (Linux rules only) the entry is
  // gone when this returns; without Linux rules that step leaves it in CLOSE instead.
  FlowStep update(Hit hit, const Segment& segment);
  void remove(Index entry);

  [[nodiscard]] FlowState state(Index entry) const { return entries_[entry].track.state; }
  // The (src, dst) of the entry's first segment, and of the replies, as given to insert().
  [[nodiscard]] const FourTuple& original(Index entry) const { return entries_[entry].original; }
  [[nodiscard]] const FourTuple& reply(Index entry) const { return entries_[entry].reply; }
  [[nodiscard]] std::size_t size() const { return entries_.live(); }
  // Entry indices stay below this.
  [[nodiscard]] std::size_t peak_size() const { return entries_.size(); }
  [[nodiscard]] const std::array<std::uint64_t, kFlowStateCount>& by_state() const {
    return by_state_;
  }
  [[nodiscard]] const Timeouts& timeouts() const { return timeouts_; }

  void handle(const sim::Event& event) override;

 private:
  static constexpr std::uint16_t kExpire = 1;

  // One cache line: everything a segment reads or writes.
  struct alignas(64) Entry {
    sim::Time deadline = 0;
    sim::Time queued_at = 0;  // of the entry's live expiry event
    FlowTrack track;
    std::uint8_t flipped = 0;  // 1 once a reopening SYN came from the reply side
    FourTuple original;
    FourTuple reply;
  };
  static_assert(sizeof(Entry) == 64);

  // A key is entry << 1 | its direction at creation; its tuple is read from the entry, so
  // that the index holds four bytes a key and a lookup's one compare reads the entry the
  // segment needs next.
  [[nodiscard]] const FourTuple& tuple(std::uint32_t key) const {
    const Entry& e = entries_[key >> 1U];
    return (key & 1U) != 0 ? e.reply : e.original;
  }
  struct KeyHash {
    using is_transparent = void;
    using is_avalanching = std::true_type;
    const FlowTable* table;
    std::size_t operator()(const FourTuple& t) const { return hash_value(t); }
    std::size_t operator()(std::uint32_t key) const { return hash_value(table->tuple(key)); }
  };
  struct KeyEqual {
    using is_transparent = void;
    const FlowTable* table;
    bool operator()(std::uint32_t a, std::uint32_t b) const { return a == b; }
    bool operator()(const FourTuple& t, std::uint32_t key) const { return table->tuple(key) == t; }
    bool operator()(std::uint32_t key, const FourTuple& t) const { return table->tuple(key) == t; }
  };

  void refresh(Index index, Entry& e);
  void queue(Index index, Entry& e);

  sim::Simulator& sim_;
  Timeouts timeouts_;
  bool linux_rules_;
  Observer* observer_;
  sim::HandlerId handler_;
  sim::SlotPool<Entry> entries_;
  // By entry: the generation its live expiry event carries; older events are stale.
  std::vector<std::uint32_t> generations_;
  boost::unordered_flat_set<std::uint32_t, KeyHash, KeyEqual> keys_;
  std::array<std::uint64_t, kFlowStateCount> by_state_{};
};

}  // namespace tcpsim::net
