// Writes the inputs of bench/merge_bench.sh: the folder a sweep's tasks (`tcpsim sweep --run N`)
// would leave, without simulating. For the first RUNS runs (by number) of a sweep of 100
// replications per rate, a row file run-<n>.row.h5 and a results file run-<n>.h5 whose
// series have the shape of the capacity study's (two host groups, 31 samples, latency
// histograms); the values are made up from the run number.
//
// usage: merge_bench_inputs FOLDER [RUNS]   (RUNS defaults to 10000)
#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include "batch/point_statistics.h"
#include "batch/run_metrics.h"
#include "batch/sweep_loader.h"
#include "io/results_file.h"
#include "io/study_file.h"
#include "models/metrics/host_group_metrics.h"
#include "models/metrics/run_results.h"
#include "sim/time.h"

namespace tcpsim::bench {
namespace {

constexpr std::uint32_t kReplications = 100;

std::string scenario_text(std::uint64_t rates) {
  return fmt::format(R"(name: "merge-bench"
seed: 11
duration: "30s"
metrics_interval: "1s"
groups {{ name: "clients" count: 2 address_base: "10.1.0.1/24" }}
groups {{ name: "backend" count: 1 address_base: "10.2.0.1" }}
servers {{ name: "http" group: "backend" ports: 80 }}
clients {{
  name: "web"
  group: "clients"
  target_group: "backend"
  target_ports: 80
  load {{ poisson {{ rate: 10 }} }}
}}
sweep {{
  parameters {{ path: "clients[0].load.poisson.rate" name: "rate" range {{ from: 10 to: {} step: 10 }} }}
  replications: {}
}}
)",
                     10 * rates, kReplications);
}

metrics::GroupResults make_group(std::uint64_t run, std::uint32_t g, const char* name,
                                 std::uint32_t hosts) {
  metrics::GroupResults group;
  group.name = name;
  group.hosts = hosts;
  group.port_range_size = 28232;
  const auto r = static_cast<std::uint32_t>(run % 100'000);
  metrics::add_metrics(group, metrics::kHostGroupMetrics);
  const auto put = [&group](const char* metric, std::uint64_t sum, std::size_t column = 0) {
    metrics::MetricValues& v = group.at(metric);
    v.sum[v.sum.size() - v.metric->column_count() + column] = sum;
  };
  const auto put_max = [&group](const char* metric, std::uint64_t max, std::size_t column = 0) {
    metrics::MetricValues& v = group.at(metric);
    v.max[v.max.size() - v.metric->column_count() + column] = max;
  };
  for (std::uint32_t i = 0; i <= 30; ++i) {
    group.add_sample(i * sim::seconds(1));
    for (std::uint32_t k = 0; k < tcp::kStateCount; ++k) {
      put("state_sum", (r + 7 * i + k) % 997 * (g + 1), k);
      put_max("state_sum", (r + i + k) % 499, k);
    }
    const std::uint32_t ports = r % 1000 + 40 * i;
    put("ports_in_use", ports);
    put_max("ports_in_use", ports / hosts);
    put("fds_in_use", ports + 1);
    put_max("fds_in_use", (ports + 1) / hosts);
    put("connects_attempted", 100ULL * i + r);
    put("connects_succeeded", 99ULL * i + r);
    put("connects_failed", i * (r % 3), 1);
    put("requests_completed", 98ULL * i + r);
    put("pool_busy", i % 5);
    put("pool_idle", (i + r) % 7);
  }
  for (std::int64_t v = 0; v < 200; ++v) {
    group.at("connect_latency").histogram->record(100'000 + 997 * ((v * 31 + r) % 211));
    group.at("request_latency").histogram->record(2'000'000 + 7919 * ((v * 17 + r) % 541));
  }
  if (run % 4 != 0) group.at("first_eaddrnotavail_s").value = 1.0 + (r % 20'000) / 1000.0;
  metrics::summarise(group, 0);
  return group;
}

int write_inputs(const std::string& folder, std::uint64_t runs) {
  const std::uint64_t rates = (runs + kReplications - 1) / kReplications;
  const batch::LoadedSweep sweep =
      batch::load_sweep_text(scenario_text(rates), "merge-bench.pbtxt", false);
  if (!sweep.ok()) {
    fmt::print(stderr, "merge_bench_inputs: {}\n", sweep.problems.front().to_string());
    return 1;
  }
  std::filesystem::create_directories(folder);
  std::uint64_t written = 0;
  for (const batch::PlannedRun& planned : sweep.plan.runs) {
    if (written == runs) break;
    metrics::RunResults results;
    results.scenario_name = sweep.scenario_name;
    results.scenario_text = sweep.text;
    results.seed = planned.seed;
    results.version = "bench";
    results.events = 1'000'000 + planned.run;
    results.duration = sim::seconds(30);
    results.interval = sim::seconds(1);
    results.groups.push_back(make_group(planned.run, 0, "clients", 2));
    results.groups.push_back(make_group(planned.run, 1, "backend", 1));
    io::write_results(results, fmt::format("{}/run-{}.h5", folder, planned.run));

    batch::RunMetrics m = batch::run_metrics(results);
    io::Study row;
    row.scenario_name = sweep.scenario_name;
    row.scenario_text = sweep.text;
    row.base_scenario_text = sweep.base_scenario_text;
    row.version = "bench";
    row.parameters = sweep.plan.parameter_names;
    row.parameter_paths = sweep.plan.parameter_paths;
    row.metrics = std::move(m.names);
    row.runs.push_back({planned.run,
                        planned.point,
                        planned.replication,
                        planned.seed,
                        planned.values,
                        std::move(m.values),
                        {},
                        {}});
    row.points = batch::point_statistics(row.runs, row.metrics.size());
    io::write_study(row, fmt::format("{}/run-{}.row.h5", folder, planned.run));
    ++written;
  }
  fmt::print("{} runs of {} recorded in {}\n", written, sweep.plan.runs.size(), folder);
  return 0;
}

}  // namespace
}  // namespace tcpsim::bench

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fmt::print(stderr, "usage: merge_bench_inputs FOLDER [RUNS]\n");
    return 2;
  }
  try {
    const std::uint64_t runs = argc == 3 ? std::strtoull(argv[2], nullptr, 10) : 10'000;
    return tcpsim::bench::write_inputs(argv[1], runs);
  } catch (const std::exception& e) {
    fmt::print(stderr, "merge_bench_inputs: {}\n", e.what());
    return 1;
  }
}
