#include "scenarios/scenario_loader.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/tcp/kernel_settings.h"
#include "sim/time.h"

namespace tcpsim::scenarios {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kExample = std::string(TCPSIM_SCENARIO_EXAMPLES) + "/http10_exhaustion.pbtxt";
const std::string kData = TCPSIM_SCENARIO_TEST_DATA;

std::string describe(const LoadResult& r) {
  std::string all;
  for (const Problem& p : r.problems) all += p.to_string() + "\n";
  return all;
}

std::vector<std::string> fields(const LoadResult& r) {
  std::vector<std::string> out;
  for (const Problem& p : r.problems) out.push_back(p.field_path);
  return out;
}

// A valid scenario to which tests append blocks.
const std::string kMinimal = R"(
duration: "60s"
groups { name: "c" count: 2 address_base: "10.1.0.1" }
groups { name: "s" count: 1 address_base: "10.2.0.1" }
servers { group: "s" ports: 80 }
clients { group: "c" target_group: "s" target_ports: 80 load { poisson { rate: 10 } } }
)";

TEST(ScenarioLoader, ExampleLoadsWithoutProblems) {
  const LoadResult r = load_scenario(kExample);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.scenario->name(), "http10_exhaustion");
  EXPECT_EQ(r.scenario->clients(0).load().poisson().rate(), 600);
  ASSERT_EQ(r.resolved->groups.size(), 2U);
  const ResolvedGroup* clients = r.group("clients");
  ASSERT_NE(clients, nullptr);
  ASSERT_EQ(clients->host_addresses.size(), 20U);
  EXPECT_EQ(net::to_string(clients->host_addresses.front().at(0)), "10.1.0.1");
  EXPECT_EQ(net::to_string(clients->host_addresses.back().at(0)), "10.1.0.20");
  EXPECT_EQ(clients->kernel.ip_local_port_range.size(), 28232U);
  EXPECT_EQ(clients->kernel.time_wait_length, 60 * sim::kSecond);
  EXPECT_EQ(r.group("nope"), nullptr);
}

