#include "scenarios/client_node.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <numbers>
#include <set>
#include <utility>

#include "models/metrics/host_group_metrics.h"
#include "models/metrics/source.h"
#include "scenarios/field_path.h"
#include "scenarios/limits.h"
#include "scenarios/socket_options.h"
#include "scenarios/trace_reader.h"
#include "sim/duration.h"

namespace tcpsim::scenarios {
namespace {

namespace pb = scenario;

// Where a sidecar reaches the application on its own host.
constexpr net::Ipv4 kLocalhost{0x7f000001U};

constexpr std::string_view kLoadModels =
    "constant, poisson, on_off, ramp, step, diurnal, trace or closed_loop";

}  // namespace

void add_client_sample(metrics::Sample& out, const app::ClientCounters& c) {
  using metrics::host_metric;
  out.add(host_metric("connects_attempted"), c.connects_attempted);
  out.add(host_metric("connects_succeeded"), c.connects_succeeded);
  for (std::size_t e = 0; e < c.connects_failed.size(); ++e) {
    out.add(host_metric("connects_failed"), e, c.connects_failed[e]);
  }
  out.add(host_metric("requests_completed"), c.requests_completed);
  out.add(host_metric("requests_failed"), c.requests_failed);
  const std::array<std::uint64_t, metrics::kRequestFailureNames.size()> by_reason{
      c.failed_connect, c.failed_connection, c.failed_pool_timeout, c.failed_pool_full,
      c.failed_timeout};
  for (std::size_t r = 0; r < by_reason.size(); ++r) {
    out.add(host_metric("requests_failed_by"), r, by_reason[r]);
  }
  out.add(host_metric("pool_busy"), c.pool_busy);
  out.add(host_metric("pool_idle"), c.pool_idle);
  out.add(host_metric("pool_waiting"), c.pool_waiting);
}

void ClientLatencyStats::finish(metrics::Totals& out) const {
  out.merge(metrics::host_metric("connect_latency"), latencies_.connect);
  out.merge(metrics::host_metric("request_latency"), latencies_.request);
  out.merge(metrics::host_metric("pool_wait"), latencies_.wait);
}

namespace {

// Feeds a client application's counters into its group.
class ClientStats final : public metrics::Source {
 public:
  explicit ClientStats(const app::ClientApp& client) : client_(client) {}
  void sample(metrics::Sample& out) const override { add_client_sample(out, client_.counters()); }

 private:
  const app::ClientApp& client_;
};

class ClientNode final : public WorldNode {
 public:
  explicit ClientNode(const ResolvedClient& client) : client_(client) {}

  void build(WorldModel& world) override {
    app::ClientConfig config = client_.config;
    if (client_.source_address) config.connect.source_address = *client_.source_address;
    if (client_.source_ports) config.connect.source_ports = *client_.source_ports;
    // One copy for the group: each host keeps only its own state.
    const auto shared = std::make_shared<const app::ClientConfig>(std::move(config));
    for (auto& host : world.hosts[static_cast<std::size_t>(client_.group)]) {
      apps_.push_back(std::make_unique<app::ClientApp>(world.sim, host->stack(), shared, world.seed,
                                                       world.next_app_id(), nullptr,
                                                       &world.response_streams));
      apps_.back()->record_latencies_in(latencies_);
      stats_.push_back(std::make_unique<ClientStats>(*apps_.back()));
    }
  }

  void add_metrics(metrics::Sampler& sampler,
                   const std::vector<std::size_t>& sampler_groups) override {
    const std::size_t g = sampler_groups[static_cast<std::size_t>(client_.group)];
    for (const auto& s : stats_) sampler.add_source(g, *s);
    sampler.add_source(g, latency_stats_);
  }

  void start() override {
    for (auto& a : apps_) a->start();
  }

