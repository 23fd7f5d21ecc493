// The memory a scenario is predicted to need: connections counted from the load, the pool
// and the closer, priced with the models' own per-host and per-socket costs.

#include "scenarios/memory_estimate.h"

#include <gtest/gtest.h>

#include <string>

#include "models/app/client_app.h"
#include "models/app/server_app.h"
#include "models/tcp/host_stack.h"
#include "scenarios/scenario_loader.h"

namespace tcpsim::scenarios {
namespace {

// 100 client hosts at `rate` each toward 4 backend hosts (ports 80 and 81: 8 destinations),
// for 120 s.
LoadResult scenario(const std::string& client_extra, const std::string& server_extra = "",
                    const std::string& client_kernel = "", double rate = 50) {
  const std::string text = R"(
name: "memory"
duration: "120s"
groups { name: "clients" count: 100 address_base: "10.1.0.1/16" kernel { )" +
                           client_kernel + R"( } }
groups { name: "backend" count: 4 address_base: "10.2.0.1/24" }
servers { group: "backend" ports: 80 ports: 81
          service_time { constant { value: "4ms" } } )" +
                           server_extra + R"( }
clients { group: "clients" target_group: "backend" target_ports: 80 target_ports: 81
          load { poisson { rate: )" +
                           std::to_string(rate) + R"( } } )" + client_extra + R"( }
)";
  LoadResult r = load_scenario_text(text, "memory.pbtxt");
  EXPECT_TRUE(r.ok());
  return r;
}

TEST(MemoryEstimate, ClientClosingFirstHoldsRateTimesTimeWaitRecords) {
  const LoadResult r = scenario("pool { none {} }");
  const MemoryEstimate e = estimate_memory(*r.resolved);
  EXPECT_EQ(e.hosts, 104U);
  EXPECT_EQ(e.records, 100U * 50U * 60U);
  // In flight: 50/s x (4 ms + 1 ms) per client host, as many on the backends.
  EXPECT_NEAR(static_cast<double>(e.sockets), 2 * 100 * 50 * 0.005, 1.0);
  EXPECT_EQ(e.flows, 0U);

  const ResolvedScenario& sc = *r.resolved;
  const tcp::StackMemory client = tcp::HostStack::memory(sc.groups[0].kernel, 1);
  const tcp::StackMemory backend = tcp::HostStack::memory(sc.groups[1].kernel, 1);
  const app::AppMemory c = app::ClientApp::memory(sc.clients[0].config);
  const app::AppMemory s = app::ServerApp::memory(sc.servers[0].config);
  EXPECT_EQ(e.host_bytes, 100 * (client.fixed + c.fixed) + 4 * (backend.fixed + s.fixed));
  // The records, priced per record, are most of the connections' bytes here.
  const std::uint64_t records = e.records * client.per_record;
  EXPECT_GT(e.connection_bytes, records);
  EXPECT_LT(e.connection_bytes,
            records + 100 * (client.source_ports(client.range) + 8 * client.per_destination +
                             8 * client.destination_ports(client.range) + 16384));
}

TEST(MemoryEstimate, ServerClosingFirstPutsTheRecordsOnTheBackends) {
  const MemoryEstimate e =
      estimate_memory(*scenario("pool { none {} }", "close_first: SERVER").resolved);
  EXPECT_EQ(e.records, 100U * 50U * 60U);
  // Capped by each backend's tcp_max_tw_buckets: 75,000 records each in a 60 s period.
  const MemoryEstimate capped =
      estimate_memory(*scenario("pool { none {} }", "close_first: SERVER", "", 200).resolved);
  EXPECT_EQ(capped.records, 4U * 131072U);
}

TEST(MemoryEstimate, RecordsAreCappedByThePortsTowardTheDestinations) {
  // 60,000 connections a minute from 100 ports: at most 100 per destination, 8 destinations.
  const MemoryEstimate e = estimate_memory(
      *scenario("pool { none {} }", "", "ip_local_port_range: \"40000 40099\"", 1000).resolved);
  EXPECT_EQ(e.records, 100U * 100U * 8U);
}

TEST(MemoryEstimate, APoolHoldsItsConnectionsAndLeavesNoRecords) {
  const MemoryEstimate e = estimate_memory(*scenario("pool { keep_alive {} }").resolved);
  EXPECT_EQ(e.records, 0U);
  // One to each destination (more than the 0.25 requests in flight), on both ends.
  EXPECT_EQ(e.sockets, 2U * 100U * 8U);
  const MemoryEstimate bounded =
      estimate_memory(*scenario("pool { bounded { max_total: 1 } }").resolved);
  EXPECT_EQ(bounded.sockets, 2U * 100U * 1U);
}

// A gateway's tables are sized from its own peak: the connections of the hosts behind it,
// each held for the gateway's TIME_WAIT timeout, capped by its max_entries.
TEST(MemoryEstimate, EachGatewayHoldsItsInsideHostsConnectionsForItsTimeWait) {
  const LoadResult r = load_scenario_text(R"(
name: "gateways"
duration: "120s"
groups { name: "a" count: 100 address_base: "10.1.0.1/16" }
groups { name: "b" count: 20 address_base: "10.3.0.1/16" }
groups { name: "backend" count: 4 address_base: "10.2.0.1/24" }
servers { group: "backend" ports: 80 service_time { constant { value: "4ms" } } }
clients { group: "a" target_group: "backend" target_ports: 80 pool { none {} }
          load { poisson { rate: 50 } } }
clients { group: "b" target_group: "backend" target_ports: 80 pool { none {} }
          load { poisson { rate: 10 } } }
nat_gateways { name: "n1" preset: "aws_nat_gateway" inside_groups: "a"
               address_base: "203.0.113.1" address_count: 2 timeout_time_wait: "30s" }
nat_gateways { name: "n2" preset: "gcp_cloud_nat" inside_groups: "b"
               public_addresses: "198.51.100.1" max_entries: 1000 }
)",
                                          "gateways.pbtxt");
  ASSERT_TRUE(r.ok()) << r.problems.front().to_string();
  const MemoryEstimate e = estimate_memory(*r.resolved);
  ASSERT_EQ(e.gateway_flows.size(), 2U);
  // 100 hosts x 50/s x 30 s, and the connections in flight (50/s x about 5 ms a host).
  EXPECT_NEAR(static_cast<double>(e.gateway_flows[0]), 150'000 + 100 * 50 * 0.005, 5.0);
  // 20 x 10/s x 120 s = 24,000, past the table's 1,000.
  EXPECT_EQ(e.gateway_flows[1], 1000U);
  EXPECT_NEAR(static_cast<double>(e.flows),
              static_cast<double>(e.gateway_flows[0] + e.gateway_flows[1]), 1.0);
}

TEST(MemoryEstimate, DescribesItsTerms) {
  const MemoryEstimate e = estimate_memory(*scenario("pool { none {} }").resolved);
  const std::string text = e.describe();
  EXPECT_NE(text.find("104 hosts"), std::string::npos) << text;
  EXPECT_NE(text.find("300000 TIME_WAIT/FIN_WAIT_2 records"), std::string::npos) << text;
  EXPECT_EQ(e.total(), e.base_bytes + e.host_bytes + e.connection_bytes);
}

}  // namespace
}  // namespace tcpsim::scenarios
