// Fleet scenarios through the path `tcpsim run` takes, minus writing the results file:
// load the scenario text, build the world, run it to its end; the fleet alone and behind a
// NAT gateway.
// Items are completed connection lifecycles (requests completed), so
// items_per_second is lifecycles per wall-clock second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "models/metrics/run_results.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/world.h"

namespace tcpsim::bench {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The peak resident set size of this process (VmHWM), in MiB; 0 if unknown.
double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return 0;
}

void run_fleet(benchmark::State& state, const std::string& file) {
  const std::string path = std::string(TCPSIM_BENCH_SCENARIOS) + "/" + file;
  const std::string text = read_file(path);
  std::uint64_t lifecycles = 0;
  std::uint64_t events = 0;
  double simulated_s = 0;
  for (auto _ : state) {
    const scenarios::LoadResult loaded = scenarios::load_scenario_text(text, path);
    if (!loaded.ok()) {
      state.SkipWithError(
          ("fleet scenario has problems: " + loaded.problems.front().to_string()).c_str());
      return;
    }
    const metrics::RunResults r = scenarios::run_scenario(loaded, std::nullopt, false);
    std::uint64_t completed = 0;
    for (const metrics::GroupResults& g : r.groups) {
      for (const metrics::SummaryNumber& n : g.summary_numbers()) {
        if (n.name == "requests_completed") completed += static_cast<std::uint64_t>(n.value);
      }
    }
    lifecycles += completed;
    events += r.events;
    simulated_s += static_cast<double>(r.duration) / 1e9;
    benchmark::DoNotOptimize(completed);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(lifecycles));
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kAvgIterations);
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["lifecycles"] =
      benchmark::Counter(static_cast<double>(lifecycles), benchmark::Counter::kAvgIterations);
  state.counters["simulated_s"] =
      benchmark::Counter(simulated_s, benchmark::Counter::kAvgIterations);
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

void BM_TcpsimRunFleet(benchmark::State& state) { run_fleet(state, "fleet.pbtxt"); }
// The same fleet with every client host behind one NAT gateway: each segment is translated.
void BM_TcpsimRunFleetBehindNat(benchmark::State& state) { run_fleet(state, "fleet_nat.pbtxt"); }

BENCHMARK(BM_TcpsimRunFleet)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_TcpsimRunFleetBehindNat)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace tcpsim::bench

BENCHMARK_MAIN();
