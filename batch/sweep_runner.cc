#include "batch/sweep_runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "batch/point_statistics.h"
#include "batch/run_dispatch.h"
#include "batch/run_message.h"
#include "batch/run_metrics.h"
#include "io/results_file.h"
#include "io/temporary_file.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/world.h"

namespace tcpsim::batch {
namespace {

namespace fs = std::filesystem;

std::string runs_folder(const std::string& output) { return output + ".runs"; }

// A run's summary row, as a one-run study without series.
std::string row_file(const std::string& output, std::uint64_t run) {
  return (fs::path(runs_folder(output)) / fmt::format("run-{}.row.h5", run)).string();
}

// A run's series, as a results file.
std::string series_file(const std::string& output, std::uint64_t run) {
  return (fs::path(runs_folder(output)) / fmt::format("run-{}.h5", run)).string();
}

io::Study study_header(const LoadedSweep& sweep) {
  io::Study s;
  s.scenario_name = sweep.scenario_name;
  s.scenario_text = sweep.text;
  s.base_scenario_text = sweep.base_scenario_text;
  s.version = TCPSIM_VERSION;
  s.parameters = sweep.plan.parameter_names;
  s.parameter_paths = sweep.plan.parameter_paths;
  return s;
}

// Records of `recorded` still planned, by run number.
void reuse(const LoadedSweep& sweep, const io::Study& recorded, const std::string& where,
           std::map<std::uint64_t, io::StudyRun>& done, std::vector<std::string>& metrics) {
  if (recorded.base_scenario_text != sweep.base_scenario_text) {
    throw std::invalid_argument(fmt::format(
        "{} holds a study of another scenario; remove it or choose another output", where));
  }
  for (const io::StudyRun& r : recorded.runs) {
    const PlannedRun* planned = sweep.plan.find(r.run);
    if (planned == nullptr || planned->seed != r.seed || planned->values != r.values ||
        recorded.parameters != sweep.plan.parameter_names) {
      continue;
    }
    if (metrics.empty()) metrics = recorded.metrics;
    if (recorded.metrics != metrics) continue;
    io::StudyRun kept = r;
    if (const auto earlier = done.find(r.run); earlier != done.end() && kept.series_file.empty()) {
      // A row file's record of a run the output study holds: keep where its series are.
      kept.series_file = earlier->second.series_file;
      kept.series_path = earlier->second.series_path;
    }
    done.insert_or_assign(r.run, std::move(kept));
  }
}

// Removes what an interrupted write leaves, `<file>.tmp.<pid>`: beside the study and, in the
// runs folder, of every run's row and series files. A `--run` task removes only those of its
// run and of no study: other tasks may be writing theirs into the same folder meanwhile.
void remove_stale_temporaries(const SweepOptions& options) {
  // `folder` as the output names it: empty for the working directory.
  const auto remove_in = [](const fs::path& folder, const auto& stale) {
    std::error_code ec;
    if (!fs::is_directory(folder.empty() ? fs::path(".") : folder, ec)) return;
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(folder.empty() ? fs::path(".") : folder, ec)) {
      const std::string name = entry.path().filename().string();
      if (stale(name)) found.push_back(folder / name);
    }
    for (const fs::path& p : found) {
      if (fs::remove(p, ec)) {
        fmt::print(stderr, "tcpsim: removed {}, left by an interrupted write\n", p.string());
      }
    }
  };
  const fs::path output(options.output);
  if (!options.only_run) {
    remove_in(output.parent_path(), [&](const std::string& name) {
      return io::is_temporary_of(name, output.filename().string());
    });
  }
  remove_in(runs_folder(options.output), [&](const std::string& name) {
    const std::size_t tmp = name.rfind(".tmp.");
    if (tmp == std::string::npos || !io::is_temporary_of(name, name.substr(0, tmp))) return false;
    const std::string stem = name.substr(0, tmp);
    if (options.only_run) {
      return stem == fs::path(row_file(options.output, *options.only_run)).filename() ||
             stem == fs::path(series_file(options.output, *options.only_run)).filename();
    }
    return stem.starts_with("run-") && stem.ends_with(".h5");
  });
}

// The run a row file `run-<n>.row.h5` records.
std::optional<std::uint64_t> run_of_row_file(const fs::path& file) {
  const std::string name = file.filename().string();
  const std::string digits = name.substr(4, name.size() - 4 - std::strlen(".row.h5"));
  std::uint64_t run = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), run);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return run;
}

