// Loads a scenario file for `tcpsim sweep`: its sweep block expanded into runs, the block's
// problems placed at file:line:col, and every point's scenario validated.
#pragma once

#include <string>
#include <vector>

#include "batch/run_plan.h"
#include "scenarios/problem.h"

namespace tcpsim::batch {

struct LoadedSweep {
  std::string file;
  std::string text;                // the file as read
  std::string scenario_name;       // Scenario.name, or the file's stem
  std::string base_scenario_text;  // the scenario with its sweep cleared, in text format
  std::uint64_t scenario_seed = 0;
  RunPlan plan;
  // Syntax problems, then the sweep block's, then those of the points' scenarios (their
  // message naming the point's values).
  std::vector<scenarios::Problem> problems;

  [[nodiscard]] bool ok() const { return problems.empty(); }
};

LoadedSweep load_sweep(const std::string& path);

}  // namespace tcpsim::batch
