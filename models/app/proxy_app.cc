#include "models/app/proxy_app.h"

#include <stdexcept>
#include <utility>

namespace tcpsim::app {
namespace {

constexpr std::uint64_t kUpstreamEntityBit = std::uint64_t{1} << 63U;

// The proxy's own fields; the server and the client check theirs.
const ProxyConfig& checked(const ProxyConfig& config) {
  if (config.upstream_timeout < 0) {
    throw std::invalid_argument("proxy: upstream_timeout must be >= 0");
  }
  if (config.upstream.request_timeout != 0) {
    throw std::invalid_argument("proxy: set upstream_timeout, not upstream.request_timeout");
  }
  if (config.error_response_bytes == 0) {
    throw std::invalid_argument("proxy: error_response_bytes must be > 0");
  }
  return config;
}

ClientConfig upstream_config(const ProxyConfig& config) {
  ClientConfig c = config.upstream;
  c.request_timeout = config.upstream_timeout;
  return c;
}

}  // namespace

AppMemory ProxyApp::memory(const ProxyConfig& config) {
  const AppMemory down = ServerApp::memory(config.downstream);
  const AppMemory up = ClientApp::memory(config.upstream);
  AppMemory m;
  m.fixed = sizeof(ProxyApp) - sizeof(ServerApp) - sizeof(ClientApp) + down.fixed + up.fixed;
  m.per_connection = std::max(down.per_connection, up.per_connection) + sizeof(ServerRequest);
  return m;
}

ProxyApp::ProxyApp(sim::Simulator& sim, tcp::TcpStack& stack, ProxyConfig config,
                   std::uint64_t seed, std::uint64_t entity, ResponseStreams* streams)
    : error_response_bytes_(checked(config).error_response_bytes),
      downstream_(sim, stack, std::move(config.downstream), seed, entity, this, streams),
      upstream_(sim, stack, upstream_config(config), seed, entity | kUpstreamEntityBit, this,
                streams) {}

tcp::SocketError ProxyApp::start() {
  upstream_.start();
  return downstream_.start();
}

ProxyCounters ProxyApp::counters() const {
  ProxyCounters c = counters_;
  c.downstream_requests = downstream_.counters().requests;
  return c;
}

void ProxyApp::on_request(ServerRequest request) {
  const std::uint32_t tag = pending_.allocate();
  pending_[tag] = request;
  ++counters_.forwarded;
  upstream_.submit(tag);
}

void ProxyApp::on_request_completed(std::uint32_t tag) {
  ++counters_.upstream_responses;
  answer(tag, 0);
}

void ProxyApp::on_request_failed(std::uint32_t tag, RequestFailure failure) {
  ++counters_.failures[static_cast<std::size_t>(proxy_failure(failure))];
  answer(tag, error_response_bytes_);
}

void ProxyApp::answer(std::uint32_t tag, std::uint32_t error_bytes) {
  const ServerRequest request = pending_[tag];
  pending_.free(tag);
  if (!downstream_.respond(request, error_bytes)) ++counters_.downstream_gone;
}

}  // namespace tcpsim::app