TEST(ScenarioLoader, EveryBlockOfTheSchemaValidates) {
  const LoadResult r = load_scenario(kData + "/good/everything.pbtxt");
  ASSERT_TRUE(r.ok()) << describe(r);
  const ResolvedGroup* web = r.group("web");
  ASSERT_NE(web, nullptr);
  ASSERT_EQ(web->host_addresses.size(), 4U);
  ASSERT_EQ(web->host_addresses[1].size(), 2U);
  EXPECT_EQ(net::to_string(web->host_addresses[1][0]), "10.1.0.5");
  EXPECT_EQ(net::to_string(web->host_addresses[1][1]), "10.1.0.6");
  const ResolvedGroup* api = r.group("api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(net::to_string(api->host_addresses[1][0]), "10.2.0.20");
}

// The resolved text spells out every kernel setting, presets expanded; read back, it
// resolves to the same settings and prints the same text.
TEST(ScenarioLoader, ResolvedTextReadsBackToTheSameScenario) {
  const LoadResult r = load_scenario(kData + "/good/everything.pbtxt", {"seed=7"});
  ASSERT_TRUE(r.ok()) << describe(r);
  const std::string text = r.resolved_text();
  EXPECT_THAT(text, HasSubstr("seed: 7"));
  EXPECT_THAT(text, HasSubstr("preset: \"rfc9293\"\n    ip_local_port_range: \"40000 65535\""));
  EXPECT_THAT(text, HasSubstr("time_wait_length: \"4m\""));
  const LoadResult again = load_scenario_text(text, kData + "/good/resolved.pbtxt");
  ASSERT_TRUE(again.ok()) << describe(again);
  EXPECT_EQ(again.resolved_text(), text);
  ASSERT_EQ(again.resolved->groups.size(), r.resolved->groups.size());
  for (std::size_t g = 0; g < r.resolved->groups.size(); ++g) {
    EXPECT_EQ(again.resolved->groups[g].kernel, r.resolved->groups[g].kernel) << g;
  }
}

TEST(ScenarioLoader, ResolvedKernelSettingsApplyOverridesOnThePreset) {
  const LoadResult r = load_scenario(kData + "/good/everything.pbtxt");
  ASSERT_TRUE(r.ok()) << describe(r);

  const tcp::KernelSettings& web = r.group("web")->kernel;
  EXPECT_EQ(web.ip_local_port_range.low, 1024);
  EXPECT_EQ(web.ip_local_port_range.high, 65535);
  ASSERT_EQ(web.ip_local_reserved_ports.size(), 2U);
  EXPECT_EQ(web.ip_local_reserved_ports[1].low, 9000);
  EXPECT_EQ(web.ip_local_reserved_ports[1].high, 9100);
  EXPECT_EQ(web.tcp_tw_reuse, 1);
  EXPECT_EQ(web.tcp_tw_reuse_delay, 10 * sim::kMillisecond);
  EXPECT_EQ(web.tcp_fin_timeout, 30 * sim::kSecond);
  EXPECT_EQ(web.tcp_max_tw_buckets, 262144U);
  EXPECT_EQ(web.tcp_syn_retries, 3);
  EXPECT_EQ(web.tcp_syn_linear_timeouts, 0);
  EXPECT_EQ(web.tcp_synack_retries, 2);
  EXPECT_EQ(web.somaxconn, 1024U);
  EXPECT_TRUE(web.tcp_abort_on_overflow);
  EXPECT_EQ(web.tcp_orphan_retries, 1);
  EXPECT_EQ(web.tcp_retries2, 8);
  EXPECT_TRUE(web.tcp_rfc1337);
  EXPECT_EQ(web.nofile, 65536U);
  EXPECT_EQ(web.mss, 8948U);

  // rfc9293 with only the low end of the port range moved.
  const tcp::KernelSettings& api = r.group("api")->kernel;
  const tcp::KernelSettings rfc = tcp::KernelSettings::rfc9293();
  EXPECT_EQ(api.time_wait_length, 240 * sim::kSecond);
  EXPECT_EQ(api.tcp_tw_reuse, 0);
  EXPECT_EQ(api.ip_local_port_range.low, 40000);
  EXPECT_EQ(api.ip_local_port_range.high, rfc.ip_local_port_range.high);

  // No kernel block: the linux preset untouched.
  const tcp::KernelSettings& db = r.group("db")->kernel;
  const tcp::KernelSettings linux_defaults = tcp::KernelSettings::linux_defaults();
  EXPECT_EQ(db.ip_local_port_range.low, linux_defaults.ip_local_port_range.low);
  EXPECT_EQ(db.tcp_tw_reuse, linux_defaults.tcp_tw_reuse);
  EXPECT_EQ(db.time_wait_length, linux_defaults.time_wait_length);
}

TEST(ScenarioLoader, ReportsEveryProblemOfAFileInTextOrder) {
  const std::string file = kData + "/multiple_problems.pbtxt";
  const LoadResult r = load_scenario(file);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(fields(r), ElementsAre("metrics_interval", "groups[0].kernel.tcp_syn_retries",
                                     "groups[0].kernel.tcp_fin_timeout", "servers[0].ports[1]",
                                     "servers[0].linger_zero_fraction", "servers[1].group",
                                     "clients[0].load.on_off.off_duration",
                                     "clients[0].pool.bounded.min_idle", "clients[0].tcp_syncnt"))
      << describe(r);
  EXPECT_EQ(r.problems[0].to_string(), file + ":4:1: metrics_interval: must be > 0 (default 1s)");
  EXPECT_EQ(r.problems[2].to_string(),
            file +
                ":9:31: groups[0].kernel.tcp_fin_timeout: invalid duration \"soon\": "
                "expected a number at \"soon\"");
  EXPECT_EQ(r.problems[5].to_string(),
            file + ":23:3: servers[1].group: unknown host group \"frontend\"");
}

TEST(ScenarioLoader, UnknownFieldsAreAllReportedAndValidationGoesOn) {
  const LoadResult r = load_scenario_text(R"(duration: "60s"
groups { name: "c" count: 2 address_base: "10.1.0.1" colour: 1 }
groups { name: "s" count: 1 address_base: "10.2.0.1" }
servers { group: "s" ports: 80 leak_fraction: 2 }
clients { group: "c" target_group: "s" target_ports: 80 load { poisson { rate: 10 } } }
sweeps { points: 3 }
)",
                                          "t.pbtxt");
  ASSERT_EQ(r.problems.size(), 3U) << describe(r);
  EXPECT_EQ(r.problems[0].to_string(),
            "t.pbtxt:2:54: Message type \"tcpsim.scenario.HostGroup\" has no field named "
            "\"colour\".");
  EXPECT_EQ(r.problems[1].to_string(),
            "t.pbtxt:6:1: Message type \"tcpsim.scenario.Scenario\" has no field named "
            "\"sweeps\".");
  EXPECT_EQ(r.problems[2].field_path, "servers[0].leak_fraction");
  EXPECT_EQ(r.problems[2].line, 4);
  EXPECT_TRUE(r.scenario.has_value());
}

