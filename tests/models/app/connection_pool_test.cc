// Connection pools end to end: reuse, limits, recycling, wait queues,
// multiplexing, LIFO against FIFO, and a bounded pool against Erlang C.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

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
using testing::WorldOptions;

ServerConfig server_config(double service_seconds = 0.001) {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::constant(service_seconds);
  return s;
}

ClientConfig closed_loop(std::uint32_t users, double think_seconds, std::uint64_t requests) {
  ClientConfig c;
  c.load = LoadModel::kClosedLoop;
  c.users = users;
  c.think_time = sim::Distribution::constant(think_seconds);
  c.max_requests = requests;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kKeepAlive;
  return c;
}

ClientConfig open_loop(ArrivalProcess arrivals) {
  ClientConfig c;
  c.load = LoadModel::kOpenLoop;
  c.arrivals = std::move(arrivals);
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kBounded;
  return c;
}

TEST(ConnectionPoolTest, KeepAliveServesSequentialRequestsOverOneConnection) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(1, 0, 1000);
  c.pool.idle_timeout = 90 * kSecond;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(10 * kSecond);

  const ClientCounters k = client.counters();
  EXPECT_EQ(k.requests_completed, 1000U);
  EXPECT_EQ(k.connects_attempted, 1U);
  EXPECT_EQ(server.counters().accepted, 1U);
  EXPECT_EQ(client.pool().counters().acquired_at_once, 999U);
  EXPECT_EQ(k.pool_idle, 1U);
  EXPECT_EQ(k.pool_busy, 0U);
  EXPECT_EQ(w.client().count(TcpState::kEstablished), 1U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 0U);
  // The idle timeout ends it: the client closes, so the TIME_WAIT is the client's.
  w.run_until(120 * kSecond);
  EXPECT_EQ(client.pool().counters().closed_idle_timeout, 1U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 1U);
  EXPECT_EQ(client.pool().open(), 0U);
}

TEST(ConnectionPoolTest, NoPoolOpensAConnectionPerRequest) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(1, 0, 100);
  c.pool.kind = PoolKind::kNone;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(5 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 100U);
  EXPECT_EQ(client.counters().connects_attempted, 100U);
  EXPECT_EQ(client.pool().counters().closed_max_requests, 100U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 100U);
}

TEST(ConnectionPoolTest, MaxRequestsPerConnectionRecycles) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(1, 0.001, 100);
  c.pool.max_requests_per_connection = 10;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(5 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 100U);
  EXPECT_EQ(client.counters().connects_attempted, 10U);
  EXPECT_EQ(client.pool().counters().closed_max_requests, 10U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 10U);
}

TEST(ConnectionPoolTest, MaxLifetimeRecycles) {
  // One request every ~100 ms for 10 s with connections living 1 s: a new
  // connection about every second, never one older than that.
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(1, 0.1, 0);
  c.stop = 10 * kSecond;
  c.pool.max_lifetime = kSecond;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(10 * kSecond);
  const std::uint64_t connects = client.counters().connects_attempted;
  EXPECT_GE(connects, 9U);
  EXPECT_LE(connects, 11U);
  EXPECT_EQ(client.pool().counters().closed_lifetime, connects - client.pool().open());
  EXPECT_GT(client.counters().requests_completed, 90U);
}

TEST(ConnectionPoolTest, MinIdleConnectionsArePrewarmedAndKept) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(1, 0.5, 10);
  c.pool.kind = PoolKind::kBounded;
  c.pool.max_total = 8;
  c.pool.min_idle = 5;
  c.pool.idle_timeout = kSecond;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(50 * sim::kMicrosecond);
  EXPECT_EQ(client.pool().connecting(), 5U);
  w.run_until(20 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 10U);
  EXPECT_EQ(client.pool().idle(), 5U);
  EXPECT_EQ(client.pool().counters().closed_idle_timeout, 0U);
  // The sixth was opened to keep five idle while one was busy; it timed out.
  EXPECT_LE(client.counters().connects_attempted, 6U);
}

TEST(ConnectionPoolTest, MaxIdlePerDestinationClosesReturnedConnections) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(0.01), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(10, 0, 500);
  c.pool.max_idle_per_destination = 2;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(5 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 500U);
  EXPECT_EQ(client.pool().idle(), 2U);
  EXPECT_EQ(client.pool().open(), 2U);
  EXPECT_GE(client.pool().counters().closed_excess_idle, 8U);
}

