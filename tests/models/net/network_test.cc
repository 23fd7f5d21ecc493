#include "models/net/network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "sim/simulator.h"
#include "tests/models/net/net_test_util.h"

namespace tcpsim::net {
namespace {

using sim::microseconds;
using sim::milliseconds;
using testing::Arrival;
using testing::ip;
using testing::Recorder;

Segment segment(Ipv4 src, Ipv4 dst, std::uint32_t seq, std::uint32_t len = 0) {
  return testing::seg({src, 40000}, {dst, 80}, 0, seq, len);
}

// a - s1 - s2 - b: 10 us at 1 Gb/s, 100 us unlimited, 30 us at 100 Mb/s.
struct ThreeHops {
  explicit ThreeHops(LinkParams middle = LinkParams{microseconds(100), 0, 0.0, 0},
                     NetworkOptions options = {}) {
    a = topo.add_host("a", {ip("10.0.0.1"), ip("10.0.1.1")});
    b = topo.add_host("b", {ip("10.0.0.2")});
    const NodeId s1 = topo.add_switch("s1");
    const NodeId s2 = topo.add_switch("s2");
    topo.add_link(a, s1, LinkParams{microseconds(10), 0, 0.0, 1'000'000'000ULL});
    topo.add_link(s1, s2, middle);
    topo.add_link(s2, b, LinkParams{microseconds(30), 0, 0.0, 100'000'000ULL});
    net = std::make_unique<Network>(sim, topo, options);
    net->attach(ip("10.0.0.1"), at_a);
    net->attach(ip("10.0.0.2"), at_b);
  }
  sim::Simulator sim;
  Topology topo;
  NodeId a = 0;
  NodeId b = 0;
  std::unique_ptr<Network> net;
  Recorder at_a{sim};
  Recorder at_b{sim};
};

TEST(Network, ArrivalTimeIsLatencyPlusSerializationOnEachLimitedHop) {
  ThreeHops n;
  // 960 payload + 40 header bytes = 8000 bits: 8 us on 1 Gb/s, 80 us on 100 Mb/s, and the
  // latencies 10 + 100 + 30 us.
  n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), 1, 960));
  n.sim.run_until(milliseconds(1));
  // 40 bytes = 320 bits: 320 ns + 3200 ns.
  n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), 2, 0));
  // The other direction, same path.
  n.net->send(segment(ip("10.0.0.2"), ip("10.0.0.1"), 3, 1460));
  n.sim.run();
  ASSERT_EQ(n.at_b.got.size(), 2U);
  EXPECT_EQ(n.at_b.times(), (std::vector<sim::Time>{microseconds(228),
                                                    milliseconds(1) + microseconds(140) + 3520}));
  EXPECT_EQ(n.at_b.got[0].segment.seq, 1U);
  EXPECT_EQ(n.at_b.got[1].segment.seq, 2U);
  // 1500 bytes = 12000 bits: 12 us + 120 us.
  EXPECT_EQ(n.at_a.times(), (std::vector<sim::Time>{milliseconds(1) + microseconds(140 + 132)}));
  EXPECT_EQ(n.net->sent(), 3U);
  EXPECT_EQ(n.net->delivered(), 3U);
  EXPECT_EQ(n.net->routes_in_use(), 2U);
}

TEST(Network, ASmallSegmentDoesNotOvertakeALargeOneOnTheSameRoute) {
  ThreeHops n;
  n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), 1, 960));  // due at 228 us
  n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), 2, 0));    // alone it would be 143.52 us
  n.sim.run();
  EXPECT_EQ(n.at_b.times(), (std::vector<sim::Time>{microseconds(228), microseconds(228)}));
  EXPECT_EQ(n.at_b.got[0].segment.seq, 1U);
  EXPECT_EQ(n.at_b.got[1].segment.seq, 2U);
}

