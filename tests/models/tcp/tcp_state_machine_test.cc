#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "models/tcp/tcp_stack.h"
#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::tcp {
namespace {

using testing::ip;
using testing::TwoHosts;
using S = TcpState;
using States = std::vector<TcpState>;
constexpr sim::Time kMs = sim::kMillisecond;
constexpr sim::Time kS = sim::kSecond;

net::FourTuple server_side(const net::FourTuple& client) { return client.reversed(); }

TEST(TcpStateMachine, ClientClosesFirst) {
  TwoHosts h;
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](SocketId s) { h.server.close(s); };
  const SocketId c = h.connect(80);
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.close(s); };
  h.run_for(1 * kS);
  const net::FourTuple t = h.client.tuple(c);
  EXPECT_EQ(h.client_log.of(t), (States{S::kClosed, S::kSynSent, S::kEstablished, S::kFinWait1,
                                        S::kFinWait2, S::kTimeWait}));
  EXPECT_EQ(h.server_log.of(server_side(t)), (States{S::kListen, S::kSynReceived, S::kEstablished,
                                                     S::kCloseWait, S::kLastAck, S::kClosed}));
  EXPECT_EQ(h.client.count(S::kTimeWait), 1U);
  EXPECT_EQ(h.client.fds_in_use(), 0U);  // TIME_WAIT holds no descriptor
  EXPECT_EQ(h.client.ports_in_use(), 1U);
  h.run_for(59 * kS);
  EXPECT_EQ(h.client.count(S::kTimeWait), 1U);
  h.run_for(3 * kS);  // 60 s after entering TIME_WAIT, rounded up by the timer wheel
  EXPECT_EQ(h.client.count(S::kTimeWait), 0U);
  EXPECT_EQ(h.client_log.of(t).back(), S::kClosed);
  EXPECT_EQ(h.client.ports_in_use(), 0U);
  EXPECT_EQ(h.client.check_invariants(), "");
  EXPECT_EQ(h.server.check_invariants(), "");
}

TEST(TcpStateMachine, TimeWaitLastsExactlySixtySecondsWithExactTimers) {
  KernelSettings exact = KernelSettings::linux_defaults();
  exact.hz = 0;
  TwoHosts h(exact);
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](SocketId s) { h.server.close(s); };
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.close(s); };
  sim::Time entered = -1;
  sim::Time left = -1;
  h.client.on_state_change().connect([&](const net::FourTuple&, TcpState, TcpState to) {
    if (to == S::kTimeWait) entered = h.sim.now();
    if (to == S::kClosed) left = h.sim.now();
  });
  h.connect(80);
  h.run_for(120 * kS);
  ASSERT_GE(entered, 0);
  EXPECT_EQ(left - entered, 60 * kS);
}

TEST(TcpStateMachine, EverySubscriberHearsEachChangeWithTheCountsAlreadyMoved) {
  TwoHosts h;
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](SocketId s) { h.server.close(s); };
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.close(s); };
  struct Heard {
    S from;
    S to;
    std::uint32_t in_from;
    std::uint32_t in_to;
    std::uint32_t total;
    bool operator==(const Heard&) const = default;
  };
  std::vector<Heard> first;
  std::vector<Heard> second;
  auto listen_into = [&](std::vector<Heard>& heard) {
    h.client.on_state_change().connect([&h, &heard](const net::FourTuple&, S from, S to) {
      std::uint32_t total = 0;
      for (const std::uint32_t n : h.client.state_counts()) total += n;
      heard.push_back({from, to, h.client.count(from), h.client.count(to), total});
    });
  };
  listen_into(first);
  listen_into(second);
  h.connect(80);
  h.run_for(70 * kS);
  // The socket leaves CLOSED, and the TIME_WAIT record, when it goes, is counted nowhere.
  const std::vector<Heard> expected{
      {S::kClosed, S::kSynSent, 0, 1, 1},       {S::kSynSent, S::kEstablished, 0, 1, 1},
      {S::kEstablished, S::kFinWait1, 0, 1, 1}, {S::kFinWait1, S::kFinWait2, 0, 1, 1},
      {S::kFinWait2, S::kTimeWait, 0, 1, 1},    {S::kTimeWait, S::kClosed, 0, 0, 0}};
  EXPECT_EQ(first, expected);
  EXPECT_EQ(second, expected);
  EXPECT_EQ(h.client.check_invariants(), "");
}

