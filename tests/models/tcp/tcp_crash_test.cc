// A host crash: every socket and record vanishes without a segment, nothing is answered while
// the host is down, and after the restart the peers' segments meet resets.
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

// The client writes 100 bytes at 1 s into a crashed server. Its retransmissions (RTO 200.1
// ms, doubling) at 1.2001, 1.6003 and 2.4007 s go unanswered; the one at 4.0015 s reaches the
// restarted host, which has no socket for it and resets it (RFC 9293 3.10.7.1).
TEST(TcpCrash, PeersMeetSilenceWhileDownAndResetsAfterTheRestart) {
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.connect(80);
  h.run_for(1 * kS);
  ASSERT_EQ(h.server_app.accepted.size(), 1U);
  const net::FourTuple server_side = h.server.tuple(h.server_app.accepted[0]);
  const std::size_t handshake = h.wire.log.size();

  h.server.crash();
  EXPECT_TRUE(h.server.down());
  EXPECT_EQ(h.server.sockets_alive(), 0U);
  EXPECT_EQ(h.server.fds_in_use(), 0U);
  EXPECT_EQ(h.server.ports_in_use(), 0U);
  EXPECT_EQ(h.server.count(S::kListen), 0U);
  EXPECT_EQ(h.server.check_invariants(), "");
  EXPECT_EQ(h.wire.log.size(), handshake);  // no FIN, no RST
  EXPECT_EQ(h.server_log.of(server_side),
            (std::vector<S>{S::kListen, S::kSynReceived, S::kEstablished, S::kClosed}));

  ASSERT_EQ(h.client.send(c, 100), SocketError::kOk);
  h.run_for(2 * kS);
  h.server.restart();
  h.run_for(10 * kS);

  EXPECT_EQ(
      h.wire.times_sent({ip(10, 0, 0, 2), 80}, [](const net::Segment& seg) { return seg.rst(); }),
      (std::vector<sim::Time>{4 * kS + 1500 * kUs + 50 * kUs}));
  EXPECT_EQ(h.server.counters().out_rsts, 1U);
  EXPECT_EQ(h.client.counters().retrans_segs, 4U);
  EXPECT_EQ(h.client.counters().estab_resets, 1U);
  EXPECT_EQ(h.client_app.errors,
            (std::vector<std::pair<SocketId, SocketError>>{{c, SocketError::kEconnreset}}));
  EXPECT_EQ(h.client_log.of(h.client.tuple(c)),
            (std::vector<S>{S::kClosed, S::kSynSent, S::kEstablished, S::kClosed}));
}

// A SYN sent to a host that is down is lost like any other segment: connect() retries at 1,
// 2, 3 s, and the SYN at 3 s finds the listener the restarted host opened again.
TEST(TcpCrash, ConnectsRetryThroughTheDowntime) {
  TwoHosts h;
  h.listen(80);
  h.server.crash();
  const SocketId c = h.connect(80);
  h.run_for(2500 * sim::kMillisecond);
  h.server.restart();
  h.listen(80);
  h.run_for(1 * kS);
  EXPECT_EQ(h.client.state(c), S::kEstablished);
  EXPECT_EQ(h.client.counters().syn_retrans, 3U);
  EXPECT_EQ(h.server.counters().passive_opens, 1U);
  EXPECT_EQ(h.client_app.connected,
            (std::vector<std::pair<SocketId, SocketError>>{{c, SocketError::kOk}}));
}

// TIME_WAIT and FIN_WAIT_2 records go too, with their ports; the host's counters stay.
TEST(TcpCrash, RecordsAndPortsVanish) {
  TwoHosts h;
  h.listen(80);
  h.server_app.then_on_accepted = [&](SocketId s) { h.server.close(s); };
  for (int i = 0; i < 5; ++i) h.connect(80);
  h.run_for(1 * kS);
  // The server closed first; the clients hold their sockets in CLOSE_WAIT, so the server's
  // side waits in orphaned FIN_WAIT_2 records.
  EXPECT_EQ(h.server.minisockets_alive(), 5U);
  EXPECT_EQ(h.server.count(S::kFinWait2), 5U);
  h.server.crash();
  EXPECT_EQ(h.server.minisockets_alive(), 0U);
  EXPECT_EQ(h.server.count(S::kFinWait2), 0U);
  EXPECT_EQ(h.server.ports_in_use(), 0U);
  EXPECT_EQ(h.server.counters().passive_opens, 5U);
  EXPECT_EQ(h.server.check_invariants(), "");
  h.server.restart();
  EXPECT_FALSE(h.server.down());
  h.listen(80);
  h.run_for(200 * kS);
  EXPECT_EQ(h.server.check_invariants(), "");
}

}  // namespace
}  // namespace tcpsim::tcp
