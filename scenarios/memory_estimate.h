// The memory a scenario will need at its peak, predicted before anything is built from the
// models' own per-host and per-socket costs, so that a run that cannot fit is refused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/scenario_resolver.h"

namespace tcpsim::scenarios {

struct MemoryEstimate {
  std::uint64_t hosts = 0;
  std::uint64_t host_bytes = 0;              // stacks and applications holding no connection
  std::uint64_t sockets = 0;                 // full sockets at the peak, both ends counted
  std::uint64_t records = 0;                 // TIME_WAIT and FIN_WAIT_2 records at the peak
  std::uint64_t flows = 0;                   // NAT mappings and conntrack entries at the peak
  std::uint64_t routes = 0;                  // host pairs exchanging segments, each direction
  std::vector<std::uint64_t> gateway_flows;  // the mappings of each gateway at its peak
  // Sockets, records and flows, with the applications' records of their connections, the
  // port tables they fill, the routes between hosts and their pending events.
  std::uint64_t connection_bytes = 0;
  // The program, the topology, what a node holds for its whole group (latency histograms)
  // and the results being gathered.
  std::uint64_t base_bytes = 0;

  [[nodiscard]] std::uint64_t total() const { return base_bytes + host_bytes + connection_bytes; }
  // One line: the total and its terms, in binary units.
  [[nodiscard]] std::string describe() const;
};

// Assumes every connection lives as the load and pool say (one per request without a pool),
// is closed by the side the client and server configs name, and leaves its TIME_WAIT record
// for time_wait_length; the arrival rate at its highest holds throughout. Leaked connections
// stay for the whole run.
MemoryEstimate estimate_memory(const ResolvedScenario& scenario);

}  // namespace tcpsim::scenarios