TEST(ConnectionPoolTest, PerDestinationLimitQueuesTheRest) {
  WorldOptions o;
  o.servers = 2;
  World w(o);
  std::vector<std::unique_ptr<ServerApp>> servers;
  ClientConfig c = closed_loop(20, 0, 2000);
  c.pool.kind = PoolKind::kBounded;
  c.pool.max_per_destination = 3;
  c.destinations.clear();
  for (std::uint32_t i = 0; i < 2; ++i) {
    ServerConfig s = server_config(0.005);
    s.listen = {{testing::server_address(i), 80}};
    servers.push_back(std::make_unique<ServerApp>(w.sim, w.server(i), s, 1, 100 + i));
    ASSERT_EQ(servers.back()->start(), SocketError::kOk);
    c.destinations.push_back({testing::server_address(i), 80});
  }
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(kSecond);
  EXPECT_EQ(client.pool().open(), 6U);
  EXPECT_GT(client.pool().waiting(), 0U);
  w.run_until(10 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 2000U);
  for (const auto& s : servers) EXPECT_EQ(s->counters().accepted, 3U);
}

TEST(ConnectionPoolTest, GlobalLimitEvictsIdleConnectionsOfOtherDestinations) {
  WorldOptions o;
  o.servers = 2;
  World w(o);
  std::vector<std::unique_ptr<ServerApp>> servers;
  ClientConfig c = closed_loop(1, 0.01, 100);
  c.pool.kind = PoolKind::kBounded;
  c.pool.max_total = 1;
  c.destinations.clear();
  for (std::uint32_t i = 0; i < 2; ++i) {
    ServerConfig s = server_config();
    s.listen = {{testing::server_address(i), 80}};
    servers.push_back(std::make_unique<ServerApp>(w.sim, w.server(i), s, 1, 100 + i));
    ASSERT_EQ(servers.back()->start(), SocketError::kOk);
    c.destinations.push_back({testing::server_address(i), 80});
  }
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(10 * kSecond);
  // Round robin over two destinations with room for one connection: every
  // request evicts the idle connection to the other one.
  EXPECT_EQ(client.counters().requests_completed, 100U);
  EXPECT_EQ(client.counters().connects_attempted, 100U);
  EXPECT_EQ(client.pool().counters().closed_excess_idle, 99U);
}

// Calls `check` every `period` of simulated time.
class Probe final : public sim::EventHandler {
 public:
  Probe(sim::Simulator& sim, sim::Time period, std::function<void()> check)
      : sim_(sim), period_(period), check_(std::move(check)), self_(sim.add_handler(*this)) {
    sim.schedule_after(period, self_, 0, 0);
  }
  void handle(const sim::Event&) override {
    check_();
    ++checks;
    sim_.schedule_after(period_, self_, 0, 0);
  }
  std::uint64_t checks = 0;

 private:
  sim::Simulator& sim_;
  sim::Time period_;
  std::function<void()> check_;
  sim::HandlerId self_;
};

TEST(ConnectionPoolTest, GlobalLimitHandsRoomToOtherDestinationsWaiters) {
  // Two users, two destinations, one connection in all: each returned
  // connection is closed so that the other destination's waiter gets one.
  WorldOptions o;
  o.servers = 2;
  World w(o);
  std::vector<std::unique_ptr<ServerApp>> servers;
  ClientConfig c = closed_loop(2, 0, 200);
  c.pool.kind = PoolKind::kBounded;
  c.pool.max_total = 1;
  c.destinations.clear();
  for (std::uint32_t i = 0; i < 2; ++i) {
    ServerConfig s = server_config(0.002);
    s.listen = {{testing::server_address(i), 80}};
    servers.push_back(std::make_unique<ServerApp>(w.sim, w.server(i), s, 1, 100 + i));
    ASSERT_EQ(servers.back()->start(), SocketError::kOk);
    c.destinations.push_back({testing::server_address(i), 80});
  }
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  Probe probe(w.sim, 100 * sim::kMicrosecond, [&] {
    const ConnectionPool& p = client.pool();
    ASSERT_LE(p.open() + p.connecting(), 1U);
    ASSERT_LE(p.busy(), p.open());
    ASSERT_LE(p.idle() + p.busy(), p.open());
  });
  w.run_until(10 * kSecond);
  EXPECT_GT(probe.checks, 0U);
  EXPECT_EQ(client.counters().requests_completed, 200U);
  EXPECT_GT(client.pool().counters().closed_excess_idle, 50U);
  EXPECT_EQ(servers[0]->counters().requests + servers[1]->counters().requests, 200U);
}

