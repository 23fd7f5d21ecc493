// Builds the simulated world a validated scenario describes (topology,
// network, host stacks, applications, metrics) and runs it to its end.
#pragma once

#include <cstdint>
#include <optional>

#include "models/metrics/run_results.h"
#include "scenarios/scenario_loader.h"

namespace tcpsim::scenarios {

// `loaded` must be ok(). Throws std::invalid_argument, naming the field, for
// what validation lets through but the models cannot do.
metrics::RunResults run_scenario(const LoadResult& loaded, std::optional<std::uint64_t> seed,
                                 bool show_progress);

}  // namespace tcpsim::scenarios
