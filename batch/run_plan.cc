#include "batch/run_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include "batch/run_number.h"
#include "batch/skip_condition.h"
#include "scenarios/field_path.h"
#include "scenarios/limits.h"
#include "scenarios/overrides.h"
#include "sim/random_stream.h"

namespace tcpsim::batch {
namespace {

using scenarios::Problem;

constexpr double kRangeTolerance = 1e-9;
// More could not fit in a sweep's runs.
constexpr std::size_t kMaxRangeValues = scenarios::limits::kMaxSweepRuns;

std::string parameter_field(int i, std::string_view field = {}) {
  return scenarios::join_field_path(scenarios::indexed("sweep.parameters", i), field);
}

// The values of a parameter, or nullopt with problems added.
std::optional<std::vector<std::string>> values_of(const scenario::Parameter& p, int i,
                                                  std::vector<Problem>& problems) {
  if (!p.values().empty() && p.has_range()) {
    problems.push_back(Problem::of_field(parameter_field(i), "give `values` or `range`, not both"));
    return std::nullopt;
  }
  if (!p.has_range()) {
    if (p.values().empty()) {
      problems.push_back(Problem::of_field(parameter_field(i), "needs `values` or a `range`"));
      return std::nullopt;
    }
    return std::vector<std::string>(p.values().begin(), p.values().end());
  }
  const scenario::Range& r = p.range();
  if (!(r.step() > 0) || !std::isfinite(r.step())) {
    problems.push_back(Problem::of_field(parameter_field(i, "range.step"), "must be > 0"));
    return std::nullopt;
  }
  if (!std::isfinite(r.from()) || !std::isfinite(r.to()) || r.to() < r.from()) {
    problems.push_back(Problem::of_field(parameter_field(i, "range.to"), "must be >= from"));
    return std::nullopt;
  }
  const double count = std::floor((r.to() - r.from()) / r.step() + kRangeTolerance) + 1;
  if (count > static_cast<double>(kMaxRangeValues)) {
    problems.push_back(Problem::of_field(parameter_field(i, "range"),
                                         fmt::format("more than {} values (a sweep makes "
                                                     "at most {} runs)",
                                                     kMaxRangeValues, kMaxRangeValues)));
    return std::nullopt;
  }
  std::vector<std::string> values;
  for (std::size_t k = 0; k < static_cast<std::size_t>(count); ++k) {
    values.push_back(fmt::format("{}", r.from() + static_cast<double>(k) * r.step()));
  }
  return values;
}

// Applies each value to a copy of the scenario as --set would.
void check_values(const scenario::Scenario& scenario, const scenario::Parameter& p, int i,
                  const std::vector<std::string>& values, std::vector<Problem>& problems) {
  const std::string path = p.path();
  if (path.empty()) {
    problems.push_back(Problem::of_field(parameter_field(i, "path"), "required"));
    return;
  }
  if (path == "sweep" || path.starts_with("sweep.") || path.starts_with("sweep[")) {
    problems.push_back(Problem::of_field(parameter_field(i, "path"), "cannot sweep the sweep"));
    return;
  }
  std::vector<std::pair<std::size_t, std::string>> failures;
  for (std::size_t j = 0; j < values.size(); ++j) {
    scenario::Scenario copy = scenario;
    try {
      scenarios::apply_override(copy, path + "=" + values[j]);
    } catch (const scenarios::FieldPathError& e) {
      problems.push_back(Problem::of_field(parameter_field(i, "path"), e.what()));
      return;
    } catch (const std::invalid_argument& e) {
      failures.emplace_back(j, e.what());
    }
  }
  if (failures.empty()) return;
  const bool all_same = failures.size() == values.size() &&
                        std::all_of(failures.begin(), failures.end(), [&](const auto& f) {
                          return f.second == failures.front().second;
                        });
  if (all_same && values.size() > 1) {
    problems.push_back(Problem::of_field(parameter_field(i, "path"), failures.front().second));
    return;
  }
  for (const auto& [j, message] : failures) {
    const std::string field =
        p.has_range() ? std::string("range") : scenarios::indexed("values", static_cast<int>(j));
    problems.push_back(Problem::of_field(parameter_field(i, field), message));
  }
}

// A dimension of the grid: one parameter, or the parameters of one zip group.
struct Dimension {
  std::vector<std::size_t> parameters;
  std::size_t size = 0;
};

}  // namespace

const PlannedRun* RunPlan::find(std::uint64_t run) const {
  const auto it = std::lower_bound(runs.begin(), runs.end(), run,
                                   [](const PlannedRun& r, std::uint64_t n) { return r.run < n; });
  return it != runs.end() && it->run == run ? &*it : nullptr;
}

RunPlan plan_sweep(const scenario::Scenario& scenario) {
  RunPlan plan;
  const scenario::Sweep& sweep = scenario.sweep();
  std::vector<Problem>& problems = plan.problems;
  if (sweep.parameters().empty()) {
    problems.push_back(
        Problem::of_field("sweep.parameters", "a sweep needs at least one parameter"));
    return plan;
  }
  plan.replications = std::max<std::uint32_t>(sweep.replications(), 1);
  plan.common_random_numbers = sweep.common_random_numbers();

  std::vector<std::vector<std::string>> values;
  std::set<std::string> names;
  std::vector<Dimension> dimensions;
  std::map<std::string, std::size_t> zip_dimension;
  for (int i = 0; i < sweep.parameters_size(); ++i) {
    const scenario::Parameter& p = sweep.parameters(i);
    const std::string name = p.name().empty() ? p.path() : p.name();
    if (!name.empty() && !names.insert(name).second) {
      problems.push_back(Problem::of_field(parameter_field(i, p.name().empty() ? "path" : "name"),
                                           fmt::format("parameter '{}' named twice", name)));
    }
    plan.parameter_names.push_back(name);
    plan.parameter_paths.push_back(p.path());
    auto v = values_of(p, i, problems);
    if (v) check_values(scenario, p, i, *v, problems);
    values.push_back(v.value_or(std::vector<std::string>{}));
    const std::size_t size = values.back().size();
    const auto index = static_cast<std::size_t>(i);
    if (p.zip_group().empty()) {
      dimensions.push_back({{index}, size});
      continue;
    }
    const auto [it, added] = zip_dimension.emplace(p.zip_group(), dimensions.size());
    if (added) {
      dimensions.push_back({{index}, size});
      continue;
    }
    Dimension& d = dimensions[it->second];
    if (v && d.size != size) {
      problems.push_back(
          Problem::of_field(parameter_field(i, "zip_group"),
                            fmt::format("zip group '{}' has parameters with {} and {} values",
                                        p.zip_group(), d.size, size)));
    }
    d.parameters.push_back(index);
    d.size = std::min(d.size, size);
  }

  std::vector<SkipCondition> conditions;
  for (int i = 0; i < sweep.skip_if_size(); ++i) {
    const std::string field = scenarios::indexed("sweep.skip_if", i);
    try {
      conditions.push_back(SkipCondition::parse(sweep.skip_if(i)));
      const auto is_name = [&](const std::string& s, bool quoted) {
        return !quoted && names.contains(s);
      };
      for (const SkipCondition::Comparison& c : conditions.back().comparisons()) {
        if (!is_name(c.left, c.left_quoted) && !is_name(c.right, c.right_quoted)) {
          problems.push_back(Problem::of_field(
              field, fmt::format("neither {} nor {} is a parameter", c.left, c.right)));
          break;
        }
      }
    } catch (const std::invalid_argument& e) {
      problems.push_back(Problem::of_field(field, e.what()));
    }
  }
  if (!problems.empty()) return plan;

  // The grid's size, refused before it is expanded when it exceeds the bound.
  std::uint64_t total_points = 1;
  for (const Dimension& d : dimensions) {
    if (d.size != 0 && total_points > scenarios::limits::kMaxSweepRuns / d.size) {
      total_points = scenarios::limits::kMaxSweepRuns + 1;
      break;
    }
    total_points *= d.size;
  }
  if (total_points > scenarios::limits::kMaxSweepRuns / plan.replications) {
    problems.push_back(Problem::of_field(
        "sweep",
        fmt::format("the grid times {} replication{} makes more than {} runs", plan.replications,
                    plan.replications == 1 ? "" : "s", scenarios::limits::kMaxSweepRuns)));
    return plan;
  }

  // Every point of the grid, in lexicographic order of its value indices.
  std::vector<std::uint64_t> coordinates(dimensions.size(), 0);
  for (std::size_t done = 0; done < total_points; ++done) {
    std::vector<std::string> point_values(values.size());
    for (std::size_t d = 0; d < dimensions.size(); ++d) {
      for (const std::size_t p : dimensions[d].parameters) {
        point_values[p] = values[p][coordinates[d]];
      }
    }
    std::map<std::string, std::string> named;
    for (std::size_t p = 0; p < values.size(); ++p)
      named[plan.parameter_names[p]] = point_values[p];
    const bool skip = std::any_of(conditions.begin(), conditions.end(),
                                  [&](const SkipCondition& c) { return c.holds(named); });
    if (skip) {
      ++plan.skipped_points;
    } else {
      std::vector<std::string> overrides;
      for (std::size_t p = 0; p < values.size(); ++p) {
        overrides.push_back(plan.parameter_paths[p] + "=" + point_values[p]);
      }
      const std::uint64_t point = shell_number(coordinates);
      std::vector<std::uint64_t> run_coordinates = coordinates;
      run_coordinates.push_back(0);
      for (std::uint32_t r = 0; r < plan.replications; ++r) {
        run_coordinates.back() = r;
        PlannedRun run;
        run.run = shell_number(run_coordinates);
        run.point = point;
        run.replication = r;
        run.seed = sim::derive_seed(scenario.seed(), plan.common_random_numbers ? r : run.run);
        run.values = point_values;
        run.overrides = overrides;
        plan.runs.push_back(std::move(run));
      }
    }
    // Next point: the last dimension varies fastest.
    for (std::size_t d = dimensions.size(); d-- > 0;) {
      if (++coordinates[d] < dimensions[d].size) break;
      coordinates[d] = 0;
    }
  }
  if (plan.runs.empty() && plan.skipped_points > 0) {
    problems.push_back(Problem::of_field(
        "sweep.skip_if",
        fmt::format("skips every point of the grid ({}): nothing to run", plan.skipped_points)));
    return plan;
  }
  std::sort(plan.runs.begin(), plan.runs.end(),
            [](const PlannedRun& a, const PlannedRun& b) { return a.run < b.run; });
  return plan;
}

}  // namespace tcpsim::batch
