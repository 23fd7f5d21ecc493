// A server that accepts and reads requests but never answers: requests hang until the
// client's request_timeout, and with Retry's on_timeout are retried after timeout + backoff.
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

ServerConfig hung_server() {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.never_respond = true;
  s.idle_timeout = kSecond;  // does not apply: the requests are in service for ever
  return s;
}

ClientConfig one_request(PoolKind kind) {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(1);  // the request at 1 s
  c.max_requests = 1;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = kind;
  return c;
}

// request_timeout 2 s, two retries 1 s apart.
ClientConfig timing_out(bool on_timeout, PoolKind kind = PoolKind::kNone) {
  ClientConfig c = one_request(kind);
  c.request_timeout = 2 * kSecond;
  c.retry.max_retries = 2;
  c.retry.backoff = sim::Distribution::constant(1.0);
  c.retry.on_timeout = on_timeout;
  return c;
}

TEST(ServerNeverRespondTest, WithoutATimeoutRequestsHangForEver) {
  World w;
  ServerApp server(w.sim, w.server(), hung_server(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig cfg = one_request(PoolKind::kKeepAlive);
  cfg.max_requests = 4;
  ClientApp client(w.sim, w.client(), cfg, 1, 1);
  client.start();
  w.run_until(1000 * kSecond);
  EXPECT_EQ(client.outstanding(), 4U);
  EXPECT_EQ(client.pool().busy(), 4U);
  EXPECT_EQ(server.counters().requests, 4U);
  EXPECT_EQ(server.counters().responses, 0U);
  EXPECT_EQ(server.counters().closed_idle, 0U);
  EXPECT_EQ(server.connections(), 4U);
  EXPECT_EQ(w.client().count(TcpState::kEstablished), 4U);
}

// request_timeout alone: the request fails at 3 s and is not retried, connect retries
// notwithstanding; the server reads the client's FIN and closes.
TEST(ServerNeverRespondTest, ATimeoutFailsTheRequestAndClosesTheConnection) {
  World w;
  ServerApp server(w.sim, w.server(), hung_server(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), timing_out(false), 1, 1);
  testing::ActiveCloses closes(w.sim, w.client());
  client.start();
  w.run_until(20 * kSecond);
  const ClientCounters c = client.counters();
  EXPECT_EQ(c.failed_timeout, 1U);
  EXPECT_EQ(c.retries, 0U);
  EXPECT_EQ(c.connects_attempted, 1U);
  EXPECT_EQ(closes.times, std::vector<sim::Time>{3 * kSecond});
  EXPECT_EQ(server.counters().closed, 1U);
  EXPECT_EQ(server.connections(), 0U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 1U);
}

// Each attempt gets 2 s from its start; the next starts 1 s of backoff after it timed out.
TEST(ServerNeverRespondTest, RetriesOnTimeoutComeTimeoutPlusBackoffApart) {
  World w;
  ServerApp server(w.sim, w.server(), hung_server(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), timing_out(true), 1, 1);
  testing::ActiveCloses closes(w.sim, w.client());
  client.start();
  w.run_until(20 * kSecond);
  const ClientCounters c = client.counters();
  EXPECT_EQ(c.requests_issued, 1U);
  EXPECT_EQ(c.failed_timeout, 1U);
  EXPECT_EQ(c.requests_failed, 1U);
  EXPECT_EQ(c.retries, 2U);
  EXPECT_EQ(c.connects_attempted, 3U);
  EXPECT_EQ(client.pool().counters().closed_broken, 3U);
  // Attempts at 1, 4 and 7 s, each abandoned 2 s later.
  EXPECT_EQ(closes.times, (std::vector<sim::Time>{3 * kSecond, 6 * kSecond, 9 * kSecond}));
  EXPECT_EQ(server.counters().requests, 3U);
  EXPECT_EQ(server.counters().responses, 0U);
  EXPECT_EQ(server.counters().closed, 3U);
  EXPECT_EQ(client.outstanding(), 0U);
  EXPECT_EQ(w.client().check_invariants(), "");
}

// On a multiplexed connection the timed-out stream stays to absorb a response that never
// comes, and the retries take new streams of the same connection.
TEST(ServerNeverRespondTest, MultiplexedRetriesOnTimeoutTakeNewStreams) {
  World w;
  ServerApp server(w.sim, w.server(), hung_server(), 1, 100, nullptr, &w.streams);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig cfg = timing_out(true, PoolKind::kMultiplexed);
  cfg.pool.streams_per_connection = 10;
  ClientApp client(w.sim, w.client(), cfg, 1, 1, nullptr, &w.streams);
  client.start();
  w.run_until(20 * kSecond);
  const ClientCounters c = client.counters();
  EXPECT_EQ(c.failed_timeout, 1U);
  EXPECT_EQ(c.retries, 2U);
  EXPECT_EQ(c.connects_attempted, 1U);
  EXPECT_EQ(client.pool().streams(), 3U);
  EXPECT_EQ(server.counters().requests, 3U);
  EXPECT_EQ(client.outstanding(), 0U);
}

}  // namespace
}  // namespace tcpsim::app
