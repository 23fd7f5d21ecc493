// A proxy between clients and servers: requests forwarded end to end, where its upstream
// connections leave TIME_WAIT, how upstream failures are answered (502, 503, 504), an
// Envoy sidecar over loopback and HAProxy's explicit source port range.
#include "models/app/proxy_app.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"
#include "models/app/source_port_range.h"

namespace tcpsim::app {
namespace {

using sim::kMillisecond;
using sim::kSecond;
using tcp::SocketError;
using tcp::TcpState;
using testing::World;
using testing::WorldOptions;

constexpr sim::Time kOneWay = 100 * sim::kMicrosecond;  // host, switch, host: 2 x 50 us

std::uint64_t failures(const ProxyApp& p, ProxyFailure f) {
  return p.counters().failures[static_cast<std::size_t>(f)];
}
std::uint64_t upstream_connect_failures(const ProxyApp& p, SocketError e) {
  return p.upstream_counters().connects_failed[static_cast<std::size_t>(e)];
}

WorldOptions with_proxy() {
  WorldOptions o;
  o.proxies = 1;
  return o;
}

ServerConfig backend(double service_s = 0.001) {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::constant(service_s);
  return s;
}

// nginx in front of one backend: 2 ms of its own, a connection per upstream request.
ProxyConfig nginx() {
  ProxyConfig p;
  p.downstream.listen = {{testing::proxy_address(0), 80}};
  p.downstream.service_time = sim::Distribution::constant(0.002);
  p.upstream.destinations = {{testing::server_address(0), 80}};
  p.upstream.pool.kind = PoolKind::kNone;
  return p;
}

// nginx whose upstream pool holds one connection (of `streams` when multiplexed).
ProxyConfig one_upstream_connection(PoolKind kind, std::uint32_t streams = 1) {
  ProxyConfig p = nginx();
  p.upstream.pool.kind = kind;
  p.upstream.pool.max_total = 1;
  if (kind == PoolKind::kMultiplexed) p.upstream.pool.streams_per_connection = streams;
  return p;
}

// `n` requests at `rate` per second toward the proxy, a connection each.
ClientConfig clients(std::uint64_t n, double rate) {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(rate);
  c.max_requests = n;
  c.destinations = {{testing::proxy_address(0), 80}};
  c.pool.kind = PoolKind::kNone;
  return c;
}

// A client, a proxy and (unless `server` is null) one backend, started.
struct ProxyRun {
  ProxyRun(World& w, const ProxyConfig& p, const ClientConfig& c, const ServerConfig* server)
      : proxy(w.sim, w.proxy(), p, 1, 50), client(w.sim, w.client(), c, 1, 1) {
    if (server != nullptr) {
      backend_app.emplace(w.sim, w.server(), *server, 1, 100);
      EXPECT_EQ(backend_app->start(), SocketError::kOk);
    }
    EXPECT_EQ(proxy.start(), SocketError::kOk);
    client.start();
  }
  std::optional<ServerApp> backend_app;
  ProxyApp proxy;
  ClientApp client;
};

TEST(ProxyAppTest, ForwardsEachRequestAndAddsUpItsParts) {
  World w(with_proxy());
  ProxyConfig p = nginx();
  p.upstream_timeout = kSecond;  // never reached
  const ServerConfig s = backend();
  ProxyRun run(w, p, clients(20, 10), &s);
  w.run_until(5 * kSecond);

  const ProxyCounters pc = run.proxy.counters();
  EXPECT_EQ(pc.downstream_requests, 20U);
  EXPECT_EQ(pc.forwarded, 20U);
  EXPECT_EQ(pc.upstream_responses, 20U);
  EXPECT_EQ(pc.failures, (std::array<std::uint64_t, kProxyFailureCount>{}));
  EXPECT_EQ(pc.downstream_gone, 0U);
  EXPECT_EQ(run.proxy.in_flight(), 0U);
  EXPECT_EQ(run.proxy.downstream_counters().responses, 20U);
  EXPECT_EQ(run.proxy.upstream_counters().connects_succeeded, 20U);
  EXPECT_EQ(run.backend_app->counters().requests, 20U);
  EXPECT_EQ(run.client.counters().requests_completed, 20U);

  // Upstream: connect (one round trip), request, 1 ms of service, response.
  const sim::Time upstream = 2 * kOneWay + kOneWay + kMillisecond + kOneWay;
  EXPECT_EQ(run.proxy.upstream_connect_latency().min(), 2 * kOneWay);
  EXPECT_EQ(run.proxy.upstream_connect_latency().max(), 2 * kOneWay);
  EXPECT_EQ(run.proxy.upstream_request_latency().min(), upstream);
  EXPECT_EQ(run.proxy.upstream_request_latency().max(), upstream);
  // Downstream: connect, request, 2 ms at the proxy, the upstream part, response.
  const sim::Time end_to_end = 2 * kOneWay + kOneWay + 2 * kMillisecond + upstream + kOneWay;
  EXPECT_EQ(run.client.request_latency().count(), 20U);
  EXPECT_EQ(run.client.request_latency().min(), end_to_end);
  EXPECT_EQ(run.client.request_latency().max(), end_to_end);

  // Each side's closer keeps its TIME_WAIT: the client toward the proxy, the proxy toward
  // the backend; nobody is left half-closed.
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 20U);
  EXPECT_EQ(w.proxy().count(TcpState::kTimeWait), 20U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.proxy().count(TcpState::kCloseWait), 0U);
  EXPECT_EQ(w.proxy().fds_in_use(), 1U);  // the listener
  EXPECT_EQ(w.proxy().check_invariants(), "");
}

// nginx without `keepalive` (openlibrary#13680): every request opens and closes an
// upstream connection, the proxy closes first, so by Little's law the proxy holds
// rate x 60 s TIME_WAITs once a minute has passed, and up to 2.048 s more of them: the timer
// wheel (HZ=250) ends each 60.004 to 62.048 s after it began, in batches.
TEST(ProxyAppTest, WithoutUpstreamKeepaliveEachRequestLeavesATimeWaitOnTheProxy) {
  World w(with_proxy());
  const ServerConfig s = backend();
  ClientConfig c = clients(0, 50);
  c.pool.kind = PoolKind::kKeepAlive;  // the clients' connections do not add up on the proxy
  ProxyRun run(w, nginx(), c, &s);
  w.run_until(90 * kSecond);
  const auto time_wait = static_cast<double>(w.proxy().count(TcpState::kTimeWait));
  EXPECT_GE(time_wait, 0.99 * 50.0 * 60.0);
  EXPECT_LE(time_wait, 1.01 * 50.0 * 62.048);
  EXPECT_EQ(run.proxy.upstream_pool().counters().connects_attempted,
            run.proxy.counters().forwarded);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 0U);
}

