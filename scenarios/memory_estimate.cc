#include "scenarios/memory_estimate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "models/app/client_app.h"
#include "models/app/proxy_app.h"
#include "models/app/server_app.h"
#include "models/net/flow_table.h"
#include "models/net/network.h"
#include "models/tcp/host_stack.h"
#include "scenarios/conntrack_node.h"

namespace tcpsim::scenarios {
namespace {

// The program, its libraries and what they allocate whatever the scenario (measured: a
// one-host run peaks at about this resident size).
constexpr double kProgramBytes = 24.0 * (1U << 20U);
// A topology node or link: Boost adjacency-list vertex and edges, its routes.
constexpr double kNodeBytes = 256;
// A group's results: the values of its metric columns, every sample interval.
constexpr double kSampleBytes = 512;
// Latency histograms are priced for values over this many powers of two (a 16x spread, as
// from 200 us to 3 ms).
constexpr int kLatencySpan = 4;
// Round trip and protocol time a request adds to its service time, seconds.
constexpr double kRoundTrip = 0.001;

double seconds(sim::Time t) { return sim::to_seconds(t); }

// Connections of one client (or a proxy's upstream side) on each host of its group.
struct ClientLoad {
  double open = 0;    // connections open at once
  double opened = 0;  // connections opened per second
};

ClientLoad client_load(const app::ClientConfig& c, double rate, double service) {
  const double dests = static_cast<double>(std::max<std::size_t>(1, c.destinations.size()));
  const double busy = rate * (service + kRoundTrip);  // requests in flight
  const app::PoolConfig& p = c.pool;
  if (p.kind == app::PoolKind::kNone) return {busy, rate};
  double open = std::max(busy, static_cast<double>(p.min_idle) * dests);
  if (p.kind == app::PoolKind::kMultiplexed) {
    open = std::max(dests, busy / std::max<std::uint32_t>(1, p.streams_per_connection));
  }
  if (rate > 0) open = std::max(open, dests);  // a connection to each destination it reaches
  if (p.max_total != app::kUnlimited) open = std::min(open, static_cast<double>(p.max_total));
  if (p.max_per_destination != app::kUnlimited) {
    open = std::min(open, static_cast<double>(p.max_per_destination) * dests);
  }
  double opened = 0;
  if (p.max_requests_per_connection > 0) opened += rate / p.max_requests_per_connection;
  if (p.max_lifetime > 0) opened += open / seconds(p.max_lifetime);
  return {open, opened};
}

class Estimator {
 public:
  explicit Estimator(const ResolvedScenario& sc) : sc_(sc), groups_(sc.groups.size()) {
    for (std::size_t g = 0; g < sc.groups.size(); ++g) {
      groups_[g].hosts = static_cast<double>(sc.groups[g].host_addresses.size());
      const std::size_t addresses =
          sc.groups[g].host_addresses.empty() ? 1 : sc.groups[g].host_addresses.front().size();
      groups_[g].stack = tcp::HostStack::memory(sc.groups[g].kernel, addresses);
    }
  }

  MemoryEstimate run() {
    for (const ResolvedServer& s : sc_.servers) {
      add_fixed(s.group, static_cast<double>(app::ServerApp::memory(s.config).fixed));
    }
    for (const ResolvedClient& c : sc_.clients) {
      const double rate = peak_rate(c.config);
      add_client(c, rate, app::ClientApp::memory(c.config));
    }
    for (const ResolvedProxy& p : sc_.proxies) {
      app::ProxyConfig pc;
      pc.downstream = p.downstream.config;
      pc.upstream = p.upstream.config;
      app::AppMemory m = app::ProxyApp::memory(pc);
      add_fixed(p.group, static_cast<double>(m.fixed));
      m.fixed = 0;
      Group& g = groups_[static_cast<std::size_t>(p.group)];
      add_client(p.upstream, g.incoming / std::max(1.0, g.hosts), m);
    }
    for (const ResolvedGateway& gw : sc_.gateways) add_gateway(gw);
    for (std::size_t g = 0; g < sc_.groups.size(); ++g) {
      if (!sc_.groups[g].kernel.nf_conntrack) continue;
      const net::ConntrackConfig cc = conntrack_config(sc_.groups[g].kernel);
      Group& gr = groups_[g];
      const double flows = gr.open + gr.opened * seconds(cc.timeouts[kTimeWait]);
      add_flows(flows * gr.hosts, cc.max_entries * static_cast<std::uint64_t>(gr.hosts));
    }
    return total();
  }

 private:
  static constexpr std::size_t kTimeWait = static_cast<std::size_t>(net::FlowState::kTimeWait);