 private:
  const ResolvedClient& client_;
  // Every host's client records here: one set of histograms for the group.
  app::ClientLatencies latencies_;
  ClientLatencyStats latency_stats_{latencies_};
  std::vector<std::unique_ptr<app::ClientApp>> apps_;
  std::vector<std::unique_ptr<ClientStats>> stats_;
};

class ClientReader {
 public:
  ClientReader(const pb::Client& c, std::string path, std::optional<int> host_group,
               ResolveContext& ctx)
      : c_(c), path_(std::move(path)), host_group_(host_group), ctx_(ctx) {}

  std::optional<ResolvedClient> read(sim::Time stop) {
    const std::size_t problems_before = ctx_.problem_count();
    ResolvedClient out;
    std::optional<int> g = host_group_;
    if (host_group_) {
      if (!c_.group().empty()) ctx_.error(field("group"), "must be unset: it is the proxy's group");
      if (!c_.name().empty())
        ctx_.error(field("name"), "must be unset: the proxy's name labels it");
      if (c_.has_load()) {
        ctx_.error(field("load"), "must be unset: a proxy forwards its downstream requests");
      }
    } else {
      out.name =
          c_.name().empty() ? fmt::format("{}->{}", c_.group(), c_.target_group()) : c_.name();
      g = ctx_.group(field("group"), c_.group());
    }
    const auto target = ctx_.group(field("target_group"), c_.target_group());
    // A proxy whose upstream is its own group is a sidecar of the application on its host.
    const bool own_group = g && target && *target == *g;
    if (c_.loopback() && g && target && !own_group) {
      ctx_.error(field("loopback"),
                 fmt::format("needs target_group to be the client's own group, got \"{}\"",
                             c_.target_group()));
    }
    out.loopback = own_group && (host_group_.has_value() || c_.loopback());
    if (g && target && !out.loopback && !ctx_.reachable(*g, *target)) {
      ctx_.error(field("target_group"),
                 fmt::format("no path from group \"{}\" to group \"{}\" through topology.links",
                             c_.group(), c_.target_group()));
    }
    if (g && target && !out.loopback) {
      const auto behind = ctx_.gateway_of.find(*target);
      const auto mine = ctx_.gateway_of.find(*g);
      if (behind != ctx_.gateway_of.end() &&
          (mine == ctx_.gateway_of.end() || mine->second != behind->second)) {
        ctx_.error(field("target_group"),
                   fmt::format("group \"{}\" is behind {}, and hosts inside a gateway accept no "
                               "connection from outside it",
                               c_.target_group(), behind->second));
      }
    }
    out.group = g.value_or(-1);
    out.target_group = target.value_or(-1);
    app::ClientConfig& cfg = out.config;
    destinations(target, out.loopback, cfg);
    if (!host_group_) load(field("load"), cfg);
    if (g && cfg.load == app::LoadModel::kClosedLoop) {
      const std::uint64_t hosts = ctx_.scenario().groups(*g).count();
      if (hosts * cfg.users > limits::kMaxClosedLoopUsers) {
        ctx_.error(field("load.closed_loop.users"),
                   fmt::format("{} users on each of {} hosts make {}, more than the {} a run "
                               "may hold",
                               cfg.users, hosts, hosts * cfg.users, limits::kMaxClosedLoopUsers));
      }
    }
    if (auto p = pool(field("pool"))) cfg.pool = *p;
    (void)ctx_.message_size(field("request_size"), c_.request_size());
    (void)ctx_.message_size(field("response_size"), c_.response_size());
    cfg.destination_policy = c_.backend_choice() == pb::Client::UNIFORM
                                 ? app::DestinationPolicy::kUniform
                                 : app::DestinationPolicy::kRoundRobin;
    switch (c_.bind_mode()) {
      case pb::Client::BIND_ZERO:
        cfg.connect.bind_mode = app::BindMode::kBindZero;
        break;
      case pb::Client::BIND_ADDRESS_NO_PORT:
        cfg.connect.bind_mode = app::BindMode::kBindAddressNoPort;
        break;
      default:
        cfg.connect.bind_mode = app::BindMode::kConnect;
        break;
    }
    const std::string close = field("close");
    cfg.connect.linger_zero_fraction = ctx_.fraction(join_field_path(close, "linger_zero_fraction"),
                                                     c_.close().linger_zero_fraction())
                                           .value_or(0);
    cfg.connect.await_server_close = c_.close().closer() == pb::SERVER;
    cfg.connect.close_delay =
        ctx_.duration_or(join_field_path(close, "delay"), c_.close().delay(), 0).value_or(0);
    cfg.connect.half_close_hold =
        ctx_.positive_duration(join_field_path(close, "half_close_hold"),
                               c_.close().half_close_hold(), Need::kOptional)
            .value_or(0);
    if (cfg.connect.half_close_hold > 0 && cfg.connect.await_server_close) {
      ctx_.error(join_field_path(close, "half_close_hold"),
                 "needs closer CLIENT: with SERVER the client closes only after the server");
    }
    behaviour(cfg);
    if (c_.has_tcp_syncnt()) {
      if (c_.tcp_syncnt() < 1 || c_.tcp_syncnt() > 127) {
        ctx_.error(field("tcp_syncnt"), fmt::format("must be in 1..127, got {}", c_.tcp_syncnt()));
      } else {
        cfg.connect.syncnt = static_cast<std::uint8_t>(c_.tcp_syncnt());
      }
    }
    if (c_.has_keepalive()) {
      if (auto k = resolve_keepalive(c_.keepalive(), field("keepalive"), ctx_)) {
        cfg.connect.keepalive = *k;
      }
    }
    if (auto ut = resolve_user_timeout(c_.tcp_user_timeout(), field("tcp_user_timeout"), ctx_)) {
      cfg.connect.user_timeout_ms = *ut;
    }
    retry(field("retry"), cfg.retry);
    if (cfg.retry.on_timeout && !host_group_ && cfg.request_timeout == 0) {
      ctx_.error(field("retry.on_timeout"), "needs request_timeout");
    }
    source(out);
    cfg.stop = stop;
    if (ctx_.problem_count() != problems_before) return std::nullopt;
    return out;
  }

