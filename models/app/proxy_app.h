// A proxy tier's application on one host (nginx, HAProxy, an Envoy sidecar): a server to
// its downstream clients and a client of its upstream group, answering when the upstream has.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "models/app/client_app.h"
#include "models/app/connection_pool.h"
#include "models/app/server_app.h"
#include "models/tcp/tcp_stack.h"
#include "sim/histogram.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"

namespace tcpsim::app {

struct ProxyConfig {
  // Listen endpoints, backlog, the proxy's own service time (before it forwards), closer,
  // idle timeout toward clients, sizes of what the clients send and expect.
  ServerConfig downstream;
  // Destinations, destination policy, pool, connect options (bind mode, source address,
  // source ports), retries, sizes toward the upstream servers. Its load fields are unused,
  // and so is its request_timeout: upstream_timeout takes its place.
  ClientConfig upstream;
  // 0: none. Else a forwarded request without its full response within this (connects,
  // pool waits and retries included) is answered 504 and its upstream connection closed.
  sim::Time upstream_timeout = 0;
  // Body of a 502/503/504 sent downstream; the downstream connection is closed after it.
  std::uint32_t error_response_bytes = 100;
};

// How a downstream request the upstream did not answer is answered.
enum class ProxyFailure : std::uint8_t {
  kBadGateway,          // 502: the upstream connect failed (ECONNREFUSED, ETIMEDOUT after the
                        // SYN retries, EADDRNOTAVAIL, EADDRINUSE, EMFILE) or the connection
                        // broke before the response, retries spent
  kServiceUnavailable,  // 503: the upstream pool was full (max_waiting) or the wait timed out
  kGatewayTimeout,      // 504: no full response within upstream_timeout
};
inline constexpr std::size_t kProxyFailureCount = 3;
inline constexpr std::array<std::string_view, kProxyFailureCount> kProxyFailureNames = {
    "502", "503", "504"};

// The answer to an upstream request failure. Vendors differ (nginx answers a connect
// timeout 504, Envoy every connect failure 503 "UF"); one mapping serves all here.
constexpr ProxyFailure proxy_failure(RequestFailure failure) {
  switch (failure) {
    case RequestFailure::kPoolTimeout:
    case RequestFailure::kPoolFull:
      return ProxyFailure::kServiceUnavailable;
    case RequestFailure::kTimeout:
      return ProxyFailure::kGatewayTimeout;
    case RequestFailure::kConnect:
    case RequestFailure::kConnection:
      break;
  }
  return ProxyFailure::kBadGateway;
}

// Cumulative since the start. forwarded = upstream_responses + sum(failures) + in flight.
struct ProxyCounters {
  std::uint64_t downstream_requests = 0;  // read from clients
  std::uint64_t forwarded = 0;            // served (own service time over) and sent upstream
  std::uint64_t upstream_responses = 0;   // full upstream responses, answered downstream
  std::array<std::uint64_t, kProxyFailureCount> failures{};  // forwarded and failed, by answer
  // Answers (of either kind above) not sent: the downstream connection was closed or reset.
  std::uint64_t downstream_gone = 0;
};

class ProxyApp final : private RequestHandler, private RequestObserver {
 public:
  // Throws std::invalid_argument for an invalid config. The downstream side draws from
  // stream `entity`, the upstream side from `entity` with its top bit set. `streams` as for
  // ServerApp and ClientApp.
  ProxyApp(sim::Simulator& sim, tcp::TcpStack& stack, ProxyConfig config, std::uint64_t seed,
           std::uint64_t entity, ResponseStreams* streams = nullptr);
  ProxyApp(const ProxyApp&) = delete;
  // Per connection: one downstream and one upstream record, whichever side it is on.
  static AppMemory memory(const ProxyConfig& config);
  // The upstream side records its latencies into `shared` from now on; before start().
  void record_latencies_in(ClientLatencies& shared) { upstream_.record_latencies_in(shared); }
  ProxyApp& operator=(const ProxyApp&) = delete;

  // Pre-warms the upstream pool, then listens; the first listen error, or kOk.
  tcp::SocketError start();

  [[nodiscard]] ProxyCounters counters() const;
  // Forwarded and neither answered by the upstream nor failed yet.
  [[nodiscard]] std::uint64_t in_flight() const { return upstream_.outstanding(); }
  [[nodiscard]] const ServerCounters& downstream_counters() const { return downstream_.counters(); }
  // Open downstream connections.
  [[nodiscard]] std::uint32_t downstream_connections() const { return downstream_.connections(); }
  [[nodiscard]] ClientCounters upstream_counters() const { return upstream_.counters(); }
  [[nodiscard]] const ConnectionPool& upstream_pool() const { return upstream_.pool(); }
  // ns, upstream connect() to ESTABLISHED.
  [[nodiscard]] const sim::Histogram& upstream_connect_latency() const {
    return upstream_.connect_latency();
  }
  // ns, forwarded to full upstream response (pool waits and retries included).
  [[nodiscard]] const sim::Histogram& upstream_request_latency() const {
    return upstream_.request_latency();
  }

 private:
  void on_request(ServerRequest request) override;
  void on_request_completed(std::uint32_t tag) override;
  void on_request_failed(std::uint32_t tag, RequestFailure failure) override;
  void answer(std::uint32_t tag, std::uint32_t error_bytes);

  std::uint32_t error_response_bytes_;
  ServerApp downstream_;
  ClientApp upstream_;
  sim::SlotPool<ServerRequest> pending_;  // forwarded requests, by upstream tag
  ProxyCounters counters_;
};

}  // namespace tcpsim::app