TEST(ConnectionPoolTest, WaitTimeoutFailsRequestsWhenSaturated) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(1.0), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = open_loop(ArrivalProcess::constant(20));
  c.max_requests = 20;
  c.pool.max_total = 2;
  c.pool.wait_timeout = 50 * kMillisecond;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(5 * kSecond);
  const ClientCounters k = client.counters();
  EXPECT_EQ(k.requests_completed, 2U);
  EXPECT_EQ(k.failed_pool_timeout, 18U);
  EXPECT_EQ(k.requests_failed, 18U);
  EXPECT_EQ(client.pool().counters().wait_timeouts, 18U);
  EXPECT_EQ(k.connects_attempted, 2U);
}

TEST(ConnectionPoolTest, FullWaitQueueTurnsRequestsAway) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(1.0), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = open_loop(ArrivalProcess::constant(20));
  c.max_requests = 20;
  c.pool.max_total = 2;
  c.pool.max_waiting = 5;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(kSecond);
  EXPECT_EQ(client.counters().pool_waiting, 5U);
  w.run_until(10 * kSecond);
  const ClientCounters k = client.counters();
  EXPECT_EQ(k.failed_pool_full, 13U);
  EXPECT_EQ(k.requests_completed, 7U);
  // The waiters' latency includes up to three seconds in the queue.
  EXPECT_GT(client.request_latency().max(), 3 * kSecond);
  // Waiting for a connection being opened counts as waiting too: the first two.
  EXPECT_EQ(client.pool().wait_time().count(), 7U);
}

TEST(ConnectionPoolTest, MultiplexedPoolCarriesConcurrentStreamsOnOneConnection) {
  World w;
  ServerConfig s = server_config();
  s.service_time = sim::Distribution::exponential(0.01);
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = open_loop(ArrivalProcess::poisson(500));
  c.stop = 4 * kSecond;
  c.pool.kind = PoolKind::kMultiplexed;
  c.pool.streams_per_connection = 100;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(5 * kSecond);
  const ClientCounters k = client.counters();
  EXPECT_EQ(k.connects_attempted, 1U);
  EXPECT_EQ(server.counters().accepted, 1U);
  EXPECT_EQ(k.requests_completed, k.requests_issued);
  EXPECT_EQ(k.requests_failed, 0U);
  EXPECT_NEAR(static_cast<double>(k.requests_completed), 2000, 5 * std::sqrt(2000.0));
  EXPECT_EQ(client.pool().streams(), 0U);
}

TEST(ConnectionPoolTest, MultiplexedStreamLimitMakesRequestsWait) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(0.02), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(8, 0, 800);
  c.pool.kind = PoolKind::kMultiplexed;
  c.pool.streams_per_connection = 2;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(kSecond);
  EXPECT_EQ(client.pool().streams(), 2U);
  EXPECT_EQ(client.pool().waiting(), 6U);
  w.run_until(20 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 800U);
  EXPECT_EQ(client.counters().connects_attempted, 1U);
}

TEST(ConnectionPoolTest, ServerClosingAnIdleConnectionRemovesItFromThePool) {
  // The server closes each connection 10 ms after its response; the client,
  // which thinks for 100 ms, finds the FIN while the connection is idle.
  World w;
  ServerConfig s = server_config();
  s.closer = Closer::kServer;
  s.close_delay = 10 * kMillisecond;
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(1, 0.1, 20);
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(5 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 20U);
  EXPECT_EQ(client.counters().requests_failed, 0U);
  EXPECT_EQ(client.counters().connects_attempted, 20U);
  EXPECT_EQ(client.pool().counters().closed_by_peer, 20U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 20U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.client().count(TcpState::kCloseWait), 0U);
}

