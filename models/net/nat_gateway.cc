#include "models/net/nat_gateway.h"

#include <numeric>
#include <utility>

namespace tcpsim::net {

NatGateway::NatGateway(sim::Simulator& sim, NatGatewayConfig config, std::uint64_t seed,
                       std::uint64_t entity)
    : sim_(sim),
      config_(std::move(config)),
      flows_(sim, config_.timeouts, config_.linux_conntrack, this),
      ports_(config_, seed, entity) {}

std::uint64_t NatGateway::allocation_failures() const {
  return std::accumulate(counters_.allocation_failures.begin(), counters_.allocation_failures.end(),
                         std::uint64_t{0});
}

void NatGateway::reserve(std::size_t flows) {
  flows_.reserve(flows);
  leases_.reserve(flows);
}

Middlebox::Verdict NatGateway::outbound(Segment& segment, std::uint32_t& flow_hint,
                                        std::uint64_t note) {
  if (const auto hit = flows_.find(segment.src, segment.dst, flow_hint)) [[likely]] {
    const Endpoint public_endpoint = flows_.reply(hit->entry).remote;
    flows_.update(*hit, segment);
    segment.src = public_endpoint;
    ++counters_.translated;
    return Verdict::kForward;
  }
  if (!segment.syn() || segment.ack_flag() || segment.rst()) {
    ++counters_.dropped_no_mapping;
    if (!config_.reset_expired || segment.rst()) return Verdict::kDrop;
    ++counters_.resets_sent;
    return Verdict::kReset;
  }
  if (config_.max_entries != 0 && flows_.size() >= config_.max_entries) {
    return refuse(NatFailure::kTableFull);
  }
  NatFailure failure{};
  const std::optional<NatPortTable::Lease> lease =
      ports_.lease(segment.src, segment.dst, flows_, failure);
  if (!lease) return refuse(failure);
  const FlowTable::Index entry = flows_.insert(segment, segment.dst, lease->public_endpoint);
  flows_.set_note(entry, note);
  if (entry >= leases_.size()) leases_.resize(entry + 1);
  leases_[entry] = *lease;
  flow_hint = FlowTable::original_hint(entry);
  ++counters_.mappings_created;
  ++counters_.translated;
  segment.src = lease->public_endpoint;
  return Verdict::kForward;
}

Middlebox::Verdict NatGateway::refuse(NatFailure failure) {
  ++counters_.allocation_failures[static_cast<std::size_t>(failure)];
  if (counters_.dropped_exhausted++ == 0) counters_.first_failure = sim_.now();
  if (!config_.reset_on_exhaustion) return Verdict::kDrop;
  ++counters_.resets_sent;
  return Verdict::kReset;
}

Middlebox::Verdict NatGateway::inbound(Segment& segment, std::uint32_t& flow_hint,
                                       std::uint64_t& note) {
  const auto hit = flows_.find(segment.src, segment.dst, flow_hint);
  if (!hit) [[unlikely]] {
    ++counters_.dropped_inbound_no_mapping;
    return Verdict::kDrop;
  }
  const Endpoint inside = flows_.original(hit->entry).local;
  note = flows_.note(hit->entry);
  flows_.update(*hit, segment);
  segment.dst = inside;
  ++counters_.translated;
  return Verdict::kForward;
}

void NatGateway::flow_removed(FlowTable::Index entry) { ports_.release(leases_[entry]); }

}  // namespace tcpsim::net
