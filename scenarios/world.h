// Builds the simulated world a validated scenario describes (topology,
// network, host stacks, applications, metrics) and runs it to its end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/metrics/run_results.h"
#include "scenarios/scenario_loader.h"
#include "sim/progress.h"
#include "sim/time.h"

namespace tcpsim::scenarios {

// A socket table or counters to record: host "<group>-<index>" at a simulated time.
struct SocketTableRequest {
  std::string host;
  sim::Time time = 0;
};

// `loaded` must be ok(): the resolve pass has judged the scenario, so nothing
// here refuses it. Throws std::invalid_argument for a socket table or counters of an
// unknown host or at a time outside [0, duration]. They land in
// RunResults::socket_tables and nstat_tables in the order requested. Progress, when shown, is
// redrawn on a terminal, or written to stderr as a line every `progress_log_interval` of wall
// time when stderr is a file or a pipe. A nonzero `event_limit` ends the run early once
// about that many events have run (sim::Simulator::set_event_limit), its results covering
// the simulated time reached.
metrics::RunResults run_scenario(
    const LoadResult& loaded, std::optional<std::uint64_t> seed, bool show_progress,
    const std::vector<SocketTableRequest>& socket_tables = {},
    const std::vector<SocketTableRequest>& nstat_tables = {},
    std::int64_t progress_log_interval = sim::Progress::kDefaultLogInterval,
    std::uint64_t event_limit = 0);

}  // namespace tcpsim::scenarios
