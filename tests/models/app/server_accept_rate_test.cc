// A server with max_accept_rate: connections wait in the accept queue, which grows at
// (arrival rate - accept rate) until it holds backlog + 1, after which SYNs are dropped.
#include <gtest/gtest.h>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::kMicrosecond;
using sim::kMillisecond;
using sim::kSecond;
using tcp::SocketError;
using tcp::TcpState;
using testing::World;

// Connections that finished their handshake and were not accepted yet.
std::uint32_t accept_queue(const tcp::TcpStack& stack) {
  std::uint32_t n = 0;
  stack.for_each_socket([&](const tcp::SocketView& v) {
    if (v.state == TcpState::kEstablished && !v.has_fd && !v.minisocket) ++n;
  });
  return n;
}

ServerConfig slow_server(double accept_rate, int backlog) {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.backlog = backlog;
  s.max_accept_rate = accept_rate;
  return s;
}

ClientConfig constant_client(double rate, sim::Time stop) {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(rate);
  c.destinations = {{testing::server_address(0), 80}};
  c.stop = stop;
  return c;
}

// Arrivals every 1 ms (the first at 1 ms), accepts every 2 ms. Connection i is queued
// 300 us after its connect() (SYN, SYN-ACK, ACK at 100 us each way), the first one is
// accepted at once and the slow loop takes one more at 3.3 ms, 5.3 ms ...
TEST(ServerAcceptRateTest, QueueGrowsAtArrivalMinusAcceptRateUntilFull) {
  constexpr int kBacklog = 8;
  constexpr double kArrivals = 1000;
  constexpr double kAccepts = 500;
  World w;
  ServerApp server(w.sim, w.server(), slow_server(kAccepts, kBacklog), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), constant_client(kArrivals, 40 * kMillisecond), 1, 1);
  client.start();

  const double fill_time = (kBacklog + 1) / (kArrivals - kAccepts);  // 18 ms
  sim::Time filled_at = -1;
  for (int i = 1; i <= 17; ++i) {
    // Between connection i being queued and connection i + 1.
    w.run_until(i * kMillisecond + 800 * kMicrosecond);
    EXPECT_EQ(accept_queue(w.server()), static_cast<std::uint32_t>(i / 2)) << "i = " << i;
    EXPECT_EQ(w.server().counters().listen_drops, 0U);
  }
  for (int i = 18; i <= 39; ++i) {
    const sim::Time t = i * kMillisecond + 800 * kMicrosecond;
    w.run_until(t);
    const std::uint32_t q = accept_queue(w.server());
    if (filled_at < 0 && q == kBacklog + 1) filled_at = t;
    // Full: it holds backlog + 1 and the slow loop makes room for one every 2 ms.
    EXPECT_GE(q, static_cast<std::uint32_t>(kBacklog));
    EXPECT_LE(q, static_cast<std::uint32_t>(kBacklog + 1));
  }
  ASSERT_GE(filled_at, 0);
  EXPECT_NEAR(sim::to_seconds(filled_at), fill_time, 1.0 / kArrivals);
  // Once full, every other SYN (those of connections 19, 21, ..., 39) finds no room.
  EXPECT_EQ(w.server().counters().listen_drops, 11U);
  EXPECT_EQ(server.counters().accepted, 20U);  // at 1.3 ms, 3.3 ms, ..., 39.3 ms
  // The dropped SYNs are sent again after the initial RTO of 1 s, and then get in.
  w.run_until(1045 * kMillisecond);
  EXPECT_EQ(w.client().counters().retrans_segs, 11U);
  w.run_until(2 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 39U);
  EXPECT_EQ(accept_queue(w.server()), 0U);
  EXPECT_EQ(w.server().check_invariants(), "");
}

TEST(ServerAcceptRateTest, BelowTheRateNothingQueues) {
  World w;
  ServerApp server(w.sim, w.server(), slow_server(500, 8), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  // One connection every 4 ms, the loop could take one every 2 ms.
  ClientApp client(w.sim, w.client(), constant_client(250, 400 * kMillisecond), 1, 1);
  client.start();
  for (int i = 1; i < 100; ++i) {
    w.run_until(i * 4 * kMillisecond + 800 * kMicrosecond);
    ASSERT_EQ(accept_queue(w.server()), 0U) << "i = " << i;
    EXPECT_EQ(server.counters().accepted, static_cast<std::uint64_t>(i));
  }
  w.run_until(kSecond);
  EXPECT_EQ(client.counters().requests_completed, 99U);
  EXPECT_EQ(w.server().counters().listen_drops, 0U);
  EXPECT_EQ(w.client().counters().retrans_segs, 0U);
}

TEST(ServerAcceptRateTest, PacesAcrossSeveralListeners) {
  World w;
  ServerConfig s = slow_server(100, 64);
  s.listen.push_back({testing::server_address(0), 81});
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = constant_client(1000, 20 * kMillisecond);
  c.destinations.push_back({testing::server_address(0), 81});
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  // 19 connections queued by 19.3 ms; one accept per 10 ms: at 1.3, 11.3, 21.3 ... ms.
  w.run_until(100 * kMillisecond);
  EXPECT_EQ(server.counters().accepted, 10U);
  EXPECT_EQ(accept_queue(w.server()), 9U);
  w.run_until(kSecond);
  EXPECT_EQ(server.counters().accepted, 19U);
  EXPECT_EQ(client.counters().requests_completed, 19U);
}

}  // namespace
}  // namespace tcpsim::app