TEST(ConnectionPoolTest, ServerResetRemovesTheConnectionFromThePool) {
  // The server aborts each connection (SO_LINGER {1, 0}) right after its
  // response: the RST follows the data, so the request completes and the
  // idle connection is dropped; nobody keeps a TIME_WAIT.
  World w;
  ServerConfig s = server_config();
  s.closer = Closer::kServer;
  s.linger_zero_fraction = 1;
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(1, 0.01, 10);
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(2 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 10U);
  EXPECT_EQ(client.pool().counters().closed_by_peer, 10U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.client().sockets_alive(), 0U);
}

TEST(ConnectionPoolTest, KeepAliveRaceWithServerCloseIsRetried) {
  // The server closes 10 us after each response; the client reuses the
  // connection at once, so its next request crosses the server's FIN: the
  // request sees EOF, fails, and its retry opens a new connection.
  World w;
  ServerConfig s = server_config();
  s.closer = Closer::kServer;
  s.close_delay = 10 * sim::kMicrosecond;
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = closed_loop(1, 0, 10);
  c.retry.max_retries = 1;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(2 * kSecond);
  const ClientCounters k = client.counters();
  EXPECT_EQ(k.requests_completed, 10U);
  EXPECT_EQ(k.requests_failed, 0U);
  EXPECT_EQ(k.retries, 9U);
  EXPECT_EQ(k.connects_attempted, 10U);
  EXPECT_EQ(client.pool().counters().closed_by_peer, 10U);
  // Data arriving after the server's close() is answered with a reset.
  EXPECT_EQ(w.server().counters().abort_on_data, 9U);

  // Without retries the same race fails the requests.
  World w2;
  ServerApp server2(w2.sim, w2.server(), s, 1, 100);
  ASSERT_EQ(server2.start(), SocketError::kOk);
  c.retry.max_retries = 0;
  ClientApp client2(w2.sim, w2.client(), c, 1, 1);
  client2.start();
  w2.run_until(2 * kSecond);
  EXPECT_EQ(client2.counters().failed_connection, 5U);
  EXPECT_EQ(client2.counters().requests_completed, 5U);
}

TEST(ConnectionPoolTest, MinIdleRetriesWarmupAfterFailures) {
  World w;  // nothing listens at first
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ClientConfig c = closed_loop(1, 0, 0);
  c.stop = 0;
  c.pool.kind = PoolKind::kBounded;
  c.pool.min_idle = 2;
  c.pool.warmup_retry_delay = kSecond;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(5500 * kMillisecond);
  // Two attempts at 0, 1, 2, 3, 4 and 5 s, all refused.
  EXPECT_EQ(client.counters().connects_attempted, 12U);
  EXPECT_EQ(client.counters().connects_failed[static_cast<std::size_t>(SocketError::kEconnrefused)],
            12U);
  ASSERT_EQ(server.start(), SocketError::kOk);
  w.run_until(7 * kSecond);
  EXPECT_EQ(client.counters().connects_succeeded, 2U);
  EXPECT_EQ(client.pool().idle(), 2U);
}