 private:
  std::string field(std::string_view f) const { return join_field_path(path_, f); }

  void destinations(std::optional<int> target, bool loopback, app::ClientConfig& cfg) {
    if (c_.target_ports().empty()) {
      ctx_.error(field("target_ports"), "at least one destination port is required");
    }
    std::vector<std::uint16_t> ports;
    for (int k = 0; k < c_.target_ports_size(); ++k) {
      const std::string port_path = field(indexed("target_ports", k));
      const std::uint32_t p = c_.target_ports(k);
      const auto port = ctx_.port(port_path, p);
      if (!target || !port) continue;
      ports.push_back(*port);
      const auto it = ctx_.listeners.find({*target, p});
      if (it == ctx_.listeners.end()) {
        ctx_.warn(port_path, fmt::format("no server listens on port {} of group \"{}\": its "
                                         "connects are refused (ECONNREFUSED) after a round trip",
                                         p, c_.target_group()));
      } else if (c_.close().closer() == pb::SERVER && it->second.close_first == pb::CLIENT) {
        ctx_.error(join_field_path(field("close"), "closer"),
                   fmt::format("the client waits for the server to close, but {} (port {}) "
                               "waits for the client (close_first: CLIENT): neither would close",
                               it->second.path, p));
      }
    }
    if (!target) return;
    if (loopback) {
      for (const std::uint16_t port : ports) cfg.destinations.push_back({kLocalhost, port});
      return;
    }
    for (const auto& addresses : ctx_.groups[static_cast<std::size_t>(*target)].host_addresses) {
      for (const std::uint16_t port : ports) cfg.destinations.push_back({addresses.front(), port});
    }
  }

