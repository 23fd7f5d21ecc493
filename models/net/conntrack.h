// A host's own Linux conntrack table (a Kubernetes node, a host behind MASQUERADE), as the
// network's filter for that host: every flow it sends or receives takes an entry.
#pragma once

#include <array>
#include <cstdint>

#include "models/net/conntrack_config.h"
#include "models/net/flow_table.h"
#include "models/net/middlebox.h"
#include "sim/simulator.h"

namespace tcpsim::net {

struct ConntrackCounters {
  std::uint64_t entries_created = 0;
  std::uint64_t dropped_table_full = 0;  // "nf_conntrack: table full, dropping packet"
  std::uint64_t invalid = 0;             // segments left untracked (passed, as by default)
  sim::Time first_drop = -1;             // of the first table-full drop; -1: none yet
};

// A segment of no known flow takes a new entry when it can start one (flow_start(): a SYN, or a
// bare ACK picked up mid-stream); when the table holds max_entries it is dropped instead,
// whichever its direction and even if it could start nothing, since Linux allocates the entry
// before it judges the segment. Entries follow flow_step() under Linux rules and leave after
// their state's timeout. Not modelled: early_drop (on a full table Linux first evicts an
// unassured entry from the new one's hash bucket) and the garbage collector's eviction of
// unassured and closing entries (TIME_WAIT, CLOSE, ...) once a table that overflowed is 95%
// full, both of which soften the limit in a real kernel.
class Conntrack final : public Middlebox {
 public:
  Conntrack(sim::Simulator& sim, const ConntrackConfig& config);

  using Middlebox::inbound;
  using Middlebox::outbound;
  Verdict outbound(Segment& segment, std::uint32_t& flow_hint, std::uint64_t /*note*/) override {
    return track(segment, flow_hint);
  }
  Verdict inbound(Segment& segment, std::uint32_t& flow_hint, std::uint64_t& note) override {
    note = kNoNote;
    return track(segment, flow_hint);
  }

  [[nodiscard]] const ConntrackConfig& config() const { return config_; }
  [[nodiscard]] const ConntrackCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t entries() const { return flows_.size(); }
  [[nodiscard]] std::size_t peak_entries() const { return flows_.peak_size(); }
  [[nodiscard]] const std::array<std::uint64_t, kFlowStateCount>& entries_by_state() const {
    return flows_.by_state();
  }

 private:
  Verdict track(const Segment& segment, std::uint32_t& flow_hint);

  sim::Simulator& sim_;
  ConntrackConfig config_;
  FlowTable flows_;
  ConntrackCounters counters_;
};

}  // namespace tcpsim::net
