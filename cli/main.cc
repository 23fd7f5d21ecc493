// The tcpsim command line: `run` simulates a scenario and writes its results,
// `check` validates one and prints it as resolved.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/socket_table.h"
#include "cli/summary_table.h"
#include "io/results_file.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/world.h"
#include "sim/progress.h"

namespace {

constexpr int kBadInput = 2;
constexpr int kInternalError = 1;

// Loads and validates; prints every problem and returns nullopt if any.
std::optional<tcpsim::scenarios::LoadResult> load(const std::string& path,
                                                  const std::vector<std::string>& overrides) {
  tcpsim::scenarios::LoadResult loaded = tcpsim::scenarios::load_scenario(path, overrides);
  if (loaded.ok()) return loaded;
  for (const auto& p : loaded.problems) fmt::print(stderr, "{}\n", p.to_string());
  fmt::print(stderr, "{}: {} problem{}\n", path, loaded.problems.size(),
             loaded.problems.size() == 1 ? "" : "s");
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tcpsim: simulate TCP connection lifecycles at fleet scale"};
  app.require_subcommand(1);

  std::string scenario;
  std::vector<std::string> overrides;
  std::string output = "results.h5";
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  std::vector<std::string> socket_tables;

  CLI::App* run = app.add_subcommand("run", "run a scenario, print its summary, write results");
  run->add_option("scenario", scenario, "scenario file (.pbtxt)")->required();
  run->add_option("-o,--output", output, "results file (HDF5)")->capture_default_str();
  run->add_option("--set", overrides, "override a field: path=value (repeatable)");
  run->add_option("--seed", seed, "seed instead of the scenario's");
  run->add_flag("-q,--quiet", quiet, "no progress display");
  run->add_option("--ss", socket_tables,
                  "print a host's sockets at a simulated time, as ss -tano: HOST@TIME, "
                  "e.g. clients-0@30s (repeatable)");

  CLI::App* check = app.add_subcommand("check", "validate a scenario and print it resolved");
  check->add_option("scenario", scenario, "scenario file (.pbtxt)")->required();
  check->add_option("--set", overrides, "override a field: path=value (repeatable)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kBadInput;
  }

  std::vector<tcpsim::scenarios::SocketTableRequest> table_requests;
  for (const std::string& text : socket_tables) {
    std::string error;
    auto request = tcpsim::cli::parse_socket_table_request(text, &error);
    if (!request) {
      fmt::print(stderr, "tcpsim: {}\n", error);
      return kBadInput;
    }
    table_requests.push_back(std::move(*request));
  }

  try {
    const auto loaded = load(scenario, overrides);
    if (!loaded) return kBadInput;
    if (check->parsed()) {
      fmt::print("{}", loaded->resolved_text());
      return 0;
    }
    tcpsim::metrics::RunResults results =
        tcpsim::scenarios::run_scenario(*loaded, seed, !quiet, table_requests);
    tcpsim::io::write_results(results, output);
    fmt::print("{}", tcpsim::cli::summary_table(results));
    for (const auto& table : results.socket_tables) {
      fmt::print("\n{}", tcpsim::cli::socket_table(table));
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