  void load(const std::string& path, app::ClientConfig& cfg) {
    const pb::Load& load = c_.load();
    auto f = [&](std::string_view model, std::string_view name) {
      return join_field_path(join_field_path(path, model), name);
    };
    switch (load.model_case()) {
      case pb::Load::kConstant:
        if (auto r = ctx_.positive_rate(f("constant", "rate"), load.constant().rate())) {
          cfg.arrivals = app::ArrivalProcess::constant(*r);
        }
        break;
      case pb::Load::kPoisson:
        if (auto r = ctx_.positive_rate(f("poisson", "rate"), load.poisson().rate())) {
          cfg.arrivals = app::ArrivalProcess::poisson(*r);
        }
        break;
      case pb::Load::kOnOff: {
        const pb::OnOffLoad& m = load.on_off();
        const auto rate = ctx_.positive_rate(f("on_off", "on_rate"), m.on_rate());
        const auto on =
            ctx_.positive_duration(f("on_off", "on_duration"), m.on_duration(), Need::kRequired);
        const auto off =
            ctx_.positive_duration(f("on_off", "off_duration"), m.off_duration(), Need::kRequired);
        if (rate && on && off) {
          cfg.arrivals =
              app::ArrivalProcess::on_off(*rate, sim::Distribution::constant(sim::to_seconds(*on)),
                                          sim::Distribution::constant(sim::to_seconds(*off)));
        }
        break;
      }
      case pb::Load::kRamp: {
        const pb::RampLoad& m = load.ramp();
        const auto from = ctx_.non_negative_rate(f("ramp", "from_rate"), m.from_rate());
        const auto to = ctx_.non_negative_rate(f("ramp", "to_rate"), m.to_rate());
        if (m.from_rate() == 0 && m.to_rate() == 0) {
          ctx_.error(f("ramp", "to_rate"), "from_rate and to_rate are both 0: no load");
        }
        const auto over = ctx_.positive_duration(f("ramp", "over"), m.over(), Need::kRequired);
        if (from && to && over && (*from > 0 || *to > 0)) {
          cfg.arrivals = app::ArrivalProcess::ramp(*from, *to, *over);
        }
        break;
      }
      case pb::Load::kStep:
        steps(join_field_path(path, "step"), load.step(), cfg);
        break;
      case pb::Load::kDiurnal: {
        const pb::DiurnalLoad& m = load.diurnal();
        const auto rate = ctx_.positive_rate(f("diurnal", "mean_rate"), m.mean_rate());
        const auto amplitude = ctx_.fraction(f("diurnal", "amplitude"), m.amplitude());
        const auto period =
            ctx_.positive_duration(f("diurnal", "period"), m.period(), Need::kOptional)
                .value_or(24 * sim::kHour);
        const auto phase = ctx_.duration_or(f("diurnal", "phase"), m.phase(), 0);
        if (rate && amplitude && phase) {
          cfg.arrivals = app::ArrivalProcess::diurnal(
              *rate, *amplitude, period,
              2.0 * std::numbers::pi * sim::to_seconds(*phase) / sim::to_seconds(period));
        }
        break;
      }
      case pb::Load::kTrace:
        trace(f("trace", "csv_path"), load.trace().csv_path(), cfg);
        break;
      case pb::Load::kClosedLoop:
        cfg.load = app::LoadModel::kClosedLoop;
        if (load.closed_loop().users() < 1) {
          ctx_.error(f("closed_loop", "users"), "must be >= 1, got 0");
        }
        cfg.users = load.closed_loop().users();
        if (load.closed_loop().has_think_time()) {
          if (auto d = ctx_.time_distribution(f("closed_loop", "think_time"),
                                              load.closed_loop().think_time())) {
            cfg.think_time = std::move(*d);
          }
        }
        break;
      case pb::Load::MODEL_NOT_SET:
        ctx_.error(path, fmt::format("missing load model (one of {})", kLoadModels));
        break;
    }
  }