// A host's addresses reach another host over one route: what one address sent first is
// not overtaken by what the other sends.
TEST(Network, TheAddressesOfAHostShareItsRouteToAnother) {
  ThreeHops n;
  n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), 1, 960));  // due at 228 us
  n.net->send(segment(ip("10.0.1.1"), ip("10.0.0.2"), 2, 0));    // alone it would be 143.52 us
  n.sim.run();
  EXPECT_EQ(n.at_b.times(), (std::vector<sim::Time>{microseconds(228), microseconds(228)}));
  EXPECT_EQ(n.at_b.got[1].segment.seq, 2U);
  EXPECT_EQ(n.net->routes_in_use(), 1U);
}

TEST(Network, DeliversEveryFieldIntactToTheReceiverOfTheDestinationAddress) {
  ThreeHops n;
  Recorder second_address{n.sim};
  n.net->attach(ip("10.0.1.1"), second_address);
  Segment s;
  s.src = {ip("10.0.0.2"), 51234};
  s.dst = {ip("10.0.1.1"), 443};
  s.seq = 0xfffffff0U;
  s.ack = 12345;
  s.len = 100;
  s.tsval = 777;
  s.tsecr = 666;
  s.window = 29200;
  s.flags = kSyn | kAck;
  s.has_timestamp = true;
  n.net->send(s);
  n.sim.run();
  EXPECT_TRUE(n.at_a.got.empty());
  ASSERT_EQ(second_address.got.size(), 1U);
  const Segment& r = second_address.got[0].segment;
  EXPECT_EQ(r.src, s.src);
  EXPECT_EQ(r.dst, s.dst);
  EXPECT_EQ(r.seq, s.seq);
  EXPECT_EQ(r.ack, s.ack);
  EXPECT_EQ(r.len, s.len);
  EXPECT_EQ(r.tsval, s.tsval);
  EXPECT_EQ(r.tsecr, s.tsecr);
  EXPECT_EQ(r.window, s.window);
  EXPECT_EQ(r.flags, s.flags);
  EXPECT_TRUE(r.has_timestamp);
}

TEST(Network, LossOfOneDropsEverythingAndZeroNothing) {
  ThreeHops dead(LinkParams{microseconds(100), 0, 1.0, 0});
  ThreeHops clean(LinkParams{microseconds(100), 0, 0.0, 0});
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    dead.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), i));
    clean.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), i));
  }
  dead.sim.run();
  clean.sim.run();
  EXPECT_EQ(dead.net->lost(), 10'000U);
  EXPECT_EQ(dead.net->delivered(), 0U);
  EXPECT_TRUE(dead.at_b.got.empty());
  EXPECT_EQ(dead.sim.events_processed(), 0U);
  EXPECT_EQ(clean.net->lost(), 0U);
  EXPECT_EQ(clean.net->delivered(), 10'000U);
  EXPECT_EQ(clean.at_b.got.size(), 10'000U);
}

TEST(Network, LossOfTenPercentLosesTenPercent) {
  ThreeHops n(LinkParams{microseconds(100), 0, 0.1, 0});
  constexpr std::uint32_t kSegments = 100'000;
  for (std::uint32_t i = 0; i < kSegments; ++i) {
    n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), i));
  }
  n.sim.run();
  // Binomial(100000, 0.1): sd = sqrt(100000 * 0.1 * 0.9) = 94.9; allow 5 sd (+-475).
  EXPECT_NEAR(static_cast<double>(n.net->lost()), 10'000.0, 475.0);
  EXPECT_EQ(n.net->lost() + n.net->delivered(), kSegments);
  EXPECT_EQ(n.at_b.got.size(), n.net->delivered());
  // Survivors arrive in the order sent.
  EXPECT_TRUE(std::is_sorted(
      n.at_b.got.begin(), n.at_b.got.end(),
      [](const Arrival& x, const Arrival& y) { return x.segment.seq < y.segment.seq; }));
}

