// The kernel counters by their nstat names, exactly, on small scenarios: every counter a
// scenario does not name must stay 0.
#include "models/metrics/nstat_counters.h"

#include <gtest/gtest.h>

#include <map>
#include <string_view>

#include "models/tcp/tcp_stack.h"
#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::metrics {
namespace {

using tcp::KernelSettings;
using tcp::SocketError;
using tcp::SocketId;
using tcp::TcpStack;
using tcp::testing::ip;
using tcp::testing::TwoHosts;
using S = tcp::TcpState;
constexpr sim::Time kMs = sim::kMillisecond;
constexpr sim::Time kS = sim::kSecond;

using Counts = std::map<std::string_view, std::uint64_t>;

void expect_counts(const TcpStack& stack, const Counts& nonzero, const char* host) {
  const NstatValues v = nstat_values(stack.counters());
  for (const auto& [name, count] : nonzero) {
    EXPECT_NE(std::find(kNstatNames.begin(), kNstatNames.end(), name), kNstatNames.end()) << name;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto it = nonzero.find(kNstatNames[i]);
    EXPECT_EQ(v[i], it == nonzero.end() ? 0 : it->second) << host << " " << kNstatNames[i];
  }
}

TEST(NstatCounters, OneConnectionClosedByTheClient) {
  TwoHosts h;
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](SocketId s) { h.server.close(s); };
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.close(s); };
  h.connect(80);
  h.run_for(120 * kS);  // TW counts the record when it is made, not when it ends
  expect_counts(h.client, {{"TcpActiveOpens", 1}, {"TcpExtTW", 1}}, "client");
  expect_counts(h.server, {{"TcpPassiveOpens", 1}}, "server");
}

TEST(NstatCounters, ConnectRefused) {
  TwoHosts h;
  h.connect(81);
  h.run_for(1 * kS);
  expect_counts(h.client, {{"TcpActiveOpens", 1}, {"TcpAttemptFails", 1}}, "client");
  expect_counts(h.server, {{"TcpOutRsts", 1}}, "server");
}

// tcp_write_err() counts the timed-out connect as TCPAbortOnTimeout besides AttemptFails.
TEST(NstatCounters, ConnectTimedOutAfterTwoSynRetries) {
  TwoHosts h;
  h.wire.drop = [](const net::Segment&) { return true; };
  const SocketId c = h.client.socket(h.client_app).socket;
  h.client.options(c).syncnt = 2;
  ASSERT_EQ(h.client.connect(c, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  h.run_for(60 * kS);
  // SYNs at 0, 1, 2, 3, 4, 5 s: five retransmissions.
  expect_counts(h.client,
                {{"TcpActiveOpens", 1},
                 {"TcpAttemptFails", 1},
                 {"TcpRetransSegs", 5},
                 {"TcpExtTCPSynRetrans", 5},
                 {"TcpExtTCPAbortOnTimeout", 1}},
                "client");
}

// SO_LINGER {1, 0}: Linux counts the close as TCPAbortOnData, and both ends leave
// ESTABLISHED for CLOSED (EstabResets).
TEST(NstatCounters, LingerZeroClose) {
  TwoHosts h;
  h.listen(80);
  h.client_app.then_on_connected = [&](SocketId s, SocketError) {
    h.client.options(s).linger_zero = true;
    h.client.close(s);
  };
  h.connect(80);
  h.run_for(1 * kS);
  expect_counts(h.client,
                {{"TcpActiveOpens", 1},
                 {"TcpEstabResets", 1},
                 {"TcpOutRsts", 1},
                 {"TcpExtTCPAbortOnData", 1}},
                "client");
  expect_counts(h.server, {{"TcpPassiveOpens", 1}, {"TcpEstabResets", 1}}, "server");
}

// Five handshakes at once toward an accept queue of 3: two final ACKs overflow it, and
// only the three children made count as passive opens (tcp_create_openreq_child()).
TEST(NstatCounters, FinalAcksBeyondAFullAcceptQueue) {
  TwoHosts h;
  h.server_app.auto_accept = false;
  h.listen(80, 2);
  for (int i = 0; i < 5; ++i) h.connect(80);
  h.run_for(500 * kMs);
  expect_counts(h.client, {{"TcpActiveOpens", 5}}, "client");
  expect_counts(h.server,
                {{"TcpPassiveOpens", 3}, {"TcpExtListenOverflows", 2}, {"TcpExtListenDrops", 2}},
                "server");
}

// The client's final ACK is lost: the server's request retransmits its SYN-ACK at 1 s, which
// the established client answers with a challenge ACK (RFC 5961 4.2), lost too.
TEST(NstatCounters, SynAckRetransmitted) {
  TwoHosts h;
  h.listen(80);
  h.wire.drop = [](const net::Segment& seg) {
    return seg.src.port != 80 && seg.ack_flag() && !seg.syn();
  };
  h.connect(80);
  h.run_for(1500 * kMs);
  expect_counts(h.server, {{"TcpRetransSegs", 1}, {"TcpExtTCPSynRetrans", 1}}, "server");
  expect_counts(h.client,
                {{"TcpActiveOpens", 1}, {"TcpExtTCPSYNChallenge", 1}, {"TcpExtTCPChallengeACK", 1}},
                "client");
}

TEST(NstatCounters, SynOnAnEstablishedConnection) {
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
  expect_counts(
      h.server,
      {{"TcpPassiveOpens", 1}, {"TcpExtTCPSYNChallenge", 1}, {"TcpExtTCPChallengeACK", 1}},
      "server");
}

// tcp_check_req(): a reset to a request in SYN_RECEIVED is an attempt that failed.
TEST(NstatCounters, ResetOfARequestInSynReceived) {
  TwoHosts h;
  h.listen(80);
  h.wire.drop = [](const net::Segment& seg) {
    return seg.src.port != 80 && seg.ack_flag() && !seg.syn();
  };
  const SocketId c = h.connect(80);
  h.run_for(100 * kMs);
  const net::FourTuple t = h.client.tuple(c);
  const net::Segment syn = h.wire.sent_by(t.local).front();
  net::Segment rst;
  rst.src = t.local;
  rst.dst = t.remote;
  rst.seq = syn.seq + 1;
  rst.flags = net::kRst;
  h.server.receive(rst);
  ASSERT_EQ(h.server.count(S::kSynReceived), 0U);
  expect_counts(h.server, {{"TcpAttemptFails", 1}}, "server");
}

TEST(NstatCounters, TimeWaitOverflow) {
  KernelSettings settings = KernelSettings::linux_defaults();
  settings.tcp_max_tw_buckets = 0;
  TwoHosts h(settings);
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](SocketId s) { h.server.close(s); };
  h.client_app.then_on_connected = [&](SocketId s, SocketError) { h.client.close(s); };
  h.connect(80);
  h.run_for(1 * kS);
  EXPECT_EQ(h.client.count(S::kTimeWait), 0U);
  expect_counts(h.client, {{"TcpActiveOpens", 1}, {"TcpExtTCPTimeWaitOverflow", 1}}, "client");
}

}  // namespace
}  // namespace tcpsim::metrics
