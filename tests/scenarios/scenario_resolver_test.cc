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

TEST(ScenarioResolver, SocketOptionsAndCrashesReachTheConfigs) {
  LoadResult r = load(scenario(R"(keepalive { enabled: true idle: "30s" }
                                  crashes { at: "1s" downtime: "2s" }
                                  crashes { at: "3s" downtime: "500ms" })",
                               R"(keepalive { enabled: true interval: "5s" probes: 4 }
                                  tcp_user_timeout: "2.5s")"));
  ASSERT_TRUE(r.ok()) << describe(r);
  const ResolvedServer& s = r.resolved->servers[0];
  EXPECT_TRUE(s.config.keepalive.enabled);
  EXPECT_EQ(s.config.keepalive.idle_s, 30);
  EXPECT_EQ(s.config.keepalive.intvl_s, 0);  // the host's tcp_keepalive_intvl
  EXPECT_EQ(s.config.keepalive.probes, 0);
  ASSERT_EQ(s.crashes.size(), 2U);
  EXPECT_EQ(s.crashes[1].at, 3 * sim::kSecond);
  EXPECT_EQ(s.crashes[1].downtime, 500 * sim::kMillisecond);
  const app::ConnectOptions& c = r.resolved->clients[0].config.connect;
  EXPECT_TRUE(c.keepalive.enabled);
  EXPECT_EQ(c.keepalive.idle_s, 0);
  EXPECT_EQ(c.keepalive.intvl_s, 5);
  EXPECT_EQ(c.keepalive.probes, 4);
  EXPECT_EQ(c.user_timeout_ms, 2500U);

  r = load(scenario("", ""));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_FALSE(r.resolved->servers[0].config.keepalive.enabled);
  EXPECT_TRUE(r.resolved->servers[0].crashes.empty());
  EXPECT_FALSE(r.resolved->clients[0].config.connect.keepalive.enabled);
  EXPECT_EQ(r.resolved->clients[0].config.connect.user_timeout_ms, 0U);
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
  // Two destinations of one server: one model, named by both.
  ASSERT_EQ(c->sizes.size(), 1U);
  EXPECT_EQ(c->size_of, (std::vector<std::uint32_t>{0, 0}));
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
  ASSERT_EQ(c->sizes.size(), 1U);
  EXPECT_EQ(c->sizes[c->size_of[1]].request.sample(rng), 300);
  EXPECT_EQ(c->sizes[c->size_of[1]].response.sample(rng), 5000);

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
  // Each client keeps one model per server port it reaches.
  EXPECT_EQ(r.resolved->clients[1].config.sizes.size(), 1U);
  EXPECT_DOUBLE_EQ(r.resolved->clients[1].config.sizes[0].request.mean(), 15);
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

// Gateways claim their public addresses in the table that holds every group's addresses: a
// claim on the last of 200,000 hosts, or on another gateway's address, is named; the address
// just past the group is free.
TEST(ScenarioResolver, GatewayAddressesAreCheckedAgainstEveryHostAndGateway) {
  const auto problems = [](const std::string& gateways) {
    const LoadResult r = load(R"(
name: "p"
duration: "10s"
groups { name: "c" count: 2 address_base: "10.1.0.1" }
groups { name: "s" count: 200000 address_base: "10.2.0.1" }
groups { name: "d" count: 1 address_base: "10.9.0.1" }
servers { group: "s" ports: 80 }
)" + gateways);
    std::vector<std::string> out;
    for (const Problem& p : r.problems) out.push_back(p.field_path + ": " + p.message);
    return out;
  };
  // 10.2.0.1 + 199,999 = 10.5.13.64, the group's last host.
  EXPECT_THAT(problems(R"(nat_gateways { name: "n" preset: "aws_nat_gateway" inside_groups: "c"
                          public_addresses: "10.5.13.64" })"),
              ::testing::ElementsAre("nat_gateways[0].public_addresses[0]: address 10.5.13.64 "
                                     "is also an address of group \"s\""));
  EXPECT_THAT(problems(R"(nat_gateways { name: "n" preset: "aws_nat_gateway" inside_groups: "c"
                          public_addresses: "10.5.13.65" })"),
              ::testing::IsEmpty());
  EXPECT_THAT(problems(R"(nat_gateways { name: "n" preset: "aws_nat_gateway" inside_groups: "c"
                          public_addresses: "10.5.13.65" }
                          nat_gateways { name: "m" preset: "aws_nat_gateway" inside_groups: "d"
                          public_addresses: "10.5.13.66" public_addresses: "10.5.13.65" })"),
              ::testing::ElementsAre("nat_gateways[1].public_addresses[1]: address 10.5.13.65 "
                                     "is also an address of nat_gateways[0]"));
}

}  // namespace
}  // namespace tcpsim::scenarios