// Sends `count` segments a->b, one every `gap`, and returns their arrival times.
std::vector<Arrival> jittered_run(std::uint64_t seed, int count, sim::Time gap, double loss = 0.0) {
  ThreeHops n(LinkParams{microseconds(100), microseconds(50), loss, 0}, NetworkOptions{seed});
  for (int i = 0; i < count; ++i) {
    n.sim.run_until(gap * i);
    n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), static_cast<std::uint32_t>(i)));
  }
  n.sim.run();
  return n.at_b.got;
}

// 40 bytes: 320 ns + 3200 ns of serialization, and 140 us of latency.
constexpr sim::Time kSmallSegmentBase = microseconds(140) + 3520;

TEST(Network, JitterNeverReordersARoute) {
  constexpr int kCount = 20'000;
  const sim::Time gap = microseconds(2);
  const std::vector<Arrival> got = jittered_run(7, kCount, gap);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  int held = 0;
  for (int i = 0; i < kCount; ++i) {
    const Arrival& a = got[static_cast<std::size_t>(i)];
    ASSERT_EQ(a.segment.seq, static_cast<std::uint32_t>(i));
    const sim::Time delay = a.time - gap * i;
    ASSERT_GE(delay, kSmallSegmentBase);
    ASSERT_LT(delay, kSmallSegmentBase + microseconds(50));
    if (i > 0) {
      const sim::Time previous = got[static_cast<std::size_t>(i - 1)].time;
      ASSERT_GE(a.time, previous);
      held += a.time == previous ? 1 : 0;
    }
  }
  // Segments 2 us apart with 50 us of jitter: most would overtake without the FIFO rule.
  EXPECT_GT(held, kCount / 2);
}