TEST(ProxyAppTest, UpstreamKeepalivePoolReusesItsConnections) {
  World w(with_proxy());
  const ServerConfig s = backend();
  ProxyConfig p = nginx();
  p.upstream.pool.kind = PoolKind::kKeepAlive;
  ClientConfig c = clients(0, 50);
  c.pool.kind = PoolKind::kKeepAlive;
  ProxyRun run(w, p, c, &s);
  w.run_until(90 * kSecond);
  const ProxyCounters pc = run.proxy.counters();
  EXPECT_GT(pc.upstream_responses, 4400U);  // 50/s for 90 s
  // 3.4 ms per request 20 ms apart: one connection carries them all.
  EXPECT_EQ(run.proxy.upstream_pool().counters().connects_attempted, 1U);
  EXPECT_EQ(w.proxy().count(TcpState::kTimeWait), 0U);
  EXPECT_EQ(w.proxy().count(TcpState::kEstablished), 2U);  // one each way
}

// The error response is shorter than the clients' 100-byte responses: they see it cut
// short by the proxy's close and count a broken connection.
constexpr std::uint32_t kShortError = 30;

TEST(ProxyAppTest, RefusedUpstreamConnectIsA502) {
  World w(with_proxy());
  ProxyConfig p = nginx();
  p.error_response_bytes = kShortError;
  ProxyRun run(w, p, clients(10, 10), nullptr);  // no backend listens
  w.run_until(2 * kSecond);
  EXPECT_EQ(failures(run.proxy, ProxyFailure::kBadGateway), 10U);
  EXPECT_EQ(run.proxy.counters().upstream_responses, 0U);
  EXPECT_EQ(upstream_connect_failures(run.proxy, SocketError::kEconnrefused), 10U);
  EXPECT_EQ(run.proxy.downstream_counters().response_bytes, 10U * kShortError);
  EXPECT_EQ(run.proxy.downstream_counters().closed, 10U);
  const ClientCounters cc = run.client.counters();
  EXPECT_EQ(cc.requests_failed, 10U);
  EXPECT_EQ(cc.failed_connection, 10U);
  // The proxy closed first toward each client.
  EXPECT_EQ(w.proxy().count(TcpState::kTimeWait), 10U);
  EXPECT_EQ(w.proxy().check_invariants(), "");
}

