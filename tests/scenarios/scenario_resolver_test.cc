// The resolve pass: typed configs derived once from the scenario text, every problem named.

#include "scenarios/scenario_resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "scenarios/scenario_loader.h"
#include "sim/random_stream.h"

namespace tcpsim::scenarios {
namespace {

using ::testing::HasSubstr;

std::string describe(const LoadResult& r) {
  std::string all;
  for (const Problem& p : r.problems) all += p.to_string() + "\n";
  return all;
}

// Two client hosts, one backend host, a server on ports 80 and 81.
std::string scenario(const std::string& server_extra, const std::string& client_extra,
                     const std::string& backend_kernel = "") {
  return R"(
name: "resolve"
duration: "10s"
groups { name: "clients" count: 2 address_base: "10.1.0.1" }
groups { name: "backend" count: 1 address_base: "10.2.0.1" kernel { )" +
         backend_kernel + R"( } }
servers { group: "backend" ports: 80 ports: 81 )" +
         server_extra + R"( }
clients { group: "clients" target_group: "backend" target_ports: 80 target_ports: 81
          load { poisson { rate: 10 } } )" +
         client_extra + R"( }
)";
}

LoadResult load(const std::string& text) { return load_scenario_text(text, "resolve.pbtxt"); }

TEST(ScenarioResolver, BacklogDefaultsToSomaxconnAndIsClampedToIt) {
  LoadResult r = load(scenario("", "", "somaxconn: 128"));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.resolved->servers[0].config.backlog, 128);
  r = load(scenario("backlog: 100", "", "somaxconn: 128"));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.resolved->servers[0].config.backlog, 100);
  r = load(scenario("backlog: 4294967295", "", "somaxconn: 128"));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.resolved->servers[0].config.backlog, 128);
}

TEST(ScenarioResolver, DestinationsAreEveryBackendHostTimesEveryPort) {
  const LoadResult r = load(scenario("", ""));
  ASSERT_TRUE(r.ok()) << describe(r);
  const ResolvedClient& c = r.resolved->clients[0];
  ASSERT_EQ(c.config.destinations.size(), 2U);
  EXPECT_EQ(c.config.destinations[0].port, 80);
  EXPECT_EQ(c.config.destinations[1].port, 81);
  EXPECT_EQ(c.group, 0);
  EXPECT_EQ(c.target_group, 1);
  EXPECT_EQ(c.name, "clients->backend");
  EXPECT_EQ(r.resolved->servers[0].name, "backend:80");
}

TEST(ScenarioResolver, MessageSizesDefaultTo100BytesAndTheClientsResponseSizeWins) {
  LoadResult r = load(scenario("", ""));
  ASSERT_TRUE(r.ok()) << describe(r);
  sim::RandomStream rng(1, 2);
  const app::ServerConfig* s = &r.resolved->servers[0].config;
  ASSERT_EQ(s->sizes.size(), 1U);
  EXPECT_EQ(s->sizes[0].request.sample(rng), 100);
  EXPECT_EQ(s->sizes[0].response.sample(rng), 100);
  const app::ClientConfig* c = &r.resolved->clients[0].config;
  ASSERT_EQ(c->sizes.size(), 2U);
  EXPECT_EQ(c->size_tags, (std::vector<std::uint32_t>{0, 0}));

  r = load(scenario("response_size { constant { value: 5000 } }",
                    "request_size { constant { value: 300 } }"));
  ASSERT_TRUE(r.ok()) << describe(r);
  s = &r.resolved->servers[0].config;
  ASSERT_EQ(s->sizes.size(), 2U);
  EXPECT_EQ(s->sizes[0].request.sample(rng), 100);
  EXPECT_EQ(s->sizes[0].response.sample(rng), 5000);
  EXPECT_EQ(s->sizes[1].request.sample(rng), 300);
  EXPECT_EQ(s->sizes[1].response.sample(rng), 5000);
  c = &r.resolved->clients[0].config;
  EXPECT_EQ(c->size_tags, (std::vector<std::uint32_t>{1, 1}));
  EXPECT_EQ(c->sizes[1].request.sample(rng), 300);
  EXPECT_EQ(c->sizes[1].response.sample(rng), 5000);

  r = load(scenario("response_size { constant { value: 5000 } }",
                    "response_size { exponential { mean: 2000 } }"));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_DOUBLE_EQ(r.resolved->servers[0].config.sizes[1].response.mean(), 2000);
  EXPECT_DOUBLE_EQ(r.resolved->clients[0].config.sizes[0].response.mean(), 2000);
}