  void steps(const std::string& path, const pb::StepLoad& m, app::ClientConfig& cfg) {
    if (m.steps().empty()) {
      ctx_.error(join_field_path(path, "steps"), "at least one step is required");
      return;
    }
    std::vector<app::ArrivalProcess::Step> out;
    bool ok = true;
    bool any_load = false;
    for (int k = 0; k < m.steps_size(); ++k) {
      const std::string step = join_field_path(path, indexed("steps", k));
      const auto at = ctx_.duration(join_field_path(step, "at"), m.steps(k).at(), Need::kRequired);
      if (at && !out.empty() && *at <= out.back().at) {
        ctx_.error(join_field_path(step, "at"),
                   fmt::format("steps must be in increasing time order: {} is not after {}",
                               sim::format_duration(*at), sim::format_duration(out.back().at)));
        ok = false;
      }
      const auto rate = ctx_.non_negative_rate(join_field_path(step, "rate"), m.steps(k).rate());
      if (!at || !rate) {
        ok = false;
        continue;
      }
      any_load = any_load || *rate > 0;
      out.push_back({*at, *rate});
    }
    if (!any_load) {
      ctx_.error(join_field_path(path, "steps"), "every step has rate 0: no load");
      return;
    }
    if (ok) cfg.arrivals = app::ArrivalProcess::steps(std::move(out));
  }

  void trace(const std::string& path, const std::string& csv_path, app::ClientConfig& cfg) {
    if (csv_path.empty()) {
      ctx_.error(path, "required: the CSV file of arrival times");
      return;
    }
    std::filesystem::path file(csv_path);
    if (file.is_relative()) file = ctx_.base_dir() / file;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      ctx_.error(path, fmt::format("no such file: {}", file.string()));
      return;
    }
    TraceRead read = read_arrival_trace(file.string());
    for (std::string& p : read.problems) ctx_.error(path, std::move(p));
    if (read.problems.empty()) cfg.arrivals = app::ArrivalProcess::trace(std::move(read.times));
  }