TEST(ProxyAppTest, BlackholedUpstreamTimesOutAfterItsSynRetriesIntoA502) {
  World w(with_proxy());
  ProxyConfig p = nginx();
  p.upstream.destinations = {{testing::kBlackhole, 80}};
  p.upstream.connect.syncnt = 1;  // ETIMEDOUT 3 s after connect()
  ProxyRun run(w, p, clients(4, 10), nullptr);
  w.run_until(3 * kSecond);
  EXPECT_EQ(failures(run.proxy, ProxyFailure::kBadGateway), 0U);
  EXPECT_EQ(run.proxy.in_flight(), 4U);
  w.run_until(4 * kSecond);
  EXPECT_EQ(failures(run.proxy, ProxyFailure::kBadGateway), 4U);
  EXPECT_EQ(upstream_connect_failures(run.proxy, SocketError::kEtimedout), 4U);
  EXPECT_EQ(run.proxy.in_flight(), 0U);
  // The default error response has the clients' response size: they read it whole.
  EXPECT_EQ(run.client.counters().requests_completed, 4U);
}

TEST(ProxyAppTest, UpstreamSlowerThanUpstreamTimeoutIsA504AndItsConnectionCloses) {
  World w(with_proxy());
  ProxyConfig p = nginx();
  p.upstream_timeout = 500 * kMillisecond;
  p.error_response_bytes = kShortError;
  const ServerConfig s = backend(2.0);
  ProxyRun run(w, p, clients(5, 10), &s);
  w.run_until(5 * kSecond);
  EXPECT_EQ(failures(run.proxy, ProxyFailure::kGatewayTimeout), 5U);
  EXPECT_EQ(run.proxy.counters().upstream_responses, 0U);
  EXPECT_EQ(run.proxy.upstream_counters().failed_timeout, 5U);
  EXPECT_EQ(run.proxy.upstream_pool().counters().closed_broken, 5U);
  EXPECT_EQ(run.proxy.upstream_pool().open(), 0U);
  EXPECT_EQ(run.client.counters().failed_connection, 5U);
  // The backend answered later into closed connections, and closed its side too.
  EXPECT_EQ(run.backend_app->counters().requests, 5U);
  EXPECT_EQ(run.backend_app->connections(), 0U);
  EXPECT_EQ(w.proxy().check_invariants(), "");
  EXPECT_EQ(w.server().check_invariants(), "");
}