TEST(Network, JitterIsUniformBelowItsBound) {
  // Spaced wider than the jitter, so no segment is held back by the one before.
  constexpr int kCount = 20'000;
  const sim::Time gap = microseconds(60);
  const std::vector<Arrival> got = jittered_run(11, kCount, gap);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  double sum = 0;
  std::vector<int> deciles(10, 0);
  for (int i = 0; i < kCount; ++i) {
    const sim::Time extra = got[static_cast<std::size_t>(i)].time - gap * i - kSmallSegmentBase;
    ASSERT_GE(extra, 0);
    ASSERT_LT(extra, microseconds(50));
    sum += static_cast<double>(extra);
    ++deciles[static_cast<std::size_t>(extra / microseconds(5))];
  }
  // U[0, 50 us): mean 25 us, sd 14.4 us; the mean of 20000 has sd 0.102 us (allow 5 sd).
  EXPECT_NEAR(sum / kCount, 25'000.0, 510.0);
  // Each tenth holds 2000 +- 42 (sd); allow 5 sd.
  for (const int n : deciles) EXPECT_NEAR(n, 2000, 212);
}

TEST(Network, SameSeedGivesIdenticalArrivalsAndAnotherSeedDifferent) {
  const auto times = [](const std::vector<Arrival>& got) {
    std::vector<std::pair<sim::Time, std::uint32_t>> out;
    for (const Arrival& a : got) out.emplace_back(a.time, a.segment.seq);
    return out;
  };
  const sim::Time gap = microseconds(100);
  const auto first = times(jittered_run(42, 2000, gap, 0.05));
  const auto again = times(jittered_run(42, 2000, gap, 0.05));
  const auto other = times(jittered_run(43, 2000, gap, 0.05));
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  // Spaced wider than the jitter, so the difference is not only in which segments were lost.
  const auto no_loss_a = times(jittered_run(42, 100, gap));
  const auto no_loss_b = times(jittered_run(43, 100, gap));
  ASSERT_EQ(no_loss_a.size(), no_loss_b.size());
  int differ = 0;
  for (std::size_t i = 0; i < no_loss_a.size(); ++i) differ += no_loss_a[i] != no_loss_b[i];
  EXPECT_GT(differ, 90);
}

TEST(Network, TrafficOnOneRouteLeavesTheDrawsOfAnotherUnchanged) {
  auto run = [](bool with_other_traffic) {
    sim::Simulator simulator;
    Topology topo;
    const NodeId a = topo.add_host("a", {ip("10.0.0.1")});
    const NodeId b = topo.add_host("b", {ip("10.0.0.2")});
    const NodeId c = topo.add_host("c", {ip("10.0.0.3")});
    const NodeId s = topo.add_switch("s");
    for (const NodeId h : {a, b, c}) {
      topo.add_link(h, s, LinkParams{microseconds(10), microseconds(30), 0.2, 0});
    }
    Network net(simulator, topo, NetworkOptions{5});
    Recorder at_b(simulator);
    Recorder at_c(simulator);
    net.attach(ip("10.0.0.2"), at_b);
    net.attach(ip("10.0.0.3"), at_c);
    for (std::uint32_t i = 0; i < 500; ++i) {
      simulator.run_until(microseconds(100) * i);
      if (with_other_traffic) net.send(segment(ip("10.0.0.1"), ip("10.0.0.3"), i));
      net.send(segment(ip("10.0.0.1"), ip("10.0.0.2"), i));
    }
    simulator.run();
    std::vector<std::pair<sim::Time, std::uint32_t>> out;
    for (const Arrival& x : at_b.got) out.emplace_back(x.time, x.segment.seq);
    return out;
  };
  EXPECT_EQ(run(false), run(true));
}

TEST(Network, CountsUnknownAndUnreachableDestinationsAsNoRoute) {
  sim::Simulator simulator;
  Topology topo;
  const NodeId a = topo.add_host("a", {ip("10.0.0.1")});
  const NodeId b = topo.add_host("b", {ip("10.0.0.2")});
  topo.add_host("island", {ip("10.0.0.3")});
  const NodeId s = topo.add_switch("s");
  topo.add_link(a, s, LinkParams{1, 0, 0.0, 0});
  topo.add_link(b, s, LinkParams{1, 0, 0.0, 0});
  Network net(simulator, topo);
  Recorder rec(simulator);
  net.attach(ip("10.0.0.3"), rec);
  net.send(segment(ip("10.0.0.1"), ip("10.9.9.9"), 1));  // nobody owns it
  net.send(segment(ip("10.0.0.1"), ip("10.9.9.9"), 2));
  net.send(segment(ip("10.0.0.1"), ip("10.0.0.3"), 3));  // owned, but no path
  net.send(segment(ip("10.0.0.1"), ip("10.0.0.3"), 4));
  net.send(segment(ip("10.0.0.1"), ip("10.0.0.3"), 5));
  EXPECT_EQ(simulator.pending(), 0U);
  EXPECT_EQ(net.sent(), 5U);
  EXPECT_EQ(net.dropped_unknown_address(), 2U);
  EXPECT_EQ(net.dropped_unreachable(), 3U);
  EXPECT_EQ(net.dropped_no_route(), 5U);
  EXPECT_EQ(net.delivered(), 0U);
  EXPECT_EQ(net.in_flight(), 0U);
  EXPECT_TRUE(rec.got.empty());
}

TEST(Network, DropsSegmentsForAnAddressWithNoReceiver) {
  ThreeHops n;
  n.net->send(segment(ip("10.0.0.2"), ip("10.0.1.1"), 1));  // a's second address: no receiver
  n.net->detach(ip("10.0.0.2"));
  n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), 2));
  EXPECT_EQ(n.net->in_flight(), 2U);
  n.sim.run();
  EXPECT_EQ(n.net->dropped_no_receiver(), 2U);
  EXPECT_EQ(n.net->delivered(), 0U);
  EXPECT_EQ(n.net->dropped_no_route(), 0U);
  EXPECT_TRUE(n.at_a.got.empty());
  EXPECT_TRUE(n.at_b.got.empty());
}

