// A NAT gateway (cloud NAT products, Linux MASQUERADE) as a middle node: it gives each new
// connection from the hosts behind it a public (address, port) and translates its segments.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "models/net/flow_table.h"
#include "models/net/middlebox.h"
#include "models/net/nat_gateway_config.h"
#include "models/net/nat_port_table.h"
#include "sim/huge_page_allocator.h"
#include "sim/simulator.h"

namespace tcpsim::net {

struct NatCounters {
  std::uint64_t mappings_created = 0;
  // Outbound SYNs that got no public port, by reason (AWS: ErrorPortAllocation; Azure: SNAT
  // port exhaustion; Linux: "nf_conntrack: table full, dropping packet" for kTableFull).
  std::array<std::uint64_t, kNatFailureCount> allocation_failures{};
  std::uint64_t dropped_exhausted = 0;           // those SYNs, dropped or answered with an RST
  std::uint64_t dropped_no_mapping = 0;          // outbound segments other than a SYN, no mapping
  std::uint64_t dropped_inbound_no_mapping = 0;  // inbound segments for no mapping
  std::uint64_t resets_sent = 0;
  std::uint64_t translated = 0;  // segments forwarded, both ways
  sim::Time first_failure = -1;  // of the first allocation failure; -1: none yet
};

// A SYN (without ACK) from inside with no mapping leases a public endpoint unique toward its
// destination (NatPortTable); failing that it is dropped, so the client retries its SYN and
// then times out, or answered with an RST when reset_on_exhaustion. Any other segment from
// inside with no mapping is dropped (or, with reset_expired, answered with an RST unless it is
// an RST); one from outside with no mapping is dropped. A mapping follows the connection's
// flow state (flow_state.h, both directions) and lives its state's timeout after its last
// segment; in TIME_WAIT or CLOSE it still holds its port toward that destination only. A SYN
// that reopens a closed mapping's 4-tuple keeps its public endpoint. Each segment costs one
// hash lookup and one flow table entry; nothing is allocated per segment once the tables have
// grown.
class NatGateway final : public Middlebox, private FlowTable::Observer {
 public:
  // std::invalid_argument for a config NatPortTable refuses or negative timeouts.
  NatGateway(sim::Simulator& sim, NatGatewayConfig config, std::uint64_t seed,
             std::uint64_t entity = 0);

  using Middlebox::inbound;
  using Middlebox::outbound;
  Verdict outbound(Segment& segment, std::uint32_t& flow_hint, std::uint64_t note) override;
  Verdict inbound(Segment& segment, std::uint32_t& flow_hint, std::uint64_t& note) override;

  // Room for `flows` mappings, so that the tables do not grow while they fill.
  void reserve(std::size_t flows);

  [[nodiscard]] const NatGatewayConfig& config() const { return config_; }
  [[nodiscard]] const NatCounters& counters() const { return counters_; }
  [[nodiscard]] std::uint64_t allocation_failures() const;
  [[nodiscard]] std::size_t entries() const { return flows_.size(); }
  [[nodiscard]] std::size_t peak_entries() const { return flows_.peak_size(); }
  [[nodiscard]] const std::array<std::uint64_t, kFlowStateCount>& entries_by_state() const {
    return flows_.by_state();
  }
  // See NatPortTable: by index into config().public_addresses.
  [[nodiscard]] std::uint32_t ports_in_use(std::size_t address) const {
    return ports_.ports_in_use(address);
  }
  [[nodiscard]] std::uint32_t peak_ports_in_use(std::size_t address) const {
    return ports_.peak_ports_in_use(address);
  }
  [[nodiscard]] std::uint32_t busiest_destination() const { return ports_.busiest_destination(); }
  [[nodiscard]] std::uint32_t peak_busiest_destination() const {
    return ports_.peak_busiest_destination();
  }
  [[nodiscard]] std::uint32_t connections_to(Endpoint remote) const {
    return ports_.connections_to(remote);
  }
  [[nodiscard]] std::uint32_t host_ports(std::size_t host) const { return ports_.host_ports(host); }

 private:
  void flow_removed(FlowTable::Index entry) override;
  // The lease two timer firings ahead, then what its release writes one firing ahead.
  void flow_expiring_later(FlowTable::Index entry) override { __builtin_prefetch(&leases_[entry]); }
  void flow_expiring(FlowTable::Index entry) override { ports_.prefetch_release(leases_[entry]); }
  Verdict refuse(NatFailure failure);

  sim::Simulator& sim_;
  NatGatewayConfig config_;
  FlowTable flows_;
  NatPortTable ports_;
  // By flow table entry, touched only when a mapping starts or ends: a segment finds the
  // inside and public endpoints in the entry's keys.
  std::vector<NatPortTable::Lease, sim::HugePageAllocator<NatPortTable::Lease>> leases_;
  NatCounters counters_;
};

}  // namespace tcpsim::net
