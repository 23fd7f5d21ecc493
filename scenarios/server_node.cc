#include "scenarios/server_node.h"

#include <fmt/format.h>

#include <array>
#include <span>
#include <utility>

#include "models/metrics/host_group_metrics.h"
#include "models/metrics/source.h"
#include "scenarios/field_path.h"
#include "scenarios/socket_options.h"
#include "sim/duration.h"

namespace tcpsim::scenarios {
namespace {

// What a server adds to its group's metrics.
inline constexpr std::array<metrics::Metric, 3> kServerMetrics{{
    {.name = "accept_errors",
     .unit = "calls",
     .description = "accept() calls the group's servers saw fail, by errno (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .columns = metrics::kPerErrno,
     .summary = {{{"accept_errors", metrics::Reading::kLast}}}},
    {.name = "first_accept_emfile_s",
     .unit = "s",
     .description = "time of the first accept() that failed with EMFILE on any host, NaN when "
                    "none did",
     .kind = metrics::MetricKind::kScalar,
     .summary = {{{"first_accept_emfile_s", metrics::Reading::kValue}}},
     .combine = metrics::Combine::kMin},
    {.name = "server_connection_errors",
     .unit = "connections",
     .description = "accepted connections that ended in an error, by errno: ECONNRESET for a "
                    "reset received, ETIMEDOUT for retransmissions given up (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .columns = metrics::kPerErrno,
     .summary = {{{"server_errors", metrics::Reading::kLast}}}},
}};

class ServerStats final : public metrics::Source {
 public:
  explicit ServerStats(const app::ServerApp& server) : server_(server) {}
  [[nodiscard]] std::span<const metrics::Metric> metrics() const override { return kServerMetrics; }
  void sample(metrics::Sample& out) const override {
    const app::ServerCounters& c = server_.counters();
    for (std::size_t e = 0; e < c.accept_errors.size(); ++e) {
      out.add(metrics::find(kServerMetrics, "accept_errors"), e, c.accept_errors[e]);
      out.add(metrics::find(kServerMetrics, "server_connection_errors"), e, c.connection_errors[e]);
    }
  }
  void finish(metrics::Totals& out) const override {
    const sim::Time first =
        server_.counters().first_accept_error[static_cast<std::size_t>(tcp::SocketError::kEmfile)];
    if (first >= 0) {
      out.add(metrics::find(kServerMetrics, "first_accept_emfile_s"), sim::to_seconds(first));
    }
  }

 private:
  const app::ServerApp& server_;
};

// Present only on groups whose server crashes.
inline constexpr std::array<metrics::Metric, 1> kCrashMetrics{{
    {.name = "host_crashes",
     .unit = "crashes",
     .description = "power failures of the group's hosts so far (all sockets lost at once)",
     .kind = metrics::MetricKind::kCounter,
     .summary = {{{"host_crashes", metrics::Reading::kLast}}}},
}};

class CrashStats final : public metrics::Source {
 public:
  explicit CrashStats(const app::HostCrashes& crashes) : crashes_(crashes) {}
  [[nodiscard]] std::span<const metrics::Metric> metrics() const override { return kCrashMetrics; }
  void sample(metrics::Sample& out) const override {
    out.add(metrics::find(kCrashMetrics, "host_crashes"), crashes_.crashes());
  }

 private:
  const app::HostCrashes& crashes_;
};

// Every host of the group runs one copy of the server.
class ServerNode final : public WorldNode {
 public:
  explicit ServerNode(const ResolvedServer& server) : server_(server) {}

  void build(WorldModel& world) override {
    for (auto& host : world.hosts[static_cast<std::size_t>(server_.group)]) {
      apps_.push_back(std::make_unique<app::ServerApp>(world.sim, host->stack(), server_.config,
                                                       world.seed, world.next_app_id(), nullptr,
                                                       &world.response_streams));
      stats_.push_back(std::make_unique<ServerStats>(*apps_.back()));
      if (server_.crashes.empty()) continue;
      crashes_.push_back(std::make_unique<app::HostCrashes>(world.sim, host->stack(), *apps_.back(),
                                                            server_.crashes));
      crash_stats_.push_back(std::make_unique<CrashStats>(*crashes_.back()));
    }
  }

  void add_metrics(metrics::Sampler& sampler,
                   const std::vector<std::size_t>& sampler_groups) override {
    const std::size_t g = sampler_groups[static_cast<std::size_t>(server_.group)];
    for (const auto& s : stats_) sampler.add_source(g, *s);
    for (const auto& s : crash_stats_) sampler.add_source(g, *s);
  }

  void start() override {
    for (auto& a : apps_) {
      const tcp::SocketError e = a->start();
      // The resolve pass gave every server its own ports on addresses the host owns.
      if (e != tcp::SocketError::kOk) {
        throw std::logic_error(
            fmt::format("server {} could not listen: {}", server_.name, tcp::name(e)));
      }
    }
    for (auto& c : crashes_) c->start();
  }

