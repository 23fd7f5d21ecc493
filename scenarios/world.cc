#include "scenarios/world.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/metrics/sampler.h"
#include "scenarios/conntrack_node.h"
#include "scenarios/memory_estimate.h"
#include "scenarios/world_model.h"
#include "scenarios/world_node.h"
#include "sim/duration.h"
#include "sim/progress.h"

namespace tcpsim::scenarios {
namespace {

void take(metrics::SocketTable& table, const tcp::TcpStack& stack) {
  stack.for_each_socket([&table](const tcp::SocketView& v) {
    table.rows.push_back(metrics::SocketRow{v.state, v.tuple, v.has_fd, v.minisocket,
                                            static_cast<std::uint8_t>(v.timer), v.retransmits,
                                            v.timer_left, v.recv_q, v.send_q});
  });
}

void take(metrics::NstatTable& table, const tcp::TcpStack& stack) {
  table.values = metrics::nstat_values(stack.counters());
}

// Records one host's sockets or counters when its event fires.
template <class Table>
class TableTaker final : public sim::EventHandler {
 public:
  TableTaker(sim::Simulator& sim, std::vector<const tcp::TcpStack*> stacks,
             std::vector<Table>& tables)
      : stacks_(std::move(stacks)), tables_(tables) {
    if (tables_.empty()) return;
    const sim::HandlerId self = sim.add_handler(*this);
    for (std::uint32_t i = 0; i < tables_.size(); ++i) sim.schedule(tables_[i].time, self, 0, i);
  }
  void handle(const sim::Event& event) override {
    take(tables_[event.target], *stacks_[event.target]);
  }

 private:
  std::vector<const tcp::TcpStack*> stacks_;  // one per table
  std::vector<Table>& tables_;
};

// Hosts, one node each named group-index, then switches, gateways and links; the routing
// tables sized for the estimate's routes.
void build_network(WorldModel& w, const ResolvedScenario& sc, const MemoryEstimate& estimate) {
  std::vector<std::vector<net::NodeId>>& group_nodes = w.host_nodes;
  group_nodes.assign(sc.groups.size(), {});
  for (std::size_t g = 0; g < sc.groups.size(); ++g) {
    const ResolvedGroup& group = sc.groups[g];
    for (std::size_t i = 0; i < group.host_addresses.size(); ++i) {
      group_nodes[g].push_back(
          w.topology.add_host(fmt::format("{}-{}", group.name, i), group.host_addresses[i]));
    }
  }
  std::vector<net::NodeId> switches;
  for (const std::string& name : sc.switches) switches.push_back(w.topology.add_switch(name));
  for (const ResolvedGateway& gw : sc.gateways) {
    w.gateway_nodes.push_back(w.topology.add_host(gw.name, gw.config.public_addresses));
  }
  if (sc.links.empty()) {
    // Every group hangs off one switch, linked in the order of the groups' names, then the
    // gateways in theirs.
    const net::NodeId hub = w.topology.add_switch("implicit");
    std::map<std::string, std::size_t> by_name;
    for (std::size_t g = 0; g < sc.groups.size(); ++g) by_name.emplace(sc.groups[g].name, g);
    for (const auto& [name, g] : by_name) {
      for (const net::NodeId n : group_nodes[g]) w.topology.add_link(n, hub, {});
    }
    std::map<std::string, std::size_t> gateways_by_name;
    for (std::size_t k = 0; k < sc.gateways.size(); ++k) {
      gateways_by_name.emplace(sc.gateways[k].name, k);
    }
    for (const auto& [name, k] : gateways_by_name) w.topology.add_link(w.gateway_nodes[k], hub, {});
  }
  const auto ends = [&](int end) {
    auto e = static_cast<std::size_t>(end);
    if (e < group_nodes.size()) return group_nodes[e];
    e -= group_nodes.size();
    if (e < switches.size()) return std::vector<net::NodeId>{switches[e]};
    return std::vector<net::NodeId>{w.gateway_nodes[e - switches.size()]};
  };
  for (const ResolvedLink& l : sc.links) {
    for (const net::NodeId a : ends(l.from)) {
      for (const net::NodeId b : ends(l.to)) w.topology.add_link(a, b, l.params);
    }
  }
  net::NetworkOptions options{.seed = w.seed};
  options.expected_pairs = estimate.routes;
  w.network = std::make_unique<net::Network>(w.sim, w.topology, options);

  std::uint64_t host_id = 0;
  w.hosts.resize(sc.groups.size());
  for (std::size_t g = 0; g < sc.groups.size(); ++g) {
    const auto kernel = std::make_shared<const tcp::KernelSettings>(sc.groups[g].kernel);
    for (std::size_t i = 0; i < sc.groups[g].host_addresses.size(); ++i) {
      w.hosts[g].push_back(std::make_unique<tcp::HostStack>(w.sim, *w.network, kernel,
                                                            sc.groups[g].host_addresses[i], w.seed,
                                                            host_id++, group_nodes[g][i]));
      w.hosts[g].back()->stack().share_time_wait_chunks(w.time_wait_chunks);
    }
  }
}

// The socket tables asked for, checked before anything runs.
std::vector<std::pair<std::size_t, std::size_t>> locate_tables(
    const ResolvedScenario& sc, const std::vector<SocketTableRequest>& requests,
    std::string_view option) {
  std::map<std::string, std::pair<std::size_t, std::size_t>> host_names;  // -> (group, index)
  for (std::size_t g = 0; g < sc.groups.size(); ++g) {
    for (std::size_t i = 0; i < sc.groups[g].host_addresses.size(); ++i) {
      host_names.emplace(fmt::format("{}-{}", sc.groups[g].name, i), std::make_pair(g, i));
    }
  }
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const SocketTableRequest& req : requests) {
    const auto it = host_names.find(req.host);
    if (it == host_names.end()) {
      std::string groups;
      for (const ResolvedGroup& g : sc.groups) {
        groups += groups.empty() ? "" : ", ";
        groups += g.host_addresses.size() == 1
                      ? fmt::format("{}-0", g.name)
                      : fmt::format("{}-0..{}", g.name, g.host_addresses.size() - 1);
      }
      throw std::invalid_argument(fmt::format("{} {}@{}: no host named '{}' (hosts: {})", option,
                                              req.host, sim::format_duration(req.time), req.host,
                                              groups));
    }
    if (req.time < 0 || req.time > sc.duration) {
      throw std::invalid_argument(fmt::format("{} {}@{}: {} is beyond the scenario's duration ({})",
                                              option, req.host, sim::format_duration(req.time),
                                              sim::format_duration(req.time),
                                              sim::format_duration(sc.duration)));
    }
    out.push_back(it->second);
  }
  return out;
}

// A table per request, to be filled at its time, and the stacks they are taken from.
template <class Table>
std::vector<const tcp::TcpStack*> empty_tables(
    const WorldModel& w, const std::vector<SocketTableRequest>& requests,
    const std::vector<std::pair<std::size_t, std::size_t>>& hosts, std::vector<Table>& tables) {
  std::vector<const tcp::TcpStack*> stacks;
  for (std::size_t k = 0; k < requests.size(); ++k) {
    const auto [group, index] = hosts[k];
    tables.push_back({requests[k].host, requests[k].time, {}});
    stacks.push_back(&w.hosts[group][index]->stack());
  }
  return stacks;
}

}  // namespace

