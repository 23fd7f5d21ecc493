#include "models/net/conntrack.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "models/net/nat_gateway.h"
#include "models/net/nat_presets.h"
#include "models/net/network.h"
#include "sim/simulator.h"
#include "tests/models/net/net_test_util.h"

namespace tcpsim::net {
namespace {

using sim::kSecond;
using testing::ip;
using testing::seg;
using Verdict = Middlebox::Verdict;

std::size_t at(FlowState s) { return static_cast<std::size_t>(s); }

const Endpoint kServer{ip("192.0.2.10"), 80};

// The n-th connection's client endpoint: distinct for n below 2^24.
Endpoint client(std::uint32_t n) {
  return Endpoint{Ipv4{ip("10.0.0.0").value + 1 + n / 50'000},
                  static_cast<std::uint16_t>(10'000 + n % 50'000)};
}

// Feeds a host's conntrack the segments of its connections as the client.
struct Host {
  explicit Host(const ConntrackConfig& config) : table(sim, config) {}
  sim::Simulator sim;
  Conntrack table;

  Verdict out(Endpoint c, std::uint8_t flags) {
    Segment s = seg(c, kServer, flags);
    return table.outbound(s);
  }
  Verdict in(Endpoint c, std::uint8_t flags) {
    Segment s = seg(kServer, c, flags);
    return table.inbound(s);
  }
  // Handshake; false when the table refused the SYN.
  bool open(Endpoint c) {
    if (out(c, kSyn) != Verdict::kForward) return false;
    EXPECT_EQ(in(c, kSyn | kAck), Verdict::kForward);
    EXPECT_EQ(out(c, kAck), Verdict::kForward);
    return true;
  }
  // The client closes first: the entry ends in TIME_WAIT.
  void close(Endpoint c) {
    for (const auto& [outbound, flags] :
         {std::pair{true, kFin | kAck}, {false, kAck}, {false, kFin | kAck}, {true, kAck}}) {
      EXPECT_EQ(outbound ? out(c, static_cast<std::uint8_t>(flags))
                         : in(c, static_cast<std::uint8_t>(flags)),
                Verdict::kForward);
    }
  }
};

TEST(ConntrackConfig, KernelAndKubeProxyDefaults) {
  const ConntrackConfig linux = ConntrackConfig::linux_defaults();
  EXPECT_EQ(linux.max_entries, 262'144U);
  const std::vector<sim::Time> expected{0,
                                        120 * kSecond,
                                        60 * kSecond,
                                        432'000 * kSecond,
                                        120 * kSecond,
                                        60 * kSecond,
                                        30 * kSecond,
                                        120 * kSecond,
                                        10 * kSecond,
                                        120 * kSecond};
  for (std::size_t s = 0; s < kFlowStateCount; ++s) EXPECT_EQ(linux.timeouts[s], expected[s]);
  const ConntrackConfig two = ConntrackConfig::kube_proxy(2);
  EXPECT_EQ(two.max_entries, 131'072U);  // the minimum beats 2 x 32,768
  EXPECT_EQ(ConntrackConfig::kube_proxy(24).max_entries, 786'432U);
  EXPECT_EQ(two.timeouts[at(FlowState::kCloseWait)], sim::kHour);
  EXPECT_EQ(two.timeouts[at(FlowState::kEstablished)], 24 * sim::kHour);
  EXPECT_EQ(two.timeouts[at(FlowState::kTimeWait)], 120 * kSecond);
}

TEST(Conntrack, SteadyStateHoldsRateTimesLifetime) {
  // 100 connections/s, each open 2 s, then 120 s in TIME_WAIT: 100 x 122 = 12,200 entries,
  // 200 of them ESTABLISHED.
  ConntrackConfig config = ConntrackConfig::linux_defaults();
  config.max_entries = 0;
  Host host(config);
  const sim::Time gap = 10 * sim::kMillisecond;
  const sim::Time open_for = 2 * kSecond;
  std::uint32_t opened = 0;
  std::uint32_t closed = 0;
  for (sim::Time t = 0; t <= 200 * kSecond; t += gap) {
    host.sim.run_until(t);
    while (closed < opened && gap * closed + open_for <= t) host.close(client(closed++));
    ASSERT_TRUE(host.open(client(opened++)));
    if (t >= 130 * kSecond) {
      ASSERT_EQ(host.table.entries(), 12'200U) << t;
      ASSERT_EQ(host.table.entries_by_state()[at(FlowState::kEstablished)], 200U);
      ASSERT_EQ(host.table.entries_by_state()[at(FlowState::kTimeWait)], 12'000U);
    }
  }
  EXPECT_EQ(host.table.counters().entries_created, opened);
  EXPECT_EQ(host.table.counters().dropped_table_full, 0U);
  EXPECT_EQ(host.table.counters().invalid, 0U);
  EXPECT_EQ(host.table.peak_entries(), 12'200U);
}

TEST(Conntrack, AFullTableDropsTheFirstSegmentOfEveryNewFlow) {
  ConntrackConfig config = ConntrackConfig::linux_defaults();
  config.max_entries = 100;
  Host host(config);
  std::uint32_t admitted = 0;
  for (std::uint32_t n = 0; n < 150; ++n)
    admitted += host.out(client(n), kSyn) == Verdict::kForward;
  EXPECT_EQ(admitted, 100U);
  EXPECT_EQ(host.table.counters().dropped_table_full, 50U);
  // Known flows go on; new ones fail in either direction, whatever the segment.
  EXPECT_EQ(host.in(client(0), kSyn | kAck), Verdict::kForward);
  EXPECT_EQ(host.in(client(500), kSyn), Verdict::kDrop);
  EXPECT_EQ(host.out(client(501), kFin | kAck), Verdict::kDrop);
  EXPECT_EQ(host.table.counters().dropped_table_full, 52U);
  // The 99 unanswered SYNs leave after SYN_SENT's 120 s, the answered one after SYN_RECV's
  // 60 s: room again.
  host.sim.run_until(60 * kSecond);
  EXPECT_EQ(host.table.entries(), 99U);
  host.sim.run_until(120 * kSecond);
  EXPECT_EQ(host.table.entries(), 0U);
  EXPECT_TRUE(host.open(client(150)));
}

TEST(Conntrack, SegmentsThatStartNothingPassUntracked) {
  Host host(ConntrackConfig::linux_defaults());
  EXPECT_EQ(host.out(client(0), kFin | kAck), Verdict::kForward);
  EXPECT_EQ(host.in(client(1), kRst), Verdict::kForward);
  EXPECT_EQ(host.table.entries(), 0U);
  EXPECT_EQ(host.table.counters().invalid, 2U);
  EXPECT_EQ(host.out(client(2), kAck), Verdict::kForward);  // picked up
  EXPECT_EQ(host.table.entries_by_state()[at(FlowState::kEstablished)], 1U);
  // A refused connection leaves nothing behind.
  EXPECT_EQ(host.out(client(3), kSyn), Verdict::kForward);
  EXPECT_EQ(host.in(client(3), kRst | kAck), Verdict::kForward);
  EXPECT_EQ(host.table.entries(), 1U);
}

// Short connections (open and closed at once, then 120 s in TIME_WAIT) at `rate` per second
// for `seconds` against a table of `max_entries`; returns the drops after `warmup` seconds.
std::uint64_t drops_at(double rate, std::uint64_t max_entries, int seconds, int warmup,
                       std::uint64_t* admitted_after_warmup = nullptr) {
  ConntrackConfig config = ConntrackConfig::linux_defaults();
  config.max_entries = max_entries;
  Host host(config);
  const auto count = static_cast<std::uint32_t>(rate * seconds);
  std::uint64_t dropped_before = 0;
  std::uint64_t admitted = 0;
  for (std::uint32_t n = 0; n < count; ++n) {
    const auto t = static_cast<sim::Time>(static_cast<double>(n) / rate * 1e9);
    host.sim.run_until(t);
    if (t < warmup * kSecond) dropped_before = host.table.counters().dropped_table_full;
    if (host.open(client(n))) {
      host.close(client(n));
      admitted += t >= warmup * kSecond ? 1 : 0;
    }
  }
  if (admitted_after_warmup != nullptr) *admitted_after_warmup = admitted;
  return host.table.counters().dropped_table_full - dropped_before;
}

TEST(Conntrack, ATableOfNEntriesWithA120sTimeWaitHoldsNOver120NewFlowsPerSecond) {
  // 131,072 / 120 s = 1,092/s on a Kubernetes node; scaled down 1:109.2, 1,200 entries give
  // 10 flows/s.
  EXPECT_EQ(drops_at(9.5, 1'200, 600, 0), 0U);
  EXPECT_EQ(drops_at(9.99, 1'200, 600, 0), 0U);
  EXPECT_GT(drops_at(10.5, 1'200, 600, 0), 0U);
  // Above it the table admits exactly its size per 120 s: at 20/s, 10/s get through and half
  // the new flows are dropped (over 600 s after a 240 s warm-up: 6,000 of 12,000, +-1 at
  // each end of the window).
  std::uint64_t admitted = 0;
  const std::uint64_t dropped = drops_at(20.0, 1'200, 840, 240, &admitted);
  EXPECT_NEAR(static_cast<double>(admitted), 6'000.0, 2.0);
  EXPECT_NEAR(static_cast<double>(dropped), 6'000.0, 2.0);
}

TEST(Conntrack, AsAHostFilterItTracksTheHostsFlowsBehindANatGateway) {
  sim::Simulator simulator;
  Topology topo;
  const NodeId c = topo.add_host("client", {ip("10.0.0.1")});
  const NodeId g = topo.add_host("gw", {ip("198.51.100.1")});
  const NodeId s = topo.add_host("server", {ip("192.0.2.10")});
  const NodeId sw = topo.add_switch("sw");
  for (const NodeId n : {c, g, s}) topo.add_link(n, sw, LinkParams{sim::kMillisecond, 0, 0, 0});
  Network net(simulator, topo);
  NatGatewayConfig nat_config = nat_preset("aws_nat_gateway");
  nat_config.public_addresses = {ip("198.51.100.1")};
  nat_config.port_high = 1024 + 2;  // three ports
  NatGateway nat(simulator, nat_config, 5);
  Conntrack on_client(simulator, ConntrackConfig::linux_defaults());
  Conntrack on_server(simulator, ConntrackConfig::linux_defaults());
  net.add_gateway(g, nat, {c});
  net.set_filter(c, on_client);
  net.set_filter(s, on_server);
  struct Echo : SegmentReceiver {
    Network* net = nullptr;
    std::vector<Segment> got;
    void receive(const Segment& in) override {
      got.push_back(in);
      if (in.syn() && !in.ack_flag()) net->send(seg(in.dst, in.src, kSyn | kAck));
    }
  };
  Echo server;
  Echo at_client;
  server.net = &net;
  net.attach(ip("192.0.2.10"), server);
  net.attach(ip("10.0.0.1"), at_client);
  for (std::uint16_t port = 40000; port < 40004; ++port) {
    net.send(seg(Endpoint{ip("10.0.0.1"), port}, kServer, kSyn));
  }
  simulator.run_until(kSecond);
  ASSERT_EQ(server.got.size(), 3U);  // the fourth SYN found no port
  EXPECT_EQ(at_client.got.size(), 3U);
  for (const Segment& synack : at_client.got) EXPECT_EQ(synack.dst.address, ip("10.0.0.1"));
  EXPECT_EQ(nat.counters().allocation_failures[0], 1U);
  EXPECT_EQ(net.dropped_by_middlebox(), 1U);
  EXPECT_EQ(on_client.entries(), 4U);  // it saw all four SYNs leave
  EXPECT_EQ(on_client.entries_by_state()[at(FlowState::kSynRecv)], 3U);
  EXPECT_EQ(on_server.entries_by_state()[at(FlowState::kSynRecv)], 3U);
  EXPECT_EQ(nat.entries_by_state()[at(FlowState::kSynRecv)], 3U);
  EXPECT_EQ(nat.busiest_destination(), 3U);
  // SYN_RECV's 60 s empty the hosts' tables (the unanswered SYN's SYN_SENT takes 120 s);
  // AWS keeps its mappings 350 s.
  simulator.run_until(61 * kSecond);
  EXPECT_EQ(on_server.entries(), 0U);
  EXPECT_EQ(on_client.entries(), 1U);
  EXPECT_EQ(nat.entries(), 3U);
  simulator.run();
  EXPECT_EQ(nat.entries(), 0U);
  EXPECT_EQ(nat.ports_in_use(0), 0U);
  // Its last segment, the SYN-ACK, passed the gateway as the server sent it: 4 ms in.
  EXPECT_EQ(simulator.now(), 350 * kSecond + 4 * sim::kMillisecond);
}

}  // namespace
}  // namespace tcpsim::net
