// Clients and servers end to end through the TCP stacks: who closes first
// decides where TIME_WAIT lands, leaks leave CLOSE_WAIT, failures are counted.
#include <gtest/gtest.h>

#include <cmath>
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

std::uint64_t failed(const ClientCounters& c, SocketError e) {
  return c.connects_failed[static_cast<std::size_t>(e)];
}

ServerConfig server_config(std::uint16_t port = 80) {
  ServerConfig s;
  s.listen = {{testing::server_address(0), port}};
  s.service_time = sim::Distribution::constant(0.001);
  return s;
}

// Ten requests 10 ms apart, a connection each.
ClientConfig ten_requests() {
  ClientConfig c;
  c.load = LoadModel::kOpenLoop;
  c.arrivals = ArrivalProcess::constant(100);
  c.max_requests = 10;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kNone;
  return c;
}

TEST(ClientServerTest, ClientClosingFirstLeavesTimeWaitOnTheClient) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), ten_requests(), 1, 1);
  client.start();
  w.run_until(2 * kSecond);

  const ClientCounters c = client.counters();
  EXPECT_EQ(c.requests_completed, 10U);
  EXPECT_EQ(c.connects_attempted, 10U);
  EXPECT_EQ(c.connects_succeeded, 10U);
  EXPECT_EQ(client.connect_latency().count(), 10U);
  EXPECT_EQ(client.request_latency().count(), 10U);
  // Two round trips of 200 us plus 1 ms of service.
  EXPECT_NEAR(static_cast<double>(client.request_latency().mean()), 1.4e6, 0.05e6);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 10U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.server().count(TcpState::kCloseWait), 0U);
  EXPECT_EQ(server.counters().closed, 10U);
  EXPECT_EQ(server.connections(), 0U);
  EXPECT_EQ(w.client().check_invariants(), "");
  EXPECT_EQ(w.server().check_invariants(), "");
}

// Clients sharing one set of latency histograms record into it what each would have
// recorded alone, and hold none of their own.
TEST(ClientServerTest, SharedLatenciesHoldEveryClientsRecords) {
  WorldOptions o;
  o.clients = 2;
  World w(o);
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientLatencies shared;
  ClientApp a(w.sim, w.client(0), ten_requests(), 1, 1);
  ClientApp b(w.sim, w.client(1), ten_requests(), 1, 2);
  a.record_latencies_in(shared);
  b.record_latencies_in(shared);
  a.start();
  b.start();
  w.run_until(2 * kSecond);

  EXPECT_EQ(a.counters().requests_completed + b.counters().requests_completed, 20U);
  EXPECT_EQ(shared.connect.count(), 20U);
  EXPECT_EQ(shared.request.count(), 20U);
  EXPECT_EQ(&a.request_latency(), &shared.request);
  EXPECT_EQ(&b.connect_latency(), &shared.connect);
  EXPECT_NEAR(static_cast<double>(shared.request.mean()), 1.4e6, 0.05e6);
}

TEST(ClientServerTest, ServerClosingFirstLeavesTimeWaitOnTheServer) {
  World w;
  ServerConfig s = server_config();
  s.closer = Closer::kServer;
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = ten_requests();
  c.connect.await_server_close = true;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(2 * kSecond);

  EXPECT_EQ(client.counters().requests_completed, 10U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 10U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.client().sockets_alive(), 0U);
  EXPECT_EQ(w.client().fds_in_use(), 0U);
  EXPECT_EQ(client.pool().draining(), 0U);
}

TEST(ClientServerTest, ServerCloseDelayHoldsTheConnection) {
  World w;
  ServerConfig s = server_config();
  s.closer = Closer::kServer;
  s.close_delay = 500 * kMillisecond;
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = ten_requests();
  c.connect.await_server_close = true;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(400 * kMillisecond);
  EXPECT_EQ(client.counters().requests_completed, 10U);
  EXPECT_EQ(client.pool().draining(), 10U);
  EXPECT_EQ(server.connections(), 10U);
  w.run_until(2 * kSecond);
  EXPECT_EQ(client.pool().draining(), 0U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 10U);
}

