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

WorldOptions ideal_links() {
  WorldOptions o;
  o.link_latency = 0;
  return o;
}

ServerConfig server(sim::Time service) {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::constant(sim::to_seconds(service));
  return s;
}

ClientConfig users(std::uint32_t n, const PoolConfig& pool) {
  ClientConfig c;
  c.load = LoadModel::kClosedLoop;
  c.users = n;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool = pool;
  return c;
}

// `n` users of one client host against one server over ideal links, run until `until`.
struct IdealRun {
  IdealRun(sim::Time service, std::uint32_t n, const PoolConfig& pool, sim::Time until)
      : w(ideal_links()),
        srv(w.sim, w.server(), server(service), 1, 100),
        client(w.sim, w.client(), users(n, pool), 1, 1) {
    EXPECT_EQ(srv.start(), SocketError::kOk);
    client.start();
    w.run_until(until);
  }
  World w;
  ServerApp srv;
  ClientApp client;
};

TEST(ClientClosedLoopTest, RequestsOfNoDurationStartAMinimumCycleApart) {
  PoolConfig keep_alive;
  keep_alive.kind = PoolKind::kKeepAlive;
  // Requests at 0, 1 us, ..., 999 us; each completes at the instant it starts.
  const IdealRun r(0, 1, keep_alive, 1 * kMillisecond - kMicrosecond / 2);
  const ClientCounters k = r.client.counters();
  EXPECT_EQ(k.requests_issued, 1000U);
  EXPECT_EQ(k.requests_completed, 1000U);
  EXPECT_EQ(k.connects_attempted, 1U);
  EXPECT_EQ(r.client.request_latency().count(), 1000U);
  EXPECT_EQ(r.client.request_latency().max(), 0);
}

TEST(ClientClosedLoopTest, AUserThePoolRefusesAtOnceTriesAgainAMinimumCycleLater) {
  PoolConfig bounded;
  bounded.kind = PoolKind::kBounded;
  bounded.max_total = 1;
  bounded.max_waiting = 0;
  // User 0 holds the one connection for 10 ms; user 1 is refused at 0, 1 us, ..., 9999 us.
  const IdealRun r(10 * kMillisecond, 2, bounded, 10 * kMillisecond - kMicrosecond / 2);
  const ClientCounters k = r.client.counters();
  EXPECT_EQ(k.requests_issued, 10001U);
  EXPECT_EQ(k.requests_completed, 0U);
  EXPECT_EQ(k.failed_pool_full, 10000U);
  EXPECT_EQ(k.requests_failed, 10000U);
  EXPECT_EQ(k.pool_busy, 1U);
}

}  // namespace
}  // namespace tcpsim::app