 private:
  const ResolvedServer& server_;
  std::vector<std::unique_ptr<app::ServerApp>> apps_;
  std::vector<std::unique_ptr<ServerStats>> stats_;
  std::vector<std::unique_ptr<app::HostCrashes>> crashes_;
  std::vector<std::unique_ptr<CrashStats>> crash_stats_;
};

// The crash schedule at `path`: times in order, each crash after the previous restart, on a
// group that runs this server alone.
std::vector<app::Crash> resolve_crashes(const scenario::Server& srv, const std::string& path,
                                        bool proxy, ResolveContext& ctx) {
  std::vector<app::Crash> out;
  if (srv.crashes().empty()) return out;
  const std::string crashes = join_field_path(path, "crashes");
  if (proxy) {
    ctx.error(crashes, "must be empty for a proxy's downstream: only a server's hosts crash");
    return out;
  }
  const scenario::Scenario& sc = ctx.scenario();
  std::string neighbour;
  for (int i = 0; i < sc.servers_size() && neighbour.empty(); ++i) {
    if (&sc.servers(i) != &srv && sc.servers(i).group() == srv.group()) {
      neighbour = indexed("servers", i);
    }
  }
  for (int i = 0; i < sc.clients_size() && neighbour.empty(); ++i) {
    if (sc.clients(i).group() == srv.group()) neighbour = indexed("clients", i);
  }
  for (int i = 0; i < sc.proxies_size() && neighbour.empty(); ++i) {
    if (sc.proxies(i).group() == srv.group()) neighbour = indexed("proxies", i);
  }
  if (!neighbour.empty()) {
    ctx.error(crashes, fmt::format("the hosts of group \"{}\" crash, but {} runs there too: a "
                                   "crashing group may run this server alone",
                                   srv.group(), neighbour));
  }
  sim::Time up = 0;
  for (int k = 0; k < srv.crashes_size(); ++k) {
    const std::string at_path = join_field_path(indexed(crashes, k), "at");
    const auto at = ctx.duration(at_path, srv.crashes(k).at(), Need::kRequired);
    const auto downtime = ctx.positive_duration(join_field_path(indexed(crashes, k), "downtime"),
                                                srv.crashes(k).downtime(), Need::kRequired);
    if (!at || !downtime) continue;
    if (*at < up) {
      ctx.error(at_path, fmt::format("{} is before the previous crash's restart at {}",
                                     sim::format_duration(*at), sim::format_duration(up)));
    }
    up = *at + *downtime;
    out.push_back({*at, *downtime});
  }
  return out;
}

}  // namespace

std::optional<ResolvedServer> resolve_server(const scenario::Server& srv, const std::string& path,
                                             std::optional<int> host_group, ResolveContext& ctx) {
  const std::size_t problems_before = ctx.problem_count();
  auto field = [&](std::string_view f) { return join_field_path(path, f); };
  ResolvedServer out;
  std::optional<int> g = host_group;
  if (host_group) {
    if (!srv.group().empty()) ctx.error(field("group"), "must be unset: it is the proxy's group");
    if (!srv.name().empty()) ctx.error(field("name"), "must be unset: the proxy's name labels it");
  } else {
    g = ctx.group(field("group"), srv.group());
    out.name = srv.name().empty() && !srv.ports().empty()
                   ? fmt::format("{}:{}", srv.group(), srv.ports(0))
                   : srv.name();
  }
  out.group = g.value_or(-1);
  if (srv.ports().empty()) ctx.error(field("ports"), "at least one listening port is required");
  for (int k = 0; k < srv.ports_size(); ++k) {
    const std::string port_path = field(indexed("ports", k));
    const std::uint32_t p = srv.ports(k);
    const auto port = ctx.port(port_path, p);
    if (port) out.config.listen.push_back({net::Ipv4{0}, *port});
    if (!g) continue;
    const ResolveContext::Listener mine{path, srv.close_first()};
    if (const auto [it, fresh] = ctx.listeners.emplace(std::pair{*g, p}, mine); !fresh) {
      ctx.error(port_path,
                it->second.path == path
                    ? fmt::format("port {} is listed twice", p)
                    : fmt::format("port {} of group \"{}\" is already listened on by {}", p,
                                  ctx.groups[static_cast<std::size_t>(*g)].name, it->second.path));
    }
  }
  if (g) {
    const std::uint32_t somaxconn = ctx.groups[static_cast<std::size_t>(*g)].kernel.somaxconn;
    // Linux's listen() clamps the backlog to somaxconn.
    out.config.backlog = static_cast<int>(
        srv.backlog() == 0 ? somaxconn : std::min<std::uint32_t>(srv.backlog(), somaxconn));
  }
  if (srv.has_service_time()) {
    if (auto d = ctx.time_distribution(field("service_time"), srv.service_time())) {
      out.config.service_time = std::move(*d);
    }
  }
  (void)ctx.message_size(field("response_size"), srv.response_size());
  out.config.closer =
      srv.close_first() == scenario::SERVER ? app::Closer::kServer : app::Closer::kClient;
  out.config.close_delay = ctx.duration_or(field("close_delay"), srv.close_delay(), 0).value_or(0);
  out.config.leak_fraction = ctx.fraction(field("leak_fraction"), srv.leak_fraction()).value_or(0);
  out.config.linger_zero_fraction =
      ctx.fraction(field("linger_zero_fraction"), srv.linger_zero_fraction()).value_or(0);
  if (srv.has_max_accept_rate()) {
    out.config.max_accept_rate =
        ctx.positive_rate(field("max_accept_rate"), srv.max_accept_rate()).value_or(0);
  }
  out.config.idle_timeout =
      ctx.positive_duration(field("idle_timeout"), srv.idle_timeout(), Need::kOptional).value_or(0);
  out.config.never_respond = srv.never_respond();
  if (srv.has_keepalive()) {
    if (auto k = resolve_keepalive(srv.keepalive(), field("keepalive"), ctx)) {
      out.config.keepalive = *k;
    }
  }
  out.crashes = resolve_crashes(srv, path, host_group.has_value(), ctx);
  if (ctx.problem_count() != problems_before) return std::nullopt;
  return out;
}

std::unique_ptr<WorldNode> make_server_node(const ResolvedServer& server) {
  return std::make_unique<ServerNode>(server);
}

}  // namespace tcpsim::scenarios
