#include "models/net/conntrack.h"

namespace tcpsim::net {

Conntrack::Conntrack(sim::Simulator& sim, const ConntrackConfig& config)
    : sim_(sim), config_(config), flows_(sim, config.timeouts, true) {}

Middlebox::Verdict Conntrack::track(const Segment& segment, std::uint32_t& flow_hint) {
  if (const auto hit = flows_.find(segment.src, segment.dst, flow_hint)) [[likely]] {
    if (flows_.update(*hit, segment) == FlowStep::kInvalid) ++counters_.invalid;
    return Verdict::kForward;
  }
  if (config_.max_entries != 0 && flows_.size() >= config_.max_entries) {
    if (counters_.dropped_table_full++ == 0) counters_.first_drop = sim_.now();
    return Verdict::kDrop;
  }
  if (flow_start(segment).state == FlowState::kNone) {
    ++counters_.invalid;
    return Verdict::kForward;
  }
  flows_.insert(segment, segment.dst, segment.src);
  ++counters_.entries_created;
  return Verdict::kForward;
}

}  // namespace tcpsim::net