TEST(ScenarioResolver, ClientsOfOneServerPortMayEachSendTheirOwnSizes) {
  std::string text = scenario("", "request_size { constant { value: 300 } }");
  text += R"(clients { group: "clients" target_group: "backend" target_ports: 81
          load { constant { rate: 1 } } request_size { uniform { lo: 10 hi: 20 } } }
clients { group: "clients" target_group: "backend" target_ports: 80 load { constant { rate: 1 } } }
)";
  const LoadResult r = load(text);
  ASSERT_TRUE(r.ok()) << describe(r);
  const app::ServerConfig& s = r.resolved->servers[0].config;
  ASSERT_EQ(s.sizes.size(), 3U);
  EXPECT_DOUBLE_EQ(s.sizes[1].request.mean(), 300);
  EXPECT_DOUBLE_EQ(s.sizes[2].request.mean(), 15);
  EXPECT_EQ(r.resolved->clients[0].config.size_tags, (std::vector<std::uint32_t>{1, 1}));
  EXPECT_EQ(r.resolved->clients[1].config.size_tags, (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(r.resolved->clients[2].config.size_tags, (std::vector<std::uint32_t>{0}));
}

TEST(ScenarioResolver, ProblemsOfTheNewlyModelledFieldsNameTheirField) {
  const LoadResult r =
      load(scenario("max_accept_rate: -1 idle_timeout: \"0s\" linger_zero_fraction: 2",
                    "close { delay: \"soon\" linger_zero_fraction: -0.5 }"));
  ASSERT_EQ(r.problems.size(), 5U) << describe(r);
  std::vector<std::string> fields;
  for (const Problem& p : r.problems) fields.push_back(p.field_path);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre(
                          "servers[0].max_accept_rate", "servers[0].idle_timeout",
                          "servers[0].linger_zero_fraction", "clients[0].close.delay",
                          "clients[0].close.linger_zero_fraction"));
}

TEST(ScenarioResolver, TraceArrivalsAreReadAtResolveTime) {
  const std::string dir = ::testing::TempDir();
  {
    std::ofstream csv(dir + "/arrivals.csv");
    csv << "time_s\n0.5\n1.25\n1.25\n3\n";
  }
  const std::string text = scenario("", "").replace(scenario("", "").find("poisson { rate: 10 }"),
                                                    std::string("poisson { rate: 10 }").size(),
                                                    "trace { csv_path: \"arrivals.csv\" }");
  LoadResult r = load_scenario_text(text, dir + "/resolve.pbtxt");
  ASSERT_TRUE(r.ok()) << describe(r);
  app::ArrivalProcess a = r.resolved->clients[0].config.arrivals;
  sim::RandomStream rng(1, 1);
  a.start(0);
  std::vector<sim::Time> times;
  for (sim::Time t = a.next(0, rng); t != app::kNever; t = a.next(t, rng)) times.push_back(t);
  EXPECT_EQ(times, (std::vector<sim::Time>{500 * sim::kMillisecond, 1250 * sim::kMillisecond,
                                           1250 * sim::kMillisecond, 3 * sim::kSecond}));

  {
    std::ofstream csv(dir + "/arrivals.csv");
    csv << "0.5\n0.25\nnan\n-1\n";
  }
  r = load_scenario_text(text, dir + "/resolve.pbtxt");
  ASSERT_EQ(r.problems.size(), 3U) << describe(r);
  EXPECT_EQ(r.problems[0].field_path, "clients[0].load.trace.csv_path");
  EXPECT_THAT(r.problems[0].message, HasSubstr("arrivals.csv:2: 0.25 comes before"));
  EXPECT_THAT(r.problems[1].message, HasSubstr("arrivals.csv:3: nan is not a time"));
  EXPECT_THAT(r.problems[2].message, HasSubstr("arrivals.csv:4: -1 is not a time"));
}

}  // namespace
}  // namespace tcpsim::scenarios