  struct Group {
    double hosts = 0;
    tcp::StackMemory stack;
    double app_fixed = 0;    // per host
    double sockets = 0;      // per host
    double records = 0;      // per host
    double app_bytes = 0;    // per host: applications' records of connections
    double port_tables = 0;  // per host: source addresses' and destinations' port tables
    double incoming = 0;     // requests per second arriving at the group, in all
    double open = 0;         // connections its clients hold, per host
    double opened = 0;       // connections its clients open per second, per host
  };

  double peak_rate(const app::ClientConfig& c) const {
    if (c.load == app::LoadModel::kClosedLoop) {
      return c.users / std::max(1e-3, c.think_time.mean() + kRoundTrip);
    }
    return c.arrivals.peak_arrivals(sim::kSecond, sc_.duration);
  }

  // What listens on group g: the first server or proxy there.
  const app::ServerConfig* server_on(int g) const {
    for (const ResolvedServer& s : sc_.servers) {
      if (s.group == g) return &s.config;
    }
    for (const ResolvedProxy& p : sc_.proxies) {
      if (p.group == g) return &p.downstream.config;
    }
    return nullptr;
  }

  void add_fixed(int g, double bytes) { groups_[static_cast<std::size_t>(g)].app_fixed += bytes; }

  void add_client(const ResolvedClient& c, double rate, const app::AppMemory& m) {
    Group& from = groups_[static_cast<std::size_t>(c.group)];
    const app::ServerConfig* server = server_on(c.target_group);
    const double service = server == nullptr ? 0 : server->service_time.mean();
    const ClientLoad load = client_load(c.config, rate, service);
    const double dests = static_cast<double>(c.config.destinations.size());
    // Connections a host opens over the run: a host that opens none fills no port table and
    // no histogram page, and one that opens a few reaches that many destinations.
    const double connects = load.open + load.opened * seconds(sc_.duration);
    const double active = std::min(1.0, connects);
    from.app_fixed += static_cast<double>(m.fixed);
    shared_ += static_cast<double>(app::ClientLatencies::memory(kLatencySpan));  // the node's
    shared_ += static_cast<double>(c.config.arrivals.heap_bytes());  // its hosts share the config
    from.sockets += load.open;
    from.open += load.open;
    from.opened += load.opened;
    from.app_bytes += load.open * static_cast<double>(m.per_connection);
    const double reached = std::min(dests, connects);  // destinations it connects to

    const bool server_closes = c.config.connect.await_server_close ||
                               (server != nullptr && server->closer == app::Closer::kServer);
    const double closed = load.opened * (1 - c.config.connect.linger_zero_fraction);
    // The ports a host holds toward its destinations: connections open, and its records.
    const auto add_port_tables = [&](double records) {
      const auto range = static_cast<double>(from.stack.range);
      const double held = std::min(load.open + records, range);
      const double ports = reached > 0 ? std::min(held / reached, range) : 0;
      from.port_tables +=
          active * static_cast<double>(from.stack.source_ports(static_cast<std::uint32_t>(held))) +
          reached *
              static_cast<double>(from.stack.per_destination +
                                  from.stack.destination_ports(static_cast<std::uint32_t>(ports)));
    };
    if (c.loopback || c.target_group < 0) {
      const double records =
          std::min<double>(closed * seconds(from_kernel(c.group).time_wait_length),
                           from_kernel(c.group).tcp_max_tw_buckets);
      from.sockets += load.open;
      from.records += records;
      add_port_tables(records);
      return;
    }
    Group& to = groups_[static_cast<std::size_t>(c.target_group)];
    const double per_server = from.hosts / std::max(1.0, to.hosts);
    routes_ += 2 * from.hosts * std::min(to.hosts, connects);  // both directions
    to.incoming += rate * from.hosts;
    to.sockets += load.open * per_server;
    if (server != nullptr) {
      const app::AppMemory sm = app::ServerApp::memory(*server);
      to.app_bytes += load.open * per_server * static_cast<double>(sm.per_connection);
      to.sockets += server->leak_fraction * load.opened * per_server * seconds(sc_.duration);
    }
    const tcp::KernelSettings& closer = from_kernel(server_closes ? c.target_group : c.group);
    double records = closed * seconds(closer.time_wait_length);
    if (server_closes) {
      to.records += std::min<double>(records * per_server, closer.tcp_max_tw_buckets);
      add_port_tables(0);
    } else {
      const double ports = static_cast<double>(closer.ip_local_port_range.size()) * dests;
      records = std::min({records, ports, static_cast<double>(closer.tcp_max_tw_buckets)});
      from.records += records;
      add_port_tables(records);
    }
  }

