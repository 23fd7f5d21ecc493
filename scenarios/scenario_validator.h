// Semantic checks of a parsed scenario: every problem at once, each naming its field path,
// and the per-group values (kernel settings, addresses) the checks derive.
#pragma once

#include <filesystem>
#include <vector>

#include "scenarios/problem.h"
#include "scenarios/resolved_group.h"
#include "scenarios/scenario.pb.h"

namespace tcpsim::scenarios {

struct Validation {
  // One per scenario group, in order (with the preset and no addresses where the group's
  // block is invalid).
  std::vector<ResolvedGroup> groups;
  // Field paths set, locations left to the caller.
  std::vector<Problem> problems;
};

// `base_dir` is the folder relative paths in the scenario (trace files) are resolved against.
Validation validate_scenario(const scenario::Scenario& scenario,
                             const std::filesystem::path& base_dir);

}  // namespace tcpsim::scenarios
