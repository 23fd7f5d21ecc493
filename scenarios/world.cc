#include "scenarios/world.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "models/app/client_app.h"
#include "models/app/server_app.h"
#include "models/metrics/sampler.h"
#include "models/net/network.h"
#include "models/net/topology.h"
#include "models/tcp/host_stack.h"
#include "scenarios/bandwidth.h"
#include "scenarios/distributions.h"
#include "sim/duration.h"
#include "sim/progress.h"
#include "sim/simulator.h"

namespace tcpsim::scenarios {
namespace {

sim::Time duration_or(const std::string& text, sim::Time fallback) {
  return text.empty() ? fallback : sim::parse_duration_or_throw(text);
}

[[noreturn]] void unsupported(const std::string& field, const std::string& what) {
  throw std::invalid_argument(fmt::format("{}: {}", field, what));
}

std::uint32_t fixed_size(const scenario::SizeDistribution& d, const std::string& field,
                         std::uint32_t fallback) {
  if (d.kind_case() == scenario::SizeDistribution::KIND_NOT_SET) return fallback;
  if (d.kind_case() != scenario::SizeDistribution::kConstant) {
    unsupported(field, "only constant sizes are modelled so far");
  }
  return static_cast<std::uint32_t>(d.constant().value());
}

bool all_or_none(double fraction, const std::string& field) {
  if (fraction != 0.0 && fraction != 1.0) {
    unsupported(field, "only 0 or 1 is modelled so far");
  }
  return fraction == 1.0;
}

std::vector<sim::Time> read_trace(const std::string& csv_path, const std::string& scenario_file) {
  std::filesystem::path p(csv_path);
  if (p.is_relative()) p = std::filesystem::path(scenario_file).parent_path() / p;
  std::ifstream in(p);
  if (!in) unsupported("load.trace.csv_path", fmt::format("cannot read {}", p.string()));
  std::vector<sim::Time> times;
  std::string line;
  std::size_t column = 0;
  bool header_seen = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (!header_seen) {
      header_seen = true;
      bool numeric = true;
      try {
        (void)std::stod(cells.at(0));
      } catch (const std::exception&) {
        numeric = false;
      }
      if (!numeric) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
          if (cells[i] == "time_s") column = i;
        }
        continue;
      }
    }
    times.push_back(sim::from_seconds(std::stod(cells.at(column))));
  }
  return times;
}

app::ArrivalProcess arrivals(const scenario::Load& load, const std::string& scenario_file) {
  switch (load.model_case()) {
    case scenario::Load::kConstant:
      return app::ArrivalProcess::constant(load.constant().rate());
    case scenario::Load::kPoisson:
      return app::ArrivalProcess::poisson(load.poisson().rate());
    case scenario::Load::kOnOff:
      return app::ArrivalProcess::on_off(
          load.on_off().on_rate(),
          sim::Distribution::constant(
              sim::to_seconds(sim::parse_duration_or_throw(load.on_off().on_duration()))),
          sim::Distribution::constant(
              sim::to_seconds(sim::parse_duration_or_throw(load.on_off().off_duration()))));
    case scenario::Load::kRamp:
      return app::ArrivalProcess::ramp(load.ramp().from_rate(), load.ramp().to_rate(),
                                       sim::parse_duration_or_throw(load.ramp().over()));
    case scenario::Load::kStep: {
      std::vector<app::ArrivalProcess::Step> steps;
      for (const auto& s : load.step().steps()) {
        steps.push_back({sim::parse_duration_or_throw(s.at()), s.rate()});
      }
      return app::ArrivalProcess::steps(std::move(steps));
    }
    case scenario::Load::kDiurnal: {
      const auto& d = load.diurnal();
      const sim::Time period = duration_or(d.period(), 24 * sim::kHour);
      const sim::Time phase = duration_or(d.phase(), 0);
      return app::ArrivalProcess::diurnal(
          d.mean_rate(), d.amplitude(), period,
          2.0 * 3.141592653589793 * sim::to_seconds(phase) / sim::to_seconds(period));
    }
    case scenario::Load::kTrace:
      return app::ArrivalProcess::trace(read_trace(load.trace().csv_path(), scenario_file));
    default:
      return {};
  }
}

