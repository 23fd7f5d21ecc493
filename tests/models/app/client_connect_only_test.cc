// A client whose requests are a connect() and a close() (health checks, port scanners): the
// client closes first and keeps the TIME_WAIT; the server accepts, reads EOF and closes.
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

ClientConfig probes(std::uint64_t n) {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(10);
  c.max_requests = n;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kNone;
  c.connect_only = true;
  return c;
}

TEST(ClientConnectOnlyTest, EachProbeConnectsAndClosesWithNothingSent) {
  World w;
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), probes(5), 1, 1);
  testing::ActiveCloses closes(w.sim, w.client());
  client.start();
  w.run_until(2 * kSecond);
  const ClientCounters c = client.counters();
  EXPECT_EQ(c.requests_issued, 5U);
  EXPECT_EQ(c.requests_completed, 5U);
  EXPECT_EQ(c.requests_failed, 0U);
  EXPECT_EQ(c.connects_succeeded, 5U);
  EXPECT_EQ(c.request_bytes, 0U);
  EXPECT_EQ(c.response_bytes, 0U);
  EXPECT_EQ(client.pool().counters().closed_max_requests, 5U);
  // Closed on ESTABLISHED, one round trip (200 us) after each connect() at k x 100 ms.
  ASSERT_EQ(closes.times.size(), 5U);
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(closes.times[k],
              static_cast<sim::Time>(k + 1) * 100 * kMillisecond + 200 * sim::kMicrosecond);
  }
  const ServerCounters sc = server.counters();
  EXPECT_EQ(sc.accepted, 5U);
  EXPECT_EQ(sc.requests, 0U);
  EXPECT_EQ(sc.responses, 0U);
  EXPECT_EQ(sc.closed, 5U);
  EXPECT_EQ(server.connections(), 0U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 5U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.server().sockets_alive(), 1U);  // the listener
  EXPECT_EQ(w.client().check_invariants(), "");
}

TEST(ClientConnectOnlyTest, ARefusedProbeFails) {
  World w;  // nothing listens
  ClientApp client(w.sim, w.client(), probes(3), 1, 1);
  client.start();
  w.run_until(kSecond);
  const ClientCounters c = client.counters();
  EXPECT_EQ(c.requests_completed, 0U);
  EXPECT_EQ(c.failed_connect, 3U);
  EXPECT_EQ(c.connects_failed[static_cast<std::size_t>(SocketError::kEconnrefused)], 3U);
}

TEST(ClientConnectOnlyTest, NeedsAPoolOfKindNone) {
  World w;
  ClientConfig cfg = probes(1);
  cfg.pool.kind = PoolKind::kKeepAlive;
  EXPECT_THROW(ClientApp(w.sim, w.client(), cfg, 1, 1), std::invalid_argument);
}

}  // namespace
}  // namespace tcpsim::app
