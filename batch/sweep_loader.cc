#include "batch/sweep_loader.h"

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "scenarios/field_locator.h"
#include "scenarios/field_path.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/text_format_reader.h"

namespace tcpsim::batch {
namespace {

// The sweep field that gives parameter i its value: the range, or the value in the list.
std::string value_field(const scenario::Sweep& sweep, std::size_t i, const std::string& value) {
  const std::string parameter = scenarios::indexed("sweep.parameters", static_cast<int>(i));
  const scenario::Parameter& p = sweep.parameters(static_cast<int>(i));
  for (int j = 0; j < p.values_size(); ++j) {
    if (p.values(j) == value) return parameter + "." + scenarios::indexed("values", j);
  }
  return parameter + (p.has_range() ? ".range" : ".path");
}

}  // namespace

LoadedSweep load_sweep(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadedSweep loaded;
    loaded.file = path;
    loaded.problems.push_back(
        scenarios::Problem{path, 0, 0, {}, fmt::format("cannot read: {}", std::strerror(errno))});
    return loaded;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_sweep_text(text.str(), path);
}

LoadedSweep load_sweep_text(std::string text, const std::string& path, bool check_points) {
  LoadedSweep loaded;
  loaded.file = path;
  loaded.text = std::move(text);

  scenario::Scenario message;
  google::protobuf::TextFormat::ParseInfoTree tree;
  if (!scenarios::read_text_format(loaded.text, path, message, tree, loaded.problems)) {
    return loaded;
  }
  if (!loaded.problems.empty()) return loaded;
  loaded.scenario_name =
      message.name().empty() ? std::filesystem::path(path).stem().string() : message.name();
  loaded.scenario_seed = message.seed();
  scenario::Scenario base = message;
  base.clear_sweep();
  google::protobuf::TextFormat::PrintToString(base, &loaded.base_scenario_text);

  if (!message.has_sweep()) {
    loaded.problems.push_back(scenarios::Problem{path, 0, 0, "sweep", "the scenario has no sweep"});
    return loaded;
  }
  loaded.plan = plan_sweep(message);
  const scenarios::FieldLocator locator(scenario::Scenario::descriptor(), &tree);
  for (scenarios::Problem p : loaded.plan.problems) {
    p.file = path;
    if (const auto at = locator.locate(p.field_path)) {
      p.line = at->line;
      p.col = at->col;
    }
    loaded.problems.push_back(std::move(p));
  }
  if (!loaded.problems.empty() || !check_points) return loaded;

  // Each point's scenario, once. A problem a swept value causes is placed at that value in the
  // sweep block; the same problem at several points is reported once, with their count.
  struct Seen {
    scenarios::Problem problem;
    std::size_t points = 0;
    std::string first;  // "point P (name=value, ...)"
  };
  std::vector<Seen> seen;
  std::set<std::uint64_t> checked;
  for (const PlannedRun& run : loaded.plan.runs) {
    if (!checked.insert(run.point).second) continue;
    const scenarios::LoadResult point =
        scenarios::load_scenario_text(loaded.text, path, run.overrides);
    std::string where;
    for (std::size_t i = 0; i < run.values.size(); ++i) {
      where +=
          fmt::format("{}{}={}", i == 0 ? "" : ", ", loaded.plan.parameter_names[i], run.values[i]);
    }
    for (scenarios::Problem p : point.problems) {
      for (std::size_t i = 0; i < run.overrides.size(); ++i) {
        if (p.file != "--set " + run.overrides[i]) continue;
        p.message = fmt::format("{}: {}", p.field_path, p.message);
        p.field_path = value_field(message.sweep(), i, run.values[i]);
        p.file = path;
        if (const auto at = locator.locate(p.field_path)) {
          p.line = at->line;
          p.col = at->col;
        }
        break;
      }
      const auto same = std::find_if(seen.begin(), seen.end(), [&](const Seen& s) {
        return s.problem.file == p.file && s.problem.line == p.line && s.problem.col == p.col &&
               s.problem.field_path == p.field_path && s.problem.message == p.message;
      });
      if (same != seen.end()) {
        ++same->points;
      } else {
        seen.push_back({std::move(p), 1, fmt::format("point {} ({})", run.point, where)});
      }
    }
  }
  for (Seen& s : seen) {
    s.problem.message = s.points == 1 ? fmt::format("at {}: {}", s.first, s.problem.message)
                                      : fmt::format("at {} points, first {}: {}", s.points, s.first,
                                                    s.problem.message);
    loaded.problems.push_back(std::move(s.problem));
  }
  return loaded;
}

}  // namespace tcpsim::batch