app::PoolConfig pool_config(const scenario::Pool& pool) {
  app::PoolConfig c;
  switch (pool.kind_case()) {
    case scenario::Pool::kKeepAlive: {
      const auto& k = pool.keep_alive();
      c.kind = app::PoolKind::kKeepAlive;
      c.idle_timeout = duration_or(k.idle_timeout(), 0);
      if (k.max_idle() != 0) c.max_idle_per_destination = k.max_idle();
      c.max_requests_per_connection = k.max_requests_per_connection();
      break;
    }
    case scenario::Pool::kBounded: {
      const auto& b = pool.bounded();
      c.kind = app::PoolKind::kBounded;
      c.max_total = b.max_total();
      c.max_idle = b.has_max_idle() ? b.max_idle() : b.max_total();
      c.min_idle = b.min_idle();
      c.idle_timeout = duration_or(b.idle_timeout(), 0);
      c.max_lifetime = duration_or(b.max_lifetime(), 0);
      c.max_requests_per_connection = b.max_requests_per_connection();
      c.reuse = b.reuse() == scenario::BoundedPool::FIFO ? app::ReuseOrder::kFifo
                                                         : app::ReuseOrder::kLifo;
      if (b.max_per_destination() != 0) c.max_per_destination = b.max_per_destination();
      if (b.has_wait_queue()) {
        if (b.wait_queue().has_max_waiting()) c.max_waiting = b.wait_queue().max_waiting();
        c.wait_timeout = duration_or(b.wait_queue().timeout(), 0);
      }
      break;
    }
    case scenario::Pool::kMultiplexed: {
      const auto& m = pool.multiplexed();
      c.kind = app::PoolKind::kMultiplexed;
      c.streams_per_connection = m.has_max_streams() ? m.max_streams() : 100;
      c.max_per_destination = m.has_connections_per_origin() ? m.connections_per_origin() : 1;
      c.idle_timeout = duration_or(m.idle_timeout(), 0);
      break;
    }
    default:
      c.kind = app::PoolKind::kNone;
      break;
  }
  return c;
}

// Feeds a client application's counters and latencies into its group.
class ClientStats final : public metrics::Source {
 public:
  explicit ClientStats(const app::ClientApp& client) : client_(client) {}
  void sample(metrics::Sample& out) const override {
    using metrics::host_metric;
    const app::ClientCounters c = client_.counters();
    out.add(host_metric("connects_attempted"), c.connects_attempted);
    out.add(host_metric("connects_succeeded"), c.connects_succeeded);
    for (std::size_t e = 0; e < c.connects_failed.size(); ++e) {
      out.add(host_metric("connects_failed"), e, c.connects_failed[e]);
    }
    out.add(host_metric("requests_completed"), c.requests_completed);
    out.add(host_metric("requests_failed"), c.requests_failed);
    out.add(host_metric("pool_busy"), c.pool_busy);
    out.add(host_metric("pool_idle"), c.pool_idle);
    out.add(host_metric("pool_waiting"), c.pool_waiting);
  }
  void finish(metrics::Totals& out) const override {
    out.merge(metrics::host_metric("connect_latency"), client_.connect_latency());
    out.merge(metrics::host_metric("request_latency"), client_.request_latency());
  }

 private:
  const app::ClientApp& client_;
};

// Records one host's sockets when its event fires.
class SocketTableTaker final : public sim::EventHandler {
 public:
  SocketTableTaker(sim::Simulator& sim, std::vector<const tcp::TcpStack*> stacks,
                   std::vector<metrics::SocketTable>& tables)
      : stacks_(std::move(stacks)), tables_(tables) {
    if (tables_.empty()) return;
    const sim::HandlerId self = sim.add_handler(*this);
    for (std::uint32_t i = 0; i < tables_.size(); ++i) sim.schedule(tables_[i].time, self, 0, i);
  }
  void handle(const sim::Event& event) override {
    metrics::SocketTable& table = tables_[event.target];
    stacks_[event.target]->for_each_socket([&table](const tcp::SocketView& v) {
      table.rows.push_back(metrics::SocketRow{v.state, v.tuple, v.has_fd, v.minisocket,
                                              static_cast<std::uint8_t>(v.timer), v.retransmits,
                                              v.timer_left});
    });
  }

 private:
  std::vector<const tcp::TcpStack*> stacks_;  // one per table
  std::vector<metrics::SocketTable>& tables_;
};

