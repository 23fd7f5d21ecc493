#include "models/net/routes.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/random_stream.h"

namespace tcpsim::net {
namespace {

using sim::microseconds;
using sim::milliseconds;

Ipv4 host_ip(std::uint32_t n) { return Ipv4{0x0a000000U + n}; }

LinkParams lat(sim::Time latency) { return LinkParams{latency, 0, 0.0, 0}; }

// a - s1, then s1 - s3 directly (1 switch hop, 10 ms) or through s2 (2 hops, 2 ms), s3 - b.
struct Triangle {
  Topology t;
  NodeId a = t.add_host("a", {host_ip(1)});
  NodeId b = t.add_host("b", {host_ip(2)});
  NodeId s1 = t.add_switch("s1");
  NodeId s2 = t.add_switch("s2");
  NodeId s3 = t.add_switch("s3");
  LinkId a_s1 = t.add_link(a, s1, lat(microseconds(1)));
  LinkId s1_s3 = t.add_link(s1, s3, lat(milliseconds(10)));
  LinkId s1_s2 = t.add_link(s1, s2, lat(milliseconds(1)));
  LinkId s2_s3 = t.add_link(s2, s3, lat(milliseconds(1)));
  LinkId s3_b = t.add_link(s3, b, lat(microseconds(1)));
};

TEST(Routes, PicksTheLowestLatencyPathNotTheFewestHops) {
  Triangle net;
  Routes routes(net.t);
  const auto r = routes.route(net.a, net.b);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->latency, milliseconds(2) + microseconds(2));
  EXPECT_EQ(r->hops, 4U);
  EXPECT_EQ(routes.path(net.a, net.b),
            (std::vector<LinkId>{net.a_s1, net.s1_s2, net.s2_s3, net.s3_b}));
  EXPECT_EQ(routes.path(net.b, net.a),
            (std::vector<LinkId>{net.s3_b, net.s2_s3, net.s1_s2, net.a_s1}));
  EXPECT_EQ(routes.route(net.b, net.a)->latency, r->latency);
  EXPECT_EQ(routes.route(net.s1, net.s3)->latency, milliseconds(2));
  EXPECT_EQ(routes.route(net.a, net.s2)->latency, milliseconds(1) + microseconds(1));
}

TEST(Routes, FollowsTheFewestHopsWhenTheyAreFaster) {
  Topology t;
  const NodeId a = t.add_host("a", {host_ip(1)});
  const NodeId b = t.add_host("b", {host_ip(2)});
  const NodeId s1 = t.add_switch("s1");
  const NodeId s2 = t.add_switch("s2");
  const NodeId s3 = t.add_switch("s3");
  const LinkId a_s1 = t.add_link(a, s1, lat(1));
  const LinkId s1_s3 = t.add_link(s1, s3, lat(milliseconds(1)));
  t.add_link(s1, s2, lat(milliseconds(1)));
  t.add_link(s2, s3, lat(milliseconds(1)));
  const LinkId s3_b = t.add_link(s3, b, lat(1));
  Routes routes(t);
  EXPECT_EQ(routes.path(a, b), (std::vector<LinkId>{a_s1, s1_s3, s3_b}));
  EXPECT_EQ(routes.route(a, b)->latency, milliseconds(1) + 2);
}

TEST(Routes, AggregatesLatencyJitterLossBandwidthAndHops) {
  Topology t;
  const NodeId a = t.add_host("a", {host_ip(1)});
  const NodeId b = t.add_host("b", {host_ip(2)});
  const NodeId s1 = t.add_switch("s1");
  const NodeId s2 = t.add_switch("s2");
  t.add_link(a, s1, LinkParams{microseconds(10), microseconds(2), 0.1, 1'000'000'000ULL});
  t.add_link(s1, s2, LinkParams{microseconds(100), microseconds(20), 0.2, 0});
  t.add_link(s2, b, LinkParams{microseconds(30), 0, 0.0, 100'000'000ULL});
  Routes routes(t);
  const auto r = routes.route(a, b);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->latency, microseconds(140));
  EXPECT_EQ(r->jitter, microseconds(22));
  EXPECT_NEAR(r->loss, 1.0 - 0.9 * 0.8, 1e-15);
  EXPECT_EQ(r->bottleneck_bps, 100'000'000ULL);
  EXPECT_DOUBLE_EQ(r->ns_per_bit, 1.0 + 10.0);
  EXPECT_EQ(r->hops, 3U);
  // 1000 bytes = 8000 bits: 8 us at 1 Gb/s plus 80 us at 100 Mb/s; the unlimited hop adds 0.
  EXPECT_EQ(r->serialization(1000), microseconds(88));
  EXPECT_EQ(r->serialization(0), 0);
}

TEST(Routes, UnlimitedAndLosslessPathsAggregateToZero) {
  Triangle net;
  Routes routes(net.t);
  const auto r = routes.route(net.a, net.b);
  EXPECT_EQ(r->jitter, 0);
  EXPECT_EQ(r->loss, 0.0);
  EXPECT_EQ(r->bottleneck_bps, 0U);
  EXPECT_EQ(r->serialization(1500), 0);
}

TEST(Routes, LossOfOneOnAnyHopMakesThePathLoseEverything) {
  Topology t;
  const NodeId a = t.add_host("a", {host_ip(1)});
  const NodeId b = t.add_host("b", {host_ip(2)});
  const NodeId s = t.add_switch("s");
  t.add_link(a, s, LinkParams{1, 0, 0.3, 0});
  t.add_link(s, b, LinkParams{1, 0, 1.0, 0});
  Routes routes(t);
  EXPECT_EQ(routes.route(a, b)->loss, 1.0);
}

TEST(Routes, ARouteToItselfHasNoHops) {
  Triangle net;
  Routes routes(net.t);
  const auto r = routes.route(net.a, net.a);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->hops, 0U);
  EXPECT_EQ(r->latency, 0);
  EXPECT_EQ(routes.path(net.a, net.a), std::vector<LinkId>{});
}

TEST(Routes, DisconnectedNodesHaveNoRoute) {
  Topology t;
  const NodeId a = t.add_host("a", {host_ip(1)});
  const NodeId b = t.add_host("b", {host_ip(2)});
  const NodeId c = t.add_host("c", {host_ip(3)});
  const NodeId s1 = t.add_switch("s1");
  const NodeId s2 = t.add_switch("s2");
  const NodeId lonely = t.add_host("lonely", {host_ip(4)});
  t.add_link(a, s1, lat(1));
  t.add_link(b, s2, lat(1));
  t.add_link(c, s2, lat(1));
  Routes routes(t);
  EXPECT_FALSE(routes.route(a, b).has_value());
  EXPECT_FALSE(routes.path(a, b).has_value());
  EXPECT_FALSE(routes.route(s1, s2).has_value());
  EXPECT_FALSE(routes.route(lonely, a).has_value());
  EXPECT_FALSE(routes.route(a, lonely).has_value());
  EXPECT_TRUE(routes.route(b, c).has_value());
}

TEST(Routes, HostsDoNotForward) {
  // a - m - b through a host m: no route from a to b, though each reaches m.
  Topology t;
  const NodeId a = t.add_host("a", {host_ip(1)});
  const NodeId m = t.add_host("m", {host_ip(2)});
  const NodeId b = t.add_host("b", {host_ip(3)});
  const LinkId a_m = t.add_link(a, m, lat(5));
  t.add_link(m, b, lat(5));
  Routes routes(t);
  EXPECT_FALSE(routes.route(a, b).has_value());
  EXPECT_EQ(routes.path(a, m), std::vector<LinkId>{a_m});
  EXPECT_EQ(routes.route(m, b)->latency, 5);
  EXPECT_EQ(routes.trees_computed(), 0U);
}

TEST(Routes, ADirectHostLinkCompetesWithTheSwitchedPath) {
  Topology t;
  const NodeId a = t.add_host("a", {host_ip(1)});
  const NodeId b = t.add_host("b", {host_ip(2)});
  const NodeId s = t.add_switch("s");
  t.add_link(a, s, lat(10));
  t.add_link(s, b, lat(10));
  t.add_link(a, b, lat(25));
  const LinkId fast = t.add_link(a, b, lat(15));
  Routes routes(t);
  EXPECT_EQ(routes.path(a, b), std::vector<LinkId>{fast});
  EXPECT_EQ(routes.path(b, a), std::vector<LinkId>{fast});

  Topology t2;
  const NodeId c = t2.add_host("c", {host_ip(1)});
  const NodeId d = t2.add_host("d", {host_ip(2)});
  const NodeId s2 = t2.add_switch("s");
  const LinkId c_s = t2.add_link(c, s2, lat(10));
  const LinkId s_d = t2.add_link(s2, d, lat(10));
  t2.add_link(c, d, lat(21));
  Routes routes2(t2);
  EXPECT_EQ(routes2.path(c, d), (std::vector<LinkId>{c_s, s_d}));
}

TEST(Routes, AMultiHomedHostUsesItsBestAttachmentAndParallelLinksTheFastest) {
  Topology t;
  const NodeId a = t.add_host("a", {host_ip(1), host_ip(11)});
  const NodeId b = t.add_host("b", {host_ip(2)});
  const NodeId s1 = t.add_switch("s1");
  const NodeId s2 = t.add_switch("s2");
  const NodeId s3 = t.add_switch("s3");
  t.add_link(a, s1, lat(microseconds(1)));                      // 0
  const LinkId a_s2 = t.add_link(a, s2, lat(microseconds(3)));  // 1
  t.add_link(s1, s3, lat(microseconds(50)));                    // 2
  t.add_link(s2, s3, lat(microseconds(9)));                     // 3: parallel, slower
  const LinkId s2_s3 = t.add_link(s2, s3, lat(microseconds(7)));
  const LinkId s3_b = t.add_link(s3, b, lat(microseconds(1)));
  Routes routes(t);
  EXPECT_EQ(routes.path(a, b), (std::vector<LinkId>{a_s2, s2_s3, s3_b}));
  EXPECT_EQ(routes.route(a, b)->latency, microseconds(11));
  EXPECT_EQ(routes.path(b, a), (std::vector<LinkId>{s3_b, s2_s3, a_s2}));
}

TEST(Routes, TreesAreComputedOncePerSourceSwitchOnFirstUse) {
  // Two racks of 50 hosts under leaves l1, l2 joined by a spine.
  Topology t;
  const NodeId l1 = t.add_switch("l1");
  const NodeId l2 = t.add_switch("l2");
  const NodeId spine = t.add_switch("spine");
  t.add_link(l1, spine, lat(microseconds(5)));
  t.add_link(l2, spine, lat(microseconds(5)));
  std::vector<NodeId> rack1;
  std::vector<NodeId> rack2;
  for (std::uint32_t i = 0; i < 50; ++i) {
    rack1.push_back(t.add_host("r1-" + std::to_string(i), {host_ip(1000 + i)}));
    t.add_link(rack1.back(), l1, lat(microseconds(1)));
    rack2.push_back(t.add_host("r2-" + std::to_string(i), {host_ip(2000 + i)}));
    t.add_link(rack2.back(), l2, lat(microseconds(1)));
  }
  Routes routes(t);
  EXPECT_EQ(routes.trees_computed(), 0U);
  for (const NodeId from : rack1) {
    for (const NodeId to : rack2) {
      ASSERT_EQ(routes.route(from, to)->latency, microseconds(12));
      ASSERT_EQ(routes.route(from, to)->hops, 4U);
    }
    ASSERT_EQ(routes.route(from, rack1[0] == from ? rack1[1] : rack1[0])->latency, microseconds(2));
  }
  EXPECT_EQ(routes.trees_computed(), 1U);
  EXPECT_EQ(routes.route(rack2[3], rack1[7])->latency, microseconds(12));
  EXPECT_EQ(routes.trees_computed(), 2U);
  EXPECT_EQ(routes.route(spine, rack1[0])->latency, microseconds(6));
  EXPECT_EQ(routes.trees_computed(), 3U);
  EXPECT_EQ(routes.route(rack2[0], spine)->latency, microseconds(6));
  EXPECT_EQ(routes.trees_computed(), 3U);
}

TEST(Routes, ScalesToThousandsOfHosts) {
  // 4000 hosts on 40 leaves, each leaf on both of 2 spines; random pairs.
  constexpr std::uint32_t kLeaves = 40;
  constexpr std::uint32_t kHostsPerLeaf = 100;
  Topology t;
  const NodeId spine_a = t.add_switch("spine-a");
  const NodeId spine_b = t.add_switch("spine-b");
  std::vector<NodeId> hosts;
  for (std::uint32_t l = 0; l < kLeaves; ++l) {
    const NodeId leaf = t.add_switch("leaf-" + std::to_string(l));
    t.add_link(leaf, spine_a, lat(microseconds(3)));
    t.add_link(leaf, spine_b, lat(microseconds(4)));
    for (std::uint32_t h = 0; h < kHostsPerLeaf; ++h) {
      hosts.push_back(t.add_host("h-" + std::to_string(l) + "-" + std::to_string(h),
                                 {host_ip(l * 1000 + h + 1)}));
      t.add_link(hosts.back(), leaf, lat(microseconds(1)));
    }
  }
  Routes routes(t);
  sim::RandomStream rng(1, 2);
  for (int i = 0; i < 100'000; ++i) {
    const std::uint64_t x = rng.below(hosts.size());
    const std::uint64_t y = rng.below(hosts.size());
    const bool same_leaf = x / kHostsPerLeaf == y / kHostsPerLeaf;
    const auto r = routes.route(hosts[x], hosts[y]);
    ASSERT_TRUE(r.has_value());
    const sim::Time expected = x == y ? 0 : same_leaf ? microseconds(2) : microseconds(8);
    ASSERT_EQ(r->latency, expected) << x << " -> " << y;
  }
  EXPECT_EQ(routes.trees_computed(), kLeaves);
}

TEST(Routes, RejectsUnknownNodesAndAChangedTopology) {
  Triangle net;
  Routes routes(net.t);
  EXPECT_THROW(static_cast<void>(routes.route(net.a, 99)), std::out_of_range);
  EXPECT_THROW(static_cast<void>(routes.path(99, net.a)), std::out_of_range);
  net.t.add_link(net.a, net.s2, lat(1));
  EXPECT_THROW(static_cast<void>(routes.route(net.a, net.b)), std::logic_error);
}

// A gateway host with many host links (as behind a NAT): between it and one host, of two
// equally fast parallel links the first added wins whichever end the route starts from, and
// the way into the fabric is the gateway's switch link whatever its place among the others.
TEST(Routes, AHostWithManyLinksKeepsTheFirstOfEquallyFastLinksBothWays) {
  Topology t;
  const NodeId gw = t.add_host("gw", {host_ip(1)});
  std::vector<NodeId> inside;
  for (std::uint32_t i = 0; i < 20; ++i) {
    inside.push_back(t.add_host("h" + std::to_string(i), {host_ip(10 + i)}));
    t.add_link(inside.back(), gw, lat(microseconds(5)));
  }
  const NodeId h = inside[7];
  const LinkId slower = t.add_link(gw, h, lat(microseconds(9)));
  const LinkId first = t.add_link(h, gw, lat(microseconds(3)));
  const LinkId second = t.add_link(gw, h, lat(microseconds(3)));
  const NodeId sw = t.add_switch("sw");
  const NodeId server = t.add_host("server", {host_ip(2)});
  const LinkId gw_sw = t.add_link(gw, sw, lat(microseconds(20)));
  const LinkId sw_server = t.add_link(sw, server, lat(microseconds(30)));
  Routes routes(t);
  static_cast<void>(slower);
  static_cast<void>(second);
  EXPECT_EQ(routes.path(gw, h), (std::vector<LinkId>{first}));
  EXPECT_EQ(routes.path(h, gw), (std::vector<LinkId>{first}));
  EXPECT_EQ(routes.path(gw, server), (std::vector<LinkId>{gw_sw, sw_server}));
  EXPECT_EQ(routes.path(server, gw), (std::vector<LinkId>{sw_server, gw_sw}));
  EXPECT_EQ(routes.route(server, gw)->latency, microseconds(50));
}

}  // namespace
}  // namespace tcpsim::net