namespace tcpsim::scenarios {
namespace {

const std::string kData = TCPSIM_SCENARIO_TEST_DATA;

const ResolvedProxy& proxy_named(const ResolvedScenario& sc, const std::string& name) {
  for (const ResolvedProxy& p : sc.proxies) {
    if (p.name == name) return p;
  }
  throw std::out_of_range(name);
}

TEST(ScenarioResolver, AProxyIsAServerOfItsGroupAndAClientOfItsUpstream) {
  const LoadResult r = load_scenario(kData + "/good/everything.pbtxt");
  ASSERT_TRUE(r.ok()) << describe(r);
  const ResolvedProxy& edge = proxy_named(*r.resolved, "edge-proxy");
  EXPECT_EQ(edge.group, 4);
  EXPECT_EQ(edge.downstream.group, 4);
  ASSERT_EQ(edge.downstream.config.listen.size(), 1U);
  EXPECT_EQ(edge.downstream.config.listen[0].port, 443);
  EXPECT_EQ(edge.downstream.config.idle_timeout, 60 * sim::kSecond);
  // Upstream: both api hosts on port 8000, through a bounded pool.
  EXPECT_EQ(edge.upstream.group, 4);
  EXPECT_FALSE(edge.upstream.loopback);
  ASSERT_EQ(edge.upstream.config.destinations.size(), 2U);
  EXPECT_EQ(net::to_string(edge.upstream.config.destinations[1]), "10.2.0.20:8000");
  EXPECT_EQ(edge.upstream.config.pool.max_total, 64U);
  EXPECT_EQ(edge.upstream.config.retry.max_retries, 1U);
  EXPECT_EQ(edge.upstream_timeout, 5 * sim::kSecond);
  EXPECT_EQ(edge.error_response_size, 200U);
  // The upstream's own request size is a model of its own on the api server.
  EXPECT_EQ(edge.upstream.config.size_tags.size(), 2U);
  EXPECT_NE(edge.upstream.config.size_tags[0], 0U);
}

TEST(ScenarioResolver, ASidecarReachesItsApplicationOverLoopback) {
  const LoadResult r = load_scenario(kData + "/good/everything.pbtxt");
  ASSERT_TRUE(r.ok()) << describe(r);
  const ResolvedProxy& sidecar = proxy_named(*r.resolved, "cache-sidecar");
  EXPECT_TRUE(sidecar.upstream.loopback);
  ASSERT_EQ(sidecar.upstream.config.destinations.size(), 1U);
  EXPECT_EQ(net::to_string(sidecar.upstream.config.destinations[0]), "127.0.0.1:6379");
  ASSERT_TRUE(sidecar.upstream.source_address.has_value());
  EXPECT_EQ(net::to_string(*sidecar.upstream.source_address), "127.0.0.6");
  EXPECT_EQ(sidecar.name, "cache-sidecar");
  // A client of the sidecar's port is a client of a listener like any other.
  const ResolvedClient& c = r.resolved->clients.back();
  EXPECT_EQ(c.name, "db-to-sidecar");
  EXPECT_EQ(c.config.destinations[0].port, 16379);
}

const ResolvedClient& client_named(const ResolvedScenario& sc, const std::string& name) {
  for (const ResolvedClient& c : sc.clients) {
    if (c.name == name) return c;
  }
  throw std::out_of_range(name);
}

TEST(ScenarioResolver, ApplicationBehavioursReachTheirConfigs) {
  const LoadResult r = load_scenario(kData + "/good/everything.pbtxt");
  ASSERT_TRUE(r.ok()) << describe(r);
  const app::ClientConfig& api = client_named(*r.resolved, "api-to-db").config;
  EXPECT_EQ(api.request_timeout, 2 * sim::kSecond);
  EXPECT_TRUE(api.retry.on_timeout);
  const app::ClientConfig& replay = client_named(*r.resolved, "db-replay").config;
  EXPECT_EQ(replay.connect.half_close_hold, 30 * sim::kSecond);
  EXPECT_EQ(replay.connect.close_delay, sim::kMillisecond);
  EXPECT_FALSE(replay.retry.on_timeout);
  EXPECT_EQ(replay.request_timeout, 0);
  EXPECT_TRUE(client_named(*r.resolved, "cache-self").config.connect_only);
  EXPECT_FALSE(replay.connect_only);
  EXPECT_TRUE(proxy_named(*r.resolved, "edge-proxy").upstream.config.retry.on_timeout);
  int never_respond = 0;
  for (const ResolvedServer& s : r.resolved->servers) never_respond += s.config.never_respond;
  EXPECT_EQ(never_respond, 1);
}

TEST(ScenarioResolver, AGatewayIsItsPresetWithItsOverrides) {
  const LoadResult r = load_scenario(kData + "/good/everything.pbtxt");
  ASSERT_TRUE(r.ok()) << describe(r);
  ASSERT_EQ(r.resolved->gateways.size(), 1U);
  const ResolvedGateway& g = r.resolved->gateways[0];
  EXPECT_EQ(g.name, "nat");
  ASSERT_EQ(g.inside_groups.size(), 1U);
  EXPECT_EQ(r.resolved->groups[static_cast<std::size_t>(g.inside_groups[0])].name, "batch");
  const net::NatGatewayConfig& c = g.config;
  EXPECT_EQ(c.product, "gcp_cloud_nat");
  ASSERT_EQ(c.public_addresses.size(), 2U);
  EXPECT_EQ(net::to_string(c.public_addresses[1]), "203.0.113.2");
  EXPECT_EQ(c.port_low, 1024);
  EXPECT_EQ(c.port_high, 65535);
  EXPECT_EQ(c.allocation, net::NatAllocation::kPerHostDynamic);
  EXPECT_EQ(c.min_ports_per_host, 32U);
  EXPECT_EQ(c.max_ports_per_host, 1024U);
  EXPECT_EQ(c.selection, net::NatPortSelection::kSequential);
  const auto timeout = [&c](net::FlowState s) { return c.timeouts[static_cast<std::size_t>(s)]; };
  EXPECT_EQ(timeout(net::FlowState::kEstablished), 600 * sim::kSecond);
  EXPECT_EQ(timeout(net::FlowState::kTimeWait), 30 * sim::kSecond);
  EXPECT_EQ(timeout(net::FlowState::kSynSent), 30 * sim::kSecond);  // the preset's
  EXPECT_TRUE(c.reset_on_exhaustion);
  // The resolved text spells the preset out and reads back to the same gateway.
  const LoadResult again = load_scenario_text(r.resolved_text(), kData + "/good/again.pbtxt");
  ASSERT_TRUE(again.ok()) << describe(again);
  const net::NatGatewayConfig& c2 = again.resolved->gateways[0].config;
  EXPECT_EQ(c2.timeouts, c.timeouts);
  EXPECT_EQ(c2.port_low, c.port_low);
  EXPECT_EQ(c2.allocation, c.allocation);
  EXPECT_EQ(c2.min_ports_per_host, c.min_ports_per_host);
}

TEST(ScenarioResolver, ConntrackSettingsComeFromTheKernel) {
  const LoadResult r = load_scenario(kData + "/good/everything.pbtxt");
  ASSERT_TRUE(r.ok()) << describe(r);
  const tcp::KernelSettings& k = r.group("edge")->kernel;
  EXPECT_TRUE(k.nf_conntrack);
  EXPECT_EQ(k.nf_conntrack_max, 65536U);
  EXPECT_EQ(k.nf_conntrack_tcp_timeout_time_wait, 60 * sim::kSecond);
  EXPECT_EQ(k.nf_conntrack_tcp_timeout_established, 24 * 3600 * sim::kSecond);
  EXPECT_FALSE(r.group("web")->kernel.nf_conntrack);
}

TEST(ScenarioResolver, GatewayAndProxyProblemsNameTheirFields) {
  const std::string base = R"(
name: "p"
duration: "10s"
groups { name: "c" count: 2 address_base: "10.1.0.1" }
groups { name: "s" count: 1 address_base: "10.2.0.1" }
servers { group: "s" ports: 80 }
)";
  const auto problems = [&](const std::string& extra) {
    const LoadResult r = load(base + extra);
    std::vector<std::string> out;
    for (const Problem& p : r.problems) out.push_back(p.field_path + ": " + p.message);
    return out;
  };
  EXPECT_THAT(problems(R"(nat_gateways { name: "n" preset: "aws_nat_gateway" inside_groups: "c"
                          address_base: "203.0.113.1" address_count: 9 })"),
              ::testing::ElementsAre("nat_gateways[0].address_count: aws_nat_gateway takes at "
                                     "most 8 public addresses, got 9"));
  EXPECT_THAT(
      problems(R"(nat_gateways { name: "n" preset: "aws_nat_gateway" inside_groups: "c"
                          inside_groups: "c" public_addresses: "203.0.113.1" })"),
      ::testing::ElementsAre("nat_gateways[0].inside_groups[1]: group \"c\" is already behind "
                             "nat_gateways[0]"));
  EXPECT_THAT(problems(R"(nat_gateways { name: "s" preset: "gcp_cloud_nat" inside_groups: "c"
                          public_addresses: "203.0.113.1" })"),
              ::testing::ElementsAre(
                  "nat_gateways[0].name: duplicate name \"s\" (already used by groups[1].name)"));
  EXPECT_THAT(problems(R"(proxies { group: "c" downstream { ports: 8080 } upstream {
                          target_group: "s" target_ports: 80 source_port_range: "2000 1000" } })"),
              ::testing::ElementsAre(::testing::StartsWith(
                  "proxies[0].upstream.source_port_range: low (2000) must be")));
  EXPECT_THAT(problems(R"(proxies { group: "c" downstream { ports: 8080 } upstream {
                          target_group: "s" target_ports: 80 source_address: "127.0.0.6" } })"),
              ::testing::ElementsAre(::testing::StartsWith(
                  "proxies[0].upstream.source_address: needs bind_mode BIND_ZERO")));
  EXPECT_THAT(problems(R"(nat_gateways { name: "n" preset: "aws_nat_gateway" inside_groups: "s"
                          public_addresses: "203.0.113.1" }
                          clients { group: "c" target_group: "s" target_ports: 80
                                    load { poisson { rate: 1 } } })"),
              ::testing::ElementsAre("clients[0].target_group: group \"s\" is behind "
                                     "nat_gateways[0], and hosts inside a gateway accept no "
                                     "connection from outside it"));
  EXPECT_THAT(problems(R"(proxies { group: "c" upstream { target_group: "s" target_ports: 80 } })"),
              ::testing::ElementsAre("proxies[0].downstream: required: the ports it listens on"));
  EXPECT_THAT(
      problems(R"(proxies { group: "c" downstream { ports: 8080 } upstream {
                          target_group: "s" target_ports: 80 request_timeout: "1s"
                          connect_only: true } })"),
      ::testing::ElementsAre(
          "proxies[0].upstream.request_timeout: must be unset: the proxy's "
          "upstream_timeout is it",
          "proxies[0].upstream.connect_only: must be unset: a proxy forwards its requests"));
  EXPECT_THAT(problems(R"(clients { group: "c" target_group: "s" target_ports: 80
                                    load { poisson { rate: 1 } } request_timeout: "0s" })"),
              ::testing::ElementsAre(::testing::StartsWith("clients[0].request_timeout: ")));
  EXPECT_THAT(problems(R"(proxies { group: "c" downstream { ports: 8080
                                                          crashes { at: "1s" downtime: "1s" } }
                          upstream { target_group: "s" target_ports: 80 } })"),
              ::testing::ElementsAre("proxies[0].downstream.crashes: must be empty for a proxy's "
                                     "downstream: only a server's hosts crash"));
}

}  // namespace
}  // namespace tcpsim::scenarios

