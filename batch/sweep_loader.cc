#include "batch/sweep_loader.h"

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "scenarios/field_locator.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/text_format_reader.h"

namespace tcpsim::batch {

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

  // Each point's scenario, once.
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
      p.message = fmt::format("at point {} ({}): {}", run.point, where, p.message);
      loaded.problems.push_back(std::move(p));
    }
  }
  return loaded;
}

}  // namespace tcpsim::batch