metrics::RunResults run_scenario(const LoadResult& loaded,
                                 std::optional<std::uint64_t> seed_override, bool show_progress,
                                 const std::vector<SocketTableRequest>& socket_tables,
                                 const std::vector<SocketTableRequest>& nstat_tables,
                                 std::int64_t progress_log_interval, std::uint64_t event_limit) {
  if (!loaded.ok()) throw std::invalid_argument("the scenario has problems; run `tcpsim check`");
  const ResolvedScenario& sc = *loaded.resolved;
  const auto table_hosts = locate_tables(sc, socket_tables, "--ss");
  const auto nstat_hosts = locate_tables(sc, nstat_tables, "--nstat");

  WorldModel w(seed_override.value_or(sc.seed));
  const MemoryEstimate estimate = estimate_memory(sc);
  build_network(w, sc, estimate);

  // Servers, clients, proxies, then the network's nodes: application entity ids follow this
  // order, so adding a later kind leaves the streams of the earlier ones unchanged.
  std::vector<std::unique_ptr<WorldNode>> nodes;
  for (const ResolvedServer& s : sc.servers) nodes.push_back(make_server_node(s));
  for (const ResolvedClient& c : sc.clients) nodes.push_back(make_client_node(c));
  for (const ResolvedProxy& p : sc.proxies) nodes.push_back(make_proxy_node(p));
  for (std::size_t k = 0; k < sc.gateways.size(); ++k) {
    nodes.push_back(make_gateway_node(sc.gateways[k], k, estimate.gateway_flows[k]));
  }
  for (std::size_t g = 0; g < sc.groups.size(); ++g) {
    if (sc.groups[g].kernel.nf_conntrack) nodes.push_back(make_conntrack_node(static_cast<int>(g)));
  }
  for (auto& n : nodes) n->build(w);

  metrics::Sampler sampler(w.sim, sc.interval, sc.warmup);
  std::vector<std::size_t> sampler_groups;
  for (std::size_t g = 0; g < sc.groups.size(); ++g) {
    std::vector<const tcp::TcpStack*> stacks;
    for (const auto& h : w.hosts[g]) stacks.push_back(&h->stack());
    sampler_groups.push_back(sampler.add_group(sc.groups[g].name, std::move(stacks),
                                               sc.groups[g].kernel.ip_local_port_range.size()));
  }
  for (auto& n : nodes) n->add_metrics(sampler, sampler_groups);

  std::vector<metrics::SocketTable> tables;
  TableTaker table_taker(w.sim, empty_tables(w, socket_tables, table_hosts, tables), tables);
  std::vector<metrics::NstatTable> counters;
  TableTaker counter_taker(w.sim, empty_tables(w, nstat_tables, nstat_hosts, counters), counters);

  sampler.start();
  for (auto& n : nodes) n->start();

  sim::Progress progress = show_progress
                               ? sim::Progress::for_stderr(sc.duration, progress_log_interval)
                               : sim::Progress(sc.duration, stderr, false);
  progress.set_detail([&w] {
    std::uint64_t sockets = 0;
    for (const auto& group : w.hosts) {
      for (const auto& h : group)
        sockets += h->stack().sockets_alive() + h->stack().minisockets_alive();
    }
    return fmt::format("sockets {}", sockets);
  });
  w.sim.set_heartbeat(&progress);
  if (event_limit != 0) w.sim.set_event_limit(event_limit);
  const auto started = std::chrono::steady_clock::now();
  const sim::StopReason stop = w.sim.run_until(sc.duration);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  metrics::RunResults r;
  r.scenario_name = sc.name;
  r.scenario_text = loaded.resolved_text();
  r.seed = w.seed;
  r.version = TCPSIM_VERSION;
  r.wall_seconds = wall;
  r.events = w.sim.events_processed();
  r.duration = stop == sim::StopReason::kEventLimit ? w.sim.now() : sc.duration;
  r.warmup = sc.warmup;
  r.interval = sc.interval;
  r.groups = sampler.finish();
  r.socket_tables = std::move(tables);
  r.nstat_tables = std::move(counters);
  return r;
}

}  // namespace tcpsim::scenarios