// Every pool feature at once, under overload and with servers closing
// connections: the counts must stay consistent and the stacks valid.
void run_mixed(PoolKind kind, std::uint64_t seed) {
  WorldOptions o;
  o.servers = 3;
  o.seed = seed;
  World w(o);
  std::vector<std::unique_ptr<ServerApp>> servers;
  ClientConfig c = open_loop(ArrivalProcess::poisson(2000));
  c.stop = 5 * kSecond;
  c.destination_policy = DestinationPolicy::kUniform;
  c.destinations.clear();
  for (std::uint32_t i = 0; i < 3; ++i) {
    ServerConfig s = server_config();
    s.listen = {{testing::server_address(i), 80}};
    s.service_time = sim::Distribution::exponential(0.005);
    s.closer = Closer::kServer;
    s.requests_per_connection = 7;
    s.close_delay = 5 * kMillisecond;
    s.leak_fraction = 0.05;
    servers.push_back(std::make_unique<ServerApp>(w.sim, w.server(i), s, seed, 100 + i));
    ASSERT_EQ(servers.back()->start(), SocketError::kOk);
    c.destinations.push_back({testing::server_address(i), 80});
  }
  c.pool.kind = kind;
  c.pool.max_total = 12;
  c.pool.max_per_destination = kind == PoolKind::kMultiplexed ? 2 : 5;
  c.pool.streams_per_connection = kind == PoolKind::kMultiplexed ? 2 : 1;
  c.pool.max_idle = 6;
  c.pool.max_idle_per_destination = 3;
  c.pool.min_idle = 1;
  c.pool.idle_timeout = 50 * kMillisecond;
  c.pool.max_lifetime = 200 * kMillisecond;
  c.pool.max_requests_per_connection = 10;
  c.pool.max_waiting = 50;
  c.pool.wait_timeout = 20 * kMillisecond;
  c.retry.max_retries = 2;
  c.retry.backoff = sim::Distribution::exponential(0.005);
  ClientApp client(w.sim, w.client(), c, seed, 1);
  client.start();
  Probe probe(w.sim, kMillisecond, [&] {
    const ConnectionPool& p = client.pool();
    ASSERT_LE(p.open() + p.connecting(), 12U);
    ASSERT_LE(p.busy() + p.idle(), p.open());
    ASSERT_LE(p.streams(), p.busy() * c.pool.streams_per_connection);
    ASSERT_LE(p.idle(), 6U);
  });
  w.run_until(7 * kSecond);
  const ClientCounters k = client.counters();
  EXPECT_EQ(client.outstanding(), 0U);
  EXPECT_EQ(k.requests_issued, k.requests_completed + k.requests_failed);
  EXPECT_EQ(k.requests_failed,
            k.failed_connect + k.failed_connection + k.failed_pool_timeout + k.failed_pool_full);
  EXPECT_GT(k.requests_completed, 1000U);
  EXPECT_GT(k.failed_pool_timeout + k.failed_pool_full, 0U);
  EXPECT_GT(k.retries, 0U);
  EXPECT_EQ(client.pool().waiting(), 0U);
  EXPECT_EQ(client.pool().busy(), 0U);
  EXPECT_EQ(client.pool().streams(), 0U);
  std::uint64_t responses = 0;
  for (const auto& s : servers) responses += s->counters().responses;
  EXPECT_GE(responses, k.requests_completed);
  EXPECT_EQ(w.client().check_invariants(), "");
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_EQ(w.server(i).check_invariants(), "");
}

TEST(ConnectionPoolTest, BoundedPoolWithEveryFeatureStaysConsistent) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) run_mixed(PoolKind::kBounded, seed);
}

TEST(ConnectionPoolTest, MultiplexedPoolWithEveryFeatureStaysConsistent) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) run_mixed(PoolKind::kMultiplexed, seed);
}

// Time-wait and idle-timeout closes under a burst followed by light load.
struct ReuseOutcome {
  std::uint64_t idle_closes;
  std::uint64_t connects;
  std::uint32_t client_time_wait;
};

ReuseOutcome run_reuse(ReuseOrder order) {
  World w;
  ServerConfig s = server_config();
  s.service_time = sim::Distribution::exponential(0.05);
  ServerApp server(w.sim, w.server(), s, 3, 100);
  EXPECT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = open_loop(ArrivalProcess::steps({{0, 400}, {2 * kSecond, 15}}));
  c.stop = 30 * kSecond;
  c.pool.kind = PoolKind::kKeepAlive;
  c.pool.idle_timeout = 2 * kSecond;
  c.pool.reuse = order;
  ClientApp client(w.sim, w.client(), c, 3, 1);
  client.start();
  w.run_until(30 * kSecond);
  return {client.pool().counters().closed_idle_timeout, client.counters().connects_attempted,
          w.client().count(TcpState::kTimeWait)};
}

TEST(ConnectionPoolTest, LifoClosesMoreConnectionsThanFifoUnderLightLoad) {
  // pooling.md: LIFO keeps a hot subset busy and lets the rest reach their
  // idle timeout; FIFO keeps every connection warm. Same seeded traffic.
  const ReuseOutcome lifo = run_reuse(ReuseOrder::kLifo);
  const ReuseOutcome fifo = run_reuse(ReuseOrder::kFifo);
  std::printf("LIFO: %llu idle closes, %llu connects, %u TIME_WAIT\n",
              static_cast<unsigned long long>(lifo.idle_closes),
              static_cast<unsigned long long>(lifo.connects), lifo.client_time_wait);
  std::printf("FIFO: %llu idle closes, %llu connects, %u TIME_WAIT\n",
              static_cast<unsigned long long>(fifo.idle_closes),
              static_cast<unsigned long long>(fifo.connects), fifo.client_time_wait);
  EXPECT_GT(lifo.idle_closes, fifo.idle_closes);
  EXPECT_GT(lifo.client_time_wait, fifo.client_time_wait);
}

