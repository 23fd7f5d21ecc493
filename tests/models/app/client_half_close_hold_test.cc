// A client's half_close_hold: shutdown(SHUT_WR) after the response, close() a while later.
// The held socket is a FIN_WAIT_2 with its descriptor and no timer; only close() makes it an
// orphan under tcp_fin_timeout (Linux's tcp_rcv_state_process() arms the FIN_WAIT_2 timer
// for orphans alone).
#include <gtest/gtest.h>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::kMillisecond;
using sim::kSecond;
using tcp::SocketError;
using tcp::TcpState;
using testing::World;

constexpr sim::Time kFinTimeout = 10 * kSecond;

// Exact timers (hz 0), tcp_fin_timeout 10 s on the client.
testing::WorldOptions exact_fin_timeout() {
  testing::WorldOptions o;
  o.client_settings.tcp_fin_timeout = kFinTimeout;
  o.client_settings.hz = 0;
  return o;
}

// A server that never closes: its sockets stay in CLOSE_WAIT, the client's in FIN_WAIT_2.
ServerConfig leaking_server() {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.leak_fraction = 1;
  return s;
}

ClientConfig holding_client(double rate, sim::Time hold) {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(rate);
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kNone;
  c.connect.half_close_hold = hold;
  return c;
}

struct FinWait2Count {
  std::uint32_t held = 0;      // a full socket with its descriptor, no timer
  std::uint32_t orphaned = 0;  // a record, its timer running
  sim::Time orphan_timer_left = -1;
};

FinWait2Count fin_wait2(const tcp::TcpStack& stack) {
  FinWait2Count n;
  stack.for_each_socket([&n](const tcp::SocketView& v) {
    if (v.state != TcpState::kFinWait2) return;
    if (v.has_fd && !v.minisocket && v.timer_left < 0) ++n.held;
    if (!v.has_fd && v.minisocket && v.timer_left >= 0) {
      ++n.orphaned;
      n.orphan_timer_left = v.timer_left;
    }
  });
  return n;
}

// One request at 1 s, its response read at 1.0004 s; held 30 s, three times tcp_fin_timeout.
TEST(ClientHalfCloseHoldTest, HeldFinWait2OutlivesFinTimeoutThenTheOrphanTimerStarts) {
  World w(exact_fin_timeout());
  ServerApp server(w.sim, w.server(), leaking_server(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig cfg = holding_client(1, 30 * kSecond);
  cfg.max_requests = 1;
  ClientApp client(w.sim, w.client(), cfg, 1, 1);
  client.start();
  for (const sim::Time t : {2 * kSecond, 12 * kSecond, 30 * kSecond}) {
    w.run_until(t);
    const FinWait2Count n = fin_wait2(w.client());
    EXPECT_EQ(n.held, 1U) << "t = " << t;
    EXPECT_EQ(n.orphaned, 0U) << "t = " << t;
    EXPECT_EQ(client.pool().holding(), 1U);
    EXPECT_EQ(w.server().count(TcpState::kCloseWait), 1U);
  }
  EXPECT_EQ(client.counters().requests_completed, 1U);
  // close() at 31.0004 s: an orphan whose timer runs tcp_fin_timeout from then.
  w.run_until(32 * kSecond);
  const FinWait2Count n = fin_wait2(w.client());
  EXPECT_EQ(n.held, 0U);
  EXPECT_EQ(n.orphaned, 1U);
  EXPECT_EQ(n.orphan_timer_left,
            kFinTimeout - (32 * kSecond - 31 * kSecond - 400 * sim::kMicrosecond));
  EXPECT_EQ(client.pool().holding(), 0U);
  w.run_until(41 * kSecond);
  EXPECT_EQ(fin_wait2(w.client()).orphaned, 1U);
  w.run_until(42 * kSecond);
  EXPECT_EQ(w.client().count(TcpState::kFinWait2), 0U);
  EXPECT_EQ(w.client().sockets_alive() + w.client().minisockets_alive(), 0U);
  EXPECT_EQ(w.client().check_invariants(), "");
}

// Little's law with a server that never closes: rate x hold held FIN_WAIT_2 sockets, and
// rate x tcp_fin_timeout orphans behind them.
TEST(ClientHalfCloseHoldTest, PlateauIsRateTimesHoldThenRateTimesFinTimeout) {
  constexpr double kRate = 5;
  constexpr sim::Time kHold = 4 * kSecond;
  World w(exact_fin_timeout());
  ServerApp server(w.sim, w.server(), leaking_server(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), holding_client(kRate, kHold), 1, 1);
  client.start();
  const auto held = static_cast<std::uint32_t>(kRate * sim::to_seconds(kHold));
  const auto orphaned = static_cast<std::uint32_t>(kRate * sim::to_seconds(kFinTimeout));
  // Arrivals every 200 ms; sampled 100 ms after each, from 20 s on (past hold + fin timeout).
  for (int k = 100; k < 150; ++k) {
    w.run_until(k * 200 * kMillisecond + 100 * kMillisecond);
    const FinWait2Count n = fin_wait2(w.client());
    ASSERT_EQ(n.held, held) << "t = " << w.sim.now();
    ASSERT_EQ(n.orphaned, orphaned) << "t = " << w.sim.now();
    ASSERT_EQ(client.pool().holding(), held);
  }
  // The server leaks every connection it accepted.
  EXPECT_EQ(w.server().count(TcpState::kCloseWait), 149U);
  EXPECT_EQ(client.counters().requests_completed, 149U);
  EXPECT_EQ(w.client().check_invariants(), "");
}

// A server that closes on EOF ends the connection during the hold: the held descriptor's
// socket goes on to TIME_WAIT, and the hold still ends with close() on time.
TEST(ClientHalfCloseHoldTest, TheServersFinDuringTheHoldLeadsToTimeWait) {
  World w(exact_fin_timeout());
  ServerConfig s = leaking_server();
  s.leak_fraction = 0;
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig cfg = holding_client(1, 30 * kSecond);
  cfg.max_requests = 1;
  ClientApp client(w.sim, w.client(), cfg, 1, 1);
  client.start();
  w.run_until(2 * kSecond);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 1U);
  EXPECT_EQ(w.client().count(TcpState::kFinWait2), 0U);
  EXPECT_EQ(server.counters().closed, 1U);
  EXPECT_EQ(client.pool().holding(), 1U);
  w.run_until(32 * kSecond);
  EXPECT_EQ(client.pool().holding(), 0U);
  EXPECT_EQ(w.client().sockets_alive(), 0U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 1U);  // 60 s from 1.0006 s
  EXPECT_EQ(w.client().check_invariants(), "");
}

TEST(ClientHalfCloseHoldTest, RejectsANegativeHoldAndAwaitServerClose) {
  World w;
  ClientConfig cfg = holding_client(1, -kSecond);
  EXPECT_THROW(ClientApp(w.sim, w.client(), cfg, 1, 1), std::invalid_argument);
  cfg.connect.half_close_hold = kSecond;
  cfg.connect.await_server_close = true;
  EXPECT_THROW(ClientApp(w.sim, w.client(), cfg, 1, 1), std::invalid_argument);
}

}  // namespace
}  // namespace tcpsim::app
