// The runs a scenario's sweep block asks for: each (point, replication) with its stable run
// number, its seed and the overrides that make the point's scenario.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/problem.h"
#include "scenarios/scenario.pb.h"

namespace tcpsim::batch {

struct PlannedRun {
  // Stable number (see Sweep in scenario.proto): shell_number of the value indices of the
  // grid's dimensions followed by the replication.
  std::uint64_t run = 0;
  // Stable number of the point: shell_number of the value indices alone.
  std::uint64_t point = 0;
  std::uint32_t replication = 0;
  // derive_seed(scenario seed, run), or derive_seed(scenario seed, replication) with common
  // random numbers.
  std::uint64_t seed = 0;
  // One per parameter, in the sweep's order.
  std::vector<std::string> values;
  // "path=value", one per parameter, for load_scenario.
  std::vector<std::string> overrides;
};

struct RunPlan {
  std::vector<std::string> parameter_names;  // Parameter.name, or its path
  std::vector<std::string> parameter_paths;
  std::uint32_t replications = 1;
  bool common_random_numbers = false;
  // Ordered by run number; skipped points left out.
  std::vector<PlannedRun> runs;
  // Points skipped by skip_if.
  std::size_t skipped_points = 0;
  // Field paths from the scenario's root ("sweep.parameters[1].values[0]"), not placed.
  std::vector<scenarios::Problem> problems;

  [[nodiscard]] bool ok() const { return problems.empty(); }
  // The run of that number, or nullptr.
  [[nodiscard]] const PlannedRun* find(std::uint64_t run) const;
};

// Expands `scenario.sweep()`. Checks the block (a sweep without parameters is a problem) and
// each value by applying it to a copy of `scenario` as `--set` would, reporting
// apply_override's message. It does not validate the points' scenarios.
RunPlan plan_sweep(const scenario::Scenario& scenario);

}  // namespace tcpsim::batch