TEST(TcpStateMachine, ServerClosesFirstLeavesTimeWaitOnTheServer) {
  TwoHosts h;
  h.listen(80);
  h.server_app.then_on_accepted = [&](SocketId s) { h.server.close(s); };
  h.client_app.then_on_peer_closed = [&](SocketId s) { h.client.close(s); };
  const SocketId c = h.connect(80);
  h.run_for(1 * kS);
  const net::FourTuple t = h.client.tuple(c);
  EXPECT_EQ(h.client_log.of(t), (States{S::kClosed, S::kSynSent, S::kEstablished, S::kCloseWait,
                                        S::kLastAck, S::kClosed}));
  EXPECT_EQ(h.server_log.of(server_side(t)), (States{S::kListen, S::kSynReceived, S::kEstablished,
                                                     S::kFinWait1, S::kFinWait2, S::kTimeWait}));
  EXPECT_EQ(h.server.count(S::kTimeWait), 1U);
  EXPECT_EQ(h.client.count(S::kTimeWait), 0U);
  EXPECT_EQ(h.client.ports_in_use(), 0U);
}

TEST(TcpStateMachine, SimultaneousOpen) {
  TwoHosts h;
  const SocketId a = h.client.socket(h.client_app).socket;
  const SocketId b = h.server.socket(h.server_app).socket;
  ASSERT_EQ(h.client.bind(a, {ip(10, 0, 0, 1), 5000}), SocketError::kOk);
  ASSERT_EQ(h.server.bind(b, {ip(10, 0, 0, 2), 6000}), SocketError::kOk);
  ASSERT_EQ(h.client.connect(a, {ip(10, 0, 0, 2), 6000}), SocketError::kOk);
  ASSERT_EQ(h.server.connect(b, {ip(10, 0, 0, 1), 5000}), SocketError::kOk);
  h.run_for(1 * kS);
  const States expected{S::kClosed, S::kSynSent, S::kSynReceived, S::kEstablished};
  EXPECT_EQ(h.client_log.of(h.client.tuple(a)), expected);
  EXPECT_EQ(h.server_log.of(h.server.tuple(b)), expected);
  ASSERT_EQ(h.client_app.connected.size(), 1U);
  EXPECT_EQ(h.client_app.connected[0].second, SocketError::kOk);
  ASSERT_EQ(h.server_app.connected.size(), 1U);
  EXPECT_EQ(h.server_app.connected[0].second, SocketError::kOk);
}

TEST(TcpStateMachine, SimultaneousCloseGoesThroughClosing) {
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.connect(80);
  h.run_for(1 * kS);
  ASSERT_EQ(h.server_app.accepted.size(), 1U);
  const SocketId s = h.server_app.accepted[0];
  h.client.close(c);
  h.server.close(s);  // both FINs cross on the wire
  const net::FourTuple t = h.client.tuple(c);
  h.run_for(1 * kS);
  EXPECT_EQ(h.client_log.of(t), (States{S::kClosed, S::kSynSent, S::kEstablished, S::kFinWait1,
                                        S::kClosing, S::kTimeWait}));
  EXPECT_EQ(h.server_log.of(server_side(t)), (States{S::kListen, S::kSynReceived, S::kEstablished,
                                                     S::kFinWait1, S::kClosing, S::kTimeWait}));
  EXPECT_EQ(h.client.count(S::kTimeWait), 1U);
  EXPECT_EQ(h.server.count(S::kTimeWait), 1U);
}

