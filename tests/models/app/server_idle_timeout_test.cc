// A server with idle_timeout closes kept-alive connections that carried no request for that
// long: the server closes first, so TIME_WAIT lands on it, and the client's pool drops them.
#include <gtest/gtest.h>

#include <vector>

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

constexpr sim::Time kIdle = 100 * kMillisecond;

ServerConfig idle_closing_server() {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::constant(0.001);
  s.idle_timeout = kIdle;
  return s;
}

ClientConfig keep_alive_client(double rate, std::uint64_t requests) {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(rate);
  c.max_requests = requests;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kKeepAlive;
  return c;
}

TEST(ServerIdleTimeoutTest, RequestsFurtherApartThanTheTimeoutEachOpenAConnection) {
  World w;
  ServerApp server(w.sim, w.server(), idle_closing_server(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), keep_alive_client(5, 10), 1, 1);  // every 200 ms
  client.start();
  w.run_until(3 * kSecond);

  const ClientCounters c = client.counters();
  EXPECT_EQ(c.requests_completed, 10U);
  EXPECT_EQ(c.requests_failed, 0U);
  EXPECT_EQ(c.connects_attempted, 10U);
  EXPECT_EQ(server.counters().closed_idle, 10U);
  EXPECT_EQ(client.pool().counters().closed_by_peer, 10U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 10U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.client().sockets_alive(), 0U);
  EXPECT_EQ(server.connections(), 0U);
  EXPECT_EQ(w.server().check_invariants(), "");
  EXPECT_EQ(w.client().check_invariants(), "");
}

TEST(ServerIdleTimeoutTest, RequestsCloserThanTheTimeoutShareOneConnection) {
  World w;
  testing::ActiveCloses closes(w.sim, w.server());
  ServerApp server(w.sim, w.server(), idle_closing_server(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), keep_alive_client(20, 10), 1, 1);  // every 50 ms
  client.start();
  w.run_until(550 * kMillisecond);
  EXPECT_EQ(client.counters().requests_completed, 10U);
  EXPECT_EQ(client.counters().connects_attempted, 1U);
  EXPECT_EQ(server.connections(), 1U);
  EXPECT_TRUE(closes.times.empty());

  w.run_until(2 * kSecond);
  EXPECT_EQ(server.counters().closed_idle, 1U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 1U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 0U);
  // The last request leaves at 500 ms, reaches the server 100 us later and is answered
  // after 1 ms of service; the connection is idle from then on.
  ASSERT_EQ(closes.times.size(), 1U);
  EXPECT_EQ(closes.times[0], 500 * kMillisecond + 1100 * kMicrosecond + kIdle);
}

// A min_idle connection carries no request: the server closes it 100 ms after accepting it
// (300 us after connect()), the client answers the FIN 100 us later and opens a new one, so
// the k-th close comes at k x 100 ms + (4k - 1) x 100 us.
TEST(ServerIdleTimeoutTest, AConnectionThatNeverCarriesARequestIsClosed) {
  World w;
  testing::ActiveCloses closes(w.sim, w.server());
  ServerApp server(w.sim, w.server(), idle_closing_server(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = keep_alive_client(1, 0);
  c.pool.min_idle = 1;
  c.stop = 0;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(kSecond);
  ASSERT_EQ(closes.times.size(), 9U);
  for (std::size_t i = 0; i < closes.times.size(); ++i) {
    const auto k = static_cast<sim::Time>(i + 1);
    EXPECT_EQ(closes.times[i], k * kIdle + (4 * k - 1) * 100 * kMicrosecond) << "k = " << k;
  }
  EXPECT_EQ(server.counters().closed_idle, 9U);
  EXPECT_EQ(client.pool().counters().closed_by_peer, 9U);
}

TEST(ServerIdleTimeoutTest, LeakingConnectionsAreNotClosed) {
  World w;
  ServerConfig s = idle_closing_server();
  s.leak_fraction = 1;
  ServerApp leaking(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(leaking.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), keep_alive_client(5, 3), 1, 1);
  client.start();
  w.run_until(2 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 3U);
  EXPECT_EQ(leaking.counters().closed_idle, 0U);
  EXPECT_EQ(leaking.connections(), 1U);
  EXPECT_EQ(client.pool().open(), 1U);
}

}  // namespace
}  // namespace tcpsim::app