TEST(ClientServerTest, LingerZeroCloseLeavesNoTimeWait) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = ten_requests();
  c.connect.linger_zero_fraction = 1;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(2 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 10U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.client().counters().out_rsts, 10U);
  EXPECT_EQ(server.counters().errors, 10U);
  EXPECT_EQ(server.connections(), 0U);
  EXPECT_EQ(w.server().sockets_alive(), 1U);  // the listener
}

TEST(ClientServerTest, LeakFractionLeavesThatShareInCloseWait) {
  // Binomial(n, f) leaked connections: held to within 5 sigma of f n.
  World w;
  ServerConfig s = server_config();
  s.leak_fraction = 0.3;
  ServerApp server(w.sim, w.server(), s, 7, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = ten_requests();
  c.arrivals = ArrivalProcess::poisson(400);
  c.max_requests = 2000;
  ClientApp client(w.sim, w.client(), c, 7, 1);
  client.start();
  w.run_until(10 * kSecond);

  ASSERT_EQ(client.counters().requests_completed, 2000U);
  const double n = 2000;
  const double f = 0.3;
  const auto close_wait = static_cast<double>(w.server().count(TcpState::kCloseWait));
  EXPECT_LT(std::abs(close_wait - f * n), 5 * std::sqrt(n * f * (1 - f))) << close_wait;
  EXPECT_EQ(server.counters().leaked, w.server().count(TcpState::kCloseWait));
  EXPECT_EQ(server.connections(), w.server().count(TcpState::kCloseWait));
  EXPECT_EQ(w.server().fds_in_use(), w.server().count(TcpState::kCloseWait) + 1U);
  // The other side of each leak: an orphaned FIN_WAIT_2 on the client, and
  // TIME_WAIT for the connections the server did close.
  EXPECT_EQ(w.client().count(TcpState::kFinWait2), w.server().count(TcpState::kCloseWait));
  EXPECT_EQ(w.client().count(TcpState::kTimeWait) + w.client().count(TcpState::kFinWait2), 2000U);
}

TEST(ClientServerTest, RefusedConnectsAreCountedAndRetried) {
  World w;  // nothing listens on the server
  ClientConfig c = ten_requests();
  c.max_requests = 5;
  c.retry.max_retries = 2;
  c.retry.backoff = sim::Distribution::constant(0.1);
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(kSecond);

  const ClientCounters k = client.counters();
  EXPECT_EQ(k.connects_attempted, 15U);
  EXPECT_EQ(k.connects_succeeded, 0U);
  EXPECT_EQ(failed(k, SocketError::kEconnrefused), 15U);
  EXPECT_EQ(k.retries, 10U);
  EXPECT_EQ(k.requests_failed, 5U);
  EXPECT_EQ(k.failed_connect, 5U);
  EXPECT_EQ(k.requests_completed, 0U);
  EXPECT_EQ(client.outstanding(), 0U);
  EXPECT_EQ(w.client().sockets_alive(), 0U);
}

TEST(ClientServerTest, RetrySucceedsOnceTheServerListens) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ClientConfig c = ten_requests();
  c.max_requests = 1;
  c.retry.max_retries = 3;
  c.retry.backoff = sim::Distribution::constant(0.1);
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(50 * kMillisecond);  // the first attempt (at 10 ms) is refused
  ASSERT_EQ(server.start(), SocketError::kOk);
  w.run_until(kSecond);

  const ClientCounters k = client.counters();
  EXPECT_EQ(k.requests_completed, 1U);
  EXPECT_EQ(k.retries, 1U);
  EXPECT_EQ(failed(k, SocketError::kEconnrefused), 1U);
  EXPECT_EQ(k.connects_succeeded, 1U);
  // Issued at 10 ms, retried 100 ms after the refusal: latency includes the backoff.
  EXPECT_GT(client.request_latency().max(), 100 * kMillisecond);
}

