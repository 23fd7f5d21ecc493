// The flows a middle node tracks (a NAT gateway's mappings, a host's conntrack table): each
// found by the (source, destination) its segments carry in either direction, moved by
// flow_step() and removed after its state's timeout without traffic.
#pragma once

#include <array>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <optional>

#include "models/net/address.h"
#include "models/net/flow_state.h"
#include "models/net/segment.h"
#include "sim/event.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"
#include "sim/time.h"

namespace tcpsim::net {

// Each entry owns one simulator timer, armed at (last counted segment + its state's timeout):
// moving it later queues nothing, so a segment costs two hash lookups at most and no
// allocation once the table has reached its peak size.
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

  struct Entry {
    FlowTrack track;
    FourTuple original;  // (src, dst) of the segments of each direction at creation
    FourTuple reply;
    sim::TimerId timer = 0;
    std::uint8_t flipped = 0;  // 1 once a reopening SYN came from the reply side
  };

  void arm(Index entry);

  sim::Simulator& sim_;
  Timeouts timeouts_;
  bool linux_rules_;
  Observer* observer_;
  sim::HandlerId handler_;
  sim::SlotPool<Entry> entries_;
  // (src, dst) -> entry << 1 | the key's direction at creation.
  boost::unordered_flat_map<FourTuple, std::uint32_t, FourTupleHash> keys_;
  std::array<std::uint64_t, kFlowStateCount> by_state_{};
};

}  // namespace tcpsim::net
