// The network's middle nodes: forwarding through a gateway and host filters.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "models/net/network.h"
#include "sim/simulator.h"
#include "tests/models/net/net_test_util.h"

namespace tcpsim::net {
namespace {

using sim::microseconds;
using testing::Arrival;
using testing::ip;
using testing::Recorder;
using Verdict = Middlebox::Verdict;

// Rewrites sources to public:5000, 5001, ... in order of first outbound segment, and back;
// with keep_notes, keeps the network's note of each mapping and hands it back.
struct PortNat : Middlebox {
  Ipv4 public_address;
  Verdict verdict = Verdict::kForward;
  bool keep_notes = false;
  std::vector<Endpoint> inside;  // by port - 5000
  std::vector<std::uint64_t> notes;
  std::vector<Segment> seen_out;
  std::vector<Segment> seen_in;
  Verdict outbound(Segment& s, std::uint32_t& /*flow_hint*/, std::uint64_t note) override {
    seen_out.push_back(s);
    if (verdict != Verdict::kForward) return verdict;
    std::size_t i = 0;
    while (i < inside.size() && inside[i] != s.src) ++i;
    if (i == inside.size()) {
      inside.push_back(s.src);
      notes.push_back(note);
    }
    s.src = {public_address, static_cast<std::uint16_t>(5000 + i)};
    return Verdict::kForward;
  }
  Verdict inbound(Segment& s, std::uint32_t& /*flow_hint*/, std::uint64_t& note) override {
    seen_in.push_back(s);
    if (verdict != Verdict::kForward) return verdict;
    const std::size_t i = s.dst.port - 5000U;
    if (i >= inside.size()) return Verdict::kDrop;
    s.dst = inside[i];
    if (keep_notes) note = notes[i];
    return Verdict::kForward;
  }
};

struct CountingFilter : Middlebox {
  Verdict verdict = Verdict::kForward;
  std::vector<Segment> out;
  std::vector<Segment> in;
  Verdict outbound(Segment& s, std::uint32_t& /*flow_hint*/, std::uint64_t /*note*/) override {
    out.push_back(s);
    return verdict;
  }
  Verdict inbound(Segment& s, std::uint32_t& /*flow_hint*/, std::uint64_t& /*note*/) override {
    in.push_back(s);
    return verdict;
  }
};

// c1, c2 - inner - gw - outer - server. c1's link is 10 us at 1 Gb/s, inner-gw 20 us,
// gw-outer 30 us, outer-server 40 us at 100 Mb/s; c2's link 5 us.
struct Site {
  explicit Site(LinkParams gw_outer = LinkParams{microseconds(30), 0, 0.0, 0},
                LinkParams c1_inner = LinkParams{microseconds(10), 0, 0.0, 1'000'000'000ULL}) {
    c1 = topo.add_host("c1", {ip("10.0.0.1")});
    c2 = topo.add_host("c2", {ip("10.0.0.2")});
    gw = topo.add_host("gw", {ip("198.51.100.1")});
    server = topo.add_host("server", {ip("192.0.2.10")});
    const NodeId inner = topo.add_switch("inner");
    const NodeId outer = topo.add_switch("outer");
    topo.add_link(c1, inner, c1_inner);
    topo.add_link(c2, inner, LinkParams{microseconds(5), 0, 0.0, 0});
    topo.add_link(inner, gw, LinkParams{microseconds(20), 0, 0.0, 0});
    topo.add_link(gw, outer, gw_outer);
    topo.add_link(outer, server, LinkParams{microseconds(40), 0, 0.0, 100'000'000ULL});
    net = std::make_unique<Network>(sim, topo, NetworkOptions{3});
    nat.public_address = ip("198.51.100.1");
    net->add_gateway(gw, nat, {c1, c2});
    net->attach(ip("10.0.0.1"), at_c1);
    net->attach(ip("10.0.0.2"), at_c2);
    net->attach(ip("192.0.2.10"), at_server);
  }
  sim::Simulator sim;
  Topology topo;
  NodeId c1 = 0, c2 = 0, gw = 0, server = 0;
  PortNat nat;
  std::unique_ptr<Network> net;
  Recorder at_c1{sim};
  Recorder at_c2{sim};
  Recorder at_server{sim};
};

Segment from_to(Endpoint src, Endpoint dst, std::uint32_t seq, std::uint32_t len = 0,
                std::uint8_t flags = kAck) {
  return testing::seg(src, dst, flags, seq, len);
}

const Endpoint kClient{ip("10.0.0.1"), 40000};
const Endpoint kServer{ip("192.0.2.10"), 80};
const Endpoint kPublic{ip("198.51.100.1"), 5000};

void expect_counters_add_up(const Network& net) {
  EXPECT_EQ(net.sent(), net.delivered() + net.lost() + net.dropped_no_route() +
                            net.dropped_no_receiver() + net.dropped_by_middlebox() +
                            net.in_flight());
}

TEST(GatewayForwarding, LatenciesOfBothLegsAddUpAndTheReplyFindsTheInsideEndpoint) {
  Site site;
  // 960 + 40 bytes = 8000 bits: 8 us on 1 Gb/s, 80 us on 100 Mb/s; latency 10+20+30+40 us.
  site.net->send(from_to(kClient, kServer, 1, 960, kSyn));
  site.sim.run();
  ASSERT_EQ(site.at_server.got.size(), 1U);
  EXPECT_EQ(site.at_server.got[0].time, microseconds(100 + 8 + 80));
  EXPECT_EQ(site.at_server.got[0].segment.src, kPublic);
  EXPECT_EQ(site.at_server.got[0].segment.dst, kServer);
  EXPECT_EQ(site.at_server.got[0].segment.seq, 1U);

  const sim::Time sent_back = site.sim.now();
  site.net->send(from_to(kServer, kPublic, 2, 1460, kSyn | kAck));  // 1500 bytes: 12 + 120 us
  site.sim.run();
  ASSERT_EQ(site.at_c1.got.size(), 1U);
  EXPECT_EQ(site.at_c1.got[0].time, sent_back + microseconds(100 + 12 + 120));
  EXPECT_EQ(site.at_c1.got[0].segment.src, kServer);
  EXPECT_EQ(site.at_c1.got[0].segment.dst, kClient);
  ASSERT_EQ(site.nat.seen_in.size(), 1U);
  EXPECT_EQ(site.nat.seen_in[0].dst, kPublic);  // the gateway saw it untranslated
  EXPECT_EQ(site.net->delivered(), 2U);
  expect_counters_add_up(*site.net);
}

TEST(GatewayForwarding, TheRouteCacheOfAConnectionTakesTheSamePath) {
  Site site;
  std::uint64_t cache = 0;
  for (std::uint32_t i = 0; i < 3; ++i) site.net->send(from_to(kClient, kServer, i), cache);
  EXPECT_NE(cache, 0U);
  site.sim.run();
  ASSERT_EQ(site.at_server.got.size(), 3U);
  for (const Arrival& a : site.at_server.got) EXPECT_EQ(a.segment.src, kPublic);
  EXPECT_EQ(site.nat.seen_out.size(), 3U);
}

// A gateway that keeps the network's note with each mapping has its replies delivered with
// no lookup of the inside host: to the same host, at the same times, through the same route
// state (jitter and FIFO order) as one that does not.
TEST(GatewayForwarding, RepliesByTheNoteKeptWithAMappingArriveAsByALookup) {
  std::vector<std::vector<Arrival>> at_clients;
  for (const bool keep : {false, true}) {
    Site site(LinkParams{microseconds(30), microseconds(50), 0.0, 0});
    site.nat.keep_notes = keep;
    const Endpoint c2{ip("10.0.0.2"), 41000};
    site.net->send(from_to(kClient, kServer, 1, 0, kSyn));
    site.net->send(from_to(c2, kServer, 2, 0, kSyn));
    site.sim.run();
    ASSERT_EQ(site.nat.notes.size(), 2U);
    for (const std::uint64_t note : site.nat.notes) EXPECT_NE(note, Middlebox::kNoNote);
    const Endpoint second{ip("198.51.100.1"), 5001};
    for (std::uint32_t i = 0; i < 200; ++i) {
      site.sim.run_until(site.sim.now() + microseconds(3));
      site.net->send(from_to(kServer, i % 2 == 0 ? kPublic : second, 100 + i, i % 7 * 100));
    }
    site.sim.run();
    ASSERT_EQ(site.at_c1.got.size(), 100U);
    ASSERT_EQ(site.at_c2.got.size(), 100U);
    for (const Arrival& a : site.at_c1.got) EXPECT_EQ(a.segment.dst, kClient);
    for (const Arrival& a : site.at_c2.got) EXPECT_EQ(a.segment.dst, c2);
    at_clients.push_back(site.at_c1.got);
    at_clients.back().insert(at_clients.back().end(), site.at_c2.got.begin(), site.at_c2.got.end());
    expect_counters_add_up(*site.net);
  }
  ASSERT_EQ(at_clients[0].size(), at_clients[1].size());
  for (std::size_t i = 0; i < at_clients[0].size(); ++i) {
    EXPECT_EQ(at_clients[0][i].time, at_clients[1][i].time) << i;
    EXPECT_EQ(at_clients[0][i].segment.seq, at_clients[1][i].segment.seq) << i;
  }
}

TEST(GatewayForwarding, ADropVerdictDropsAndAResetAnswersTheSenderFromTheDestination) {
  Site site;
  site.nat.verdict = Verdict::kDrop;
  site.net->send(from_to(kClient, kServer, 1, 0, kSyn));
  site.sim.run();
  EXPECT_TRUE(site.at_server.got.empty());
  EXPECT_TRUE(site.at_c1.got.empty());
  EXPECT_EQ(site.net->dropped_by_middlebox(), 1U);
  EXPECT_EQ(site.net->middlebox_resets(), 0U);

  site.nat.verdict = Verdict::kReset;
  const sim::Time t0 = site.sim.now();
  Segment data = from_to(kClient, kServer, 700, 100, kAck | kPsh);
  data.ack = 9000;
  site.net->send(data);
  site.net->send(from_to(kClient, kServer, 800, 0, kSyn));
  site.net->send(from_to(kClient, kServer, 900, 0, kRst));  // never answered
  site.sim.run();
  EXPECT_TRUE(site.at_server.got.empty());
  ASSERT_EQ(site.at_c1.got.size(), 2U);
  // From the gateway back to c1: 20 + 10 us, and 40 bytes on 1 Gb/s (320 ns).
  EXPECT_EQ(site.at_c1.got[0].time, t0 + microseconds(30) + 320);
  const Segment& rst = site.at_c1.got[0].segment;
  EXPECT_EQ(rst.src, kServer);
  EXPECT_EQ(rst.dst, kClient);
  EXPECT_EQ(rst.flags, kRst);
  EXPECT_EQ(rst.seq, 9000U);
  const Segment& syn_rst = site.at_c1.got[1].segment;
  EXPECT_EQ(syn_rst.flags, kRst | kAck);
  EXPECT_EQ(syn_rst.ack, 801U);
  EXPECT_EQ(site.net->dropped_by_middlebox(), 4U);
  EXPECT_EQ(site.net->middlebox_resets(), 2U);
  EXPECT_EQ(site.net->sent(), 6U);
  expect_counters_add_up(*site.net);
}

TEST(GatewayForwarding, ACompositePathStaysFifoUnderJitter) {
  Site site(LinkParams{microseconds(30), microseconds(200), 0.0, 0});
  constexpr std::uint32_t kCount = 5000;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    site.sim.run_until(microseconds(1) * i);
    site.net->send(from_to(kClient, kServer, i));
  }
  site.sim.run();
  ASSERT_EQ(site.at_server.got.size(), kCount);
  std::uint32_t held = 0;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    const Arrival& a = site.at_server.got[i];
    ASSERT_EQ(a.segment.seq, i);
    const sim::Time delay = a.time - microseconds(1) * i;
    ASSERT_GE(delay, microseconds(100) + 320 + 3200);
    if (i > 0) {
      ASSERT_GE(a.time, site.at_server.got[i - 1].time);
      held += a.time == site.at_server.got[i - 1].time ? 1U : 0U;
    }
  }
  EXPECT_GT(held, kCount / 2);  // 1 us apart with 200 us of jitter: most were held back
}

TEST(GatewayForwarding, TheFirstLegsLossHidesTheSegmentFromTheGatewayTheSecondsDoesNot) {
  Site lossy_first(LinkParams{microseconds(30), 0, 0.0, 0},
                   LinkParams{microseconds(10), 0, 1.0, 0});
  Site lossy_second(LinkParams{microseconds(30), 0, 1.0, 0});
  for (std::uint32_t i = 0; i < 100; ++i) {
    lossy_first.net->send(from_to(kClient, kServer, i));
    lossy_second.net->send(from_to(kClient, kServer, i));
  }
  EXPECT_EQ(lossy_first.net->lost(), 100U);
  EXPECT_TRUE(lossy_first.nat.seen_out.empty());
  EXPECT_EQ(lossy_second.net->lost(), 100U);
  EXPECT_EQ(lossy_second.nat.seen_out.size(), 100U);
}

TEST(GatewayForwarding, HostsInsideTheSameGatewayTalkDirectly) {
  Site site;
  site.net->send(from_to(kClient, {ip("10.0.0.2"), 22}, 1));
  site.sim.run();
  ASSERT_EQ(site.at_c2.got.size(), 1U);
  EXPECT_EQ(site.at_c2.got[0].time, microseconds(15) + 320);  // 40 bytes at 1 Gb/s
  EXPECT_EQ(site.at_c2.got[0].segment.src, kClient);
  EXPECT_TRUE(site.nat.seen_out.empty());
}

TEST(GatewayForwarding, APublicAddressIsUnreachableFromInside) {
  Site site;
  site.net->send(from_to(kClient, kPublic, 1));
  EXPECT_EQ(site.net->dropped_unreachable(), 1U);
  EXPECT_TRUE(site.nat.seen_out.empty());
  expect_counters_add_up(*site.net);
}

TEST(GatewayForwarding, AnInboundTranslationOutsideTheGatewayIsAProgrammingError) {
  struct Wrong : PortNat {
    Verdict inbound(Segment& s, std::uint32_t& /*flow_hint*/, std::uint64_t& /*note*/) override {
      s.dst = kServer;
      return Verdict::kForward;
    }
  };
  sim::Simulator simulator;
  Topology topo;
  const NodeId c = topo.add_host("c", {ip("10.0.0.1")});
  const NodeId g = topo.add_host("g", {ip("198.51.100.1")});
  const NodeId s = topo.add_host("s", {ip("192.0.2.10")});
  topo.add_link(c, g, LinkParams{1, 0, 0.0, 0});
  topo.add_link(g, s, LinkParams{1, 0, 0.0, 0});
  Network net(simulator, topo);
  Wrong wrong;
  net.add_gateway(g, wrong, {c});
  EXPECT_THROW(net.send(from_to(kServer, kPublic, 1)), std::logic_error);
}

TEST(GatewayForwarding, MiddleNodesAreSetUpBeforeTraffic) {
  Site site;
  CountingFilter filter;
  EXPECT_THROW(site.net->attach(ip("198.51.100.1"), site.at_c1), std::invalid_argument);
  EXPECT_THROW(site.net->add_gateway(site.gw, site.nat, {}), std::invalid_argument);
  EXPECT_THROW(site.net->add_gateway(site.server, site.nat, {site.c1}), std::invalid_argument);
  EXPECT_THROW(site.net->add_gateway(site.server, site.nat, {site.server}), std::invalid_argument);
  EXPECT_THROW(site.net->set_filter(4, filter), std::invalid_argument);  // a switch
  site.net->set_filter(site.server, filter);
  EXPECT_THROW(site.net->set_filter(site.server, filter), std::invalid_argument);
  site.net->send(from_to(kClient, kServer, 1));
  EXPECT_THROW(site.net->set_filter(site.c1, filter), std::logic_error);
}

TEST(GatewayForwarding, AHostFilterSeesWhatItsHostSendsAndReceivesAfterTranslation) {
  Site site;
  CountingFilter at_client;
  CountingFilter at_server;
  site.net->set_filter(site.c1, at_client);
  site.net->set_filter(site.server, at_server);
  Recorder loopback(site.sim);
  site.net->attach_loopback(site.c1, loopback);
  site.net->send(from_to(kClient, kServer, 1, 0, kSyn));
  site.net->send(from_to(kServer, kPublic, 2, 0, kSyn | kAck));
  site.net->send(from_to(kClient, {ip("10.0.0.2"), 22}, 3));    // c2 has no filter
  site.net->send(from_to(kClient, {ip("10.0.0.1"), 8080}, 4));  // to itself: once
  site.net->send_from(site.c1, from_to({ip("127.0.0.1"), 9}, {ip("127.0.0.1"), 15001}, 5));
  site.sim.run();
  ASSERT_EQ(at_client.out.size(), 4U);
  EXPECT_EQ(at_client.out[0].src, kClient);  // before the gateway
  EXPECT_EQ(at_client.out[3].seq, 5U);
  ASSERT_EQ(at_client.in.size(), 1U);
  EXPECT_EQ(at_client.in[0].dst, kClient);  // after the gateway
  ASSERT_EQ(at_server.in.size(), 1U);
  EXPECT_EQ(at_server.in[0].src, kPublic);
  ASSERT_EQ(at_server.out.size(), 1U);
  EXPECT_EQ(at_server.out[0].dst, kPublic);
  EXPECT_EQ(site.at_c1.got.size(), 2U);
  EXPECT_EQ(loopback.got.size(), 1U);
  expect_counters_add_up(*site.net);
}

TEST(GatewayForwarding, AFilterDropsEitherWayAndItsResetStaysOnTheHost) {
  Site site;
  CountingFilter filter;
  site.net->set_filter(site.server, filter);
  filter.verdict = Verdict::kDrop;
  site.net->send(from_to(kClient, kServer, 1, 0, kSyn));  // dropped on arrival
  site.net->send(from_to(kServer, kPublic, 2));           // dropped on departure
  filter.verdict = Verdict::kReset;
  site.net->send(from_to(kServer, kPublic, 3, 0, kSyn));  // answered locally
  site.sim.run();
  EXPECT_EQ(site.net->dropped_by_middlebox(), 3U);
  EXPECT_EQ(site.net->middlebox_resets(), 1U);
  EXPECT_TRUE(site.at_c1.got.empty());
  ASSERT_EQ(site.at_server.got.size(), 1U);
  EXPECT_EQ(site.at_server.got[0].time, NetworkOptions{}.local_latency);
  EXPECT_EQ(site.at_server.got[0].segment.src, kPublic);
  EXPECT_EQ(site.at_server.got[0].segment.ack, 4U);
  expect_counters_add_up(*site.net);
}

}  // namespace
}  // namespace tcpsim::net
