// A server host that crashes and restarts, seen from its clients: SYNs lost while it is
// down, a kept-alive connection reset when it is used after the restart, and SO_KEEPALIVE
// finding that out before a request does.
#include "models/app/host_crashes.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::kMillisecond;
using sim::kSecond;
using tcp::SocketError;
using testing::World;
using testing::WorldOptions;

ServerConfig server_config() {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::constant(0);
  return s;
}

ClientConfig requests_at(std::vector<sim::Time> times, PoolKind pool) {
  ClientConfig c;
  c.max_requests = times.size();
  c.arrivals = ArrivalProcess::trace(std::move(times));
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = pool;
  return c;
}

// Down from 1 s to 2 s. Client 0 keeps its first connection and uses it again at 3 s: the
// restarted host resets it. Client 1's SYN at 1.5 s is lost; its retry at 2.5 s connects.
TEST(HostCrashesTest, LostConnectionsAreResetAndSynsRetriedThroughTheDowntime) {
  World w(WorldOptions{.clients = 2});
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  HostCrashes crashes(w.sim, w.server(), server, {{.at = 1 * kSecond, .downtime = 1 * kSecond}});
  ASSERT_EQ(server.start(), SocketError::kOk);
  crashes.start();
  ClientApp pooled(w.sim, w.client(0), requests_at({0, 3 * kSecond}, PoolKind::kKeepAlive), 1, 1);
  ClientApp fresh(w.sim, w.client(1), requests_at({1500 * kMillisecond}, PoolKind::kNone), 1, 2);
  pooled.start();
  fresh.start();

  w.run_until(1500 * kMillisecond);
  EXPECT_EQ(crashes.crashes(), 1U);
  EXPECT_TRUE(w.server().down());
  EXPECT_EQ(w.server().sockets_alive(), 0U);
  EXPECT_EQ(server.connections(), 0U);
  w.run_until(10 * kSecond);
  EXPECT_FALSE(w.server().down());
  EXPECT_EQ(w.server().count(tcp::TcpState::kListen), 1U);

  EXPECT_EQ(pooled.counters().requests_completed, 1U);
  EXPECT_EQ(pooled.counters().failed_connection, 1U);
  EXPECT_EQ(pooled.counters().connects_attempted, 1U);
  EXPECT_EQ(w.client(0).counters().estab_resets, 1U);
  EXPECT_EQ(fresh.counters().requests_completed, 1U);
  EXPECT_EQ(w.client(1).counters().syn_retrans, 1U);
  EXPECT_EQ(server.counters().accepted, 2U);  // the first connection, then client 1's
  EXPECT_EQ(w.server().counters().out_rsts, 1U);
  EXPECT_EQ(w.server().check_invariants(), "");
}

// Down from 1 s to 6 s; the second request comes at 30 s. Without keepalive it is sent on the
// dead connection and fails; with probes after 10 s idle the first probe meets the restarted
// host's reset, the pool drops the connection, and the request opens a new one.
TEST(HostCrashesTest, ClientKeepaliveDropsTheDeadConnectionBeforeTheNextRequest) {
  for (const bool keepalive : {false, true}) {
    World w;
    ServerApp server(w.sim, w.server(), server_config(), 1, 100);
    HostCrashes crashes(w.sim, w.server(), server, {{.at = 1 * kSecond, .downtime = 5 * kSecond}});
    ASSERT_EQ(server.start(), SocketError::kOk);
    crashes.start();
    ClientConfig c = requests_at({0, 30 * kSecond}, PoolKind::kKeepAlive);
    if (keepalive) c.connect.keepalive = {.enabled = true, .probes = 2, .idle_s = 10, .intvl_s = 5};
    ClientApp client(w.sim, w.client(), c, 1, 1);
    client.start();
    w.run_until(40 * kSecond);
    SCOPED_TRACE(keepalive ? "keepalive" : "no keepalive");
    EXPECT_EQ(client.counters().requests_completed, keepalive ? 2U : 1U);
    EXPECT_EQ(client.counters().failed_connection, keepalive ? 0U : 1U);
    EXPECT_EQ(client.counters().connects_attempted, keepalive ? 2U : 1U);
    EXPECT_EQ(w.client().counters().keepalive_probes, keepalive ? 1U : 0U);
    EXPECT_EQ(w.client().counters().estab_resets, 1U);
  }
}

// A server's SO_KEEPALIVE reaches its accepted connections through the listener.
TEST(HostCrashesTest, ServerKeepaliveIsInheritedByAcceptedConnections) {
  World w;
  ServerConfig s = server_config();
  s.keepalive = {.enabled = true, .probes = 3, .idle_s = 20, .intvl_s = 1};
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), requests_at({0}, PoolKind::kKeepAlive), 1, 1);
  client.start();
  w.run_until(1 * kSecond);
  w.client().crash();
  w.run_until(30 * kSecond);
  // Probes at 20, 21, 22 s go unanswered; the server resets the connection at 23 s.
  EXPECT_EQ(w.server().counters().keepalive_probes, 3U);
  EXPECT_EQ(w.server().counters().abort_on_timeout, 1U);
  EXPECT_EQ(server.counters().connection_errors[static_cast<std::size_t>(SocketError::kEtimedout)],
            1U);
  EXPECT_EQ(server.connections(), 0U);
}

TEST(HostCrashesTest, RefusesOverlappingOrEmptyDowntimes) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  EXPECT_THROW(HostCrashes(w.sim, w.server(), server, {{.at = 0, .downtime = 0}}),
               std::invalid_argument);
  EXPECT_THROW(HostCrashes(w.sim, w.server(), server,
                           {{.at = 5 * kSecond, .downtime = 2 * kSecond},
                            {.at = 6 * kSecond, .downtime = 1 * kSecond}}),
               std::invalid_argument);
  EXPECT_NO_THROW(HostCrashes(w.sim, w.server(), server,
                              {{.at = 5 * kSecond, .downtime = 2 * kSecond},
                               {.at = 7 * kSecond, .downtime = 1 * kSecond}}));
}

}  // namespace
}  // namespace tcpsim::app
