// Closed-loop users whose requests take no simulated time (ideal links, no service or think
// time, a pool that refuses at once) still move forward: kMinUserCycle apart.
#include <gtest/gtest.h>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::kMicrosecond;
using sim::kMillisecond;
using tcp::SocketError;
using testing::World;
using testing::WorldOptions;

World ideal_world() {
  WorldOptions o;
  o.link_latency = 0;
  return World(o);
}

ServerConfig server(sim::Time service) {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::constant(sim::to_seconds(service));
  return s;
}

ClientConfig users(std::uint32_t n, PoolConfig pool) {
  ClientConfig c;
  c.load = LoadModel::kClosedLoop;
  c.users = n;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool = pool;
  return c;
}

TEST(ClientClosedLoopTest, RequestsOfNoDurationStartAMinimumCycleApart) {
  World w = ideal_world();
  ServerApp srv(w.sim, w.server(), server(0), 1, 100);
  ASSERT_EQ(srv.start(), SocketError::kOk);
  PoolConfig keep_alive;
  keep_alive.kind = PoolKind::kKeepAlive;
  ClientApp client(w.sim, w.client(), users(1, keep_alive), 1, 1);
  client.start();
  // Requests at 0, 1 us, ..., 999 us; each completes at the instant it starts.
  w.run_until(1 * kMillisecond - kMicrosecond / 2);
  const ClientCounters k = client.counters();
  EXPECT_EQ(k.requests_issued, 1000U);
  EXPECT_EQ(k.requests_completed, 1000U);
  EXPECT_EQ(k.connects_attempted, 1U);
  EXPECT_EQ(client.request_latency().count(), 1000U);
  EXPECT_EQ(client.request_latency().max(), 0);
}

TEST(ClientClosedLoopTest, AUserThePoolRefusesAtOnceTriesAgainAMinimumCycleLater) {
  World w = ideal_world();
  ServerApp srv(w.sim, w.server(), server(10 * kMillisecond), 1, 100);
  ASSERT_EQ(srv.start(), SocketError::kOk);
  PoolConfig bounded;
  bounded.kind = PoolKind::kBounded;
  bounded.max_total = 1;
  bounded.max_waiting = 0;
  ClientApp client(w.sim, w.client(), users(2, bounded), 1, 1);
  client.start();
  // User 0 holds the one connection for 10 ms; user 1 is refused at 0, 1 us, ..., 9999 us.
  w.run_until(10 * kMillisecond - kMicrosecond / 2);
  const ClientCounters k = client.counters();
  EXPECT_EQ(k.requests_issued, 10001U);
  EXPECT_EQ(k.requests_completed, 0U);
  EXPECT_EQ(k.failed_pool_full, 10000U);
  EXPECT_EQ(k.requests_failed, 10000U);
  EXPECT_EQ(k.pool_busy, 1U);
}

}  // namespace
}  // namespace tcpsim::app