// Reuses the runs the row files of the runs folder record. A row file that cannot be read, or
// whose run's series file cannot be (unless they are left out), is removed with that series
// file, saying so: its run is run again, unless the output study holds it.
void reuse_row_files(const LoadedSweep& sweep, const SweepOptions& options,
                     const std::vector<fs::path>& files,
                     std::map<std::uint64_t, io::StudyRun>& done,
                     std::vector<std::string>& metrics) {
  std::vector<std::pair<std::uint64_t, std::string>> unreadable;
  for (const fs::path& f : files) {
    const std::optional<std::uint64_t> run = run_of_row_file(f);
    const std::string series = run ? series_file(options.output, *run) : std::string();
    try {
      const io::Study recorded = io::read_study(f.string());
      if (run && !options.summaries_only && fs::exists(series)) io::verify_results(series);
      reuse(sweep, recorded, f.string(), done, metrics);
    } catch (const std::invalid_argument&) {
      throw;
    } catch (const std::runtime_error& e) {
      if (!run) throw;
      std::error_code ec;
      fs::remove(f, ec);
      fs::remove(series, ec);
      unreadable.emplace_back(*run, e.what());
    }
  }
  for (const auto& [run, problem] : unreadable) {
    fmt::print(stderr, "tcpsim: {}; removed its row and series files: run {} {}\n", problem, run,
               done.contains(run) ? "is kept from " + options.output : std::string("runs again"));
  }
}

// Runs done, elapsed time and ETA on stderr: one line rewritten in place on a terminal, a line
// at every tenth of the runs otherwise (a log file, or mpirun's forwarding of rank 0).
class ProgressLine {
 public:
  ProgressLine(std::size_t total, bool enabled)
      : total_(total),
        enabled_(enabled),
        terminal_(::isatty(::fileno(stderr)) != 0),
        start_(std::chrono::steady_clock::now()) {}