// HTTP/2 upstream: a request that times out gives up its stream's answer, not the
// connection the other streams share; its late response is read and dropped.
TEST(ProxyAppTest, TimedOutStreamOfAMultiplexedUpstreamKeepsTheConnection) {
  World w(with_proxy());
  ProxyConfig p = one_upstream_connection(PoolKind::kMultiplexed, 10);
  p.upstream_timeout = 500 * kMillisecond;
  const ServerConfig s = backend(1.0);
  ProxyRun run(w, p, clients(3, 10), &s);
  w.run_until(kSecond);
  EXPECT_EQ(failures(run.proxy, ProxyFailure::kGatewayTimeout), 3U);
  EXPECT_EQ(run.proxy.upstream_pool().streams(), 3U);  // still reading their responses
  w.run_until(3 * kSecond);
  EXPECT_EQ(run.proxy.upstream_pool().streams(), 0U);
  EXPECT_EQ(run.proxy.upstream_pool().idle(), 1U);
  EXPECT_EQ(run.proxy.upstream_pool().counters().connects_attempted, 1U);
  EXPECT_EQ(run.proxy.upstream_pool().counters().closed_broken, 0U);
  EXPECT_EQ(run.proxy.upstream_counters().requests_completed, 0U);
  EXPECT_EQ(run.proxy.in_flight(), 0U);
}

// A client that gives up first and resets its connection (SO_LINGER {1, 0}): the
// upstream still answers the proxy, which has nobody left to answer.
TEST(ProxyAppTest, AnswerForAClientThatResetMeanwhileIsCountedGone) {
  World w(with_proxy());
  const ServerConfig s = backend();
  ClientConfig c = clients(6, 10);
  c.request_timeout = 3 * kMillisecond;  // the whole path takes 3.8 ms
  c.connect.linger_zero_fraction = 1;
  ProxyRun run(w, nginx(), c, &s);
  w.run_until(2 * kSecond);
  EXPECT_EQ(run.client.counters().failed_timeout, 6U);
  const ProxyCounters pc = run.proxy.counters();
  EXPECT_EQ(pc.upstream_responses, 6U);
  EXPECT_EQ(pc.downstream_gone, 6U);
  EXPECT_EQ(run.proxy.downstream_counters().errors, 6U);  // the resets
  EXPECT_EQ(run.proxy.downstream_counters().responses, 0U);
  EXPECT_EQ(run.proxy.downstream_connections(), 0U);
  EXPECT_EQ(w.proxy().check_invariants(), "");
}

// Envoy's circuit breaker with no pending requests allowed (max_pending_requests 0): one
// connection, busy for a second; the other requests are turned away at once.
TEST(ProxyAppTest, FullBoundedPoolWithoutWaitingIsA503) {
  World w(with_proxy());
  ProxyConfig p = one_upstream_connection(PoolKind::kBounded);
  p.upstream.pool.max_waiting = 0;
  const ServerConfig s = backend(1.0);
  ProxyRun run(w, p, clients(5, 100), &s);
  w.run_until(3 * kSecond);
  EXPECT_EQ(failures(run.proxy, ProxyFailure::kServiceUnavailable), 4U);
  EXPECT_EQ(run.proxy.counters().upstream_responses, 1U);
  EXPECT_EQ(run.proxy.upstream_pool().counters().rejected, 4U);
  EXPECT_EQ(run.proxy.upstream_counters().failed_pool_full, 4U);
}

TEST(ProxyAppTest, PoolWaitTimeoutIsA503) {
  World w(with_proxy());
  ProxyConfig p = one_upstream_connection(PoolKind::kBounded);
  p.upstream.pool.wait_timeout = 200 * kMillisecond;
  const ServerConfig s = backend(1.0);
  ProxyRun run(w, p, clients(3, 100), &s);
  w.run_until(3 * kSecond);
  EXPECT_EQ(failures(run.proxy, ProxyFailure::kServiceUnavailable), 2U);
  EXPECT_EQ(run.proxy.upstream_pool().counters().wait_timeouts, 2U);
  EXPECT_EQ(run.proxy.counters().upstream_responses, 1U);
}

