// SO_KEEPALIVE after Linux's tcp_keepalive_timer(): probes at the idle time, answered by a
// live peer; a vanished peer's connection reset after idle + probes x interval.
#include <gtest/gtest.h>

#include <vector>

#include "models/tcp/tcp_stack.h"
#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::tcp {
namespace {

using testing::ip;
using testing::TwoHosts;
using S = TcpState;
constexpr sim::Time kUs = sim::kMicrosecond;
constexpr sim::Time kS = sim::kSecond;

// Keepalive probes sent from `from`: pure ACKs one below what the peer has acknowledged, on
// a connection that sent nothing else (the ISN, SND.UNA - 1).
std::vector<sim::Time> probes(const testing::Wire& wire, net::Endpoint from) {
  std::vector<sim::Time> out;
  std::uint32_t iss = 0;
  bool seen_syn = false;
  for (const auto& [t, seg] : wire.log) {
    if (seg.src != from) continue;
    if (seg.syn()) {
      iss = seg.seq;
      seen_syn = true;
    } else if (seen_syn && seg.flags == net::kAck && seg.len == 0 && seg.seq == iss) {
      out.push_back(t);
    }
  }
  return out;
}

std::vector<sim::Time> resets(const testing::Wire& wire, net::Endpoint from) {
  return wire.times_sent(from, [](const net::Segment& s) { return s.rst(); });
}

// A client connection with SO_KEEPALIVE, established at 100 us (round trip 100 us).
SocketId connect_with_keepalive(TwoHosts& h, Keepalive k) {
  h.listen(80);
  const SocketId c = h.client.socket(h.client_app).socket;
  h.client.options(c).keepalive = k;
  EXPECT_EQ(h.client.connect(c, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  return c;
}

constexpr Keepalive kFast{.enabled = true, .probes = 3, .idle_s = 60, .intvl_s = 10};

TEST(TcpKeepalive, ALivePeerAnswersEveryProbeAndTheConnectionStays) {
  TwoHosts h;
  const SocketId c = connect_with_keepalive(h, kFast);
  h.run_for(200 * kS);
  const net::Endpoint client_end = h.client.tuple(c).local;
  // Each answer restarts the idle time: the next probe is due 60 s after it.
  EXPECT_EQ(
      probes(h.wire, client_end),
      (std::vector<sim::Time>{60 * kS + 100 * kUs, 120 * kS + 200 * kUs, 180 * kS + 300 * kUs}));
  EXPECT_EQ(h.client.state(c), S::kEstablished);
  EXPECT_EQ(h.server.count(S::kEstablished), 1U);
  EXPECT_EQ(h.client.counters().keepalive_probes, 3U);
  EXPECT_EQ(h.server.counters().keepalive_probes, 0U);
  EXPECT_TRUE(h.client_app.errors.empty());
  EXPECT_EQ(h.client.check_invariants(), "");
}

TEST(TcpKeepalive, AVanishedPeerIsResetAfterIdlePlusProbesTimesInterval) {
  TwoHosts h;
  const SocketId c = connect_with_keepalive(h, kFast);
  h.run_for(1 * kS);
  const net::FourTuple tuple = h.client.tuple(c);
  h.server.crash();
  h.run_for(200 * kS);
  EXPECT_EQ(
      probes(h.wire, tuple.local),
      (std::vector<sim::Time>{60 * kS + 100 * kUs, 70 * kS + 100 * kUs, 80 * kS + 100 * kUs}));
  // tcp_keepalive_timer(): a reset to the peer, then ETIMEDOUT.
  EXPECT_EQ(resets(h.wire, tuple.local), (std::vector<sim::Time>{90 * kS + 100 * kUs}));
  EXPECT_EQ(h.client_app.errors,
            (std::vector<std::pair<SocketId, SocketError>>{{c, SocketError::kEtimedout}}));
  EXPECT_EQ(h.client_log.of(tuple),
            (std::vector<S>{S::kClosed, S::kSynSent, S::kEstablished, S::kClosed}));
  const TcpCounters& k = h.client.counters();
  EXPECT_EQ(k.keepalive_probes, 3U);
  EXPECT_EQ(k.abort_on_timeout, 1U);
  EXPECT_EQ(k.estab_resets, 1U);
  EXPECT_EQ(k.out_rsts, 1U);
  EXPECT_EQ(k.retrans_segs, 0U);
}

// Linux's defaults: 7200 s idle, then 9 probes 75 s apart.
TEST(TcpKeepalive, TheHostSettingsApplyWhereTheSocketSetsNone) {
  TwoHosts h;
  const SocketId c = connect_with_keepalive(h, Keepalive{.enabled = true});
  h.run_for(1 * kS);
  const net::Endpoint client_end = h.client.tuple(c).local;
  h.server.crash();
  h.run_for(9000 * kS);
  const std::vector<sim::Time> sent = probes(h.wire, client_end);
  ASSERT_EQ(sent.size(), 9U);
  EXPECT_EQ(sent.front(), 7200 * kS + 100 * kUs);
  EXPECT_EQ(sent.back(), (7200 + 8 * 75) * kS + 100 * kUs);
  EXPECT_EQ(resets(h.wire, client_end), (std::vector<sim::Time>{7875 * kS + 100 * kUs}));
  EXPECT_EQ(h.client_app.errors.size(), 1U);
}

// The peer came back: the probe meets no socket and is answered with a reset.
TEST(TcpKeepalive, ARestartedPeerResetsTheFirstProbe) {
  TwoHosts h;
  const SocketId c = connect_with_keepalive(h, kFast);
  h.run_for(1 * kS);
  const net::Endpoint client_end = h.client.tuple(c).local;
  h.server.crash();
  h.run_for(29 * kS);
  h.server.restart();
  h.run_for(100 * kS);
  EXPECT_EQ(probes(h.wire, client_end), (std::vector<sim::Time>{60 * kS + 100 * kUs}));
  EXPECT_EQ(resets(h.wire, {ip(10, 0, 0, 2), 80}), (std::vector<sim::Time>{60 * kS + 150 * kUs}));
  EXPECT_EQ(h.client_app.errors,
            (std::vector<std::pair<SocketId, SocketError>>{{c, SocketError::kEconnreset}}));
  EXPECT_EQ(h.client.counters().keepalive_probes, 1U);
  EXPECT_EQ(h.client.counters().abort_on_timeout, 0U);
  EXPECT_EQ(h.client.counters().estab_resets, 1U);
}

// tcp_set_keepalive(): set on an established socket, the first probe is due the idle time
// after the setsockopt(), the connection having been idle longer than that by then.
TEST(TcpKeepalive, SetOnAnEstablishedSocketTheTimerStartsAtOnce) {
  TwoHosts h;
  const SocketId c = connect_with_keepalive(h, Keepalive{});
  h.run_for(5 * kS);
  h.client.set_keepalive(c, kFast);
  h.run_for(125 * kS);
  EXPECT_EQ(probes(h.wire, h.client.tuple(c).local),
            (std::vector<sim::Time>{65 * kS, 125 * kS + 100 * kUs}));
}

// Accepted sockets inherit SO_KEEPALIVE from their listener; the server finds its crashed
// client dead.
TEST(TcpKeepalive, AcceptedSocketsInheritItFromTheListener) {
  TwoHosts h;
  const SocketId l = h.listen(80);
  h.server.set_keepalive(l, Keepalive{.enabled = true, .probes = 2, .idle_s = 30, .intvl_s = 5});
  h.connect(80);
  h.run_for(1 * kS);
  ASSERT_EQ(h.server_app.accepted.size(), 1U);
  const SocketId s = h.server_app.accepted[0];
  const net::FourTuple tuple = h.server.tuple(s);
  h.client.crash();
  h.run_for(100 * kS);
  // The server's side is established when the final ACK arrives, at 150 us.
  EXPECT_EQ(probes(h.wire, tuple.local),
            (std::vector<sim::Time>{30 * kS + 150 * kUs, 35 * kS + 150 * kUs}));
  EXPECT_EQ(h.server_app.errors,
            (std::vector<std::pair<SocketId, SocketError>>{{s, SocketError::kEtimedout}}));
  EXPECT_EQ(h.server.count(S::kListen), 1U);
  EXPECT_EQ(h.server.counters().abort_on_timeout, 1U);
}

// The timer of a socket without SO_KEEPALIVE never runs: nothing is sent on an idle
// connection.
TEST(TcpKeepalive, OffByDefault) {
  TwoHosts h;
  h.listen(80);
  h.connect(80);
  h.run_for(10000 * kS);
  EXPECT_EQ(h.wire.log.size(), 3U);
  EXPECT_EQ(h.client.counters().keepalive_probes, 0U);
}

}  // namespace
}  // namespace tcpsim::tcp