  std::optional<app::PoolConfig> pool(const std::string& path) {
    const pb::Pool& pool = c_.pool();
    auto f = [&](std::string_view kind, std::string_view name) {
      return join_field_path(join_field_path(path, kind), name);
    };
    const std::size_t problems_before = ctx_.problem_count();
    app::PoolConfig c;
    switch (pool.kind_case()) {
      case pb::Pool::kKeepAlive: {
        const pb::KeepAlivePool& k = pool.keep_alive();
        c.kind = app::PoolKind::kKeepAlive;
        c.idle_timeout = ctx_.positive_duration(f("keep_alive", "idle_timeout"), k.idle_timeout(),
                                                Need::kOptional)
                             .value_or(0);
        if (k.max_idle() != 0) c.max_idle_per_destination = k.max_idle();
        c.max_requests_per_connection = k.max_requests_per_connection();
        break;
      }
      case pb::Pool::kBounded: {
        const pb::BoundedPool& b = pool.bounded();
        c.kind = app::PoolKind::kBounded;
        if (b.max_total() < 1) ctx_.error(f("bounded", "max_total"), "must be >= 1, got 0");
        const std::uint32_t max_idle = b.has_max_idle() ? b.max_idle() : b.max_total();
        if (b.has_max_idle() && b.max_idle() > b.max_total()) {
          ctx_.error(
              f("bounded", "max_idle"),
              fmt::format("max_idle ({}) must be <= max_total ({})", b.max_idle(), b.max_total()));
        } else if (b.min_idle() > max_idle) {
          ctx_.error(f("bounded", "min_idle"),
                     fmt::format("min_idle ({}) must be <= max_idle ({}{})", b.min_idle(), max_idle,
                                 b.has_max_idle() ? "" : ", from max_total"));
        }
        c.max_total = b.max_total();
        c.max_idle = max_idle;
        c.min_idle = b.min_idle();
        c.idle_timeout =
            ctx_.positive_duration(f("bounded", "idle_timeout"), b.idle_timeout(), Need::kOptional)
                .value_or(0);
        c.max_lifetime =
            ctx_.positive_duration(f("bounded", "max_lifetime"), b.max_lifetime(), Need::kOptional)
                .value_or(0);
        c.max_requests_per_connection = b.max_requests_per_connection();
        c.reuse =
            b.reuse() == pb::BoundedPool::FIFO ? app::ReuseOrder::kFifo : app::ReuseOrder::kLifo;
        if (b.max_per_destination() != 0) c.max_per_destination = b.max_per_destination();
        if (b.has_wait_queue()) {
          if (b.wait_queue().has_max_waiting()) c.max_waiting = b.wait_queue().max_waiting();
          c.wait_timeout =
              ctx_.positive_duration(join_field_path(f("bounded", "wait_queue"), "timeout"),
                                     b.wait_queue().timeout(), Need::kOptional)
                  .value_or(0);
        }
        break;
      }
      case pb::Pool::kMultiplexed: {
        const pb::MultiplexedPool& m = pool.multiplexed();
        c.kind = app::PoolKind::kMultiplexed;
        if (m.has_max_streams() && m.max_streams() < 1) {
          ctx_.error(f("multiplexed", "max_streams"), "must be >= 1, got 0");
        }
        if (m.has_connections_per_origin() && m.connections_per_origin() < 1) {
          ctx_.error(f("multiplexed", "connections_per_origin"), "must be >= 1, got 0");
        }
        c.streams_per_connection = m.has_max_streams() ? m.max_streams() : 100;
        c.max_per_destination = m.has_connections_per_origin() ? m.connections_per_origin() : 1;
        c.idle_timeout = ctx_.positive_duration(f("multiplexed", "idle_timeout"), m.idle_timeout(),
                                                Need::kOptional)
                             .value_or(0);
        break;
      }
      case pb::Pool::kNone:
      case pb::Pool::KIND_NOT_SET:
        c.kind = app::PoolKind::kNone;
        break;
    }
    if (ctx_.problem_count() != problems_before) return std::nullopt;
    // What the checks above did not cover, the pool's own rules do.
    for (const std::string& p : c.validate()) ctx_.error(path, p);
    return c;
  }

  // request_timeout and connect_only.
  void behaviour(app::ClientConfig& cfg) {
    if (!c_.request_timeout().empty()) {
      if (host_group_) {
        ctx_.error(field("request_timeout"), "must be unset: the proxy's upstream_timeout is it");
      } else {
        cfg.request_timeout =
            ctx_.positive_duration(field("request_timeout"), c_.request_timeout(), Need::kOptional)
                .value_or(0);
      }
    }
    if (!c_.connect_only()) return;
    if (host_group_) {
      ctx_.error(field("connect_only"), "must be unset: a proxy forwards its requests");
    } else if (cfg.pool.kind != app::PoolKind::kNone) {
      ctx_.error(field("connect_only"),
                 "needs pool none (or unset): a probe's connection is not reused");
    } else {
      cfg.connect_only = true;
    }
  }

  void retry(const std::string& path, app::RetryPolicy& out) {
    if (!c_.has_retry()) return;
    out.max_retries = c_.retry().max_retries();
    out.on_timeout = c_.retry().on_timeout();
    if (out.max_retries > limits::kMaxRetries) {
      ctx_.error(join_field_path(path, "max_retries"),
                 fmt::format("must be <= {}, got {}", limits::kMaxRetries, out.max_retries));
    }
    if (c_.retry().has_delay()) {
      if (auto t =
              ctx_.duration(join_field_path(path, "delay"), c_.retry().delay(), Need::kOptional)) {
        out.backoff = sim::Distribution::constant(sim::to_seconds(*t));
      }
    }
    if (c_.retry().has_backoff()) {
      if (auto d = ctx_.time_distribution(join_field_path(path, "backoff"), c_.retry().backoff())) {
        out.backoff = std::move(*d);
      }
    }
  }

