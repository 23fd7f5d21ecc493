// TCP_USER_TIMEOUT as Linux's tcp_write_timeout() and tcp_keepalive_timer() apply it: the
// time unacknowledged data or probes may wait replaces tcp_retries2 and TCP_KEEPCNT, and the
// last retransmission timer is cut to end exactly then.
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
constexpr sim::Time kMs = sim::kMillisecond;
constexpr sim::Time kS = sim::kSecond;

// Times of the data segments `from` sent (first transmission and retransmissions).
std::vector<sim::Time> data_segments(const testing::Wire& wire, net::Endpoint from) {
  return wire.times_sent(from, [](const net::Segment& s) { return s.len > 0; });
}

// An established connection (100 us round trip, so an RTO of 200.1 ms) whose client writes
// 100 bytes at 1 s into a network that has just started dropping everything.
struct StalledWrite {
  explicit StalledWrite(std::uint32_t user_timeout_ms, int retries2 = 15)
      : h([&] {
          KernelSettings k = KernelSettings::linux_defaults();
          k.tcp_retries2 = retries2;
          return k;
        }()) {
    h.listen(80);
    c = h.client.socket(h.client_app).socket;
    h.client.options(c).user_timeout_ms = user_timeout_ms;
    EXPECT_EQ(h.client.connect(c, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
    h.run_for(1 * kS);
    h.wire.drop = [](const net::Segment&) { return true; };
    EXPECT_EQ(h.client.send(c, 100), SocketError::kOk);
  }
  TwoHosts h;
  SocketId c = kNoSocket;
};

// Retransmissions at 1.2001, 1.6003, 2.4007 and 4.0015 s; the next, due at 7.2031 s, is cut
// to the user timeout's end, 6 s, where the connection is dropped without a reset.
TEST(TcpUserTimeout, DropsTheConnectionWhenTheOldestDataIsThatOld) {
  StalledWrite w(5000);
  w.h.run_for(4999 * kMs);
  EXPECT_EQ(w.h.client.state(w.c), S::kEstablished);
  w.h.run_for(1 * kMs);
  EXPECT_EQ(w.h.client.state(w.c), S::kClosed);
  const std::vector<sim::Time> sent = data_segments(w.h.wire, w.h.client.tuple(w.c).local);
  EXPECT_EQ(sent, (std::vector<sim::Time>{1 * kS, 1 * kS + 200100 * kUs, 1 * kS + 600300 * kUs,
                                          1 * kS + 1400700 * kUs, 1 * kS + 3001500 * kUs}));
  EXPECT_EQ(w.h.client_app.errors,
            (std::vector<std::pair<SocketId, SocketError>>{{w.c, SocketError::kEtimedout}}));
  const TcpCounters& k = w.h.client.counters();
  EXPECT_EQ(k.retrans_segs, 4U);
  EXPECT_EQ(k.abort_on_timeout, 1U);
  EXPECT_EQ(k.estab_resets, 1U);
  EXPECT_EQ(k.out_rsts, 0U);  // tcp_write_err() sends nothing
}

// The user timeout replaces tcp_retries2: with retries2 = 3 the connection would be dropped
// at the fourth timeout (4.0015 s); with 60 s it retransmits eight times and ends at 61 s.
TEST(TcpUserTimeout, ReplacesTheRetryCount) {
  StalledWrite without(0, 3);
  without.h.run_for(100 * kS);
  EXPECT_EQ(without.h.client.counters().retrans_segs, 3U);
  EXPECT_EQ(without.h.client_app.errors.size(), 1U);

  StalledWrite w(60000, 3);
  w.h.run_for(59999 * kMs);
  EXPECT_EQ(w.h.client.state(w.c), S::kEstablished);
  w.h.run_for(2 * kMs);
  EXPECT_EQ(w.h.client.state(w.c), S::kClosed);
  EXPECT_EQ(w.h.client.counters().retrans_segs, 8U);
  EXPECT_EQ(w.h.client_app.errors,
            (std::vector<std::pair<SocketId, SocketError>>{{w.c, SocketError::kEtimedout}}));
}

// SYN_SENT: SYNs at 0, 1 and 2 s; the timer after the third is cut from 3 s to 2.5 s, where
// connect() fails with ETIMEDOUT instead of after the sixth retransmission.
TEST(TcpUserTimeout, BoundsConnectToo) {
  TwoHosts h;
  h.wire.drop = [](const net::Segment&) { return true; };
  const SocketId c = h.client.socket(h.client_app).socket;
  h.client.options(c).user_timeout_ms = 2500;
  ASSERT_EQ(h.client.connect(c, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  h.run_for(2499 * kMs);
  EXPECT_TRUE(h.client_app.connected.empty());
  h.run_for(1 * kMs);
  EXPECT_EQ(h.client_app.connected,
            (std::vector<std::pair<SocketId, SocketError>>{{c, SocketError::kEtimedout}}));
  EXPECT_EQ(h.client.counters().syn_retrans, 2U);
  EXPECT_EQ(h.client.counters().attempt_fails, 1U);
}

// With keepalive, the user timeout ends the probing once a probe is out and the connection
// has been idle that long (tcp_keepalive_timer()): the second timer, at 70 s, resets it,
// whatever TCP_KEEPCNT says.
TEST(TcpUserTimeout, EndsKeepaliveProbingEarly) {
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.client.socket(h.client_app).socket;
  h.client.options(c).keepalive = {.enabled = true, .probes = 9, .idle_s = 60, .intvl_s = 10};
  h.client.options(c).user_timeout_ms = 15000;
  ASSERT_EQ(h.client.connect(c, {ip(10, 0, 0, 2), 80}), SocketError::kOk);
  h.run_for(1 * kS);
  h.server.crash();
  h.run_for(70 * kS);
  EXPECT_EQ(h.client.state(c), S::kClosed);
  EXPECT_EQ(h.client.counters().keepalive_probes, 1U);
  EXPECT_EQ(h.client.counters().out_rsts, 1U);
  ASSERT_FALSE(h.wire.log.empty());
  EXPECT_EQ(h.wire.log.back().first, 70 * kS + 100 * kUs);
  EXPECT_TRUE(h.wire.log.back().second.rst());
  EXPECT_EQ(h.client_app.errors,
            (std::vector<std::pair<SocketId, SocketError>>{{c, SocketError::kEtimedout}}));
}

}  // namespace
}  // namespace tcpsim::tcp
