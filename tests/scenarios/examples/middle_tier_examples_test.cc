// Runs the middle-tier examples (proxies, sidecars, NAT gateways, conntrack) and checks that
// each tells the story of its header, with its arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>

#include "models/net/flow_state.h"
#include "models/tcp/socket_error.h"
#include "models/tcp/tcp_state.h"
#include "tests/scenarios/examples/example_run.h"

namespace tcpsim::scenarios {
namespace {

using metrics::GroupResults;
using metrics::RunResults;
using testing::first_time;
using testing::group;
using testing::run_example;
using testing::sample_at;

constexpr double kRange = 28232;  // 32768-60999

constexpr std::size_t kEaddrinuse = static_cast<std::size_t>(tcp::SocketError::kEaddrinuse);

TEST(MiddleTierExamples, SidecarPassesTwoRangesIn120Seconds) {
  const RunResults r = run_example("sidecar_port_exhaustion.pbtxt");
  const GroupResults& pod = group(r, "pod");
  // The range fills at 28,232 / 600 = 47 s (the 28,232nd Poisson arrival: sd 0.28 s).
  const double first = first_time(
      pod, [&](std::size_t i) { return pod.sample("connects_failed", i, kEaddrinuse) > 0; });
  EXPECT_NEAR(first, kRange / 600.0, 1.5);
  // Ports taken in [0, 47 s] come back in [60, 107 s] and are taken again; those stay in
  // TIME_WAIT past 120 s. So exactly two ranges' worth of upstream connections succeed.
  EXPECT_EQ(pod.summary_number("connects_succeeded"), 2 * kRange);
  EXPECT_EQ(pod.summary_number("requests_completed"), 2 * kRange);
  // Every other request got a 502, one per failed bind().
  const double requests = pod.summary_number("proxy_requests");
  EXPECT_NEAR(requests, 72000, 4 * std::sqrt(72000.0));
  EXPECT_EQ(pod.summary_number("proxy_failures.502"), requests - 2 * kRange);
  EXPECT_EQ(pod.summary_number("failures.EADDRINUSE"), requests - 2 * kRange);
  EXPECT_EQ(pod.summary_number("proxy_failures.503"), 0);
  // Between 47 s and 60 s every port of 127.0.0.6 is in TIME_WAIT.
  EXPECT_GE(pod.sample("state_sum", sample_at(pod, 55),
                       static_cast<std::size_t>(tcp::TcpState::kTimeWait)),
            kRange);
}

TEST(MiddleTierExamples, NginxWithoutUpstreamKeepaliveHoldsRateTimesSixtyTimeWait) {
  const RunResults r = run_example("nginx_upstream_keepalive.pbtxt");
  const GroupResults& nginx = group(r, "nginx");
  // Little's law: 670/s x 61.02 s = 40,890, a TIME_WAIT lasting 60 s plus on average half a
  // 2.048-s bucket of the timer wheel (Poisson over 55 s of samples: within 1.5%).
  EXPECT_NEAR(nginx.summary_number("state_mean.TIME_WAIT"), 670.0 * 61.02, 0.015 * 670 * 60);
  // One upstream connection per request, and no failure.
  EXPECT_EQ(nginx.summary_number("connects_attempted"), nginx.summary_number("proxy_requests"));
  EXPECT_EQ(nginx.summary_number("proxy_failures.502"), 0);
  EXPECT_NEAR(nginx.summary_number("proxy_requests"), 670.0 * 120, 4 * std::sqrt(670.0 * 120));
}

TEST(MiddleTierExamples, NginxWithUpstreamKeepaliveReusesItsConnections) {
  const RunResults r = run_example("nginx_upstream_keepalive.pbtxt",
                                   {"proxies[0].upstream.pool={ keep_alive { max_idle: 32 } }"});
  const GroupResults& nginx = group(r, "nginx");
  EXPECT_GT(nginx.summary_number("proxy_requests"), 75000);
  EXPECT_LT(nginx.summary_number("connects_attempted"), 50);
  EXPECT_LT(nginx.summary_number("state_peak.TIME_WAIT"), 50);
  EXPECT_EQ(nginx.summary_number("proxy_failures.502"), 0);
}

TEST(MiddleTierExamples, AwsNatGatewayRunsOutAt55000OverTheRate) {
  const RunResults r = run_example("aws_nat_gateway.pbtxt");
  const GroupResults& nat = group(r, "nat");
  // 55,000 / 250 = 220 s; the 55,000th Poisson arrival has an sd of 0.94 s.
  EXPECT_NEAR(nat.summary_number("nat_first_failure_s"), 55000.0 / 250.0, 3.0);
  EXPECT_EQ(nat.summary_number("nat_ports_in_use_peak"), 55000);
  EXPECT_EQ(nat.summary_number("nat_dest_ports_peak"), 55000);
  EXPECT_GT(nat.summary_number("ErrorPortAllocation"), 0);
  EXPECT_EQ(nat.summary_number("ErrorPortAllocation"),
            nat.summary_number("nat_allocation_failures.no_free_port"));
  // The clients' SYNs go unanswered: those of the last 80 s are still being retried (the
  // first gives up with ETIMEDOUT 131 s after its first SYN, past the end of the run).
  const GroupResults& subnet = group(r, "subnet");
  const std::size_t syn_sent = static_cast<std::size_t>(tcp::TcpState::kSynSent);
  EXPECT_NEAR(static_cast<double>(subnet.sample("state_sum", subnet.times.size() - 1, syn_sent)),
              250.0 * (300 - 220), 0.1 * 250 * 80);
}

TEST(MiddleTierExamples, AwsNatGatewayWithTwoAddressesHalvesThePressure) {
  const RunResults r = run_example("aws_nat_gateway.pbtxt",
                                   {"nat_gateways[0].public_addresses=203.0.113.1,203.0.113.2"});
  const GroupResults& nat = group(r, "nat");
  EXPECT_EQ(nat.summary_number("ErrorPortAllocation"), 0);
  EXPECT_TRUE(std::isnan(nat.summary_number("nat_first_failure_s")));
  EXPECT_EQ(group(r, "subnet").summary_number("failures.ETIMEDOUT"), 0);
  // Every port is held 350 s, longer than the run: 250 x 300 = 75,000 at the end, split
  // evenly (random choice of address) between the two.
  const double total = nat.summary_number("nat_ports_in_use_peak");
  EXPECT_NEAR(total, 75000, 4 * std::sqrt(75000.0));
  const std::size_t last = nat.times.size() - 1;
  EXPECT_EQ(
      nat.sample("nat_ports_by_address", last, 0) + nat.sample("nat_ports_by_address", last, 1),
      nat.sample("nat_ports_in_use", last));
  EXPECT_NEAR(static_cast<double>(nat.sample("nat_ports_by_address", last, 1)), total / 2,
              0.02 * total);
  EXPECT_NEAR(static_cast<double>(nat.sample("nat_ports_in_use_max", last)), total / 2,
              0.02 * total);
}

TEST(MiddleTierExamples, GcpCloudNatWith64PortsPerVmDropsSyns) {
  const RunResults r = run_example("gcp_cloud_nat_min_ports.pbtxt");
  const GroupResults& nat = group(r, "nat");
  // A VM's 64 ports last 64 / 5 = 12.8 s (sd 1.6 s); the first of 20 VMs runs out earlier.
  const double first = nat.summary_number("nat_first_failure_s");
  EXPECT_GT(first, 6.0);
  EXPECT_LT(first, 64.0 / 5.0 + 1.0);
  EXPECT_EQ(nat.summary_number("nat_ports_in_use_peak"), 20 * 64);
  EXPECT_GT(nat.summary_number("OUT_OF_RESOURCES"), 0);
  EXPECT_EQ(nat.summary_number("OUT_OF_RESOURCES"),
            nat.summary_number("nat_allocation_failures.host_block_exhausted"));
}

TEST(MiddleTierExamples, GcpCloudNatWith7168PortsPerVmHoldsRateTimes120) {
  const RunResults r =
      run_example("gcp_cloud_nat_min_ports.pbtxt", {"nat_gateways[0].min_ports_per_host=7168"});
  const GroupResults& nat = group(r, "nat");
  EXPECT_EQ(nat.summary_number("OUT_OF_RESOURCES"), 0);
  // 100 connections/s, each port held for its connection and 120 s of TIME_WAIT: 12,000.
  const double at_250 = static_cast<double>(nat.sample("nat_ports_in_use", sample_at(nat, 250)));
  EXPECT_NEAR(at_250, 12000, 4 * std::sqrt(12000.0));
}

TEST(MiddleTierExamples, KubernetesConntrackFillsAbove1092PerSecond) {
  const RunResults r = run_example("kubernetes_conntrack.pbtxt");
  const GroupResults& node = group(r, "node");
  // 131,072 / 1,200 = 109 s (sd of the 131,072nd arrival: 0.3 s).
  EXPECT_NEAR(node.summary_number("conntrack_first_drop_s"), 131072.0 / 1200.0, 2.0);
  EXPECT_GT(node.summary_number("conntrack_full_drops"), 0);
  EXPECT_LE(node.summary_number("conntrack_entries_peak.TIME_WAIT"), 131072);
  EXPECT_GT(node.summary_number("conntrack_entries_peak.TIME_WAIT"), 131072 - 100);
}

TEST(MiddleTierExamples, KubernetesConntrackHoldsAThousandPerSecond) {
  const RunResults r =
      run_example("kubernetes_conntrack.pbtxt", {"clients[0].load.poisson.rate=10"});
  const GroupResults& node = group(r, "node");
  EXPECT_EQ(node.summary_number("conntrack_full_drops"), 0);
  EXPECT_TRUE(std::isnan(node.summary_number("conntrack_first_drop_s")));
  // Little's law: 1,000/s x 120 s = 120,000 entries in TIME_WAIT once 120 s have passed, less
  // a few percent: a client that picks a port again for the same server between 60 s (its
  // own TIME_WAIT) and 120 s (conntrack's) after the last connection on it reopens the
  // entry, as Linux lets a SYN do.
  const std::size_t tw = static_cast<std::size_t>(net::FlowState::kTimeWait);
  const double at_170 =
      static_cast<double>(node.sample("conntrack_entries", sample_at(node, 170), tw));
  EXPECT_NEAR(at_170, 120000, 0.03 * 120000);
  EXPECT_LT(node.summary_number("conntrack_created"),
            group(r, "clients").summary_number("connects_attempted"));
}

}  // namespace
}  // namespace tcpsim::scenarios