TEST(TcpStateMachine, HalfCloseKeepsReceiving) {
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.connect(80);
  h.run_for(1 * kS);
  const SocketId s = h.server_app.accepted.at(0);
  ASSERT_EQ(h.client.shutdown_write(c), SocketError::kOk);
  h.run_for(1 * kS);
  EXPECT_EQ(h.client.state(c), S::kFinWait2);
  EXPECT_EQ(h.server.state(s), S::kCloseWait);
  // No timer for a FIN_WAIT_2 whose application still holds it (linux-tcp.md 3.2).
  ASSERT_EQ(h.server.send(s, 5000), SocketError::kOk);
  h.run_for(10 * 60 * kS);
  EXPECT_EQ(h.client.state(c), S::kFinWait2);
  EXPECT_EQ(h.client_app.bytes_received, 5000U);
  h.server.close(s);
  h.run_for(1 * kS);
  EXPECT_EQ(h.client.count(S::kTimeWait), 1U);
  EXPECT_EQ(h.client.state(c), S::kClosed);  // the application still holds it
  EXPECT_EQ(h.client.fds_in_use(), 1U);
  h.client.close(c);
  EXPECT_EQ(h.client.fds_in_use(), 0U);
  EXPECT_EQ(h.client.check_invariants(), "");
}

TEST(TcpStateMachine, ResetToAClosedPortIsRefusedAtOnce) {
  TwoHosts h;
  const SocketId c = h.connect(81);
  h.run_for(1 * kS);
  ASSERT_EQ(h.client_app.connected.size(), 1U);
  EXPECT_EQ(h.client_app.connected[0].second, SocketError::kEconnrefused);
  EXPECT_EQ(h.client_log.of(h.client.tuple(c)), (States{S::kClosed, S::kSynSent, S::kClosed}));
  // SYN out, RST back: one round trip.
  ASSERT_EQ(h.wire.log.size(), 2U);
  EXPECT_TRUE(h.wire.log[1].second.rst());
  EXPECT_EQ(h.client.ports_in_use(), 0U);
  EXPECT_EQ(h.client.counters().attempt_fails, 1U);
}

std::vector<double> syn_times(const TwoHosts& h) {
  std::vector<double> t;
  for (const auto& [time, seg] : h.wire.log) {
    if (seg.syn() && !seg.ack_flag()) t.push_back(sim::to_seconds(time));
  }
  return t;
}

TEST(TcpStateMachine, LostSynsTimeOutAtLinuxTimes) {
  TwoHosts h;
  h.wire.drop = [](const net::Segment&) { return true; };
  sim::Time failed_at = -1;
  h.client_app.then_on_connected = [&](SocketId, SocketError e) {
    EXPECT_EQ(e, SocketError::kEtimedout);
    failed_at = h.sim.now();
  };
  h.connect(80);
  h.run_for(300 * kS);
  EXPECT_EQ(syn_times(h), (std::vector<double>{0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67}));
  EXPECT_EQ(failed_at, 131 * kS);
}

