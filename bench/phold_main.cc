// The `phold` program: runs PHOLD on the tcpsim kernel and reports net events
// processed and the event rate.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "bench/phold.h"
#include "sim/progress.h"
#include "sim/simulator.h"

int main(int argc, char** argv) {
  tcpsim::bench::PholdConfig config;
  CLI::App app{"PHOLD on the tcpsim kernel (ROSS phold semantics)"};
  app.add_option("--lps", config.lps, "number of logical processes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--start-events", config.start_events, "initial events per LP")
      ->capture_default_str();
  app.add_option("--lookahead", config.lookahead, "minimum delay of an event")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--mean", config.mean, "mean delay of an event, lookahead included")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--remote", config.remote, "probability that an event goes to a random LP")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--end", config.end, "end time; no event is created at or past it")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", config.seed, "random seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (config.mean < config.lookahead) {
    fmt::print(stderr, "phold: --mean ({}) must be >= --lookahead ({})\n", config.mean,
               config.lookahead);
    return 2;
  }

  tcpsim::sim::Simulator sim;
  tcpsim::bench::Phold model(sim, config);
  auto progress = tcpsim::sim::Progress::for_stderr(model.end_time());
  sim.set_heartbeat(&progress);

  const auto start = std::chrono::steady_clock::now();
  sim.run();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const std::uint64_t events = sim.events_processed();
  fmt::print("lps={} start_events={} lookahead={} mean={} remote={} end={} seed={}\n", config.lps,
             config.start_events, config.lookahead, config.mean, config.remote, config.end,
             config.seed);
  fmt::print("wall_seconds={:.3f} trace_hash={:016x}\n", wall, model.trace_hash());
  fmt::print("net_events={} events_per_second={:.0f}\n", events,
             wall > 0 ? static_cast<double>(events) / wall : 0.0);
  return 0;
}