// upstream_timeout while waiting for a pooled connection cancels the wait. One stream,
// held 1 s by the first request even after its timeout: the two behind it wait in vain.
TEST(ProxyAppTest, UpstreamTimeoutCancelsAPoolWait) {
  World w(with_proxy());
  ProxyConfig p = one_upstream_connection(PoolKind::kMultiplexed);
  p.upstream_timeout = 500 * kMillisecond;
  const ServerConfig s = backend(1.0);
  ProxyRun run(w, p, clients(3, 100), &s);
  w.run_until(3 * kSecond);
  EXPECT_EQ(failures(run.proxy, ProxyFailure::kGatewayTimeout), 3U);
  EXPECT_EQ(run.proxy.upstream_pool().counters().wait_cancelled, 2U);
  EXPECT_EQ(run.proxy.upstream_pool().counters().acquired_after_wait, 1U);  // the first
  EXPECT_EQ(run.proxy.upstream_pool().waiting(), 0U);
  EXPECT_EQ(run.proxy.upstream_pool().idle(), 1U);
  EXPECT_EQ(run.backend_app->counters().requests, 1U);
  EXPECT_EQ(run.proxy.in_flight(), 0U);
}

// An Envoy sidecar and its application on one host (istio/istio#44008): Envoy binds
// 127.0.0.6:0 before connecting to 127.0.0.1, so every upstream connection takes a port of
// the one range until its TIME_WAIT ends, and the range+1-th bind() fails (EADDRINUSE).
TEST(ProxyAppTest, SidecarBindingTo127006RunsOutOfItsRangeIntoA502) {
  WorldOptions o = with_proxy();
  o.proxy_settings.ip_local_port_range = {40000, 40049};
  World w(o);
  ServerConfig app;  // the application next to the sidecar
  app.listen = {{net::Ipv4{0x7f000001}, 8080}};
  app.service_time = sim::Distribution::constant(0.001);
  ServerApp application(w.sim, w.proxy(), app, 1, 100);
  ASSERT_EQ(application.start(), SocketError::kOk);

  ProxyConfig p = nginx();
  p.downstream.listen = {{testing::proxy_address(0), 80}};
  p.upstream.destinations = {{net::Ipv4{0x7f000001}, 8080}};
  p.upstream.connect.bind_mode = BindMode::kBindZero;
  p.upstream.connect.source_address = net::Ipv4{0x7f000006};
  ClientConfig c = clients(100, 10);
  c.pool.kind = PoolKind::kKeepAlive;
  ProxyRun run(w, p, c, nullptr);
  w.run_until(20 * kSecond);

  EXPECT_EQ(run.proxy.counters().upstream_responses, 50U);
  EXPECT_EQ(failures(run.proxy, ProxyFailure::kBadGateway), 50U);
  EXPECT_EQ(upstream_connect_failures(run.proxy, SocketError::kEaddrinuse), 50U);
  EXPECT_EQ(w.proxy().counters().bind_eaddrinuse, 50U);
  EXPECT_EQ(application.counters().requests, 50U);
  // Every upstream connection's TIME_WAIT holds its port on 127.0.0.6 (the others are the
  // proxy's, toward clients, after its 502s).
  std::uint32_t envoy_time_waits = 0;
  w.proxy().for_each_socket([&](const tcp::SocketView& v) {
    if (v.state == TcpState::kTimeWait && v.tuple.local.address == net::Ipv4{0x7f000006}) {
      ++envoy_time_waits;
    }
  });
  EXPECT_EQ(envoy_time_waits, 50U);
  EXPECT_EQ(w.proxy().count(TcpState::kTimeWait), 100U);
  EXPECT_EQ(w.network->dropped_no_route(), 0U);
  EXPECT_EQ(w.proxy().check_invariants(), "");
}

