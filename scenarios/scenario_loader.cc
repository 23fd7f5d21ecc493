#include "scenarios/scenario_loader.h"

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "scenarios/field_locator.h"
#include "scenarios/kernel_resolver.h"
#include "scenarios/overrides.h"
#include "scenarios/text_format_reader.h"

namespace tcpsim::scenarios {
namespace {

struct AppliedOverride {
  std::string path;  // canonical
  std::string text;  // as given
};

// `path` is `prefix` or lies inside it.
bool within(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

// Places a validation problem: at the override that last set its field, else where the text
// wrote it, else at the file alone.
void place(Problem& p, const std::string& file, const std::vector<AppliedOverride>& applied,
           const FieldLocator& locator) {
  for (auto it = applied.rbegin(); it != applied.rend(); ++it) {
    if (within(p.field_path, it->path)) {
      p.file = "--set " + it->text;
      return;
    }
  }
  p.file = file;
  if (const auto at = locator.locate(p.field_path)) {
    p.line = at->line;
    p.col = at->col;
  }
}

}  // namespace

const ResolvedGroup* LoadResult::group(std::string_view name) const {
  return resolved ? resolved->group(name) : nullptr;
}

std::string LoadResult::resolved_text() const {
  std::string text;
  if (!scenario) return text;
  if (!resolved) {
    google::protobuf::TextFormat::PrintToString(*scenario, &text);
    return text;
  }
  scenario::Scenario expanded = *scenario;
  for (std::size_t g = 0; g < resolved->groups.size(); ++g) {
    write_kernel(resolved->groups[g].kernel,
                 *expanded.mutable_groups(static_cast<int>(g))->mutable_kernel());
  }
  for (std::size_t k = 0; k < resolved->gateways.size(); ++k) {
    write_gateway(resolved->gateways[k].config,
                  *expanded.mutable_nat_gateways(static_cast<int>(k)));
  }
  google::protobuf::TextFormat::PrintToString(expanded, &text);
  return text;
}

LoadResult load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.file = path;
    result.problems.push_back(
        Problem{path, 0, 0, {}, fmt::format("cannot read: {}", std::strerror(errno))});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_scenario_text(text.str(), path, overrides);
}

LoadResult load_scenario_text(const std::string& text, const std::string& file_name,
                              const std::vector<std::string>& overrides) {
  LoadResult result;
  result.file = file_name;
  scenario::Scenario message;
  google::protobuf::TextFormat::ParseInfoTree tree;
  if (!read_text_format(text, file_name, message, tree, result.problems)) return result;

  std::vector<AppliedOverride> applied;
  for (const std::string& assignment : overrides) {
    try {
      applied.push_back({apply_override(message, assignment), assignment});
    } catch (const std::invalid_argument& e) {
      result.problems.push_back(Problem{"--set " + assignment, 0, 0, {}, e.what()});
    }
  }

  std::filesystem::path base_dir = std::filesystem::path(file_name).parent_path();
  if (base_dir.empty()) base_dir = ".";
  Resolution validation = resolve_scenario(message, base_dir);
  const FieldLocator locator(scenario::Scenario::descriptor(), &tree);
  // In the order of the text; problems it cannot place keep their order, after the others.
  const auto place_all = [&](std::vector<Problem>& found) {
    for (Problem& p : found) place(p, file_name, applied, locator);
    std::stable_sort(found.begin(), found.end(), [](const Problem& a, const Problem& b) {
      const auto key = [](const Problem& p) {
        return p.line > 0 ? std::pair{p.line, p.col}
                          : std::pair{std::numeric_limits<int>::max(), 0};
      };
      return key(a) < key(b);
    });
  };
  place_all(validation.problems);
  place_all(validation.warnings);
  for (Problem& p : validation.problems) result.problems.push_back(std::move(p));
  result.warnings = std::move(validation.warnings);
  if (result.problems.empty()) result.resolved = std::move(validation.scenario);
  result.scenario = std::move(message);
  return result;
}

}  // namespace tcpsim::scenarios
