#include "cli/summary_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

#include "models/metrics/host_group_metrics.h"
#include "models/metrics/metric.h"
#include "models/metrics/run_results.h"
#include "sim/time.h"

namespace tcpsim::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::array<std::string_view, 2> kDirections{"in", "out"};
constexpr std::array<metrics::Metric, 1> kGatewayMetrics{{
    {.name = "gateway_drops",
     .unit = "packets",
     .description = "packets dropped, by direction (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .columns = {"directions", kDirections},
     .summary = {{{"gateway_drops", metrics::Reading::kLast}}}},
}};

std::uint64_t& last(metrics::GroupResults& g, std::string_view metric, std::size_t column = 0) {
  metrics::MetricValues& v = g.at(metric);
  return v.sum[v.sum.size() - v.metric->column_count() + column];
}

metrics::RunResults make_results() {
  metrics::RunResults r;
  r.scenario_name = "table";
  r.duration = sim::seconds(2);
  metrics::GroupResults g;
  g.name = "gateways";
  g.hosts = 2;
  g.port_range_size = 28232;
  metrics::add_metrics(g, metrics::kHostGroupMetrics);
  metrics::add_metrics(g, kGatewayMetrics);
  for (int i = 0; i < 3; ++i) {
    g.add_sample(sim::seconds(i));
    last(g, "state_sum", 10) = 100 + static_cast<std::uint64_t>(i);  // TIME_WAIT
    last(g, "connects_attempted") = 40;
    last(g, "gateway_drops", 1) = 7;
    g.at("ports_per_destination").max.back() = 9000 + 100 * static_cast<std::uint64_t>(i);
  }
  g.at("request_latency").histogram->record(sim::milliseconds(2));
  g.at("first_eaddrnotavail_s").value = 1.5;
  metrics::summarise(g, 0);
  r.groups.push_back(std::move(g));
  return r;
}

TEST(SummaryTable, PrintsEveryReadingOfTheGroupsMetrics) {
  const std::string out = summary_table(make_results());
  EXPECT_THAT(out, HasSubstr("\ngateways (2 hosts)\n"));
  EXPECT_THAT(out, HasSubstr("  port range              28232 per destination\n"));
  // Peak and mean side by side, a row per state that is not zero throughout.
  EXPECT_THAT(out, HasSubstr("    TIME_WAIT                        102         100.5\n"));
  EXPECT_THAT(out, Not(HasSubstr("LISTEN")));
  EXPECT_THAT(out, HasSubstr("  first_eaddrnotavail_s   1.5s\n"));
  EXPECT_THAT(out, HasSubstr("  connects_attempted      40 connects\n"));
  // The busiest host's peak toward one destination, and the range's ports left over it.
  EXPECT_THAT(out, HasSubstr("  ports_per_destination_peak 9200 ports\n"));
  EXPECT_THAT(out, HasSubstr("  port_headroom           19032 ports\n"));
  EXPECT_THAT(out, HasSubstr("  connect_latency         -\n"));
  EXPECT_THAT(out, HasSubstr("  request_latency         p50 2ms"));
  // The metrics of a kind of node the table knows nothing of.
  EXPECT_THAT(out, HasSubstr("  directions               gateway_drops  (packets)\n"
                             "    out                                7\n"));
  EXPECT_THAT(out, Not(HasSubstr("    in ")));
}

}  // namespace
}  // namespace tcpsim::cli