TEST(SourcePortRangeTest, HandsPortsOutInOrderAndTakesThemBackBehindTheFreeOnes) {
  SourcePortRange r({2049, 60999});
  EXPECT_EQ(r.size(), 58951U);
  EXPECT_EQ(r.take(), 2049);
  EXPECT_EQ(r.take(), 2050);
  r.give_back(2049);
  for (std::uint32_t p = 2051; p <= 60999; ++p) ASSERT_EQ(r.take(), p);
  EXPECT_EQ(r.take(), 2049);
  EXPECT_EQ(r.free(), 0U);
  EXPECT_EQ(r.take(), 0);
  r.give_back(2050);
  EXPECT_EQ(r.take(), 2050);
}

// One destination at 2,000 requests/s for 35 s through a proxy without upstream
// keepalive (haproxy/haproxy#1881 at 8,000/s). Returns the upstream responses.
std::uint64_t haproxy_run(tcp::PortRange source_ports, bool timestamps,
                          std::uint64_t* tw_recycled) {
  WorldOptions o = with_proxy();
  o.proxy_settings.tcp_timestamps = timestamps;
  World w(o);
  const ServerConfig s = backend(0.0);
  ProxyConfig p = nginx();
  p.downstream.service_time = sim::Distribution::constant(0.0);
  p.upstream.connect.source_ports = source_ports;
  ClientConfig c = clients(70000, 2000);
  c.pool.kind = PoolKind::kKeepAlive;
  ProxyRun run(w, p, c, &s);
  w.run_until(36 * kSecond);
  EXPECT_EQ(run.proxy.counters().forwarded, 70000U);
  EXPECT_EQ(w.proxy().check_invariants(), "");
  *tw_recycled = w.proxy().counters().tw_recycled;
  return run.proxy.counters().upstream_responses;
}

// connect() finds 28,232 ports per destination in 32768-60999, each held by its TIME_WAIT
// for 60 s; `source 0.0.0.0:2049-60999` hands out 58,951 ports of its own. Without
// timestamps no TIME_WAIT can be taken over, so that is all each gets in 35 s.
TEST(ProxyAppTest, HaproxySourcePortRangeWidensTheUsablePorts) {
  std::uint64_t recycled = 0;
  EXPECT_EQ(haproxy_run({}, false, &recycled), 28232U);
  EXPECT_EQ(haproxy_run({2049, 60999}, false, &recycled), 58951U);
  EXPECT_EQ(recycled, 0U);
}

// With timestamps the explicit bind() with SO_REUSEADDR and connect() take over the
// TIME_WAIT of a port that comes round again (linux-tcp.md 1.4): no request fails.
TEST(ProxyAppTest, HaproxySourcePortRangeTakesOverTimeWaitsWithTimestamps) {
  std::uint64_t recycled = 0;
  EXPECT_EQ(haproxy_run({2049, 60999}, true, &recycled), 70000U);
  EXPECT_EQ(recycled, 70000U - 58951U);
  // The kernel's own choice does not reuse them (tcp_tw_reuse = 2: loopback only).
  EXPECT_EQ(haproxy_run({}, true, &recycled), 28232U);
  EXPECT_EQ(recycled, 0U);
}

TEST(ProxyAppTest, InvalidConfigsAreRefused) {
  World w(with_proxy());
  ProxyConfig p = nginx();
  p.upstream.request_timeout = kSecond;
  EXPECT_THROW(ProxyApp(w.sim, w.proxy(), p, 1, 1), std::invalid_argument);
  p = nginx();
  p.error_response_bytes = 0;
  EXPECT_THROW(ProxyApp(w.sim, w.proxy(), p, 1, 1), std::invalid_argument);
  p = nginx();
  p.upstream.connect.source_address = net::Ipv4{0x7f000006};  // kConnect binds nothing
  EXPECT_THROW(ProxyApp(w.sim, w.proxy(), p, 1, 1), std::invalid_argument);
  p = nginx();
  p.upstream.connect.source_ports = {2049, 60999};
  p.upstream.connect.bind_mode = BindMode::kBindZero;
  EXPECT_THROW(ProxyApp(w.sim, w.proxy(), p, 1, 1), std::invalid_argument);
}

}  // namespace
}  // namespace tcpsim::app
