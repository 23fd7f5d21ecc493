#include "models/net/routes.h"

#include <algorithm>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <stdexcept>
#include <string>

namespace tcpsim::net {

namespace {

constexpr sim::Time kInfinite = sim::kTimeMax;

// Records, for each vertex whose distance improves, the link it was reached by.
struct RecordVia {
  using event_filter = boost::on_edge_relaxed;
  LinkId* via;
  template <typename Edge, typename Graph>
  void operator()(Edge edge, const Graph& graph) const {
    via[boost::target(edge, graph)] = graph[edge].link;
  }
};

}  // namespace

Routes::Routes(const Topology& topology)
    : topology_(topology),
      nodes_at_build_(topology.node_count()),
      links_at_build_(topology.link_count()),
      switch_index_(topology.node_count(), kNone) {
  for (NodeId n = 0; n < topology.node_count(); ++n) {
    if (!topology.is_host(n)) {
      switch_index_[n] = static_cast<std::uint32_t>(switch_node_.size());
      switch_node_.push_back(n);
    }
  }
  attachments_.resize(topology.node_count());
  const Topology::Graph& graph = topology.graph();
  for (NodeId n = 0; n < topology.node_count(); ++n) {
    if (switch_index_[n] != kNone) continue;
    auto [edge, end] = boost::out_edges(n, graph);
    for (; edge != end; ++edge) {
      const std::uint32_t s = switch_index_[boost::target(*edge, graph)];
      if (s != kNone) attachments_[n].emplace_back(s, graph[*edge].link);
    }
  }
  core_ = CoreGraph(switch_node_.size());
  for (LinkId l = 0; l < topology.link_count(); ++l) {
    const Link& link = topology.link(l);
    const std::uint32_t a = switch_index_[link.a];
    const std::uint32_t b = switch_index_[link.b];
    if (a != kNone && b != kNone) boost::add_edge(a, b, CoreEdge{l, link.params.latency}, core_);
  }
  trees_.resize(switch_node_.size());
}

const Routes::Tree& Routes::tree(std::uint32_t root) {
  Tree& t = trees_[root];
  if (!t.distance.empty()) return t;
  t.distance.assign(switch_node_.size(), kInfinite);
  t.via.assign(switch_node_.size(), kNone);
  boost::dijkstra_shortest_paths(
      core_, root,
      boost::weight_map(boost::get(&CoreEdge::latency, core_))
          .distance_map(t.distance.data())
          .visitor(boost::make_dijkstra_visitor(RecordVia{t.via.data()})));
  ++trees_computed_;
  return t;
}

std::optional<Routes::Choice> Routes::choose(NodeId from, NodeId to) {
  if (topology_.node_count() != nodes_at_build_ || topology_.link_count() != links_at_build_) {
    throw std::logic_error("the topology changed after its routes were built");
  }
  if (from >= nodes_at_build_ || to >= nodes_at_build_) {
    throw std::out_of_range("route between unknown nodes " + std::to_string(from) + " and " +
                            std::to_string(to));
  }
  if (from == to) return Choice{};

  const Topology::Graph& graph = topology_.graph();
  auto latency = [this](LinkId l) { return l == kNone ? 0 : topology_.link(l).params.latency; };
  std::optional<Choice> best;
  sim::Time best_latency = kInfinite;

  if (topology_.is_host(from) && topology_.is_host(to)) {
    // The links between the two, from the end with fewer: both ends list them in the order
    // they were added, so ties go the same way.
    const bool from_to = boost::out_degree(from, graph) <= boost::out_degree(to, graph);
    const NodeId near = from_to ? from : to;
    const NodeId far = from_to ? to : from;
    auto [edge, end] = boost::out_edges(near, graph);
    for (; edge != end; ++edge) {
      const LinkId l = graph[*edge].link;
      if (boost::target(*edge, graph) == far && latency(l) < best_latency) {
        best_latency = latency(l);
        best = Choice{l, kNone, kNone, kNone};
      }
    }
  }

  // Calls fn(switch index, link or kNone) for each way into the switch fabric from `node`.
  auto for_each_attachment = [&](NodeId node, auto&& fn) {
    if (switch_index_[node] != kNone) {
      fn(switch_index_[node], kNone);
      return;
    }
    for (const auto& [s, link] : attachments_[node]) fn(s, link);
  };

  for_each_attachment(from, [&](std::uint32_t entry, LinkId first) {
    const Tree& t = tree(entry);
    for_each_attachment(to, [&](std::uint32_t exit, LinkId last) {
      if (t.distance[exit] == kInfinite) return;
      const sim::Time total = latency(first) + t.distance[exit] + latency(last);
      if (total < best_latency) {
        best_latency = total;
        best = Choice{first, entry, exit, last};
      }
    });
  });
  return best;
}

template <typename Fn>
void Routes::for_each_link(const Choice& choice, Fn&& fn) const {
  if (choice.first != kNone) fn(choice.first);
  if (choice.entry != kNone) {
    const Tree& t = trees_[choice.entry];
    std::vector<LinkId> reversed;
    for (std::uint32_t s = choice.exit; s != choice.entry;) {
      const LinkId l = t.via[s];
      reversed.push_back(l);
      s = switch_index_[topology_.link(l).other(switch_node_[s])];
    }
    std::for_each(reversed.rbegin(), reversed.rend(), fn);
  }
  if (choice.last != kNone) fn(choice.last);
}

std::optional<Route> Routes::route(NodeId from, NodeId to) {
  const std::optional<Choice> choice = choose(from, to);
  if (!choice) return std::nullopt;
  Route r;
  double delivered = 1.0;
  for_each_link(*choice, [&](LinkId l) {
    const LinkParams& p = topology_.link(l).params;
    r.latency += p.latency;
    r.jitter += p.jitter;
    delivered *= 1.0 - p.loss;
    if (p.bandwidth_bps > 0) {
      r.ns_per_bit += 1e9 / static_cast<double>(p.bandwidth_bps);
      if (r.bottleneck_bps == 0 || p.bandwidth_bps < r.bottleneck_bps) {
        r.bottleneck_bps = p.bandwidth_bps;
      }
    }
    ++r.hops;
  });
  r.loss = 1.0 - delivered;
  return r;
}

std::optional<std::vector<LinkId>> Routes::path(NodeId from, NodeId to) {
  const std::optional<Choice> choice = choose(from, to);
  if (!choice) return std::nullopt;
  std::vector<LinkId> links;
  for_each_link(*choice, [&](LinkId l) { links.push_back(l); });
  return links;
}

}  // namespace tcpsim::net
