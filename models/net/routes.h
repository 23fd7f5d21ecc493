// Lowest-latency routes between the nodes of a finished topology: each path's total latency,
// jitter bound, loss, bandwidth and hop count, computed on first use and cached.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "models/net/topology.h"
#include "sim/time.h"

namespace tcpsim::net {

// The aggregate of the links along one path, in one direction.
struct Route {
  sim::Time latency = 0;             // sum of link latencies
  sim::Time jitter = 0;              // sum of link jitter bounds
  double loss = 0;                   // 1 - prod(1 - loss_i)
  std::uint64_t bottleneck_bps = 0;  // the slowest limited link; 0 when no link is limited
  double ns_per_bit = 0;             // sum over limited links of 1e9 / bandwidth_bps
  std::uint32_t hops = 0;            // links on the path; 0 from a node to itself

  bool operator==(const Route&) const = default;

  // Store-and-forward time to clock `bytes` onto every limited link in turn (no queueing),
  // rounded once to the nearest nanosecond.
  [[nodiscard]] sim::Time serialization(std::uint64_t bytes) const {
    if (ns_per_bit == 0.0) return 0;
    // std::llround for a non-negative value, without the library call: the fraction is exact.
    const double ns = static_cast<double>(bytes) * 8.0 * ns_per_bit;
    const auto whole = static_cast<sim::Time>(ns);
    return whole + (ns - static_cast<double>(whole) >= 0.5 ? 1 : 0);
  }
};

// Hosts never forward within a route: a path is [host link] switch ... switch [host link], or a
// direct link between two hosts, and the lowest total latency wins (ties: first link added).
// (The network joins two routes at a gateway host: Network::add_gateway.) Dijkstra runs
// over the switch-to-switch links only, once per source switch on first use, and its tree
// (distance and incoming link per switch) is kept; a host's routes combine the trees of the
// switches it is attached to with its own links. Memory is O(switches^2) however many hosts
// there are, and no all-pairs matrix is ever built. Not thread-safe (the cache fills lazily).
class Routes {
 public:
  // The topology must outlive this object and not change after it is built
  // (route() and path() throw std::logic_error if links or nodes were added).
  explicit Routes(const Topology& topology);

  // nullopt when no path exists; std::out_of_range for unknown node ids.
  std::optional<Route> route(NodeId from, NodeId to);
  // The links of the chosen path, from `from` to `to`.
  std::optional<std::vector<LinkId>> path(NodeId from, NodeId to);

  [[nodiscard]] std::size_t trees_computed() const { return trees_computed_; }

 private:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  struct CoreEdge {
    LinkId link = 0;
    sim::Time latency = 0;
  };
  using CoreGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                          boost::no_property, CoreEdge>;
  struct Tree {
    std::vector<sim::Time> distance;
    std::vector<LinkId> via;  // link by which each switch is reached; kNone for the root
  };
  // A chosen path: first link, switch path from `entry` to `exit`, last link. Any part may
  // be absent (kNone).
  struct Choice {
    LinkId first = kNone;
    std::uint32_t entry = kNone;
    std::uint32_t exit = kNone;
    LinkId last = kNone;
  };

  std::optional<Choice> choose(NodeId from, NodeId to);
  const Tree& tree(std::uint32_t root);
  template <typename Fn>
  void for_each_link(const Choice& choice, Fn&& fn) const;

  const Topology& topology_;
  std::size_t nodes_at_build_ = 0;
  std::size_t links_at_build_ = 0;
  std::vector<std::uint32_t> switch_index_;  // by node id; kNone for hosts
  std::vector<NodeId> switch_node_;          // by switch index
  // By host: its links to switches (switch index, link), in the graph's edge order, so that
  // a gateway host with thousands of host links finds its way into the fabric at once.
  std::vector<std::vector<std::pair<std::uint32_t, LinkId>>> attachments_;
  CoreGraph core_;
  std::vector<Tree> trees_;  // by root switch index; empty until first used
  std::size_t trees_computed_ = 0;
};

}  // namespace tcpsim::net