// Erlang C: the probability that an arrival finds all c servers busy in M/M/c.
double erlang_c(int c, double a) {
  double term = 1;  // a^k / k!
  double sum = 0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term / (1 - a / c);  // a^c / c! / (1 - rho)
  return top / (sum + top);
}

TEST(ConnectionPoolTest, BoundedPoolWaitsMatchErlangC) {
  // c = 10 pre-warmed connections, Poisson arrivals at 800/s, holding times
  // exponential with mean 10 ms (the service time; the round trip adds 20 us):
  // a = 8, rho = 0.8. Ten replications of 100 s after a 2 s warm-up. The
  // assertion: the analytic P(wait) lies within 3 percentage points of the
  // mean, and within the 99% confidence interval over replications; the mean
  // wait of those who wait, 1 / (c mu - lambda) = 5 ms, within 10%.
  constexpr int kC = 10;
  constexpr double kLambda = 800;
  constexpr double kMeanService = 0.010;
  constexpr int kReplications = 10;
  const double analytic = erlang_c(kC, kLambda * kMeanService);
  std::vector<double> p_wait;
  double wait_sum = 0;
  std::uint64_t waits = 0;
  for (int r = 0; r < kReplications; ++r) {
    WorldOptions o;
    o.link_latency = 5 * sim::kMicrosecond;
    o.seed = sim::derive_seed(2024, static_cast<std::uint64_t>(r));
    World w(o);
    ServerConfig s = server_config();
    s.service_time = sim::Distribution::exponential(kMeanService);
    ServerApp server(w.sim, w.server(), s, o.seed, 100);
    ASSERT_EQ(server.start(), SocketError::kOk);
    ClientConfig c = open_loop(ArrivalProcess::poisson(kLambda));
    c.start = 100 * kMillisecond;
    c.pool.max_total = kC;
    c.pool.min_idle = kC;
    c.pool.reuse = ReuseOrder::kFifo;
    ClientApp client(w.sim, w.client(), c, o.seed, 1);
    client.start();
    w.run_until(2 * kSecond);
    const PoolCounters before = client.pool().counters();
    const sim::Histogram wait_before = client.pool().wait_time();
    const std::uint64_t completed_before = client.counters().requests_completed;
    w.run_until(102 * kSecond);
    // Poisson(32,000) requests in the window.
    EXPECT_NEAR(static_cast<double>(client.counters().requests_completed - completed_before),
                kLambda * 100, 5 * std::sqrt(kLambda * 100));
    const PoolCounters& after = client.pool().counters();
    ASSERT_EQ(after.connects_attempted, static_cast<std::uint64_t>(kC));
    const auto waited = static_cast<double>(after.waited - before.waited);
    const auto at_once = static_cast<double>(after.acquired_at_once - before.acquired_at_once);
    p_wait.push_back(waited / (waited + at_once));
    const sim::Histogram& wait = client.pool().wait_time();
    wait_sum += wait.mean() * static_cast<double>(wait.count()) -
                wait_before.mean() * static_cast<double>(wait_before.count());
    waits += wait.count() - wait_before.count();
  }
  double mean = 0;
  for (double p : p_wait) mean += p;
  mean /= kReplications;
  double var = 0;
  for (double p : p_wait) var += (p - mean) * (p - mean);
  var /= kReplications - 1;
  const double half_width = 3.250 * std::sqrt(var / kReplications);  // t(0.995, 9)
  const double mean_wait = wait_sum / static_cast<double>(waits) / 1e9;
  std::printf("Erlang C P(wait): analytic %.4f, simulated %.4f, 99%% CI [%.4f, %.4f]\n", analytic,
              mean, mean - half_width, mean + half_width);
  std::printf("mean wait of waiters: analytic %.3f ms, simulated %.3f ms\n",
              1e3 / (kC / kMeanService - kLambda), mean_wait * 1e3);
  EXPECT_NEAR(mean, analytic, 0.03);
  EXPECT_NEAR(mean, analytic, half_width);
  EXPECT_NEAR(mean_wait, 1.0 / (kC / kMeanService - kLambda), 0.1 * 0.005);
}

}  // namespace
}  // namespace tcpsim::app