  void add_gateway(const ResolvedGateway& gw) {
    double flows = 0;
    for (const int g : gw.inside_groups) {
      const Group& gr = groups_[static_cast<std::size_t>(g)];
      flows += (gr.open + gr.opened * seconds(gw.config.timeouts[kTimeWait])) * gr.hosts;
    }
    gateway_flows_.push_back(add_flows(flows, gw.config.max_entries));
  }

  double add_flows(double flows, std::uint64_t max_entries) {
    if (max_entries > 0) flows = std::min(flows, static_cast<double>(max_entries));
    flows_ += flows;
    return flows;
  }

  // Whether routes keep a random stream: some link has jitter or loss.
  bool random_routes() const {
    return std::any_of(sc_.links.begin(), sc_.links.end(), [](const ResolvedLink& l) {
      return l.params.jitter > 0 || l.params.loss > 0;
    });
  }

  // Whether the network keeps a table of node pairs: some host has several addresses, or
  // segments meet middle nodes (gateways, conntrack filters).
  bool routes_by_nodes() const {
    return !sc_.gateways.empty() ||
           std::any_of(sc_.groups.begin(), sc_.groups.end(), [](const ResolvedGroup& g) {
             return g.kernel.nf_conntrack ||
                    (!g.host_addresses.empty() && g.host_addresses.front().size() > 1);
           });
  }

  const tcp::KernelSettings& from_kernel(int g) const {
    return sc_.groups[static_cast<std::size_t>(g)].kernel;
  }

  MemoryEstimate total() const {
    MemoryEstimate e;
    double host_bytes = 0;
    double connection_bytes = 0;
    double sockets = 0;
    double records = 0;
    double hosts = 0;
    for (const Group& g : groups_) {
      hosts += g.hosts;
      host_bytes += g.hosts * (static_cast<double>(g.stack.fixed) + g.app_fixed);
      sockets += g.hosts * g.sockets;
      records += g.hosts * g.records;
      connection_bytes +=
          g.hosts *
          (g.sockets * static_cast<double>(g.stack.per_socket + sim::Simulator::kBytesPerEvent) +
           g.records * static_cast<double>(g.stack.per_record) +
           (g.records > 0 ? static_cast<double>(g.stack.per_ring) : 0) + g.app_bytes +
           g.port_tables);
    }
    connection_bytes += flows_ * static_cast<double>(net::FlowTable::bytes_per_flow()) +
                        routes_ * static_cast<double>(net::Network::bytes_per_route(
                                      random_routes(), routes_by_nodes()));
    const double samples = seconds(sc_.duration) / std::max(1e-9, seconds(sc_.interval)) + 1;
    const double nodes = hosts + static_cast<double>(sc_.switches.size() + sc_.gateways.size() + 1);
    const double base = kProgramBytes + nodes * kNodeBytes + shared_ +
                        samples * kSampleBytes * static_cast<double>(groups_.size());
    e.hosts = static_cast<std::uint64_t>(hosts);
    e.host_bytes = static_cast<std::uint64_t>(host_bytes);
    e.sockets = static_cast<std::uint64_t>(sockets);
    e.records = static_cast<std::uint64_t>(records);
    e.flows = static_cast<std::uint64_t>(flows_);
    e.routes = static_cast<std::uint64_t>(routes_);
    for (const double f : gateway_flows_) e.gateway_flows.push_back(static_cast<std::uint64_t>(f));
    e.connection_bytes = static_cast<std::uint64_t>(connection_bytes);
    e.base_bytes = static_cast<std::uint64_t>(base);
    return e;
  }

  const ResolvedScenario& sc_;
  std::vector<Group> groups_;
  double flows_ = 0;
  std::vector<double> gateway_flows_;
  double routes_ = 0;  // host pairs exchanging segments, each direction
  double shared_ = 0;  // what nodes hold for their whole group
};

std::string bytes_text(std::uint64_t b) {
  constexpr std::array<const char*, 5> kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  auto v = static_cast<double>(b);
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < kUnits.size()) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.1f} {}", v, kUnits[u]);
}

}  // namespace

std::string MemoryEstimate::describe() const {
  return fmt::format(
      "{} = {} for {} hosts + {} for {} sockets, {} TIME_WAIT/FIN_WAIT_2 records and {} flows + "
      "{} for the program and results",
      bytes_text(total()), bytes_text(host_bytes), hosts, bytes_text(connection_bytes), sockets,
      records, flows, bytes_text(base_bytes));
}

MemoryEstimate estimate_memory(const ResolvedScenario& scenario) {
  return Estimator(scenario).run();
}

}  // namespace tcpsim::scenarios
