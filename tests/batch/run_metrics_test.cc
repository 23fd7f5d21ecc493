#include "batch/run_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "models/metrics/host_group_metrics.h"
#include "models/metrics/metric.h"
#include "models/metrics/run_results.h"
#include "sim/time.h"

namespace tcpsim::batch {
namespace {

using metrics::Metric;
using metrics::MetricKind;
using metrics::Reading;

// A kind of node run_metrics knows nothing of.
constexpr std::array<std::string_view, 2> kDirections{"in", "out"};
constexpr std::array<Metric, 2> kProxyMetrics{{
    {.name = "proxy_drops",
     .unit = "packets",
     .description = "packets dropped, by direction (cumulative)",
     .kind = MetricKind::kCounter,
     .columns = {"directions", kDirections},
     .summary = {{{"proxy_drops", Reading::kLast}}}},
    {.name = "proxy_queue",
     .unit = "connections",
     .description = "connections queued",
     .kind = MetricKind::kLevel,
     .summary = {{{"proxy_queue_peak", Reading::kPeak}, {"proxy_queue_mean", Reading::kMean}}}},
}};

// The names the declarations imply, derived from the rows alone.
std::vector<std::string> implied(const std::string& group, std::span<const Metric> table) {
  std::vector<std::string> names;
  for (const Metric& m : table) {
    for (const metrics::Summarised& s : m.summary) {
      if (s.name.empty()) continue;
      const std::string stem = group + "." + std::string(s.name);
      if (s.reading == Reading::kPercentiles) {
        for (const metrics::Percentile& p : metrics::kPercentiles) {
          names.push_back(stem + "_" + std::string(p.name) + "_s");
        }
      } else if (m.columns.names.empty()) {
        names.push_back(stem);
      } else {
        for (const std::string_view column : m.columns.names) {
          names.push_back(stem + "." + std::string(column));
        }
      }
    }
  }
  return names;
}

// The last sample's value of a column.
std::uint64_t& last(metrics::GroupResults& g, std::string_view metric, std::size_t column = 0) {
  metrics::MetricValues& v = g.at(metric);
  return v.sum[v.sum.size() - v.metric->column_count() + column];
}

metrics::RunResults make_results() {
  metrics::RunResults r;
  r.events = 1234;
  for (const char* name : {"clients", "proxies"}) {
    metrics::GroupResults g;
    g.name = name;
    metrics::add_metrics(g, metrics::kHostGroupMetrics);
    if (g.name == "proxies") metrics::add_metrics(g, kProxyMetrics);
    for (int i = 0; i < 4; ++i) {
      g.add_sample(sim::seconds(i));
      last(g, "state_sum", 0) = 10 * static_cast<std::uint64_t>(i);  // CLOSED
      last(g, "connects_attempted") = 7 * static_cast<std::uint64_t>(i);
      if (g.name == "proxies") {
        last(g, "proxy_drops", 0) = static_cast<std::uint64_t>(i);
        last(g, "proxy_queue") = i == 1 ? 8 : 2;
      }
    }
    g.at("request_latency").histogram->record(sim::milliseconds(3));
    if (g.name == "clients") g.at("first_eaddrnotavail_s").value = 2.5;
    metrics::summarise(g, sim::seconds(1));
    r.groups.push_back(std::move(g));
  }
  return r;
}

TEST(RunMetrics, NamesAreThoseTheRegisteredMetricsImply) {
  const RunMetrics m = run_metrics(make_results());
  std::vector<std::string> want = implied("clients", metrics::kHostGroupMetrics);
  for (const std::string& n : implied("proxies", metrics::kHostGroupMetrics)) want.push_back(n);
  for (const std::string& n : implied("proxies", kProxyMetrics)) want.push_back(n);
  want.emplace_back("events");
  EXPECT_EQ(m.names, want);
  ASSERT_EQ(m.values.size(), m.names.size());
}

// The study tables keep the columns they had before the metrics were declared in a table.
TEST(RunMetrics, HostGroupColumnsKeepTheirNamesAndOrder) {
  const RunMetrics m = run_metrics(make_results());
  std::vector<std::string> want;
  const auto each = [&want](const std::string& stem, auto names) {
    for (const std::string_view n : names) want.push_back("clients." + stem + std::string(n));
  };
  each("state_peak.", tcp::kStateNames);
  each("state_mean.", tcp::kStateNames);
  want.emplace_back("clients.first_eaddrnotavail_s");
  each("failures.", tcp::kSocketErrorNames);
  for (const char* n : {"connects_attempted", "connects_succeeded", "requests_completed",
                        "ports_in_use_peak", "fds_in_use_peak"}) {
    want.push_back(std::string("clients.") + n);
  }
  for (const char* h : {"connect_latency", "request_latency"}) {
    for (const char* p : {"p50", "p90", "p99", "p999"}) {
      want.push_back(std::string("clients.") + h + "_" + p + "_s");
    }
  }
  EXPECT_EQ(std::vector<std::string>(m.names.begin(), m.names.begin() + want.size()), want);
}

TEST(RunMetrics, ValuesFollowEachReading) {
  const RunMetrics m = run_metrics(make_results());
  const auto value = [&m](const std::string& name) {
    for (std::size_t i = 0; i < m.names.size(); ++i) {
      if (m.names[i] == name) return m.values[i];
    }
    ADD_FAILURE() << "no " << name;
    return 0.0;
  };
  // Samples at 1, 2, 3 s count after the 1-s warm-up; the last weighs nothing in the mean.
  EXPECT_EQ(value("clients.state_peak.CLOSED"), 30.0);
  EXPECT_EQ(value("clients.state_mean.CLOSED"), 15.0);
  EXPECT_EQ(value("clients.connects_attempted"), 21.0);
  EXPECT_EQ(value("clients.first_eaddrnotavail_s"), 2.5);
  EXPECT_TRUE(std::isnan(value("proxies.first_eaddrnotavail_s")));
  EXPECT_NEAR(value("clients.request_latency_p50_s"), 0.003, 0.003 / 128);
  EXPECT_EQ(value("clients.connect_latency_p99_s"), 0.0);
  EXPECT_EQ(value("proxies.proxy_drops.in"), 3.0);
  EXPECT_EQ(value("proxies.proxy_queue_peak"), 8.0);
  EXPECT_EQ(value("proxies.proxy_queue_mean"), 5.0);
  EXPECT_EQ(value("events"), 1234.0);
}

}  // namespace
}  // namespace tcpsim::batch
