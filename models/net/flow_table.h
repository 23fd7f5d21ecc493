// The flows a middle node tracks (a NAT gateway's mappings, a host's conntrack table): each
// found by the (source, destination) its segments carry in either direction, moved by
// flow_step() and removed after its state's timeout without traffic.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "models/net/address.h"
#include "models/net/flow_key_index.h"
#include "models/net/flow_state.h"
#include "models/net/segment.h"
#include "sim/event.h"
#include "sim/fifo_timer_list.h"
#include "sim/huge_page_allocator.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"
#include "sim/time.h"

namespace tcpsim::net {

// Each entry expires at (last counted segment + its state's timeout), kept in the entry. The
// states that share a timeout form a class with one FIFO timer list (sim::FifoTimerList): an
// entry is appended to its class's list when it enters the class, so that each list is in
// expiry order and the simulator holds one event per list instead of one per entry. A segment
// that keeps the class only moves the deadline later and touches nothing else; when the list
// brings an entry whose deadline moved, a simulator event is queued for that deadline. The
// lists reclaim the places of entries that left a class soon after entering it. A
// segment costs one hash lookup and one entry (one cache line), and nothing is allocated once
// the table has reached its peak size.
class FlowTable final : public sim::EventHandler, private sim::FifoTimerList::Relocation {
 public:
  using Index = std::uint32_t;
  using Timeouts = std::array<sim::Time, kFlowStateCount>;

  // Told of an entry just before the table removes it (timeout, or an RST under Linux
  // rules); not of remove() calls.
  class Observer {
   public:
    virtual ~Observer() = default;
    virtual void flow_removed(Index entry) = 0;
    // Told of an entry whose timer comes next, so that it can start loading what
    // flow_removed() will read.
    virtual void flow_expiring(Index /*entry*/) {}
    // Told of the entry whose timer comes after that one, so that it can start loading what
    // flow_expiring() will read.
    virtual void flow_expiring_later(Index /*entry*/) {}
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

  // Bytes a tracked flow holds: its entry, two keys and its timer list places (one for each
  // class it passes through, three in an ordinary lifecycle).
  static constexpr std::size_t bytes_per_flow() {
    return sizeof(Entry) + 2 * (sizeof(std::uint32_t) + 2) +
           3 * sim::FifoTimerList::bytes_per_entry();
  }

  // The flow whose segments from `src` to `dst` this is, and their direction.
  [[nodiscard]] std::optional<Hit> find(Endpoint src, Endpoint dst) const;
  // As find(), trying first the flow `hint` names (0: none) and leaving in it the flow
  // found (0 if none): a sender that keeps the hint between the segments of a connection
  // skips the hash lookup while the flow lives.
  [[nodiscard]] std::optional<Hit> find(Endpoint src, Endpoint dst, std::uint32_t& hint) const {
    const std::uint32_t key = hint - 1;
    if (hint != 0 && (key >> 1U) < entries_.size() && tuple(key).is(src, dst)) [[likely]] {
      return hit_of(key);
    }
    return find_unhinted(src, dst, hint);
  }
  [[nodiscard]] bool contains(Endpoint src, Endpoint dst) const {
    return key_of(FourTuple{src, dst}) != FlowKeyIndex::kNone;
  }
  // A new flow from its first segment (flow_start(first).state must not be kNone), whose
  // replies travel from reply_src to reply_dst. Neither key may be in use.
  Index insert(const Segment& first, Endpoint reply_src, Endpoint reply_dst);
  // The hint under which find() reaches `entry` from segments that travel as its first did.
  [[nodiscard]] static std::uint32_t original_hint(Index entry) { return (entry << 1U) + 1; }
  // flow_step() on the entry, then its timer. On kRemoved (Linux rules only) the entry is
  // gone when this returns; without Linux rules that step leaves it in CLOSE instead.
  FlowStep update(Hit hit, const Segment& segment) {
    Entry& e = entries_[hit.entry];
    const FlowState before = e.track.state;
    const FlowStep step = flow_step(e.track, hit.direction, segment);
    --by_state_[static_cast<std::size_t>(before)];
    ++by_state_[static_cast<std::size_t>(e.track.state)];
    if (step == FlowStep::kTracked) [[likely]] {
      refresh(hit.entry, e);
      return step;
    }
    return update_special(hit, e, step);
  }
  void remove(Index entry);
  // Room for `flows` entries and their keys without a rehash or a move.
  void reserve(std::size_t flows);

  [[nodiscard]] FlowState state(Index entry) const { return entries_[entry].track.state; }
  // The (src, dst) of the entry's first segment, and of the replies, as given to insert().
  [[nodiscard]] FourTuple original(Index entry) const { return entries_[entry].original.get(); }
  [[nodiscard]] FourTuple reply(Index entry) const { return entries_[entry].reply.get(); }
  // A word the table's owner keeps with the flow (0 when inserted); it shares the line a
  // segment reads.
  [[nodiscard]] std::uint64_t note(Index entry) const { return entries_[entry].note; }
  void set_note(Index entry, std::uint64_t note) { entries_[entry].note = note; }
  [[nodiscard]] std::size_t size() const { return entries_.live(); }
  // Entry indices stay below this.
  [[nodiscard]] std::size_t peak_size() const { return entries_.size(); }
  [[nodiscard]] const std::array<std::uint64_t, kFlowStateCount>& by_state() const {
    return by_state_;
  }
  [[nodiscard]] const Timeouts& timeouts() const { return timeouts_; }