  void done(std::size_t finished) {
    if (!enabled_ || total_ == 0) return;
    const std::size_t tenth = finished * 10 / total_;
    if (!terminal_ && tenth == tenths_shown_) return;
    tenths_shown_ = tenth;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double eta =
        elapsed / static_cast<double>(finished) * static_cast<double>(total_ - finished);
    fmt::print(stderr, "{}runs {}/{} ({:.0f}%)  elapsed {:.0f}s  ETA {:.0f}s{}",
               terminal_ ? "\r" : "", finished, total_,
               100.0 * static_cast<double>(finished) / static_cast<double>(total_), elapsed, eta,
               terminal_ ? "   " : "\n");
    if (terminal_ && finished == total_) fmt::print(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  std::size_t total_;
  bool enabled_;
  bool terminal_;
  std::size_t tenths_shown_ = 0;
  std::chrono::steady_clock::time_point start_;
};

// Runs one planned run and records it as a part; returns its record.
io::StudyRun run_one(const LoadedSweep& sweep, const PlannedRun& run, const std::string& output,
                     bool with_series, std::vector<std::string>& metric_names) {
  const scenarios::LoadResult loaded =
      scenarios::load_scenario_text(sweep.text, sweep.file, run.overrides);
  if (!loaded.ok()) {
    throw std::runtime_error(
        fmt::format("run {}: {}", run.run, loaded.problems.front().to_string()));
  }
  const metrics::RunResults results = scenarios::run_scenario(loaded, run.seed, false);
  RunMetrics m = run_metrics(results);
  metric_names = std::move(m.names);

  io::StudyRun record{
      run.run, run.point, run.replication, run.seed, run.values, std::move(m.values), {}, {}};
  if (with_series) {
    record.series_file = series_file(output, run.run);
    record.series_path = "/groups";
    io::write_results(results, record.series_file);
  }
  io::Study one = study_header(sweep);
  one.metrics = metric_names;
  one.runs.push_back(record);
  one.runs.back().series_file.clear();
  one.points = point_statistics(one.runs, one.metrics.size());
  io::write_study(one, row_file(output, run.run));
  return record;
}

// Adds the runs just run to those recorded before and, unless one run was asked for, writes
// the study of every planned run recorded.
void assemble(const LoadedSweep& sweep, const SweepOptions& options,
              const std::vector<const PlannedRun*>& to_do,
              std::vector<std::optional<io::StudyRun>>& records,
              const std::vector<std::vector<std::string>>& names,
              std::map<std::uint64_t, io::StudyRun>& done, std::vector<std::string>& metrics,
              SweepOutcome& outcome) {
  for (std::size_t i = 0; i < to_do.size(); ++i) {
    if (metrics.empty()) metrics = names[i];
    if (names[i] != metrics) {
      throw std::runtime_error(
          fmt::format("run {} measured other metrics than the others", to_do[i]->run));
    }
    done.insert_or_assign(records[i]->run, std::move(*records[i]));
  }
  if (options.only_run) return;

  io::Study study = study_header(sweep);
  study.metrics = metrics;
  for (const PlannedRun& r : sweep.plan.runs) {
    auto it = done.find(r.run);
    if (it == done.end()) continue;
    io::StudyRun record = std::move(it->second);
    const std::string series = series_file(options.output, r.run);
    if (options.summaries_only) {
      record.series_file.clear();
    } else if (fs::exists(series)) {
      record.series_file = series;
      record.series_path = "/groups";
    }  // else the series the output study holds, if it holds the run's (read_study located them)
    study.runs.push_back(std::move(record));
  }
  study.points = point_statistics(study.runs, study.metrics.size());
  io::write_study(study, options.output);
  outcome.study_written = true;
  outcome.study = std::move(study);
}

}  // namespace

SweepOutcome run_sweep(const LoadedSweep& sweep, const SweepOptions& options, const MpiJob& job) {
  SweepOutcome outcome;
  outcome.planned = sweep.plan.runs.size();
  if (options.only_run && sweep.plan.find(*options.only_run) == nullptr) {
    throw std::invalid_argument(
        fmt::format("run {} is not in the plan (see --list-runs)", *options.only_run));
  }
  if (options.only_run && job.size() > 1) {
    throw std::invalid_argument("--run runs one run: start it once per task, without mpirun");
  }

  // Rank 0 finds what is recorded and tells every rank the runs still to do.
  std::map<std::uint64_t, io::StudyRun> done;
  std::vector<std::string> metrics;
  const std::string parts = runs_folder(options.output);
  const std::string to_do_bytes = share_from_root(job, [&] {
    remove_stale_temporaries(options);
    if (fs::exists(options.output)) {
      reuse(sweep, io::read_study(options.output), options.output, done, metrics);
    }
    if (fs::is_directory(parts)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(parts)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("run-") && name.ends_with(".row.h5")) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      reuse_row_files(sweep, options, files, done, metrics);
    }
    std::vector<std::uint64_t> runs;
    for (const PlannedRun& r : sweep.plan.runs) {
      if (options.only_run && r.run != *options.only_run) continue;
      if (!done.contains(r.run)) runs.push_back(r.run);
    }
    if (!runs.empty()) fs::create_directories(parts);
    std::string bytes(runs.size() * sizeof(std::uint64_t), '\0');
    if (!runs.empty()) std::memcpy(bytes.data(), runs.data(), bytes.size());
    return bytes;
  });
  std::vector<const PlannedRun*> to_do(to_do_bytes.size() / sizeof(std::uint64_t));
  for (std::size_t i = 0; i < to_do.size(); ++i) {
    std::uint64_t run = 0;
    std::memcpy(&run, to_do_bytes.data() + i * sizeof run, sizeof run);
    to_do[i] = sweep.plan.find(run);
  }
  outcome.reused = done.size();

  // Every rank runs runs as its workers become free; rank 0 collects their records.
  std::vector<std::optional<io::StudyRun>> records(to_do.size());
  std::vector<std::vector<std::string>> names(to_do.size());
  ProgressLine progress(to_do.size(), options.progress && job.root());
  std::size_t finished = 0;
  std::exception_ptr run_error;
  const unsigned threads = std::clamp<unsigned>(
      options.jobs, 1, static_cast<unsigned>(std::max<std::size_t>(to_do.size(), 1)));
  try {
    dispatch(
        job, to_do.size(), threads,
        [&](std::size_t i) {
          RunMessage m;
          m.record =
              run_one(sweep, *to_do[i], options.output, !options.summaries_only, m.metric_names);
          return encode(m);
        },
        [&](std::size_t i, const std::string& bytes) {
          RunMessage m = decode_run_message(bytes);
          records[i] = std::move(m.record);
          names[i] = std::move(m.metric_names);
          progress.done(++finished);
        });
  } catch (...) {
    run_error = std::current_exception();
  }
  outcome.ran = to_do.size();

  // Rank 0 writes the study and tells every rank how that went.
  share_from_root(job, [&] {
    if (run_error) std::rethrow_exception(run_error);
    assemble(sweep, options, to_do, records, names, done, metrics, outcome);
    return std::string();
  });
  return outcome;
}

}  // namespace tcpsim::batch
