#include "models/net/nat_gateway.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include "models/net/nat_presets.h"
#include "sim/simulator.h"
#include "tests/models/net/net_test_util.h"

namespace tcpsim::net {
namespace {

using sim::kSecond;
using testing::ip;
using testing::seg;
using Verdict = Middlebox::Verdict;

Endpoint ep(const char* address, std::uint16_t port) { return {ip(address), port}; }

const Endpoint kServer = ep("192.0.2.10", 80);
const Ipv4 kPublic = ip("198.51.100.1");
const Ipv4 kPublic2 = ip("198.51.100.2");

std::size_t at(FlowState s) { return static_cast<std::size_t>(s); }

// One public address, `ports` ports from 1024, in order; every state 60 s but TIME_WAIT 120 s.
NatGatewayConfig small(std::uint16_t ports) {
  NatGatewayConfig c;
  c.product = "test";
  c.public_addresses = {kPublic};
  c.port_low = 1024;
  c.port_high = static_cast<std::uint16_t>(1024 + ports - 1);
  c.timeouts.fill(60 * kSecond);
  c.timeouts[at(FlowState::kTimeWait)] = 120 * kSecond;
  return c;
}

struct Gateway {
  explicit Gateway(NatGatewayConfig config, std::uint64_t seed = 1)
      : nat(sim, std::move(config), seed) {}
  sim::Simulator sim;
  NatGateway nat;