struct World {
  sim::Simulator sim;
  net::Topology topology;
  std::unique_ptr<net::Network> network;
  std::map<std::string, std::vector<std::unique_ptr<tcp::HostStack>>> hosts;
  std::map<std::string, std::vector<net::NodeId>> nodes;
  std::vector<std::unique_ptr<app::ServerApp>> servers;
  std::vector<std::unique_ptr<app::ClientApp>> clients;
  std::vector<std::unique_ptr<ClientStats>> client_stats;
};

}  // namespace

metrics::RunResults run_scenario(const LoadResult& loaded,
                                 std::optional<std::uint64_t> seed_override, bool show_progress,
                                 const std::vector<SocketTableRequest>& socket_tables) {
  if (!loaded.ok()) throw std::invalid_argument("the scenario has problems; run `tcpsim check`");
  const scenario::Scenario& sc = *loaded.scenario;
  const std::uint64_t seed = seed_override.value_or(sc.seed());
  const sim::Time duration = sim::parse_duration_or_throw(sc.duration());

  // Socket tables: checked before anything runs.
  std::map<std::string, std::pair<std::string, std::size_t>> host_names;  // -> (group, index)
  for (const ResolvedGroup& g : loaded.groups) {
    for (std::size_t i = 0; i < g.host_addresses.size(); ++i) {
      host_names.emplace(fmt::format("{}-{}", g.name, i), std::make_pair(g.name, i));
    }
  }
  for (const SocketTableRequest& req : socket_tables) {
    if (!host_names.contains(req.host)) {
      std::string groups;
      for (const ResolvedGroup& g : loaded.groups) {
        groups += groups.empty() ? "" : ", ";
        groups += g.host_addresses.size() == 1
                      ? fmt::format("{}-0", g.name)
                      : fmt::format("{}-0..{}", g.name, g.host_addresses.size() - 1);
      }
      throw std::invalid_argument(fmt::format("--ss {}@{}: no host named '{}' (hosts: {})",
                                              req.host, sim::format_duration(req.time), req.host,
                                              groups));
    }
    if (req.time < 0 || req.time > duration) {
      throw std::invalid_argument(
          fmt::format("--ss {}@{}: {} is beyond the scenario's duration ({})", req.host,
                      sim::format_duration(req.time), sim::format_duration(req.time),
                      sim::format_duration(duration)));
    }
  }
  const sim::Time warmup = duration_or(sc.warmup(), 0);
  const sim::Time interval = duration_or(sc.metrics_interval(), sim::kSecond);

  World w;
  // Hosts, one node each, named group-index.
  for (const ResolvedGroup& g : loaded.groups) {
    auto& nodes = w.nodes[g.name];
    for (std::size_t i = 0; i < g.host_addresses.size(); ++i) {
      nodes.push_back(w.topology.add_host(fmt::format("{}-{}", g.name, i), g.host_addresses[i]));
    }
  }
  std::map<std::string, net::NodeId> switches;
  for (const auto& s : sc.topology().switches())
    switches[s.name()] = w.topology.add_switch(s.name());
  auto ends = [&](const std::string& name) {
    if (auto it = switches.find(name); it != switches.end())
      return std::vector<net::NodeId>{it->second};
    return w.nodes.at(name);
  };
  if (sc.topology().links().empty()) {
    const net::NodeId hub = w.topology.add_switch("implicit");
    for (const auto& [name, nodes] : w.nodes) {
      for (net::NodeId n : nodes) w.topology.add_link(n, hub, {});
    }
  }
  for (const auto& l : sc.topology().links()) {
    net::LinkParams p;
    p.latency = duration_or(l.latency(), 0);
    p.jitter = duration_or(l.jitter(), 0);
    p.loss = l.loss();
    if (!l.bandwidth().empty()) p.bandwidth_bps = parse_bandwidth(l.bandwidth()).value_or(0);
    for (net::NodeId a : ends(l.from())) {
      for (net::NodeId b : ends(l.to())) w.topology.add_link(a, b, p);
    }
  }
  w.network = std::make_unique<net::Network>(w.sim, w.topology, net::NetworkOptions{seed});

  std::uint64_t host_id = 0;
  for (const ResolvedGroup& g : loaded.groups) {
    auto& stacks = w.hosts[g.name];
    for (const auto& addresses : g.host_addresses) {
      stacks.push_back(std::make_unique<tcp::HostStack>(w.sim, *w.network, g.kernel, addresses,
                                                        seed, host_id++));
    }
  }

  // The request and response sizes on each server port: the request as its
  // clients send it, the response as they expect it or else as the server
  // sends it; 100 bytes where nobody says. A server and its clients share one.
  struct Sizes {
    std::uint32_t request = 100;
    std::uint32_t response = 100;
    int set_by = -1;  // the client that fixed them
  };
  std::map<std::pair<std::string, std::uint32_t>, Sizes> sizes;
  for (int si = 0; si < sc.servers_size(); ++si) {
    const auto& s = sc.servers(si);
    const std::uint32_t response =
        fixed_size(s.response_size(), fmt::format("servers[{}].response_size", si), 100);
    for (std::uint32_t port : s.ports()) sizes[{s.group(), port}].response = response;
  }
  for (int ci = 0; ci < sc.clients_size(); ++ci) {
    const auto& c = sc.clients(ci);
    const std::string field = fmt::format("clients[{}]", ci);
    for (std::uint32_t port : c.target_ports()) {
      Sizes& on_port = sizes[{c.target_group(), port}];
      const Sizes wanted{fixed_size(c.request_size(), field + ".request_size", 100),
                         fixed_size(c.response_size(), field + ".response_size", on_port.response),
                         ci};
      if (on_port.set_by >= 0 &&
          (on_port.request != wanted.request || on_port.response != wanted.response)) {
        unsupported(field, fmt::format("request and response sizes differ from clients[{}]'s "
                                       "toward the same server port",
                                       on_port.set_by));
      }
      on_port = wanted;
    }
  }
  // One size pair per application: all its ports must agree.
  auto sizes_of = [&](const std::string& group, const auto& ports, const std::string& field) {
    const Sizes& first = sizes.at({group, ports.Get(0)});
    for (std::uint32_t port : ports) {
      const Sizes& other = sizes.at({group, port});
      if (other.request != first.request || other.response != first.response) {
        unsupported(field, "its ports carry requests of different sizes");
      }
    }
    return first;
  };

  std::uint64_t app_id = 0;
  for (int si = 0; si < sc.servers_size(); ++si) {
    const auto& s = sc.servers(si);
    const std::string field = fmt::format("servers[{}]", si);
    app::ServerConfig cfg;
    for (std::uint32_t port : s.ports()) {
      cfg.listen.push_back({net::Ipv4{0}, static_cast<std::uint16_t>(port)});
    }
    const Sizes sz = sizes_of(s.group(), s.ports(), field);
    cfg.request_size = sz.request;
    cfg.response_size = sz.response;
    cfg.backlog = s.backlog() == 0 ? static_cast<int>(loaded.group(s.group())->kernel.somaxconn)
                                   : static_cast<int>(s.backlog());
    if (s.has_service_time()) cfg.service_time = to_distribution(s.service_time());
    cfg.closer = s.close_first() == scenario::SERVER ? app::Closer::kServer : app::Closer::kClient;
    cfg.close_delay = duration_or(s.close_delay(), 0);
    cfg.leak_fraction = s.leak_fraction();
    cfg.linger_zero = all_or_none(s.linger_zero_fraction(), field + ".linger_zero_fraction");
    if (s.has_max_accept_rate()) unsupported(field + ".max_accept_rate", "not modelled yet");
    if (!s.idle_timeout().empty()) unsupported(field + ".idle_timeout", "not modelled yet");
    for (auto& stack : w.hosts.at(s.group())) {
      w.servers.push_back(
          std::make_unique<app::ServerApp>(w.sim, stack->stack(), cfg, seed, app_id++));
    }
  }

  for (int ci = 0; ci < sc.clients_size(); ++ci) {
    const auto& c = sc.clients(ci);
    const std::string field = fmt::format("clients[{}]", ci);
    app::ClientConfig cfg;
    if (c.load().model_case() == scenario::Load::kClosedLoop) {
      cfg.load = app::LoadModel::kClosedLoop;
      cfg.users = c.load().closed_loop().users();
      if (c.load().closed_loop().has_think_time()) {
        cfg.think_time = to_distribution(c.load().closed_loop().think_time());
      }
    } else {
      cfg.arrivals = arrivals(c.load(), loaded.file);
    }
    const ResolvedGroup* target = loaded.group(c.target_group());
    for (const auto& addresses : target->host_addresses) {
      for (std::uint32_t port : c.target_ports()) {
        cfg.destinations.push_back({addresses.front(), static_cast<std::uint16_t>(port)});
      }
    }
    cfg.destination_policy = c.backend_choice() == scenario::Client::UNIFORM
                                 ? app::DestinationPolicy::kUniform
                                 : app::DestinationPolicy::kRoundRobin;
    const Sizes sz = sizes_of(c.target_group(), c.target_ports(), field);
    cfg.request_size = sz.request;
    cfg.response_size = sz.response;
    cfg.pool = pool_config(c.pool());
    switch (c.bind_mode()) {
      case scenario::Client::BIND_ZERO:
        cfg.connect.bind_mode = app::BindMode::kBindZero;
        break;
      case scenario::Client::BIND_ADDRESS_NO_PORT:
        cfg.connect.bind_mode = app::BindMode::kBindAddressNoPort;
        break;
      default:
        cfg.connect.bind_mode = app::BindMode::kConnect;
        break;
    }
    cfg.connect.linger_zero =
        all_or_none(c.close().linger_zero_fraction(), field + ".close.linger_zero_fraction");
    cfg.connect.await_server_close = c.close().closer() == scenario::SERVER;
    if (!c.close().delay().empty() && sim::parse_duration_or_throw(c.close().delay()) != 0) {
      unsupported(field + ".close.delay", "not modelled yet");
    }
    if (c.has_tcp_syncnt()) cfg.connect.syncnt = static_cast<std::uint8_t>(c.tcp_syncnt());
    if (c.has_retry()) {
      cfg.retry.max_retries = c.retry().max_retries();
      if (c.retry().wait_case() == scenario::Retry::kDelay) {
        cfg.retry.backoff = sim::Distribution::constant(
            sim::to_seconds(sim::parse_duration_or_throw(c.retry().delay())));
      } else if (c.retry().wait_case() == scenario::Retry::kBackoff) {
        cfg.retry.backoff = to_distribution(c.retry().backoff());
      }
    }
    cfg.stop = duration;
    for (auto& stack : w.hosts.at(c.group())) {
      w.clients.push_back(
          std::make_unique<app::ClientApp>(w.sim, stack->stack(), cfg, seed, app_id++));
    }
  }

  metrics::Sampler sampler(w.sim, interval, warmup);
  std::map<std::string, std::size_t> group_index;
  for (const ResolvedGroup& g : loaded.groups) {
    std::vector<const tcp::TcpStack*> stacks;
    for (const auto& h : w.hosts.at(g.name)) stacks.push_back(&h->stack());
    group_index[g.name] =
        sampler.add_group(g.name, std::move(stacks), g.kernel.ip_local_port_range.size());
  }
  {
    std::size_t k = 0;
    for (int ci = 0; ci < sc.clients_size(); ++ci) {
      const std::size_t gi = group_index.at(sc.clients(ci).group());
      for (std::size_t i = 0; i < w.hosts.at(sc.clients(ci).group()).size(); ++i, ++k) {
        w.client_stats.push_back(std::make_unique<ClientStats>(*w.clients[k]));
        sampler.add_source(gi, *w.client_stats.back());
      }
    }
  }

  for (std::size_t i = 0; i < w.servers.size(); ++i) {
    const tcp::SocketError e = w.servers[i]->start();
    if (e != tcp::SocketError::kOk) {
      unsupported("servers", fmt::format("a server could not listen: {}", tcp::name(e)));
    }
  }
  std::vector<metrics::SocketTable> tables;
  std::vector<const tcp::TcpStack*> table_stacks;
  for (const SocketTableRequest& req : socket_tables) {
    const auto& [group, index] = host_names.at(req.host);
    tables.push_back({req.host, req.time, {}});
    table_stacks.push_back(&w.hosts.at(group)[index]->stack());
  }
  SocketTableTaker table_taker(w.sim, std::move(table_stacks), tables);

  sampler.start();
  for (auto& c : w.clients) c->start();

  sim::Progress progress(duration, stderr, show_progress && isatty(fileno(stderr)) != 0);
  w.sim.set_heartbeat(&progress);
  const auto started = std::chrono::steady_clock::now();
  w.sim.run_until(duration);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  metrics::RunResults r;
  r.scenario_name = sc.name();
  r.scenario_text = loaded.resolved_text();
  r.seed = seed;
  r.version = TCPSIM_VERSION;
  r.wall_seconds = wall;
  r.events = w.sim.events_processed();
  r.duration = duration;
  r.warmup = warmup;
  r.interval = interval;
  r.groups = sampler.finish();
  r.socket_tables = std::move(tables);
  return r;
}

}  // namespace tcpsim::scenarios
