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

// The same from the text of a scenario file, e.g. the scenario_text a study stores; `path`
// names it in problems and gives the scenario its name when it has none. Without
// `check_points` the points' scenarios are not validated: the plan alone.
LoadedSweep load_sweep_text(std::string text, const std::string& path, bool check_points = true);

}  // namespace tcpsim::batch