TEST(ClientServerTest, SyncntBoundsTheHandshake) {
  World w;
  ClientConfig c = ten_requests();
  c.max_requests = 1;
  c.destinations = {{testing::kBlackhole, 80}};
  c.connect.syncnt = 1;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  // TCP_SYNCNT 1: given up once tcp_model_timeout(1) = 3 s has passed.
  w.run_until(2 * kSecond);
  EXPECT_EQ(failed(client.counters(), SocketError::kEtimedout), 0U);
  w.run_until(4 * kSecond);
  EXPECT_EQ(failed(client.counters(), SocketError::kEtimedout), 1U);
  EXPECT_EQ(client.counters().failed_connect, 1U);
}

// Two destinations, a range of 10 ports, 30 connections whose TIME_WAIT keeps
// each port: connect() has 10 ports per destination, bind(0) 10 in all.
ClientCounters run_bind_mode(BindMode mode) {
  WorldOptions o;
  o.client_settings.ip_local_port_range = {40000, 40009};
  World w(o);
  ServerConfig s = server_config();
  s.listen.push_back({testing::server_address(0), 81});
  ServerApp server(w.sim, w.server(), s, 1, 100);
  EXPECT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = ten_requests();
  c.max_requests = 30;
  c.destinations = {{testing::server_address(0), 80}, {testing::server_address(0), 81}};
  c.connect.bind_mode = mode;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(2 * kSecond);
  EXPECT_EQ(w.client().check_invariants(), "");
  return client.counters();
}

TEST(ClientServerTest, BindModesShareOrSplitThePortRange) {
  const ClientCounters plain = run_bind_mode(BindMode::kConnect);
  EXPECT_EQ(plain.requests_completed, 20U);
  EXPECT_EQ(failed(plain, SocketError::kEaddrnotavail), 10U);

  const ClientCounters no_port = run_bind_mode(BindMode::kBindAddressNoPort);
  EXPECT_EQ(no_port.requests_completed, 20U);
  EXPECT_EQ(failed(no_port, SocketError::kEaddrnotavail), 10U);

  const ClientCounters bind_zero = run_bind_mode(BindMode::kBindZero);
  EXPECT_EQ(bind_zero.requests_completed, 10U);
  EXPECT_EQ(failed(bind_zero, SocketError::kEaddrinuse), 20U);
  EXPECT_EQ(bind_zero.failed_connect, 20U);
}

TEST(ClientServerTest, ServerRetriesAcceptAfterEmfile) {
  // Two descriptors: the listener and one connection. With leaks every
  // connection would stay; here each one closes and frees the descriptor.
  WorldOptions o;
  o.server_settings.nofile = 2;
  World w(o);
  ServerConfig s = server_config();
  s.service_time = sim::Distribution::constant(0.05);
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = ten_requests();
  c.arrivals = ArrivalProcess::trace({0, 0, 0});
  c.max_requests = 3;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(2 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 3U);
  EXPECT_GT(server.counters().accept_emfile, 0U);
  EXPECT_EQ(server.counters().accepted, 3U);
}

TEST(ClientServerTest, UniformDestinationsSpreadTheLoad) {
  WorldOptions o;
  o.servers = 3;
  World w(o);
  std::vector<std::unique_ptr<ServerApp>> servers;
  ClientConfig c = ten_requests();
  c.max_requests = 3000;
  c.arrivals = ArrivalProcess::poisson(3000);
  c.destination_policy = DestinationPolicy::kUniform;
  c.destinations.clear();
  for (std::uint32_t i = 0; i < 3; ++i) {
    ServerConfig s = server_config();
    s.listen = {{testing::server_address(i), 80}};
    servers.push_back(std::make_unique<ServerApp>(w.sim, w.server(i), s, 1, 100 + i));
    ASSERT_EQ(servers.back()->start(), SocketError::kOk);
    c.destinations.push_back({testing::server_address(i), 80});
  }
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(3 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 3000U);
  for (const auto& s : servers) {
    // Binomial(3000, 1/3): sigma 25.8.
    EXPECT_NEAR(static_cast<double>(s->counters().accepted), 1000, 5 * 25.8);
  }
}

}  // namespace
}  // namespace tcpsim::app