  void handle(const sim::Event& event) override;

 private:
  void timer_moved(std::uint32_t target, std::uint32_t /*tag*/,
                   sim::FifoTimerList::Handle to) override {
    entries_[target].timer = to;
  }

  static constexpr sim::EventKind kExpire = 1;      // a simulator event, a = its token
  static constexpr sim::EventKind kListExpire = 2;  // from a class's timer list

  // A FourTuple without its endpoints' padding.
  struct StoredTuple {
    std::uint32_t local_address = 0;
    std::uint32_t remote_address = 0;
    std::uint16_t local_port = 0;
    std::uint16_t remote_port = 0;

    StoredTuple() = default;
    explicit StoredTuple(const FourTuple& t)
        : local_address(t.local.address.value),
          remote_address(t.remote.address.value),
          local_port(t.local.port),
          remote_port(t.remote.port) {}
    [[nodiscard]] FourTuple get() const {
      return FourTuple{Endpoint{Ipv4{local_address}, local_port},
                       Endpoint{Ipv4{remote_address}, remote_port}};
    }
    [[nodiscard]] bool is(Endpoint local, Endpoint remote) const {
      return local_address == local.address.value && remote_address == remote.address.value &&
             local_port == local.port && remote_port == remote.port;
    }
    [[nodiscard]] bool is(const FourTuple& t) const { return is(t.local, t.remote); }
  };

  // One cache line: everything a segment reads or writes.
  struct alignas(64) Entry {
    sim::Time deadline = 0;
    // The entry's place in lists_[timer_class], or while queued the token of its one live
    // simulator event (the event carries it: an event whose token differs is stale).
    std::uint64_t timer = 0;
    FlowTrack track;
    std::uint8_t flipped = 0;  // 1 once a reopening SYN came from the reply side
    std::uint8_t timer_class = 0;
    std::uint8_t queued = 0;  // 1 while timer is a simulator event's token
    StoredTuple original;
    StoredTuple reply;
    std::uint64_t note = 0;
  };
  static_assert(sizeof(Entry) == 64);

  // A key is entry << 1 | its direction at creation; its tuple is read from the entry, so
  // that the index holds four bytes a key and a lookup's one compare reads the entry the
  // segment needs next.
  [[nodiscard]] const StoredTuple& tuple(std::uint32_t key) const {
    const Entry& e = entries_[key >> 1U];
    return (key & 1U) != 0 ? e.reply : e.original;
  }
  [[nodiscard]] Hit hit_of(std::uint32_t key) const {
    const Index entry = key >> 1U;
    return Hit{entry, static_cast<FlowDirection>((key ^ entries_[entry].flipped) & 1U)};
  }
  [[nodiscard]] std::uint32_t key_of(const FourTuple& t) const {
    return keys_.find(table_hash(t), [&](std::uint32_t key) { return tuple(key).is(t); });
  }

  [[nodiscard]] std::optional<Hit> find_unhinted(Endpoint src, Endpoint dst,
                                                 std::uint32_t& hint) const;
  FlowStep update_special(Hit hit, Entry& e, FlowStep step);
  // Within a class the deadline only moves later, which the timer finds when it comes due.
  void refresh(Index index, Entry& e) {
    const auto state = static_cast<std::size_t>(e.track.state);
    e.deadline = sim_.now() + timeouts_[state];
    const std::uint8_t c = class_of_[state];
    if (c != e.timer_class) [[unlikely]] {
      change_class(index, e, c);
    }
  }
  void change_class(Index index, Entry& e, std::uint8_t timer_class);
  void start_timer(Index index, Entry& e, std::uint8_t timer_class);
  void stop_timer(Entry& e);
  void queue(Index index, Entry& e);
  void expire(Index index);
  // Starts loading the entries the class's timer list hands out next, and what their
  // removal reads.
  void prefetch_next(std::uint8_t timer_class);
  // Starts loading the buckets of the entry's two keys, which erase() writes.
  void prefetch_keys(const Entry& e) const {
    keys_.prefetch(table_hash(e.original.get()));
    keys_.prefetch(table_hash(e.reply.get()));
  }
  void erase(Index index, Entry& e);

  sim::Simulator& sim_;
  Timeouts timeouts_;
  bool linux_rules_;
  Observer* observer_;
  sim::HandlerId handler_;
  sim::SlotPool<Entry, nullptr, sim::HugePageAllocator<Entry>> entries_;
  std::array<std::uint8_t, kFlowStateCount> class_of_{};    // by state: index into lists_
  std::vector<std::unique_ptr<sim::FifoTimerList>> lists_;  // one per distinct timeout
  std::uint64_t tokens_ = 0;
  FlowKeyIndex keys_;
  std::array<std::uint64_t, kFlowStateCount> by_state_{};
};

}  // namespace tcpsim::net