namespace tcpsim::scenarios {
namespace {

// Hosts do not forward: a path between two groups goes through switches, or over a link of
// their own, never through a third host.
TEST(ScenarioResolver, NoPathLeadsThroughAHost) {
  const std::string text = R"(
name: "p"
duration: "10s"
groups { name: "a" count: 1 address_base: "10.1.0.1" }
groups { name: "b" count: 1 address_base: "10.2.0.1" }
groups { name: "c" count: 1 address_base: "10.3.0.1" }
topology {
  switches { name: "sw" }
  links { from: "a" to: "sw" }
  links { from: "b" to: "sw" }
  links { from: "b" to: "c" }
}
servers { group: "c" ports: 80 }
servers { group: "b" ports: 80 }
clients { group: "b" target_group: "c" target_ports: 80 load { poisson { rate: 1 } } }
clients { group: "a" target_group: "b" target_ports: 80 load { poisson { rate: 1 } } }
clients { group: "a" target_group: "c" target_ports: 80 load { poisson { rate: 1 } } }
)";
  const LoadResult r = load_scenario_text(text, "p.pbtxt");
  ASSERT_EQ(r.problems.size(), 1U) << describe(r);
  EXPECT_EQ(r.problems[0].field_path, "clients[2].target_group");
  EXPECT_EQ(r.problems[0].message,
            "no path from group \"a\" to group \"c\" through topology.links");
}

}  // namespace
}  // namespace tcpsim::scenarios