  // source_address and source_port_range.
  void source(ResolvedClient& out) {
    if (!c_.source_address().empty()) {
      const std::string path = field("source_address");
      if (c_.bind_mode() == pb::Client::CONNECT && c_.source_port_range().empty() &&
          c_.source_ports_size() == 0) {
        ctx_.error(path,
                   "needs bind_mode BIND_ZERO or BIND_ADDRESS_NO_PORT, or source_ports or a "
                   "source_port_range: connect() alone takes the host's address");
      }
      const auto a = net::parse_ipv4(c_.source_address());
      if (!a) {
        ctx_.error(path, fmt::format("\"{}\" is not a dotted quad", c_.source_address()));
      } else if (!a->is_loopback() && out.group >= 0) {
        const auto& hosts = ctx_.groups[static_cast<std::size_t>(out.group)].host_addresses;
        if (hosts.size() != 1 ||
            std::find(hosts[0].begin(), hosts[0].end(), *a) == hosts[0].end()) {
          ctx_.error(path, fmt::format("{} is not an address of every host of the group: only a "
                                       "127/8 address or an address of a one-host group can be",
                                       c_.source_address()));
        } else {
          out.source_address = *a;
        }
      } else {
        out.source_address = *a;
      }
    }
    if (!c_.source_port_range().empty()) {
      // The application binds each port itself (HAProxy's `source addr:low-high`).
      if (c_.bind_mode() != pb::Client::CONNECT) {
        ctx_.error(field("source_port_range"),
                   "needs bind_mode CONNECT: the application binds each port it picks");
      }
      out.source_ports = ctx_.port_range(field("source_port_range"), c_.source_port_range());
    }
    listed_source_ports(out);
  }

  void listed_source_ports(ResolvedClient& out) {
    app::ConnectOptions& connect = out.config.connect;
    if (c_.source_ports_size() != 0) {
      if (!c_.source_port_range().empty()) {
        ctx_.error(field("source_ports"), "give either source_ports or source_port_range");
      }
      if (c_.bind_mode() != pb::Client::CONNECT) {
        ctx_.error(field("source_ports"),
                   "needs bind_mode CONNECT: the application binds each port it picks");
      }
      std::set<std::uint16_t> seen;
      for (int k = 0; k < c_.source_ports_size(); ++k) {
        const std::string path = field(indexed("source_ports", k));
        const auto port = ctx_.port(path, c_.source_ports(k));
        if (!port) continue;
        if (!seen.insert(*port).second) {
          ctx_.error(path, fmt::format("port {} is listed twice", *port));
          continue;
        }
        connect.source_port_list.push_back(*port);
      }
    }
    if (c_.has_source_port_reuseaddr()) {
      if (c_.source_ports_size() == 0 && c_.source_port_range().empty()) {
        ctx_.error(field("source_port_reuseaddr"), "needs source_ports or source_port_range");
      }
      connect.source_port_reuseaddr = c_.source_port_reuseaddr();
    }
  }

  const pb::Client& c_;
  std::string path_;
  std::optional<int> host_group_;
  ResolveContext& ctx_;
};

}  // namespace

std::optional<ResolvedClient> resolve_client(const scenario::Client& client,
                                             const std::string& path, std::optional<int> host_group,
                                             sim::Time stop, ResolveContext& ctx) {
  return ClientReader(client, path, host_group, ctx).read(stop);
}

std::unique_ptr<WorldNode> make_client_node(const ResolvedClient& client) {
  return std::make_unique<ClientNode>(client);
}

}  // namespace tcpsim::scenarios
