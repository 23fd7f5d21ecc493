// The tcpsim command line: `run` simulates a scenario and writes its results,
// `check` validates one and prints it as resolved, `sweep` runs its parameter sweep,
// `merge` collects the runs a sweep recorded one at a time into a study.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "batch/mpi_job.h"
#include "batch/study_merge.h"
#include "batch/sweep_loader.h"
#include "batch/sweep_runner.h"
#include "cli/interrupt.h"
#include "cli/machine_memory.h"
#include "cli/nstat_table.h"
#include "cli/socket_table.h"
#include "cli/summary_table.h"
#include "cli/sweep_summary.h"
#include "io/results_file.h"
#include "scenarios/memory_estimate.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/world.h"
#include "sim/duration.h"
#include "sim/progress.h"

namespace {

constexpr int kBadInput = 2;
constexpr int kInternalError = 1;

void print_problems(const std::string& path,
                    const std::vector<tcpsim::scenarios::Problem>& problems) {
  for (const auto& p : problems) fmt::print(stderr, "{}\n", p.to_string());
  fmt::print(stderr, "{}: {} problem{}\n", path, problems.size(), problems.size() == 1 ? "" : "s");
}

// "file:line:col: field: warning: message".
std::string warning_text(tcpsim::scenarios::Problem w) {
  w.message = "warning: " + w.message;
  return w.to_string();
}

// Loads and validates; prints every warning, and every problem and nullopt if any.
std::optional<tcpsim::scenarios::LoadResult> load(const std::string& path,
                                                  const std::vector<std::string>& overrides) {
  tcpsim::scenarios::LoadResult loaded = tcpsim::scenarios::load_scenario(path, overrides);
  for (const auto& w : loaded.warnings) fmt::print(stderr, "{}\n", warning_text(w));
  if (loaded.ok()) return loaded;
  print_problems(path, loaded.problems);
  return std::nullopt;
}

// CLI11 reads an unsigned option with strtoull, which takes "-1" as 2^64 - 1 and an
// overflow as the largest value: refuse both.
const CLI::Validator kUnsigned64(
    [](std::string& text) -> std::string {
      std::uint64_t value = 0;
      const char* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (text.empty() || ec != std::errc() || ptr != end) {
        return fmt::format("{} is not a whole number in 0..{}", text,
                           std::numeric_limits<std::uint64_t>::max());
      }
      return {};
    },
    "UINT64");

// Whether `path` can be written, found before a run by creating and removing a file beside
// it (which, unlike access(), also holds for root and read-only mounts); the message names
// the path when not.
std::optional<std::string> unwritable_output(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path out(path);
  if (fs::is_directory(out, ec)) return fmt::format("{}: is a directory", path);
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) {
    return fmt::format("{}: cannot create: {} {}", path, dir.string(),
                       fs::exists(dir, ec) ? "is not a directory" : "does not exist");
  }
  const fs::path probe = fs::path(path + fmt::format(".probe.{}", ::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return fmt::format("{}: cannot create: {}", path, std::strerror(errno));
  ::close(fd);
  fs::remove(probe, ec);
  return std::nullopt;
}

// Prints the scenario resolved and, in a closing comment, the memory it will need; a sweep
// block is checked as `tcpsim sweep` would, every point's scenario validated, and its size
// given in a comment too.
int check_command(const std::string& path, const tcpsim::scenarios::LoadResult& loaded) {
  const std::string memory =
      fmt::format("# predicted peak memory: {}\n",
                  tcpsim::scenarios::estimate_memory(*loaded.resolved).describe());
  if (!loaded.scenario->has_sweep()) {
    fmt::print("{}{}", loaded.resolved_text(), memory);
    return 0;
  }
  const tcpsim::batch::LoadedSweep sweep = tcpsim::batch::load_sweep(path);
  if (!sweep.ok()) {
    print_problems(path, sweep.problems);
    return kBadInput;
  }
  std::set<std::uint64_t> points;
  for (const auto& r : sweep.plan.runs) points.insert(r.point);
  fmt::print("{}", loaded.resolved_text());
  fmt::print("# sweep: {} parameter{} ({}), {} point{}", sweep.plan.parameter_names.size(),
             sweep.plan.parameter_names.size() == 1 ? "" : "s",
             fmt::join(sweep.plan.parameter_names, ", "), points.size(),
             points.size() == 1 ? "" : "s");
  if (sweep.plan.skipped_points > 0) fmt::print(" ({} skipped)", sweep.plan.skipped_points);
  fmt::print(" x {} replication{} = {} runs\n", sweep.plan.replications,
             sweep.plan.replications == 1 ? "" : "s", sweep.plan.runs.size());
  fmt::print("{}", memory);
  return 0;
}

// Under mpirun every rank runs it; only rank 0 prints.
int sweep_command(const std::string& path, tcpsim::batch::SweepOptions options, bool list_runs,
                  std::optional<std::size_t> task, const tcpsim::batch::MpiJob& job) {
  const tcpsim::batch::LoadedSweep sweep = tcpsim::batch::load_sweep(path);
  if (!sweep.ok()) {
    if (job.root()) print_problems(path, sweep.problems);
    return kBadInput;
  }
  if (task) {
    if (*task >= sweep.plan.runs.size()) {
      throw std::invalid_argument(fmt::format("--task {}: the plan has {} runs, tasks 0 to {}",
                                              *task, sweep.plan.runs.size(),
                                              sweep.plan.runs.size() - 1));
    }
    options.only_run = sweep.plan.runs[*task].run;
  }
  if (!list_runs) {
    if (const auto problem = unwritable_output(options.output)) {
      throw std::invalid_argument(*problem);
    }
  }
  if (!job.root()) {
    if (!list_runs) tcpsim::batch::run_sweep(sweep, options, job);
    return 0;
  }
  if (list_runs) {
    fmt::print("run\tpoint\treplication\tseed");
    for (const auto& name : sweep.plan.parameter_names) fmt::print("\t{}", name);
    fmt::print("\n");
    for (const auto& r : sweep.plan.runs) {
      fmt::print("{}\t{}\t{}\t{}", r.run, r.point, r.replication, r.seed);
      for (const auto& v : r.values) fmt::print("\t{}", v);
      fmt::print("\n");
    }
    return 0;
  }
  const tcpsim::batch::SweepOutcome outcome = tcpsim::batch::run_sweep(sweep, options, job);
  if (!outcome.study_written) {
    fmt::print("run {}: {}\n", *options.only_run,
               outcome.ran == 0 ? "already recorded" : "recorded in " + options.output + ".runs");
    return 0;
  }
  fmt::print("{}", tcpsim::cli::sweep_summary(outcome.study));
  fmt::print("\n{} runs planned, {} reused, {} run", outcome.planned, outcome.reused, outcome.ran);
  if (job.launched()) fmt::print(" on {} rank{}", job.size(), job.size() == 1 ? "" : "s");
  fmt::print("; study written to {}\n", options.output);
  return 0;
}

int merge_command(const std::string& output, std::vector<std::string> inputs, bool summaries_only) {
  if (inputs.empty()) inputs.push_back(output + ".runs");
  tcpsim::batch::MergeOptions options;
  options.summaries_only = summaries_only;
  const tcpsim::batch::MergeOutcome outcome = tcpsim::batch::merge_study(inputs, output, options);
  std::string missing;
  if (!outcome.plan_known) {
    missing =
        fmt::format("runs missing unknown: the plan cannot be expanded ({})", outcome.plan_problem);
  } else if (outcome.missing == 0) {
    missing = fmt::format("none of {} planned runs missing", outcome.planned);
  } else {
    missing = fmt::format("{} of {} planned runs missing: {}{}", outcome.missing, outcome.planned,
                          fmt::join(outcome.first_missing, ", "),
                          outcome.missing > outcome.first_missing.size() ? ", ..." : "");
  }
  if (outcome.unplanned > 0) missing += fmt::format("; {} runs not in the plan", outcome.unplanned);
  fmt::print("{}", tcpsim::cli::sweep_summary(outcome.study));
  const std::string repeated =
      outcome.duplicates == 0 ? "" : fmt::format(" ({} repeated)", outcome.duplicates);
  fmt::print("\nmerged {} runs ({} with series) from {} row files{} into {}: {} points; {}\n",
             outcome.study.runs.size(), outcome.with_series, outcome.row_files, repeated, output,
             outcome.study.points.size(), missing);
  return 0;
}

int run_command_line(int argc, char** argv) {
  CLI::App app{"tcpsim: simulate TCP connection lifecycles at fleet scale"};
  app.require_subcommand(1);

  std::string scenario;
  std::vector<std::string> overrides;
  std::string output = "results.h5";
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  std::vector<std::string> socket_tables;
  std::vector<std::string> nstat_tables;

  CLI::App* run = app.add_subcommand("run", "run a scenario, print its summary, write results");
  run->add_option("scenario", scenario, "scenario file (.pbtxt)")->required();
  run->add_option("-o,--output", output, "results file (HDF5)")->capture_default_str();
  run->add_option("--set", overrides, "override a field: path=value (repeatable)");
  run->add_option("--seed", seed, "seed instead of the scenario's")->check(kUnsigned64);
  run->add_flag("-q,--quiet", quiet, "no progress display");
  std::string progress_every = "10s";
  run->add_option("--progress-every", progress_every,
                  "wall time between progress lines when stderr is not a terminal (0s: none)")
      ->capture_default_str();
  run->add_option("--ss", socket_tables,
                  "print a host's sockets at a simulated time, as ss -tano: HOST@TIME, "
                  "e.g. clients-0@30s (repeatable)");
  run->add_option("--nstat", nstat_tables,
                  "print a host's kernel TCP counters at a simulated time, as nstat -az: "
                  "HOST@TIME (repeatable)");

  CLI::App* check = app.add_subcommand(
      "check", "validate a scenario (and its sweep, every point) and print it resolved");
  check->add_option("scenario", scenario, "scenario file (.pbtxt)")->required();
  check->add_option("--set", overrides, "override a field: path=value (repeatable)");

  tcpsim::batch::SweepOptions sweep_options;
  bool list_runs = false;
  std::optional<std::uint64_t> only_run;
  CLI::App* sweep =
      app.add_subcommand("sweep", "run a scenario's sweep (grid x replications) into a study file");
  sweep->add_option("scenario", scenario, "scenario file (.pbtxt) with a sweep block")->required();
  sweep->add_option("-o,--output", sweep_options.output, "study file (HDF5)")
      ->capture_default_str();
  sweep
      ->add_option("-j,--jobs", sweep_options.jobs,
                   "runs at once, on local threads (per rank under mpirun)")
      ->capture_default_str()
      ->check(CLI::Range(1U, 4096U));
  sweep->add_flag("--list-runs", list_runs, "print the planned runs (number, point, seed, values)");
  CLI::Option* run_option =
      sweep
          ->add_option("--run", only_run,
                       "run only this run into OUTPUT.runs (one task of a job array); a later "
                       "sweep without --run, or tcpsim merge, collects it")
          ->check(kUnsigned64);
  std::optional<std::size_t> task;
  sweep
      ->add_option("--task", task,
                   "as --run, the run by its place in --list-runs counting from 0, for a job "
                   "array of tasks 0 to runs-1 (e.g. --task $SLURM_ARRAY_TASK_ID)")
      ->check(kUnsigned64)
      ->excludes(run_option);
  sweep->add_flag("--summaries-only", sweep_options.summaries_only,
                  "leave the runs' time series out of the study");
  sweep->add_flag("-q,--quiet", quiet, "no progress display");

  std::string merge_output = "study.h5";
  std::vector<std::string> merge_inputs;
  bool merge_summaries_only = false;
  CLI::App* merge = app.add_subcommand(
      "merge", "merge the runs a sweep recorded one at a time (--run) into a study file");
  merge->add_option("-o,--output", merge_output, "study file (HDF5)")->capture_default_str();
  merge->add_option("inputs", merge_inputs,
                    "folders of run-<n>.row.h5 files (with run-<n>.h5 series beside them), or "
                    "row files; default OUTPUT.runs");
  merge->add_flag("--summaries-only", merge_summaries_only,
                  "leave the runs' time series out of the study");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kBadInput;
  }

  std::vector<tcpsim::scenarios::SocketTableRequest> table_requests;
  std::vector<tcpsim::scenarios::SocketTableRequest> nstat_requests;
  for (auto [texts, option, requests] : {std::tuple{&socket_tables, "--ss", &table_requests},
                                         std::tuple{&nstat_tables, "--nstat", &nstat_requests}}) {
    for (const std::string& text : *texts) {
      std::string error;
      auto request = tcpsim::cli::parse_socket_table_request(text, &error, option);
      if (!request) {
        fmt::print(stderr, "tcpsim: {}\n", error);
        return kBadInput;
      }
      requests->push_back(std::move(*request));
    }
  }

  std::string duration_error;
  const auto progress_interval = tcpsim::sim::parse_duration(progress_every, &duration_error);
  if (!progress_interval) {
    fmt::print(stderr, "tcpsim: --progress-every: {}\n", duration_error);
    return kBadInput;
  }

  if (run->parsed() || sweep->parsed() || merge->parsed()) {
    tcpsim::cli::remove_temporaries_on_interrupt();
  }
  try {
    if (merge->parsed()) return merge_command(merge_output, merge_inputs, merge_summaries_only);
    if (sweep->parsed()) {
      sweep_options.progress = !quiet;
      sweep_options.only_run = only_run;
      // Rank 0 reports; every rank ends in the job's closing barrier, so that mpirun, which
      // stops the job when a rank exits with an error, lets rank 0 finish its report.
      const tcpsim::batch::MpiJob job;
      int status = 0;
      try {
        status = sweep_command(scenario, sweep_options, list_runs, task, job);
      } catch (const std::invalid_argument& e) {
        if (job.root()) fmt::print(stderr, "tcpsim: {}\n", e.what());
        status = kBadInput;
      } catch (const std::exception& e) {
        if (job.root()) fmt::print(stderr, "tcpsim: internal error: {}\n", e.what());
        status = kInternalError;
      }
      std::fflush(stdout);
      return status;
    }
    const auto loaded = load(scenario, overrides);
    if (!loaded) return kBadInput;
    if (check->parsed()) return check_command(scenario, *loaded);
    const auto estimate = tcpsim::scenarios::estimate_memory(*loaded->resolved);
    const auto available = tcpsim::cli::available_memory();
    if (available && estimate.total() > *available) {
      fmt::print(stderr,
                 "tcpsim: {}: the run cannot fit in this machine's memory: it needs about {}, "
                 "{:.1f} GiB are available\n",
                 scenario, estimate.describe(),
                 static_cast<double>(*available) / static_cast<double>(1ULL << 30U));
      return kBadInput;
    }
    if (const auto problem = unwritable_output(output)) {
      fmt::print(stderr, "tcpsim: {}\n", *problem);
      return kBadInput;
    }
    tcpsim::metrics::RunResults results = tcpsim::scenarios::run_scenario(
        *loaded, seed, !quiet, table_requests, nstat_requests, *progress_interval);
    tcpsim::io::write_results(results, output);
    fmt::print("{}", tcpsim::cli::summary_table(results));
    for (const auto& table : results.socket_tables) {
      fmt::print("\n{}", tcpsim::cli::socket_table(table));
    }
    for (const auto& table : results.nstat_tables) {
      fmt::print("\n{}", tcpsim::cli::nstat_table(table));
    }
    fmt::print("\nresults written to {}\n", output);
    return 0;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "tcpsim: {}\n", e.what());
    return kBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tcpsim: internal error: {}\n", e.what());
    return kInternalError;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_command_line(argc, argv);
  } catch (const std::exception& e) {
    // Only what escapes the command's own handlers: building the parser, or printing.
    std::fprintf(stderr, "tcpsim: internal error: %s\n", e.what());
  } catch (...) {
    std::fputs("tcpsim: internal error\n", stderr);
  }
  return kInternalError;
}