  // The public endpoint a SYN from `inside` got, or nullopt when it did not pass.
  std::optional<Endpoint> syn(Endpoint inside, Endpoint remote = kServer) {
    Segment s = seg(inside, remote, kSyn);
    if (nat.outbound(s) != Verdict::kForward) return std::nullopt;
    return s.src;
  }
  Verdict out(Endpoint inside, std::uint8_t flags, Endpoint remote = kServer) {
    Segment s = seg(inside, remote, flags);
    return nat.outbound(s);
  }
  // The inside endpoint a segment from `remote` to `public_endpoint` reached, if any.
  std::optional<Endpoint> in(Endpoint public_endpoint, std::uint8_t flags,
                             Endpoint remote = kServer) {
    Segment s = seg(remote, public_endpoint, flags);
    if (nat.inbound(s) != Verdict::kForward) return std::nullopt;
    return s.dst;
  }
  Endpoint open(Endpoint inside, Endpoint remote = kServer) {
    const std::optional<Endpoint> p = syn(inside, remote);
    EXPECT_TRUE(p.has_value());
    EXPECT_EQ(in(*p, kSyn | kAck, remote), inside);
    EXPECT_EQ(out(inside, kAck, remote), Verdict::kForward);
    return *p;
  }
  // The inside side closes first; the mapping ends in TIME_WAIT.
  void close(Endpoint inside, Endpoint p, Endpoint remote = kServer) {
    EXPECT_EQ(out(inside, kFin | kAck, remote), Verdict::kForward);
    EXPECT_EQ(in(p, kAck, remote), inside);
    EXPECT_EQ(in(p, kFin | kAck, remote), inside);
    EXPECT_EQ(out(inside, kAck, remote), Verdict::kForward);
  }
  std::uint64_t failures(NatFailure f) const {
    return nat.counters().allocation_failures[static_cast<std::size_t>(f)];
  }
};

Endpoint client(std::uint32_t i) {
  return Endpoint{Ipv4{ip("10.0.0.1").value + i / 1000},
                  static_cast<std::uint16_t>(40000 + i % 1000)};
}

TEST(NatGateway, TranslatesBothWaysAndFollowsTheFlowState) {
  Gateway g(small(10));
  const Endpoint inside = ep("10.0.0.1", 40000);
  const std::optional<Endpoint> p = g.syn(inside);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, Endpoint(kPublic, 1024));
  EXPECT_EQ(g.nat.entries_by_state()[at(FlowState::kSynSent)], 1U);
  EXPECT_EQ(g.in(*p, kSyn | kAck), inside);
  EXPECT_EQ(g.nat.entries_by_state()[at(FlowState::kSynRecv)], 1U);
  EXPECT_EQ(g.out(inside, kAck), Verdict::kForward);
  EXPECT_EQ(g.nat.entries_by_state()[at(FlowState::kEstablished)], 1U);
  g.close(inside, *p);
  EXPECT_EQ(g.nat.entries_by_state()[at(FlowState::kTimeWait)], 1U);
  EXPECT_EQ(g.nat.entries(), 1U);
  const NatCounters& c = g.nat.counters();
  EXPECT_EQ(c.mappings_created, 1U);
  EXPECT_EQ(c.translated, 7U);
  // A reply for a port nobody holds goes nowhere.
  EXPECT_EQ(g.in(Endpoint(kPublic, 1030), kAck), std::nullopt);
  EXPECT_EQ(g.in(*p, kAck, ep("192.0.2.11", 80)), std::nullopt);
  EXPECT_EQ(g.nat.counters().dropped_inbound_no_mapping, 2U);
}

TEST(NatGateway, TheSynLeavesTheHintOfItsNewMappingForTheConnectionsNextSegments) {
  Gateway g(small(10));
  (void)g.syn(ep("10.0.0.1", 40000));
  const Endpoint inside = ep("10.0.0.2", 40000);
  std::uint32_t hint = 0;
  Segment syn = seg(inside, kServer, kSyn);
  ASSERT_EQ(g.nat.outbound(syn, hint, 0x1234'0000'0007ULL), Verdict::kForward);
  EXPECT_EQ(hint, FlowTable::original_hint(1));
  // The hint is the one a lookup of the connection's next segment finds.
  std::uint32_t found = 0;
  Segment ack = seg(inside, kServer, kAck);
  ASSERT_EQ(g.nat.outbound(ack, found, 99), Verdict::kForward);
  EXPECT_EQ(found, hint);
  EXPECT_EQ(ack.src, syn.src);
  // Replies hand back the note the mapping's first segment left, not a later one's.
  std::uint32_t reply_hint = 0;
  std::uint64_t note = 0;
  Segment reply = seg(kServer, ack.src, kAck);
  ASSERT_EQ(g.nat.inbound(reply, reply_hint, note), Verdict::kForward);
  EXPECT_EQ(reply.dst, inside);
  EXPECT_EQ(note, 0x1234'0000'0007ULL);
  // The mapping made through the one-argument outbound() keeps none.
  Segment first_reply = seg(kServer, Endpoint(kPublic, 1024), kAck);
  reply_hint = 0;
  ASSERT_EQ(g.nat.inbound(first_reply, reply_hint, note), Verdict::kForward);
  EXPECT_EQ(first_reply.dst, ep("10.0.0.1", 40000));
  EXPECT_EQ(note, Middlebox::kNoNote);
}

TEST(NatGateway, RunsOutExactlyAtThePortCountPerDestination) {
  Gateway g(small(10));
  for (std::uint32_t i = 0; i < 10; ++i) {
    EXPECT_EQ(g.syn(client(i)), Endpoint(kPublic, static_cast<std::uint16_t>(1024 + i)));
  }
  EXPECT_EQ(g.syn(client(10)), std::nullopt);
  EXPECT_EQ(g.syn(client(11)), std::nullopt);
  EXPECT_EQ(g.failures(NatFailure::kNoFreePortForDestination), 2U);
  EXPECT_EQ(g.nat.allocation_failures(), 2U);
  EXPECT_EQ(g.nat.counters().dropped_exhausted, 2U);
  EXPECT_EQ(g.nat.counters().mappings_created, 10U);
  EXPECT_EQ(g.nat.ports_in_use(0), 10U);
  EXPECT_EQ(g.nat.busiest_destination(), 10U);

  // Each other destination (another port or another address) has the whole range again.
  EXPECT_EQ(g.syn(client(10), ep("192.0.2.10", 443)), Endpoint(kPublic, 1024));
  EXPECT_EQ(g.syn(client(11), ep("192.0.2.11", 80)), Endpoint(kPublic, 1024));
  for (std::uint32_t i = 12; i < 21; ++i) ASSERT_TRUE(g.syn(client(i), ep("192.0.2.11", 80)));
  EXPECT_EQ(g.syn(client(21), ep("192.0.2.11", 80)), std::nullopt);
  EXPECT_EQ(g.nat.ports_in_use(0), 10U);  // distinct ports, whatever the destinations
  EXPECT_EQ(g.nat.connections_to(kServer), 10U);
  EXPECT_EQ(g.nat.connections_to(ep("192.0.2.10", 443)), 1U);
  EXPECT_EQ(g.nat.connections_to(ep("192.0.2.99", 80)), 0U);
  EXPECT_EQ(g.nat.entries(), 21U);
  EXPECT_EQ(g.nat.busiest_destination(), 10U);
  EXPECT_EQ(g.failures(NatFailure::kNoFreePortForDestination), 3U);
}

TEST(NatGateway, PerDestinationLimitSpreadsOverThePublicAddresses) {
  NatGatewayConfig config = small(10);
  config.public_addresses = {kPublic, kPublic2};
  config.max_per_destination = 3;
  Gateway g(config);
  std::vector<Endpoint> got;
  for (std::uint32_t i = 0; i < 6; ++i) got.push_back(*g.syn(client(i)));
  EXPECT_EQ(got, (std::vector<Endpoint>{{kPublic, 1024},
                                        {kPublic2, 1024},
                                        {kPublic, 1025},
                                        {kPublic2, 1025},
                                        {kPublic, 1026},
                                        {kPublic2, 1026}}));
  EXPECT_EQ(g.syn(client(6)), std::nullopt);
  EXPECT_EQ(g.nat.ports_in_use(0), 3U);
  EXPECT_EQ(g.nat.ports_in_use(1), 3U);
  EXPECT_EQ(g.nat.busiest_destination(), 6U);
}

TEST(NatGateway, RefusesConfigsThatCannotWork) {
  sim::Simulator simulator;
  NatGatewayConfig config = nat_preset("aws_nat_gateway");
  EXPECT_THROW(NatGateway(simulator, config, 1), std::invalid_argument);  // no address
  config.public_addresses = {kPublic};
  EXPECT_NO_THROW(NatGateway(simulator, config, 1));
  NatGatewayConfig per_host = nat_preset("gcp_cloud_nat");
  per_host.public_addresses = {kPublic};
  per_host.selection = NatPortSelection::kNfNatBounded;
  EXPECT_THROW(NatGateway(simulator, per_host, 1), std::invalid_argument);
  per_host.selection = NatPortSelection::kRandom;
  per_host.min_ports_per_host = 0;
  EXPECT_THROW(NatGateway(simulator, per_host, 1), std::invalid_argument);
  NatGatewayConfig reversed = small(4);
  reversed.port_low = 2000;
  reversed.port_high = 1999;
  EXPECT_THROW(NatGateway(simulator, reversed, 1), std::invalid_argument);
}

TEST(NatGateway, APerDestinationLimitAboveThePortCountIsThePortCount) {
  NatGatewayConfig config = small(3);
  config.max_per_destination = 55'000;
  Gateway g(config);
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(g.syn(client(i)));
  EXPECT_EQ(g.syn(client(3)), std::nullopt);
  EXPECT_EQ(g.failures(NatFailure::kNoFreePortForDestination), 1U);
}

TEST(NatGateway, APortIsReusedTowardTheSameDestinationOnlyAfterTheTimeWaitTimeout) {
  Gateway g(small(2));
  const Endpoint a = g.open(client(0));
  const Endpoint b = g.open(client(1));
  g.close(client(0), a);
  g.close(client(1), b);
  const sim::Time closed = g.sim.now();
  EXPECT_EQ(g.nat.entries_by_state()[at(FlowState::kTimeWait)], 2U);
  g.sim.run_until(closed + 120 * kSecond - 1);
  EXPECT_EQ(g.syn(client(2)), std::nullopt);
  EXPECT_EQ(g.syn(client(2), ep("192.0.2.12", 80)), Endpoint(kPublic, 1024));  // other one
  g.sim.run_until(closed + 120 * kSecond);
  EXPECT_EQ(g.nat.entries(), 1U);
  EXPECT_EQ(g.syn(client(3)), a);  // the longest released first
  EXPECT_EQ(g.syn(client(4)), b);
  EXPECT_EQ(g.failures(NatFailure::kNoFreePortForDestination), 1U);
  EXPECT_EQ(g.nat.peak_entries(), 3U);
  EXPECT_EQ(g.nat.peak_busiest_destination(), 2U);
}

TEST(NatGateway, EverySegmentRestartsTheTimeoutOfItsState) {
  Gateway g(small(4));
  const Endpoint inside = client(0);
  const Endpoint p = g.open(inside);
  g.sim.run_until(50 * kSecond);
  EXPECT_EQ(g.out(inside, kAck), Verdict::kForward);
  g.sim.run_until(110 * kSecond - 1);
  EXPECT_EQ(g.nat.entries(), 1U);
  g.sim.run_until(110 * kSecond);
  EXPECT_EQ(g.nat.entries(), 0U);
  EXPECT_EQ(g.nat.ports_in_use(0), 0U);
  EXPECT_EQ(g.nat.busiest_destination(), 0U);
  // Late segments: dropped both ways.
  EXPECT_EQ(g.out(inside, kAck), Verdict::kDrop);
  EXPECT_EQ(g.in(p, kAck), std::nullopt);
  EXPECT_EQ(g.nat.counters().dropped_no_mapping, 1U);
  EXPECT_EQ(g.nat.counters().dropped_inbound_no_mapping, 1U);
  EXPECT_EQ(g.nat.counters().resets_sent, 0U);
}

TEST(NatGateway, ResetsWhereTheProductDoes) {
  NatGatewayConfig config = small(1);
  config.reset_expired = true;
  config.reset_on_exhaustion = true;
  Gateway g(config);
  g.open(client(0));
  Segment second = seg(client(1), kServer, kSyn);
  EXPECT_EQ(g.nat.outbound(second), Verdict::kReset);
  g.sim.run_until(61 * kSecond);
  EXPECT_EQ(g.out(client(0), kAck | kPsh), Verdict::kReset);  // its mapping expired
  EXPECT_EQ(g.out(client(0), kRst), Verdict::kDrop);          // never answer an RST
  EXPECT_EQ(g.nat.counters().resets_sent, 2U);
  EXPECT_EQ(g.nat.counters().dropped_no_mapping, 2U);
  EXPECT_EQ(g.nat.counters().dropped_exhausted, 1U);
}

TEST(NatGateway, OnlyAPlainSynCreatesAMapping) {
  Gateway g(small(4));
  for (const std::uint8_t flags : {std::uint8_t{kAck}, std::uint8_t{kSyn | kAck},
                                   std::uint8_t{kFin | kAck}, std::uint8_t{kRst}}) {
    EXPECT_EQ(g.out(client(0), flags), Verdict::kDrop);
  }
  EXPECT_EQ(g.nat.counters().dropped_no_mapping, 4U);
  EXPECT_EQ(g.nat.entries(), 0U);
}

TEST(NatGateway, AFullTableRefusesNewConnections) {
  NatGatewayConfig config = small(100);
  config.max_entries = 3;
  Gateway g(config);
  for (std::uint32_t i = 0; i < 3; ++i)
    ASSERT_TRUE(g.syn(client(i), Endpoint(kServer.address, 80 + i)));
  EXPECT_EQ(g.syn(client(3), ep("192.0.2.99", 80)), std::nullopt);
  EXPECT_EQ(g.failures(NatFailure::kTableFull), 1U);
}

TEST(NatGateway, AReopenedTupleKeepsItsPublicEndpoint) {
  Gateway g(small(4));
  const Endpoint p = g.open(client(0));
  g.close(client(0), p);
  EXPECT_EQ(g.syn(client(0)), p);
  EXPECT_EQ(g.nat.counters().mappings_created, 1U);
  EXPECT_EQ(g.nat.entries_by_state()[at(FlowState::kSynSent)], 1U);
  EXPECT_EQ(g.nat.entries_by_state()[at(FlowState::kTimeWait)], 0U);
}

TEST(NatGateway, CloudRulesKeepAResetMappingLinuxRulesDropItAtOnce) {
  for (const bool linux_rules : {false, true}) {
    NatGatewayConfig config = small(4);
    config.linux_conntrack = linux_rules;
    Gateway g(config);
    const Endpoint p = *g.syn(client(0));
    EXPECT_EQ(g.in(p, kRst | kAck), client(0));  // connection refused
    EXPECT_EQ(g.nat.entries(), linux_rules ? 0U : 1U);
    EXPECT_EQ(g.nat.entries_by_state()[at(FlowState::kClose)], linux_rules ? 0U : 1U);
    EXPECT_EQ(g.nat.ports_in_use(0), linux_rules ? 0U : 1U);
  }
}

TEST(NatGateway, StaticBlocksPerHostLimitEachHostTowardOneDestination) {
  NatGatewayConfig config = nat_preset("gcp_cloud_nat");  // 64 ports per VM
  config.public_addresses = {kPublic};
  config.inside = {{ip("10.0.0.1")}, {ip("10.0.0.2")}};
  Gateway g(config);
  EXPECT_EQ(g.nat.host_ports(0), 64U);
  EXPECT_EQ(g.nat.host_ports(1), 64U);
  std::set<std::uint16_t> ports;
  for (std::uint32_t i = 0; i < 64; ++i) {
    const std::optional<Endpoint> p = g.syn(ep("10.0.0.1", static_cast<std::uint16_t>(40000 + i)));
    ASSERT_TRUE(p);
    ports.insert(p->port);
  }
  EXPECT_EQ(ports.size(), 64U);
  EXPECT_EQ(*ports.begin(), 1024U);
  EXPECT_EQ(*ports.rbegin(), 1087U);
  EXPECT_EQ(g.syn(ep("10.0.0.1", 40064)), std::nullopt);  // the 65th
  EXPECT_EQ(g.failures(NatFailure::kHostBlockExhausted), 1U);
  // The other VM has its own block; the first VM its ports again toward another destination.
  const std::optional<Endpoint> other = g.syn(ep("10.0.0.2", 40000));
  ASSERT_TRUE(other);
  EXPECT_GE(other->port, 1088U);
  EXPECT_LT(other->port, 1152U);
  EXPECT_TRUE(g.syn(ep("10.0.0.1", 40064), ep("192.0.2.10", 443)));
  // A host the gateway was not told of has no block.
  EXPECT_EQ(g.syn(ep("10.0.0.3", 40000)), std::nullopt);
  EXPECT_EQ(g.failures(NatFailure::kHostBlockExhausted), 2U);
}

TEST(NatGateway, DynamicBlocksDoubleUpToTheMaximumWhileBlocksRemain) {
  NatGatewayConfig config = small(160);  // five blocks of 32
  config.allocation = NatAllocation::kPerHostDynamic;
  config.min_ports_per_host = 32;
  config.max_ports_per_host = 128;
  config.inside = {{ip("10.0.0.1")}, {ip("10.0.0.2")}};
  Gateway g(config);
  auto from = [](std::uint32_t host, std::uint32_t i) {
    return Endpoint{Ipv4{ip("10.0.0.1").value + host}, static_cast<std::uint16_t>(40000 + i)};
  };
  std::vector<std::uint32_t> sizes;
  for (std::uint32_t i = 0; i < 96; ++i) {
    ASSERT_TRUE(g.syn(from(0, i))) << i;
    if (i == 31 || i == 32 || i == 64) sizes.push_back(g.nat.host_ports(0));
  }
  // Each host starts with one block; host 0 takes one more at its 33rd connection (64 ports)
  // and the last two at its 65th (128).
  EXPECT_EQ(sizes, (std::vector<std::uint32_t>{32, 64, 128}));
  for (std::uint32_t i = 96; i < 128; ++i) ASSERT_TRUE(g.syn(from(0, i))) << i;
  EXPECT_EQ(g.syn(from(0, 128)), std::nullopt);  // at the maximum
  // Host 1 cannot grow past its first block: all five are taken.
  for (std::uint32_t i = 0; i < 32; ++i) ASSERT_TRUE(g.syn(from(1, i)));
  EXPECT_EQ(g.syn(from(1, 32)), std::nullopt);
  EXPECT_EQ(g.nat.host_ports(1), 32U);
  EXPECT_EQ(g.failures(NatFailure::kHostBlockExhausted), 2U);
  EXPECT_EQ(g.nat.ports_in_use(0), 160U);
}

TEST(NatGateway, AzureLoadBalancerBlocksFollowThePoolSize) {
  NatGatewayConfig config = nat_preset("azure_lb_outbound");
  config.public_addresses = {kPublic};
  for (std::uint32_t h = 0; h < 60; ++h) config.inside.push_back({Ipv4{ip("10.0.0.1").value + h}});
  Gateway g(config);
  EXPECT_EQ(g.nat.host_ports(0), 512U);   // 51-100 VMs
  EXPECT_EQ(g.nat.host_ports(59), 512U);  // 125 blocks of 512 in 64,000 ports
  std::set<Endpoint> got;
  for (std::uint32_t i = 0; i < 512; ++i) {
    const std::optional<Endpoint> p =
        g.syn(Endpoint{ip("10.0.0.60"), static_cast<std::uint16_t>(40000 + i)});
    ASSERT_TRUE(p);
    got.insert(*p);
  }
  EXPECT_EQ(got.size(), 512U);
  EXPECT_EQ(got.begin()->port, 1024U + 59 * 512);
  EXPECT_EQ(g.syn(Endpoint{ip("10.0.0.60"), 40512}), std::nullopt);
}

TEST(NatGateway, NfNatKeepsTheSourcePortWhenFree) {
  NatGatewayConfig config = nat_preset("linux_masquerade");
  config.public_addresses = {kPublic};
  Gateway g(config);
  EXPECT_EQ(g.syn(ep("10.0.0.1", 40000)), Endpoint(kPublic, 40000));
  const std::optional<Endpoint> second = g.syn(ep("10.0.0.2", 40000));
  ASSERT_TRUE(second);
  EXPECT_NE(second->port, 40000U);
  EXPECT_EQ(g.syn(ep("10.0.0.2", 40000), ep("192.0.2.11", 80)), Endpoint(kPublic, 40000));
  config.selection = NatPortSelection::kRandomFully;
  Gateway fully(config);
  std::uint32_t kept = 0;
  for (std::uint32_t i = 0; i < 100; ++i) {
    kept += fully.syn(client(i))->port == client(i).port ? 1U : 0U;
  }
  EXPECT_LE(kept, 2U);  // 100 draws from 64,512 ports: almost never the source port
}

// Holds 1,020 of the 1,024 ports 1024..2047 toward one destination, then counts the failures
// among `probes` new allocations (each released at once by an RST). With kNfNatBounded the
// four free ports are 100, 356, 612 and 868 above 1024 (the fill sends from the very ports
// nf_nat keeps); with kRandomFully they are wherever the random fill left them.
std::uint64_t failures_with_four_free_ports(NatPortSelection selection, std::uint32_t probes) {
  NatGatewayConfig config = nat_preset("linux_masquerade");
  config.public_addresses = {kPublic};
  config.port_low = 1024;
  config.port_high = 2047;
  config.selection = selection;
  Gateway g(config, 11);
  for (std::uint32_t port = 1024; g.nat.entries() < 1020; ++port) {
    if (selection == NatPortSelection::kNfNatBounded && port % 256 == 100) continue;
    const std::optional<Endpoint> p =
        g.syn(Endpoint{ip("10.0.0.1"), static_cast<std::uint16_t>(port)});
    if (selection == NatPortSelection::kNfNatBounded) {
      EXPECT_EQ(p, Endpoint(kPublic, static_cast<std::uint16_t>(port)));
    }
  }
  const std::uint64_t before = g.failures(NatFailure::kSearchGaveUp);
  std::uint64_t failed = 0;
  const Endpoint probe = ep("10.9.0.1", 50000);
  for (std::uint32_t i = 0; i < probes; ++i) {
    if (g.syn(probe)) {
      EXPECT_EQ(g.out(probe, kRst), Verdict::kForward);
    } else {
      ++failed;
    }
  }
  EXPECT_EQ(g.nat.entries(), 1020U);
  EXPECT_EQ(g.failures(NatFailure::kSearchGaveUp) - before, failed);
  EXPECT_EQ(g.failures(NatFailure::kNoFreePortForDestination), 0U);
  return failed;
}

TEST(NatGateway, NfNatsBoundedSearchFailsWhilePortsAreFree) {
  // Four free ports 256 apart in 1,024: a window of w consecutive ports from a uniform offset
  // misses them all with probability 4 (256 - w) / 1024; the five windows 128, 64, 32, 16, 8
  // all miss with probability 0.5 x 0.75 x 0.875 x 0.9375 x 0.96875 = 0.2980.
  const auto failed = failures_with_four_free_ports(NatPortSelection::kNfNatBounded, 4000);
  // Binomial(4000, 0.2980): mean 1192, sd 28.9; allow 5 sd.
  EXPECT_NEAR(static_cast<double>(failed), 1192.0, 145.0);
}

TEST(NatGateway, RandomFullyDrawsEachOfItsTriesAtRandom) {
  // 248 independent draws miss 4 free ports in 1,024 with probability (1 - 4/1024)^248
  // = 0.3789, wherever they are.
  const auto failed = failures_with_four_free_ports(NatPortSelection::kRandomFully, 4000);
  // Binomial(4000, 0.3789): mean 1515.5, sd 30.7; allow 5 sd.
  EXPECT_NEAR(static_cast<double>(failed), 1515.5, 153.0);
}

TEST(NatGateway, NfNatReportsAFullRangeAsNoFreePort) {
  NatGatewayConfig config = nat_preset("linux_masquerade");
  config.public_addresses = {kPublic};
  config.port_low = 1024;
  config.port_high = 1033;
  Gateway g(config);
  for (std::uint16_t port = 1024; port < 1034; ++port) ASSERT_TRUE(g.syn(ep("10.0.0.1", port)));
  EXPECT_EQ(g.syn(ep("10.0.0.2", 1024)), std::nullopt);
  EXPECT_EQ(g.failures(NatFailure::kNoFreePortForDestination), 1U);
  EXPECT_EQ(g.failures(NatFailure::kSearchGaveUp), 0U);
}

}  // namespace
}  // namespace tcpsim::net
