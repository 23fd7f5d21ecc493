#include "scenarios/proxy_node.h"

#include <fmt/format.h>

#include <array>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "models/app/proxy_app.h"
#include "models/metrics/host_group_metrics.h"
#include "models/metrics/source.h"
#include "scenarios/field_path.h"

namespace tcpsim::scenarios {
namespace {

inline constexpr metrics::Columns kPerAnswer{"answers", app::kProxyFailureNames};

// What a proxy adds to its group's metrics beyond a client's (its upstream side feeds those).
inline constexpr std::array<metrics::Metric, 3> kProxyMetrics{{
    {.name = "proxy_requests",
     .unit = "requests",
     .description = "downstream requests read by the group's proxies (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .summary = {{{"proxy_requests", metrics::Reading::kLast}}}},
    {.name = "proxy_failures",
     .unit = "requests",
     .description = "downstream requests the proxies answered with an error because the "
                    "upstream failed them: 502 connect failure or broken connection, 503 full "
                    "pool, 504 upstream timeout (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .columns = kPerAnswer,
     .summary = {{{"proxy_failures", metrics::Reading::kLast}}}},
    {.name = "proxy_in_flight",
     .unit = "requests",
     .description = "requests forwarded upstream and not answered yet, summed over the "
                    "group's hosts",
     .kind = metrics::MetricKind::kLevel,
     .width = metrics::Width::k32,
     .summary = {{{"proxy_in_flight_peak", metrics::Reading::kPeak}}}},
}};

// A proxy's upstream side as a client of its group (its latencies aside: ClientLatencyStats),
// plus its own counters.
class ProxyStats final : public metrics::Source {
 public:
  explicit ProxyStats(const app::ProxyApp& proxy) : proxy_(proxy) {}
  [[nodiscard]] std::span<const metrics::Metric> metrics() const override { return kProxyMetrics; }
  void sample(metrics::Sample& out) const override {
    add_client_sample(out, proxy_.upstream_counters());
    const app::ProxyCounters p = proxy_.counters();
    out.add(metrics::find(kProxyMetrics, "proxy_requests"), p.downstream_requests);
    for (std::size_t k = 0; k < p.failures.size(); ++k) {
      out.add(metrics::find(kProxyMetrics, "proxy_failures"), k, p.failures[k]);
    }
    out.add(metrics::find(kProxyMetrics, "proxy_in_flight"), proxy_.in_flight());
  }

 private:
  const app::ProxyApp& proxy_;
};

// Every host of the group runs one copy of the proxy.
class ProxyNode final : public WorldNode {
 public:
  explicit ProxyNode(const ResolvedProxy& proxy) : proxy_(proxy) {
    config_.downstream = proxy.downstream.config;
    config_.upstream = proxy.upstream.config;
    if (proxy.upstream.source_address) {
      config_.upstream.connect.source_address = *proxy.upstream.source_address;
    }
    if (proxy.upstream.source_ports)
      config_.upstream.connect.source_ports = *proxy.upstream.source_ports;
    config_.upstream_timeout = proxy.upstream_timeout;
    config_.error_response_bytes = proxy.error_response_size;
  }

  void build(WorldModel& world) override {
    for (auto& host : world.hosts[static_cast<std::size_t>(proxy_.group)]) {
      apps_.push_back(std::make_unique<app::ProxyApp>(world.sim, host->stack(), config_, world.seed,
                                                      world.next_app_id(),
                                                      &world.response_streams));
      apps_.back()->record_latencies_in(latencies_);
      stats_.push_back(std::make_unique<ProxyStats>(*apps_.back()));
    }
  }

  void add_metrics(metrics::Sampler& sampler,
                   const std::vector<std::size_t>& sampler_groups) override {
    const std::size_t g = sampler_groups[static_cast<std::size_t>(proxy_.group)];
    for (const auto& s : stats_) sampler.add_source(g, *s);
    sampler.add_source(g, latency_stats_);
  }

  void start() override {
    for (auto& a : apps_) {
      const tcp::SocketError e = a->start();
      // The resolve pass gave every proxy its own ports.
      if (e != tcp::SocketError::kOk) {
        throw std::logic_error(
            fmt::format("proxy {} could not listen: {}", proxy_.name, tcp::name(e)));
      }
    }
  }

 private:
  const ResolvedProxy& proxy_;
  app::ProxyConfig config_;
  // Every host's upstream side records here: one set of histograms for the group.
  app::ClientLatencies latencies_;
  ClientLatencyStats latency_stats_{latencies_};
  std::vector<std::unique_ptr<app::ProxyApp>> apps_;
  std::vector<std::unique_ptr<ProxyStats>> stats_;
};

}  // namespace

std::optional<ResolvedServer> resolve_proxy_downstream(const scenario::Proxy& proxy, int index,
                                                       ResolveContext& ctx) {
  const std::string path = indexed("proxies", index);
  const auto g = ctx.group(join_field_path(path, "group"), proxy.group());
  if (!proxy.has_downstream()) {
    ctx.error(join_field_path(path, "downstream"), "required: the ports it listens on");
    return std::nullopt;
  }
  if (!g) return std::nullopt;
  return resolve_server(proxy.downstream(), join_field_path(path, "downstream"), *g, ctx);
}

std::optional<ResolvedProxy> resolve_proxy(const scenario::Proxy& proxy, int index,
                                           std::optional<ResolvedServer> downstream, sim::Time stop,
                                           ResolveContext& ctx) {
  const std::string path = indexed("proxies", index);
  const auto g = ctx.group_index.find(proxy.group());
  if (g == ctx.group_index.end()) return std::nullopt;
  if (!proxy.has_upstream()) {
    ctx.error(join_field_path(path, "upstream"), "required: the group and ports it forwards to");
    return std::nullopt;
  }
  auto upstream =
      resolve_client(proxy.upstream(), join_field_path(path, "upstream"), g->second, stop, ctx);
  const auto timeout = ctx.positive_duration(join_field_path(path, "upstream_timeout"),
                                             proxy.upstream_timeout(), Need::kOptional);
  if (!downstream || !upstream || (!proxy.upstream_timeout().empty() && !timeout)) {
    return std::nullopt;
  }
  ResolvedProxy out;
  const auto& ports = proxy.downstream().ports();
  out.name = proxy.name().empty()
                 ? fmt::format("{}:{}", proxy.group(), ports.empty() ? 0 : ports[0])
                 : proxy.name();
  out.group = g->second;
  out.downstream = std::move(*downstream);
  out.downstream.name = out.name;
  out.upstream = std::move(*upstream);
  out.upstream.name = out.name;
  out.upstream_timeout = timeout.value_or(0);
  if (proxy.error_response_size() != 0) out.error_response_size = proxy.error_response_size();
  return out;
}

std::unique_ptr<WorldNode> make_proxy_node(const ResolvedProxy& proxy) {
  return std::make_unique<ProxyNode>(proxy);
}

}  // namespace tcpsim::scenarios