TEST(Network, RejectsBadAttachmentsAndUnknownSources) {
  ThreeHops n;
  Recorder other(n.sim);
  EXPECT_THROW(n.net->attach(ip("10.0.0.1"), other), std::invalid_argument);  // taken
  EXPECT_THROW(n.net->attach(ip("10.5.5.5"), other), std::invalid_argument);  // nobody's
  EXPECT_THROW(n.net->attach_loopback(2, other), std::invalid_argument);      // a switch
  EXPECT_THROW(n.net->send(segment(ip("10.5.5.5"), ip("10.0.0.2"), 1)), std::invalid_argument);
  EXPECT_THROW(n.net->send(segment(ip("127.0.0.1"), ip("10.0.0.2"), 1)), std::invalid_argument);
  EXPECT_THROW(n.net->send(segment(ip("127.0.0.1"), ip("127.0.0.1"), 1)), std::invalid_argument);
  EXPECT_EQ(n.net->sent(), 0U);
  EXPECT_EQ(n.sim.pending(), 0U);
}

TEST(Network, DeliversToTheSendingHostAfterTheLocalLatency) {
  ThreeHops n;
  Recorder loopback_a(n.sim);
  Recorder loopback_b(n.sim);
  n.net->attach_loopback(n.a, loopback_a);
  n.net->attach_loopback(n.b, loopback_b);
  n.sim.run_until(milliseconds(3));
  n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.1"), 1, 5000));  // own address
  n.net->send(segment(ip("10.0.1.1"), ip("10.0.0.1"), 2, 5000));  // another own address
  n.net->send_from(n.a, segment(ip("127.0.0.1"), ip("127.0.0.1"), 3));
  n.net->send_from(n.b, segment(ip("127.0.0.1"), ip("127.0.0.2"), 4));
  n.net->send(segment(ip("10.0.0.2"), ip("127.0.0.1"), 5));           // source names host b
  n.net->send_from(n.b, segment(ip("10.0.0.2"), ip("10.0.0.1"), 6));  // not loopback: routed
  n.sim.run();
  const sim::Time local = milliseconds(3) + NetworkOptions{}.local_latency;
  EXPECT_EQ(NetworkOptions{}.local_latency, microseconds(10));
  EXPECT_EQ(n.at_a.times(),
            (std::vector<sim::Time>{local, local, milliseconds(3) + microseconds(140) + 3520}));
  EXPECT_EQ(n.at_a.got[0].segment.seq, 1U);
  EXPECT_EQ(n.at_a.got[1].segment.seq, 2U);
  EXPECT_EQ(n.at_a.got[2].segment.seq, 6U);
  ASSERT_EQ(loopback_a.got.size(), 1U);
  EXPECT_EQ(loopback_a.got[0].segment.seq, 3U);
  EXPECT_EQ(loopback_a.got[0].time, local);
  ASSERT_EQ(loopback_b.got.size(), 2U);
  EXPECT_EQ(loopback_b.got[0].segment.seq, 4U);
  EXPECT_EQ(loopback_b.got[1].segment.seq, 5U);
  EXPECT_EQ(n.net->delivered(), 6U);
}

TEST(Network, LocalLatencyIsConfigurable) {
  ThreeHops n(LinkParams{microseconds(100), 0, 0.0, 0}, NetworkOptions{0, 0});
  n.sim.run_until(microseconds(7));
  n.net->send(segment(ip("10.0.1.1"), ip("10.0.0.1"), 1));
  EXPECT_TRUE(n.at_a.got.empty());  // delivered by an event, never from inside send()
  n.sim.run();
  EXPECT_EQ(n.at_a.times(), std::vector<sim::Time>{microseconds(7)});
}

// Keeps `window` segments in flight: every arrival sends the next one back.
struct Echo : SegmentReceiver {
  Network* net = nullptr;
  std::uint32_t remaining = 0;
  std::uint64_t received = 0;
  void receive(const Segment& s) override {
    ++received;
    if (remaining == 0) return;
    --remaining;
    Segment reply = s;
    std::swap(reply.src, reply.dst);
    ++reply.seq;
    net->send(reply);
  }
};

