#include "batch/study_merge.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include "batch/point_statistics.h"
#include "batch/sweep_loader.h"

namespace tcpsim::batch {
namespace {

namespace fs = std::filesystem;

// The run number in a file name run-<n>.row.h5; nullopt for any other name.
std::optional<std::uint64_t> row_file_number(std::string_view name) {
  constexpr std::string_view kPrefix = "run-";
  constexpr std::string_view kSuffix = ".row.h5";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  const std::string_view digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  std::uint64_t n = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return n;
}

bool same_number(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// The summary rows are the same (where the series are is not part of it).
bool same_row(const io::StudyRun& a, const io::StudyRun& b) {
  return a.run == b.run && a.point == b.point && a.replication == b.replication &&
         a.seed == b.seed && a.values == b.values &&
         std::equal(a.metrics.begin(), a.metrics.end(), b.metrics.begin(), b.metrics.end(),
                    same_number);
}

// A one-run study, checked against its file name.
io::Study read_row(const std::string& file) {
  io::Study row;
  try {
    row = io::read_study(file);
  } catch (const std::exception& e) {
    throw std::invalid_argument(fmt::format("{}: not a row file ({})", file, e.what()));
  }
  if (row.runs.size() != 1) {
    throw std::invalid_argument(
        fmt::format("{}: not a row file (a study of {} runs, not one)", file, row.runs.size()));
  }
  const auto named = row_file_number(fs::path(file).filename().string());
  if (named && *named != row.runs.front().run) {
    throw std::invalid_argument(
        fmt::format("{}: holds run {}, not the run its name says", file, row.runs.front().run));
  }
  return row;
}

// Throws unless `row` (from `file`) belongs to the study `first` (from `first_file`).
void check_same_study(const io::Study& first, const std::string& first_file, const io::Study& row,
                      const std::string& file) {
  std::string_view differs;
  if (row.base_scenario_text != first.base_scenario_text) {
    differs = "another base scenario";
  } else if (row.parameters != first.parameters || row.parameter_paths != first.parameter_paths) {
    differs = "other parameters";
  } else if (row.metrics != first.metrics) {
    differs = "other metrics";
  }
  if (!differs.empty()) {
    throw std::invalid_argument(
        fmt::format("{}: a row of another study than {} ({})", file, first_file, differs));
  }
}

struct MergedRun {
  io::StudyRun row;
  std::string file;  // the row file
};

struct ScenarioText {
  std::size_t rows = 0;
  std::string file;  // the first row file holding it
  std::string scenario_name;
};

// Picks the scenario text whose plan holds the most of `runs` (then the larger plan), checks
// the runs against that plan and fills the plan's part of `outcome`.
void compare_with_plan(const std::map<std::string, ScenarioText>& texts,
                       const std::map<std::uint64_t, MergedRun>& runs, const MergeOptions& options,
                       MergeOutcome& outcome) {
  std::optional<LoadedSweep> best;
  std::size_t best_covered = 0;
  const ScenarioText* best_text = nullptr;
  for (const auto& [text, info] : texts) {
    LoadedSweep sweep = load_sweep_text(text, info.file + " (scenario_text)", false);
    if (!sweep.ok()) {
      if (outcome.plan_problem.empty()) outcome.plan_problem = sweep.problems.front().to_string();
      continue;
    }
    std::size_t covered = 0;
    for (const auto& [number, run] : runs) covered += sweep.plan.find(number) != nullptr ? 1 : 0;
    if (!best || covered > best_covered ||
        (covered == best_covered && sweep.plan.runs.size() > best->plan.runs.size())) {
      best = std::move(sweep);
      best_covered = covered;
      best_text = &info;
    }
  }
  io::Study& study = outcome.study;
  if (!best) {
    // No plan: the text most rows hold.
    const auto most = std::max_element(
        texts.begin(), texts.end(),
        [](const auto& a, const auto& b) { return a.second.rows < b.second.rows; });
    study.scenario_text = most->first;
    study.scenario_name = most->second.scenario_name;
    return;
  }
  study.scenario_text = best->text;
  study.scenario_name = best_text->scenario_name;
  outcome.plan_known = true;
  outcome.plan_problem.clear();
  outcome.planned = best->plan.runs.size();
  for (const auto& [number, merged] : runs) {
    const PlannedRun* planned = best->plan.find(number);
    if (planned == nullptr) {
      ++outcome.unplanned;
      continue;
    }
    const io::StudyRun& r = merged.row;
    if (planned->seed != r.seed || planned->values != r.values || planned->point != r.point ||
        planned->replication != r.replication) {
      throw std::invalid_argument(fmt::format(
          "{}: run {} has another seed, point or values than the sweep of {} gives it: rows of "
          "different sweeps",
          merged.file, number, best_text->file));
    }
  }
  for (const PlannedRun& planned : best->plan.runs) {
    if (runs.contains(planned.run)) continue;
    if (outcome.missing++ < options.missing_listed) outcome.first_missing.push_back(planned.run);
  }
}

}  // namespace

std::vector<std::string> list_row_files(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    std::error_code error;
    const fs::file_status status = fs::status(input, error);
    if (fs::is_directory(status)) {
      std::vector<std::pair<std::uint64_t, std::string>> found;
      for (fs::directory_iterator it(input, error), end; !error && it != end; it.increment(error)) {
        const auto number = row_file_number(it->path().filename().string());
        if (number) found.emplace_back(*number, it->path().string());
      }
      if (error) {
        throw std::invalid_argument(fmt::format("{}: cannot list: {}", input, error.message()));
      }
      std::sort(found.begin(), found.end());
      for (auto& [number, file] : found) files.push_back(std::move(file));
    } else if (fs::exists(status)) {
      files.push_back(input);
    } else {
      throw std::invalid_argument(fmt::format("{}: no such file or folder", input));
    }
  }
  return files;
}

MergeOutcome merge_study(const std::vector<std::string>& inputs, const std::string& output,
                         const MergeOptions& options) {
  const std::vector<std::string> files = list_row_files(inputs);
  if (files.empty()) {
    throw std::invalid_argument(
        fmt::format("no row files (run-<n>.row.h5) in {}", fmt::join(inputs, ", ")));
  }
  MergeOutcome outcome;
  io::Study& study = outcome.study;
  const std::string* first_file = nullptr;
  std::map<std::uint64_t, MergedRun> runs;
  std::map<std::string, ScenarioText> texts;
  for (const std::string& file : files) {
    io::Study row = read_row(file);
    ++outcome.row_files;
    if (first_file == nullptr) {
      first_file = &file;
      study.base_scenario_text = row.base_scenario_text;
      study.version = TCPSIM_VERSION;
      study.parameters = row.parameters;
      study.parameter_paths = row.parameter_paths;
      study.metrics = row.metrics;
    } else {
      check_same_study(study, *first_file, row, file);
    }
    ScenarioText& text = texts[row.scenario_text];
    if (text.rows++ == 0) {
      text.file = file;
      text.scenario_name = row.scenario_name;
    }

    io::StudyRun& r = row.runs.front();
    if (options.summaries_only) {
      r.series_file.clear();
    } else {
      // The series beside the row file, else any the row file holds itself.
      const fs::path beside = fs::path(file).parent_path() / fmt::format("run-{}.h5", r.run);
      if (fs::is_regular_file(beside)) {
        r.series_file = beside.string();
        r.series_path = "/groups";
      }
    }
    const auto [it, inserted] = runs.try_emplace(r.run, MergedRun{r, file});
    if (inserted) continue;
    if (!same_row(it->second.row, r)) {
      throw std::invalid_argument(
          fmt::format("{} and {}: two different rows for run {}", it->second.file, file, r.run));
    }
    ++outcome.duplicates;
    if (it->second.row.series_file.empty()) {
      it->second.row.series_file = r.series_file;
      it->second.row.series_path = r.series_path;
    }
  }

  compare_with_plan(texts, runs, options, outcome);
  study.runs.reserve(runs.size());
  for (auto& [number, merged] : runs) {
    if (!merged.row.series_file.empty()) ++outcome.with_series;
    study.runs.push_back(std::move(merged.row));
  }
  runs.clear();
  study.points = point_statistics(study.runs, study.metrics.size());
  io::write_study(study, output);
  return outcome;
}

}  // namespace tcpsim::batch
