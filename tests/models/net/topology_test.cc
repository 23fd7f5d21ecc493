#include "models/net/topology.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpsim::net {
namespace {

Ipv4 ip(const char* text) { return *parse_ipv4(text); }

// Runs `fn`, expects std::invalid_argument, and checks the message mentions `fragment`.
template <typename Fn>
void expect_invalid(Fn fn, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected one mentioning '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << fragment;
  }
}

TEST(Topology, AssignsDenseIdsAndKeepsNodesAndLinks) {
  Topology t;
  const NodeId a = t.add_host("a", {ip("10.0.0.1"), ip("10.0.1.1")});
  const NodeId s = t.add_switch("tor");
  const NodeId b = t.add_host("b", {ip("10.0.0.2")});
  EXPECT_EQ(a, 0U);
  EXPECT_EQ(s, 1U);
  EXPECT_EQ(b, 2U);
  const LinkId l0 = t.add_link(a, s, LinkParams{sim::microseconds(5), 0, 0.0, 0});
  const LinkId l1 = t.add_link(
      s, b, LinkParams{sim::microseconds(7), sim::microseconds(1), 0.25, 10'000'000'000ULL});
  EXPECT_EQ(l0, 0U);
  EXPECT_EQ(l1, 1U);
  EXPECT_EQ(t.node_count(), 3U);
  EXPECT_EQ(t.link_count(), 2U);
  EXPECT_EQ(t.address_count(), 3U);
  EXPECT_EQ(boost::num_vertices(t.graph()), 3U);
  EXPECT_EQ(boost::num_edges(t.graph()), 2U);

  EXPECT_EQ(t.node(a).name, "a");
  EXPECT_EQ(t.node(a).kind, NodeKind::kHost);
  EXPECT_EQ(t.node(a).addresses, (std::vector<Ipv4>{ip("10.0.0.1"), ip("10.0.1.1")}));
  EXPECT_EQ(t.node(s).kind, NodeKind::kSwitch);
  EXPECT_TRUE(t.node(s).addresses.empty());
  EXPECT_TRUE(t.is_host(b));
  EXPECT_FALSE(t.is_host(s));

  EXPECT_EQ(t.link(l1).a, s);
  EXPECT_EQ(t.link(l1).b, b);
  EXPECT_EQ(t.link(l1).other(b), s);
  EXPECT_EQ(t.link(l1).params.latency, sim::microseconds(7));
  EXPECT_EQ(t.link(l1).params.jitter, sim::microseconds(1));
  EXPECT_EQ(t.link(l1).params.loss, 0.25);
  EXPECT_EQ(t.link(l1).params.bandwidth_bps, 10'000'000'000ULL);
  EXPECT_EQ(t.links_of(s), (std::vector<LinkId>{l0, l1}));
  EXPECT_EQ(t.links_of(a), (std::vector<LinkId>{l0}));
}

TEST(Topology, FindsTheOwnerOfAnAddressAndNodesByName) {
  Topology t;
  const NodeId a = t.add_host("a", {ip("10.0.0.1"), ip("10.0.1.1")});
  const NodeId b = t.add_host("b", {ip("10.0.0.2")});
  const NodeId s = t.add_switch("core");
  EXPECT_EQ(t.node_of(ip("10.0.0.1")), a);
  EXPECT_EQ(t.node_of(ip("10.0.1.1")), a);
  EXPECT_EQ(t.node_of(ip("10.0.0.2")), b);
  EXPECT_FALSE(t.node_of(ip("10.0.0.3")).has_value());
  EXPECT_EQ(t.find("core"), s);
  EXPECT_EQ(t.find("b"), b);
  EXPECT_FALSE(t.find("nope").has_value());
}

TEST(Topology, RejectsBadHosts) {
  Topology t;
  t.add_host("a", {ip("10.0.0.1")});
  expect_invalid([&] { t.add_host("b", {ip("10.0.0.1")}); },
                 "duplicate address 10.0.0.1: host 'b' and 'a'");
  expect_invalid(
      [&] {
        t.add_host("c", {ip("10.0.0.9"), ip("10.0.0.9")});
      },
      "duplicate address 10.0.0.9 listed twice for host 'c'");
  expect_invalid([&] { t.add_host("d", {}); }, "host 'd' has no address");
  expect_invalid([&] { t.add_host("e", {ip("127.0.0.1")}); }, "loopback address 127.0.0.1");
  expect_invalid([&] { t.add_host("f", {ip("0.0.0.0")}); }, "0.0.0.0 cannot be a host address");
  expect_invalid([&] { t.add_host("a", {ip("10.0.0.7")}); }, "duplicate node name 'a'");
  expect_invalid([&] { t.add_switch("a"); }, "duplicate node name 'a'");
  expect_invalid([&] { t.add_switch(""); }, "node name is empty");
  // Nothing of the refused hosts was kept.
  EXPECT_EQ(t.node_count(), 1U);
  EXPECT_EQ(t.address_count(), 1U);
  EXPECT_FALSE(t.node_of(ip("10.0.0.9")).has_value());
  EXPECT_FALSE(t.node_of(ip("10.0.0.7")).has_value());
}

TEST(Topology, RejectsBadLinks) {
  Topology t;
  const NodeId a = t.add_host("a", {ip("10.0.0.1")});
  const NodeId s = t.add_switch("s");
  expect_invalid([&] { t.add_link(a, 7, LinkParams{}); }, "link to unknown node: second id 7");
  expect_invalid([&] { t.add_link(9, a, LinkParams{}); }, "link to unknown node: first id 9");
  expect_invalid([&] { t.add_link(s, s, LinkParams{}); },
                 "link 's' - 's': a node cannot link to itself");
  expect_invalid(
      [&] {
        t.add_link(a, s, LinkParams{-1, 0, 0.0, 0});
      },
      "link 'a' - 's': negative latency -1ns");
  expect_invalid(
      [&] {
        t.add_link(a, s, LinkParams{0, -sim::microseconds(2), 0.0, 0});
      },
      "link 'a' - 's': negative jitter -2us");
  expect_invalid(
      [&] {
        t.add_link(a, s, LinkParams{0, 0, -0.1, 0});
      },
      "loss probability -0.100000 is outside [0, 1]");
  expect_invalid(
      [&] {
        t.add_link(a, s, LinkParams{0, 0, 1.5, 0});
      },
      "loss probability 1.500000 is outside [0, 1]");
  expect_invalid([&] { t.add_link(a, s, LinkParams{0, 0, std::nan(""), 0}); }, "loss probability");
  EXPECT_EQ(t.link_count(), 0U);
  EXPECT_EQ(boost::num_edges(t.graph()), 0U);

  // The bounds themselves are accepted, and so are parallel links.
  t.add_link(a, s, LinkParams{0, 0, 0.0, 0});
  t.add_link(a, s, LinkParams{sim::seconds(1), 0, 1.0, 1});
  EXPECT_EQ(t.link_count(), 2U);
}

TEST(Topology, UnknownIdsThrowOutOfRange) {
  Topology t;
  t.add_switch("s");
  EXPECT_THROW(static_cast<void>(t.node(1)), std::out_of_range);
  EXPECT_THROW(static_cast<void>(t.link(0)), std::out_of_range);
  EXPECT_THROW(static_cast<void>(t.links_of(3)), std::out_of_range);
}

}  // namespace
}  // namespace tcpsim::net