TEST(Network, ReusesPoolSlotsSoThePoolStaysAtThePeakInFlight) {
  ThreeHops n(LinkParams{microseconds(100), microseconds(80), 0.0, 0});
  Echo echo_a;
  Echo echo_b;
  n.net->detach(ip("10.0.0.1"));
  n.net->detach(ip("10.0.0.2"));
  n.net->attach(ip("10.0.0.1"), echo_a);
  n.net->attach(ip("10.0.0.2"), echo_b);
  constexpr std::uint32_t kWindow = 64;
  constexpr std::uint32_t kTotal = 100'000;
  echo_a.net = echo_b.net = n.net.get();
  echo_a.remaining = (kTotal - kWindow) / 2;
  echo_b.remaining = (kTotal - kWindow) / 2;
  for (std::uint32_t i = 0; i < kWindow; ++i) {
    n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), i * 1000, 100));
  }
  EXPECT_EQ(n.net->pool_capacity(), kWindow);
  n.sim.run();
  EXPECT_EQ(n.net->sent(), kTotal);
  EXPECT_EQ(n.net->delivered(), kTotal);
  EXPECT_EQ(echo_a.received + echo_b.received, kTotal);
  EXPECT_EQ(n.net->in_flight(), 0U);
  EXPECT_EQ(n.net->pool_capacity(), kWindow);
}

// A receiver that sends a burst from inside receive() grows the pool under the segment
// being delivered; the delivered copy must stay intact.
struct Burst : SegmentReceiver {
  Network* net = nullptr;
  std::vector<std::uint32_t> seen;
  void receive(const Segment& s) override {
    for (std::uint32_t i = 0; i < 100 && s.seq == 0; ++i) {
      net->send(segment(s.dst.address, s.src.address, 1000 + i));
    }
    seen.push_back(s.seq);
    seen.push_back(s.ack);
  }
};

TEST(Network, AReceiverMaySendFromInsideReceive) {
  ThreeHops n;
  Burst burst;
  burst.net = n.net.get();
  n.net->detach(ip("10.0.0.2"));
  n.net->attach(ip("10.0.0.2"), burst);
  Segment first = segment(ip("10.0.0.1"), ip("10.0.0.2"), 0);
  first.ack = 4242;
  n.net->send(first);
  n.sim.run();
  ASSERT_EQ(burst.seen.size(), 2U);
  EXPECT_EQ(burst.seen[1], 4242U);
  ASSERT_EQ(n.at_a.got.size(), 100U);
  for (std::uint32_t i = 0; i < 100; ++i) EXPECT_EQ(n.at_a.got[i].segment.seq, 1000 + i);
  EXPECT_EQ(n.net->pool_capacity(), 100U);
}

TEST(Network, CountersAddUp) {
  ThreeHops n(LinkParams{microseconds(100), microseconds(10), 0.3, 0});
  n.net->detach(ip("10.0.0.1"));
  for (std::uint32_t i = 0; i < 3000; ++i) {
    n.net->send(segment(ip("10.0.0.1"), ip("10.0.0.2"), i));
    n.net->send(segment(ip("10.0.0.2"), ip("10.0.0.1"), i));  // no receiver
    if (i % 10 == 0) n.net->send(segment(ip("10.0.0.2"), ip("10.7.0.1"), i));
  }
  auto check = [&n] {
    const Network& net = *n.net;
    EXPECT_EQ(net.sent(), net.delivered() + net.lost() + net.dropped_no_route() +
                              net.dropped_no_receiver() + net.in_flight());
  };
  check();
  EXPECT_GT(n.net->in_flight(), 0U);
  n.sim.run();
  check();
  EXPECT_EQ(n.net->sent(), 6300U);
  EXPECT_EQ(n.net->dropped_no_route(), 300U);
  EXPECT_EQ(n.net->delivered(), n.at_b.got.size());
  EXPECT_GT(n.net->lost(), 0U);
  EXPECT_GT(n.net->dropped_no_receiver(), 0U);
}

}  // namespace
}  // namespace tcpsim::net
