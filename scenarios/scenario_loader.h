// Loads a scenario file: parse (Protobuf text format), apply --set overrides, validate, and
// report every problem at once with file:line:col where the text tells.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/problem.h"
#include "scenarios/resolved_group.h"
#include "scenarios/scenario.pb.h"
#include "scenarios/scenario_resolver.h"

namespace tcpsim::scenarios {

struct LoadResult {
  std::string file;
  // Set whenever the text parsed, with the overrides applied, even if validation found
  // problems: check ok() before running it.
  std::optional<scenario::Scenario> scenario;
  // The typed configs every later step runs from; set exactly when ok().
  std::optional<ResolvedScenario> resolved;
  // Syntax problems, then override problems, then semantic ones in the order of the text
  // (those it cannot place last).
  std::vector<Problem> problems;
  // What runs as written but is most likely a mistake, placed as problems are.
  std::vector<Problem> warnings;

  [[nodiscard]] bool ok() const { return resolved.has_value() && problems.empty(); }
  // The group of that name, or nullptr.
  [[nodiscard]] const ResolvedGroup* group(std::string_view name) const;
  // The scenario after overrides, in text format, with every group's kernel settings written
  // out in full once it resolved (presets expanded); empty when the text did not parse.
  [[nodiscard]] std::string resolved_text() const;
};

// Reads the file at `path`. Each override is "field.path=value" (see apply_override), applied
// in order after parsing.
LoadResult load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});

// As load_scenario, with the text given; `file_name` names it in problems, and relative paths
// inside (trace files) are resolved against its folder.
LoadResult load_scenario_text(const std::string& text, const std::string& file_name,
                              const std::vector<std::string>& overrides = {});

}  // namespace tcpsim::scenarios