TEST(TcpStateMachine, SyncntTwoGivesUpAtSevenSeconds) {
  TwoHosts h;
  h.wire.drop = [](const net::Segment&) { return true; };
  sim::Time failed_at = -1;
  h.client_app.then_on_connected = [&](SocketId, SocketError) { failed_at = h.sim.now(); };
  const SocketId c = h.client.socket(h.client_app).socket;
  h.client.options(c).syncnt = 2;
  ASSERT_EQ(h.client.connect(c, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  h.run_for(60 * kS);
  EXPECT_EQ(syn_times(h), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(failed_at, 7 * kS);
}

TEST(TcpStateMachine, SyncntThreeGivesUpAfterSevenRetransmissions) {
  TwoHosts h;
  h.wire.drop = [](const net::Segment&) { return true; };
  sim::Time failed_at = -1;
  h.client_app.then_on_connected = [&](SocketId, SocketError) { failed_at = h.sim.now(); };
  const SocketId c = h.client.socket(h.client_app).socket;
  h.client.options(c).syncnt = 3;
  ASSERT_EQ(h.client.connect(c, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  h.run_for(60 * kS);
  EXPECT_EQ(syn_times(h).size(), 8U);
  EXPECT_EQ(failed_at, 19 * kS);
}

TEST(TcpStateMachine, OrphanedFinWait2GoesAfterFinTimeout) {
  KernelSettings settings = KernelSettings::linux_defaults();
  settings.tcp_fin_timeout = 10 * kS;
  TwoHosts h(settings);
  h.listen(80);  // the server never closes
  const SocketId c = h.connect(80);
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.close(s); };
  h.run_for(1 * kS);
  const net::FourTuple t = h.client.tuple(c);
  EXPECT_EQ(h.client.count(S::kFinWait2), 1U);
  EXPECT_EQ(h.client.ports_in_use(), 1U);  // the record holds the port
  EXPECT_EQ(h.server.count(S::kCloseWait), 1U);
  h.run_for(9 * kS);
  EXPECT_EQ(h.client.count(S::kFinWait2), 1U);
  h.run_for(1 * kS);
  EXPECT_EQ(h.client.count(S::kFinWait2), 0U);
  EXPECT_EQ(h.client.ports_in_use(), 0U);
  EXPECT_EQ(h.client_log.of(t), (States{S::kClosed, S::kSynSent, S::kEstablished, S::kFinWait1,
                                        S::kFinWait2, S::kClosed}));
  // The leak stays: CLOSE_WAIT has no timeout.
  h.run_for(3600 * kS);
  EXPECT_EQ(h.server.count(S::kCloseWait), 1U);
  EXPECT_EQ(h.server.fds_in_use(), 2U);  // listener + leaked connection
}

TEST(TcpStateMachine, LingerZeroResetsWithoutTimeWait) {
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.connect(80);
  h.client_app.then_on_connected = [&](SocketId s, SocketError) {
    h.client.options(s).linger_zero = true;
    h.client.close(s);
  };
  h.run_for(1 * kS);
  const net::FourTuple t = h.client.tuple(c);
  EXPECT_EQ(h.client_log.of(t), (States{S::kClosed, S::kSynSent, S::kEstablished, S::kClosed}));
  EXPECT_EQ(h.client.count(S::kTimeWait), 0U);
  EXPECT_EQ(h.server.count(S::kTimeWait), 0U);
  EXPECT_EQ(h.client.ports_in_use(), 0U);
  ASSERT_EQ(h.server_app.errors.size(), 1U);
  EXPECT_EQ(h.server_app.errors[0].second, SocketError::kEconnreset);
  EXPECT_EQ(h.server.state(h.server_app.accepted.at(0)), S::kClosed);
  EXPECT_EQ(h.client.counters().abort_on_data, 1U);
}

// Brings a connection to `target` on the side named, then sends that side a
// RST at exactly RCV.NXT, as the peer would.
struct ResetCase {
  const char* name;
  TcpState target;
};

class ResetInState : public ::testing::TestWithParam<ResetCase> {};

TEST_P(ResetInState, AcceptsAResetAtRcvNxt) {
  const TcpState target = GetParam().target;
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.connect(80);
  h.run_for(1 * kS);
  const SocketId s = h.server_app.accepted.at(0);
  // The client's view is driven into the target state.
  switch (target) {
    case S::kEstablished:
      break;
    case S::kFinWait1:
      h.wire.drop = [](const net::Segment& seg) { return seg.fin(); };
      h.client.shutdown_write(c);
      break;
    case S::kFinWait2:
      h.client.shutdown_write(c);
      break;
    case S::kCloseWait:
      h.server.close(s);
      break;
    case S::kClosing:
      // Both FINs cross; the server's ACK of ours is lost.
      h.client.shutdown_write(c);
      h.server.close(s);
      h.wire.drop = [](const net::Segment& seg) {
        return !seg.fin() && seg.ack_flag() && seg.len == 0 && seg.src.port == 80;
      };
      break;
    case S::kLastAck:
      h.wire.drop = [](const net::Segment& seg) { return seg.src.port != 80 && seg.fin(); };
      h.server.close(s);
      h.run_for(1 * kS);
      h.client.shutdown_write(c);
      break;
    default:
      FAIL();
  }
  h.run_for(100 * kMs);
  ASSERT_EQ(h.client.state(c), target);
  const net::FourTuple t = h.client.tuple(c);
  // The peer's next sequence number is the client's RCV.NXT.
  const std::vector<net::Segment> from_server = h.wire.sent_by(t.remote);
  ASSERT_FALSE(from_server.empty());
  const net::Segment& last = from_server.back();
  net::Segment rst;
  rst.src = t.remote;
  rst.dst = t.local;
  rst.seq = last.seq + last.seg_len();
  rst.flags = net::kRst;
  h.wire.drop = nullptr;
  h.client.receive(rst);
  EXPECT_EQ(h.client.state(c), S::kClosed);
  EXPECT_EQ(h.client_log.of(t).back(), S::kClosed);
  EXPECT_EQ(h.client.ports_in_use(), 0U);
  if (target == S::kEstablished || target == S::kCloseWait || target == S::kFinWait1 ||
      target == S::kFinWait2) {
    ASSERT_EQ(h.client_app.errors.size(), 1U);
    EXPECT_EQ(h.client_app.errors[0].second, SocketError::kEconnreset);
  }
  EXPECT_EQ(h.client.check_invariants(), "");
}

INSTANTIATE_TEST_SUITE_P(Synchronized, ResetInState,
                         ::testing::Values(ResetCase{"Established", S::kEstablished},
                                           ResetCase{"FinWait1", S::kFinWait1},
                                           ResetCase{"FinWait2", S::kFinWait2},
                                           ResetCase{"CloseWait", S::kCloseWait},
                                           ResetCase{"Closing", S::kClosing},
                                           ResetCase{"LastAck", S::kLastAck}),
                         [](const ::testing::TestParamInfo<ResetCase>& p) { return p.param.name; });

TEST(TcpStateMachine, ResetOutsideRcvNxtDrawsAChallengeAck) {
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.connect(80);
  h.run_for(1 * kS);
  const net::FourTuple t = h.client.tuple(c);
  const net::Segment last = h.wire.sent_by(t.remote).back();
  net::Segment rst;
  rst.src = t.remote;
  rst.dst = t.local;
  rst.seq = last.seq + last.seg_len() + 100;  // in the window, not at RCV.NXT
  rst.flags = net::kRst;
  const std::size_t before = h.wire.log.size();
  h.client.receive(rst);
  EXPECT_EQ(h.client.state(c), S::kEstablished);
  ASSERT_EQ(h.wire.log.size(), before + 1);
  EXPECT_TRUE(h.wire.log.back().second.ack_flag());
  EXPECT_EQ(h.client.counters().challenge_acks, 1U);
}

TEST(TcpStateMachine, ResetInSynReceivedForgetsTheRequest) {
  TwoHosts h;
  h.listen(80);
  // The client's ACK of the SYN-ACK is lost, so the server stays in SYN_RECEIVED.
  h.wire.drop = [](const net::Segment& seg) {
    return seg.src.port != 80 && seg.ack_flag() && !seg.syn();
  };
  const SocketId c = h.connect(80);
  h.run_for(100 * kMs);
  const net::FourTuple t = h.client.tuple(c);
  EXPECT_EQ(h.server.count(S::kSynReceived), 1U);
  const net::Segment syn = h.wire.sent_by(t.local).front();
  net::Segment rst;
  rst.src = t.local;
  rst.dst = t.remote;
  rst.seq = syn.seq + 1;
  rst.flags = net::kRst;
  h.server.receive(rst);
  EXPECT_EQ(h.server.count(S::kSynReceived), 0U);
  EXPECT_EQ(h.server.count(S::kListen), 1U);
  EXPECT_EQ(h.server_log.of(server_side(t)), (States{S::kListen, S::kSynReceived, S::kClosed}));
}

TEST(TcpStateMachine, ResetKillsTimeWait) {
  TwoHosts h;
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](SocketId s) { h.server.close(s); };
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.close(s); };
  const SocketId c = h.connect(80);
  h.run_for(1 * kS);
  ASSERT_EQ(h.client.count(S::kTimeWait), 1U);
  const net::FourTuple t = h.client.tuple(c);
  const net::Segment fin = h.wire.sent_by(t.remote).back();
  net::Segment rst;
  rst.src = t.remote;
  rst.dst = t.local;
  rst.seq = fin.seq + fin.seg_len();
  rst.flags = net::kRst;
  h.client.receive(rst);
  EXPECT_EQ(h.client.count(S::kTimeWait), 0U);
  EXPECT_EQ(h.client.ports_in_use(), 0U);
}

TEST(TcpStateMachine, SynOnAnEstablishedConnectionDrawsAChallengeAck) {
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.connect(80);
  h.run_for(1 * kS);
  const net::FourTuple t = h.client.tuple(c);
  net::Segment syn;
  syn.src = t.local;
  syn.dst = t.remote;
  syn.seq = 12345;
  syn.flags = net::kSyn;
  h.server.receive(syn);
  EXPECT_EQ(h.server.counters().syn_challenge, 1U);
  EXPECT_EQ(h.server.state(h.server_app.accepted.at(0)), S::kEstablished);
  EXPECT_TRUE(h.wire.log.back().second.ack_flag());
  EXPECT_FALSE(h.wire.log.back().second.syn());
}

TEST(TcpStateMachine, NewSynOnServerTimeWaitOpensANewConnection) {
  TwoHosts h;
  h.listen(80);
  h.server_app.then_on_accepted = [&](SocketId s) { h.server.close(s); };
  h.client_app.then_on_peer_closed = [&](SocketId s) { h.client.close(s); };
  const SocketId c = h.client.socket(h.client_app).socket;
  ASSERT_EQ(h.client.bind(c, {ip(10, 0, 0, 1), 40000}), SocketError::kOk);
  ASSERT_EQ(h.client.connect(c, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  h.run_for(1 * kS);
  ASSERT_EQ(h.server.count(S::kTimeWait), 1U);
  ASSERT_EQ(h.client.ports_in_use(), 0U);
  // Same 4-tuple again, 1 s later: the ISN has moved on, so the server's
  // TIME_WAIT gives way (RFC 1122 4.2.2.13).
  h.server_app.then_on_accepted = nullptr;
  const SocketId d = h.client.socket(h.client_app).socket;
  ASSERT_EQ(h.client.bind(d, {ip(10, 0, 0, 1), 40000}), SocketError::kOk);
  ASSERT_EQ(h.client.connect(d, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  h.run_for(1 * kS);
  EXPECT_EQ(h.client.state(d), S::kEstablished);
  EXPECT_EQ(h.server.counters().tw_syn_accepted, 1U);
  EXPECT_EQ(h.server.count(S::kTimeWait), 0U);
  EXPECT_EQ(h.server.count(S::kEstablished), 1U);
}

TEST(TcpStateMachine, ReusedClientPortResetsAStaleCloseWait) {
  // linux-tcp.md 4: the client's SYN meets the server's leaked CLOSE_WAIT,
  // draws a challenge ACK, resets it and connects about 8 ms later.
  KernelSettings settings = KernelSettings::linux_defaults();
  settings.tcp_fin_timeout = 5 * kS;
  TwoHosts h(settings);
  h.listen(80);  // never closes
  const SocketId c = h.client.socket(h.client_app).socket;
  ASSERT_EQ(h.client.bind(c, {ip(10, 0, 0, 1), 40000}), SocketError::kOk);
  ASSERT_EQ(h.client.connect(c, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.close(s); };
  h.run_for(10 * kS);  // the client's FIN_WAIT_2 record is gone
  ASSERT_EQ(h.server.count(S::kCloseWait), 1U);
  ASSERT_EQ(h.client.ports_in_use(), 0U);
  sim::Time connected_after = -1;
  const sim::Time start = h.sim.now();
  h.client_app.then_on_connected = [&](SocketId, SocketError e) {
    EXPECT_EQ(e, SocketError::kOk);
    connected_after = h.sim.now() - start;
  };
  const SocketId d = h.client.socket(h.client_app).socket;
  ASSERT_EQ(h.client.bind(d, {ip(10, 0, 0, 1), 40000}), SocketError::kOk);
  ASSERT_EQ(h.client.connect(d, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  h.run_for(1 * kS);
  EXPECT_EQ(h.client.state(d), S::kEstablished);
  EXPECT_EQ(h.server.counters().syn_challenge, 1U);
  // Two round trips of 100 us plus TCP_TIMEOUT_MIN.
  EXPECT_EQ(connected_after, 8 * kMs + 200 * sim::kMicrosecond);
  // The stale socket was reset to CLOSED, but its descriptor is still leaked.
  EXPECT_EQ(h.server.count(S::kCloseWait), 0U);
  EXPECT_EQ(h.server.count(S::kEstablished), 1U);
  EXPECT_EQ(h.server_app.errors.size(), 1U);
  EXPECT_EQ(h.server.fds_in_use(), 3U);
}

TEST(TcpStateMachine, LostFinIsRetransmittedAndTimeWaitReAcks) {
  TwoHosts h;
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](SocketId s) { h.server.close(s); };
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.close(s); };
  int acks_dropped = 0;
  bool server_fin_sent = false;
  // Lose the client's final ACK once: the server retransmits its FIN from
  // LAST_ACK and the client's TIME_WAIT answers it.
  h.wire.drop = [&](const net::Segment& seg) {
    if (seg.src.port == 80 && seg.fin()) server_fin_sent = true;
    if (server_fin_sent && seg.src.port != 80 && acks_dropped == 0) {
      ++acks_dropped;
      return true;
    }
    return false;
  };
  h.connect(80);
  h.run_for(5 * kS);
  EXPECT_EQ(acks_dropped, 1);
  EXPECT_EQ(h.server.count(S::kLastAck), 0U);
  EXPECT_EQ(h.server.counters().retrans_segs, 1U);
  EXPECT_EQ(h.client.count(S::kTimeWait), 1U);
}

TEST(TcpStateMachine, FullAcceptQueueDropsSynsSilently) {
  TwoHosts h;
  h.server_app.auto_accept = false;
  h.listen(80, 2);  // holds backlog + 1 = 3
  for (int i = 0; i < 3; ++i) h.connect(80);
  h.run_for(100 * kMs);
  for (int i = 0; i < 2; ++i) h.connect(80);
  h.run_for(500 * kMs);
  EXPECT_EQ(h.server.count(S::kEstablished), 3U);
  EXPECT_EQ(h.client.count(S::kEstablished), 3U);
  EXPECT_EQ(h.client.count(S::kSynSent), 2U);
  EXPECT_EQ(h.server.counters().listen_overflows, 2U);
  EXPECT_EQ(h.server.count(S::kSynReceived), 0U);
}

TEST(TcpStateMachine, FinalAcksBeyondAFullAcceptQueueAreIgnored) {
  // SYNs that arrive together all get SYN-ACKs; the final ACKs that find the
  // queue full are ignored (tcp_abort_on_overflow = 0): the client believes it
  // is connected, the server keeps the request in SYN_RECEIVED.
  TwoHosts h;
  h.server_app.auto_accept = false;
  h.listen(80, 2);
  for (int i = 0; i < 5; ++i) h.connect(80);
  h.run_for(500 * kMs);
  EXPECT_EQ(h.client.count(S::kEstablished), 5U);
  EXPECT_EQ(h.server.count(S::kEstablished), 3U);
  EXPECT_EQ(h.server.count(S::kSynReceived), 2U);
  EXPECT_EQ(h.server.counters().listen_overflows, 2U);
}

TEST(TcpStateMachine, AcksAfterARetransmittedSynAckStillFindTheRequest) {
  // tcp_check_req() keeps an acked request while the accept queue is full: the
  // client's ACK to each retransmitted SYN-ACK counts ListenOverflows again,
  // and once accept() has made room the next one completes the connection.
  TwoHosts h;
  h.server_app.auto_accept = false;
  const SocketId l = h.listen(80, 2);
  for (int i = 0; i < 5; ++i) h.connect(80);
  h.run_for(1500 * kMs);  // past the first SYN-ACK retransmission, at 1 s
  EXPECT_EQ(h.server.counters().listen_overflows, 4U);
  EXPECT_EQ(h.server.count(S::kSynReceived), 2U);
  EXPECT_EQ(h.client.count(S::kEstablished), 5U);
  EXPECT_TRUE(h.client_app.errors.empty());
  ASSERT_EQ(h.server.accept(l, h.server_app).error, SocketError::kOk);
  ASSERT_EQ(h.server.accept(l, h.server_app).error, SocketError::kOk);
  h.run_for(3 * kS);  // the second retransmission, at 3 s
  EXPECT_EQ(h.server.counters().listen_overflows, 4U);
  EXPECT_EQ(h.server.count(S::kSynReceived), 0U);
  EXPECT_EQ(h.server.count(S::kEstablished), 5U);
  EXPECT_EQ(h.client.count(S::kEstablished), 5U);
  EXPECT_TRUE(h.client_app.errors.empty());
}

TEST(TcpStateMachine, AbortOnOverflowResetsTheClient) {
  KernelSettings settings = KernelSettings::linux_defaults();
  settings.tcp_abort_on_overflow = true;
  TwoHosts h(KernelSettings::linux_defaults(), settings);
  h.server_app.auto_accept = false;
  h.listen(80, 2);
  for (int i = 0; i < 5; ++i) h.connect(80);
  h.run_for(500 * kMs);
  EXPECT_EQ(h.server.count(S::kEstablished), 3U);
  EXPECT_EQ(h.server.count(S::kSynReceived), 0U);
  EXPECT_EQ(h.client.count(S::kEstablished), 3U);
  EXPECT_EQ(h.client_app.errors.size(), 2U);
}

TEST(TcpStateMachine, WhatArrivedBeforeAcceptIsDeliveredFirstAndOnce) {
  TwoHosts h;
  h.server_app.auto_accept = false;
  const SocketId l = h.listen(80);
  const SocketId c = h.connect(80);
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.send(s, 100); };
  h.run_for(10 * kMs);
  std::vector<std::string> seen;
  h.server_app.then_on_data = [&](SocketId, std::uint32_t n) {
    seen.push_back(fmt::format("data {}", n));
  };
  h.server_app.then_on_peer_closed = [&](SocketId) { seen.push_back("eof"); };
  const Opened o = h.server.accept(l, h.server_app);
  ASSERT_EQ(o.error, SocketError::kOk);
  // More data and the FIN arrive at the same instant, before the application
  // has been told of the first 100 bytes: they queue behind them.
  const net::FourTuple t = h.client.tuple(c);
  const net::Segment last = h.wire.sent_by(t.local).back();
  net::Segment more;
  more.src = t.local;
  more.dst = t.remote;
  more.seq = last.seq + last.seg_len();
  more.ack = last.ack;
  more.len = 50;
  more.flags = net::kAck | net::kPsh | net::kFin;
  h.server.receive(more);
  h.run_for(10 * kMs);
  EXPECT_EQ(seen, (std::vector<std::string>{"data 150", "eof"}));
}

TEST(TcpStateMachine, OutOfOrderFinAfterCloseResetsTheOrphan) {
  // linux-tcp.md / tcp_rcv_state_process(): our FIN is acked by a segment
  // whose FIN lies beyond RCV.NXT (the data before it was lost).
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.connect(80);
  h.run_for(10 * kMs);
  const SocketId s = h.server_app.accepted.at(0);
  // The client's data and its pure ACK of the server's FIN are lost; its FIN
  // (which also acks the server's) gets through.
  h.wire.drop = [](const net::Segment& seg) {
    return seg.src.port != 80 && (seg.len > 0 || !seg.fin());
  };
  h.client.send(c, 100);
  h.server.close(s);  // the server's orphan is in FIN_WAIT_1
  h.run_for(1 * kMs);
  h.client.close(c);  // FIN at a sequence number the server has not reached
  h.run_for(10 * kMs);
  EXPECT_EQ(h.server.count(S::kFinWait2), 0U);
  EXPECT_EQ(h.server.sockets_alive(), 1U);  // the listener
  EXPECT_EQ(h.server.counters().abort_on_data, 1U);
  EXPECT_EQ(h.server.check_invariants(), "");
}

TEST(TcpStateMachine, BacklogIsClampedBySomaxconn) {
  KernelSettings settings = KernelSettings::linux_defaults();
  settings.somaxconn = 4;
  TwoHosts h(KernelSettings::linux_defaults(), settings);
  h.server_app.auto_accept = false;
  h.listen(80, 100000);
  for (int i = 0; i < 10; ++i) h.connect(80);
  h.run_for(500 * kMs);
  EXPECT_EQ(h.server.count(S::kEstablished), 5U);
}

}  // namespace
}  // namespace tcpsim::tcp
