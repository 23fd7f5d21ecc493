// A client's request_timeout wherever the request is: waiting for a pooled connection,
// on a connection, or between retries.
#include <gtest/gtest.h>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::kMillisecond;
using sim::kSecond;
using tcp::TcpState;
using testing::World;

ClientConfig three_requests(PoolKind kind) {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(100);
  c.max_requests = 3;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = kind;
  c.request_timeout = 500 * kMillisecond;
  return c;
}

TEST(ClientRequestTimeoutTest, OnAConnectionItClosesTheConnection) {
  World w;
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::constant(1.0);
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), tcp::SocketError::kOk);
  ClientApp client(w.sim, w.client(), three_requests(PoolKind::kKeepAlive), 1, 1);
  client.start();
  w.run_until(600 * kMillisecond);
  const ClientCounters c = client.counters();
  EXPECT_EQ(c.failed_timeout, 3U);
  EXPECT_EQ(c.requests_failed, 3U);
  EXPECT_EQ(c.requests_completed, 0U);
  EXPECT_EQ(client.pool().counters().closed_broken, 3U);
  EXPECT_EQ(client.pool().open(), 0U);
  EXPECT_EQ(client.outstanding(), 0U);
  // The client closed first; the server is still serving.
  EXPECT_EQ(w.client().count(TcpState::kFinWait2), 3U);
  EXPECT_EQ(w.server().count(TcpState::kCloseWait), 3U);
  // Its late answers meet closed sockets, which reset: nothing is left.
  w.run_until(3 * kSecond);
  EXPECT_EQ(server.connections(), 0U);
  EXPECT_EQ(w.client().sockets_alive() + w.client().minisockets_alive(), 0U);
  EXPECT_EQ(w.server().count(TcpState::kEstablished) + w.server().count(TcpState::kCloseWait), 0U);
}

// All three wait for the one connection, which never opens (its SYNs vanish).
TEST(ClientRequestTimeoutTest, WhileWaitingItLeavesThePoolQueue) {
  World w;
  ClientConfig cfg = three_requests(PoolKind::kBounded);
  cfg.destinations = {{testing::kBlackhole, 80}};
  cfg.pool.max_total = 1;
  cfg.connect.syncnt = 1;  // ETIMEDOUT 3 s after connect()
  ClientApp client(w.sim, w.client(), cfg, 1, 1);
  client.start();
  w.run_until(kSecond);
  EXPECT_EQ(client.counters().failed_timeout, 3U);
  EXPECT_EQ(client.pool().counters().wait_cancelled, 3U);
  EXPECT_EQ(client.pool().waiting(), 0U);
  EXPECT_EQ(client.pool().connecting(), 1U);
  w.run_until(4 * kSecond);
  const ClientCounters c = client.counters();
  EXPECT_EQ(c.connects_attempted, 1U);
  EXPECT_EQ(c.connects_failed[static_cast<std::size_t>(tcp::SocketError::kEtimedout)], 1U);
  EXPECT_EQ(c.failed_connect, 0U);  // nobody was waiting for it any more
  EXPECT_EQ(c.requests_failed, 3U);
}

TEST(ClientRequestTimeoutTest, BetweenRetriesItCancelsTheRetry) {
  World w;  // nothing listens: every connect is refused
  ClientConfig cfg = three_requests(PoolKind::kNone);
  cfg.retry.max_retries = 5;
  cfg.retry.backoff = sim::Distribution::constant(1.0);
  ClientApp client(w.sim, w.client(), cfg, 1, 1);
  client.start();
  w.run_until(5 * kSecond);
  const ClientCounters c = client.counters();
  EXPECT_EQ(c.failed_timeout, 3U);
  EXPECT_EQ(c.failed_connect, 0U);
  EXPECT_EQ(c.retries, 3U);
  EXPECT_EQ(c.connects_attempted, 3U);  // no retry ran
}

}  // namespace
}  // namespace tcpsim::app