TEST(ScenarioLoader, ASyntaxErrorStopsBeforeValidation) {
  const LoadResult r = load_scenario_text("duration: \"60s\"\ngroups {\n  count: two\n}\n", "t");
  ASSERT_EQ(r.problems.size(), 1U) << describe(r);
  EXPECT_EQ(r.problems[0].line, 3);
  EXPECT_EQ(r.problems[0].col, 10);
  EXPECT_THAT(r.problems[0].message, HasSubstr("two"));
  EXPECT_FALSE(r.scenario.has_value());
  EXPECT_FALSE(r.resolved.has_value());
  EXPECT_EQ(r.resolved_text(), "");
}

TEST(ScenarioLoader, AMissingFileIsAProblem) {
  const LoadResult r = load_scenario(kData + "/does_not_exist.pbtxt");
  ASSERT_EQ(r.problems.size(), 1U);
  EXPECT_THAT(r.problems[0].to_string(), HasSubstr("does_not_exist.pbtxt: cannot read: "));
  EXPECT_FALSE(r.ok());
}

TEST(ScenarioLoader, AnEmptyFileLacksDurationAndGroups) {
  const LoadResult r = load_scenario_text("# nothing\n", "empty.pbtxt");
  EXPECT_THAT(fields(r), ElementsAre("duration", "groups"));
  EXPECT_EQ(r.problems[0].to_string(),
            "empty.pbtxt: duration: required (a duration such as \"60s\")");
}

TEST(ScenarioLoader, TraceFilesAreFoundNextToTheScenario) {
  const std::string text = kMinimal + R"(clients { group: "c" target_group: "s" target_ports: 80
                                           load { trace { csv_path: "arrivals.csv" } } })";
  EXPECT_TRUE(load_scenario_text(text, kData + "/good/x.pbtxt").ok());
  const LoadResult elsewhere = load_scenario_text(text, kData + "/bad/x.pbtxt");
  EXPECT_THAT(fields(elsewhere), ElementsAre("clients[1].load.trace.csv_path"));
  EXPECT_THAT(elsewhere.problems[0].message, HasSubstr("no such file"));
}

TEST(ScenarioLoader, AClientWaitingForAServerThatWaitsForItIsAProblem) {
  const LoadResult r =
      load_scenario_text(kMinimal + R"(clients { group: "c" target_group: "s" target_ports: 80
                              load { poisson { rate: 10 } } close { closer: SERVER } })",
                         "t");
  EXPECT_THAT(fields(r), ElementsAre("clients[1].close.closer"));
  EXPECT_THAT(r.problems[0].message, HasSubstr("neither would close"));
}

TEST(ScenarioLoader, GroupsMustBeJoinedByTheTopology) {
  const LoadResult unreachable = load_scenario_text(kMinimal + R"(topology {
  switches { name: "a" } switches { name: "b" }
  links { from: "c" to: "a" } links { from: "s" to: "b" }
})",
                                                    "t");
  EXPECT_THAT(fields(unreachable), ElementsAre("clients[0].target_group"));
  EXPECT_THAT(unreachable.problems[0].message, HasSubstr("no path from group \"c\" to group"));

  const LoadResult direct =
      load_scenario_text(kMinimal + R"(topology { links { from: "c" to: "s" } })", "t");
  EXPECT_THAT(fields(direct), ElementsAre("topology.links[0]"));
  EXPECT_THAT(direct.problems[0].message, HasSubstr("only single-host groups"));
}

TEST(ScenarioLoader, ServersCannotShareAPortOfAGroup) {
  const LoadResult r = load_scenario_text(kMinimal + R"(servers { group: "s" ports: 80 })", "t");
  EXPECT_THAT(fields(r), ElementsAre("servers[1].ports[0]"));
  EXPECT_THAT(r.problems[0].message, HasSubstr("already listened on by servers[0]"));
}

TEST(Problem, PrintsOnlyWhatIsKnown) {
  EXPECT_EQ((Problem{"f.pbtxt", 3, 7, "a.b", "bad"}).to_string(), "f.pbtxt:3:7: a.b: bad");
  EXPECT_EQ((Problem{"f.pbtxt", 3, 7, "", "bad"}).to_string(), "f.pbtxt:3:7: bad");
  EXPECT_EQ((Problem{"f.pbtxt", 0, 0, "a.b", "bad"}).to_string(), "f.pbtxt: a.b: bad");
  EXPECT_EQ((Problem{"", 0, 0, "", "bad"}).to_string(), "bad");
}

}  // namespace
}  // namespace tcpsim::scenarios
