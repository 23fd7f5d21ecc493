// The network's static shape: hosts (each owning IPv4 addresses) and switches or routers,
// joined by bidirectional links with latency, jitter, loss and bandwidth, on Boost.Graph.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/net/address.h"
#include "sim/time.h"

namespace tcpsim::net {

using NodeId = std::uint32_t;
using LinkId = std::uint32_t;

enum class NodeKind : std::uint8_t { kHost, kSwitch };

// The same in both directions of the link.
struct LinkParams {
  sim::Time latency = 0;  // one-way propagation delay, >= 0
  // Bound of a uniform extra delay: each traversal adds U[0, jitter) ns. Never negative,
  // so `latency` is the link's minimum delay.
  sim::Time jitter = 0;
  double loss = 0;                  // probability that a traversal drops the segment, in [0, 1]
  std::uint64_t bandwidth_bps = 0;  // 0 = unlimited: no serialization delay
};

struct Node {
  std::string name;
  NodeKind kind = NodeKind::kHost;
  std::vector<Ipv4> addresses;  // empty for switches
};

struct Link {
  NodeId a = 0;
  NodeId b = 0;
  LinkParams params;
  [[nodiscard]] NodeId other(NodeId end) const { return end == a ? b : a; }
};

// Node ids and link ids are dense, in order of creation. Hosts are endpoints only: routes
// never pass through a host, so traffic between hosts crosses switches (or a direct link);
// only a gateway host joins two routes (Network::add_gateway).
// Every mutator throws std::invalid_argument naming the problem and leaves the topology as
// it was.
class Topology {
 public:
  struct EdgeProperties {
    LinkId link = 0;
  };
  // Vertex descriptors are node ids.
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                      boost::no_property, EdgeProperties>;

  // Names are unique and non-empty. A host needs at least one address; 0.0.0.0 and 127/8
  // (every host's implicit loopback) are refused, as is an address another node owns.
  NodeId add_host(std::string name, std::vector<Ipv4> addresses);
  NodeId add_switch(std::string name);
  // Parallel links are allowed; routes use the fastest.
  LinkId add_link(NodeId a, NodeId b, const LinkParams& params);

  [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }
  [[nodiscard]] std::size_t link_count() const { return links_.size(); }
  // Both throw std::out_of_range for an unknown id.
  [[nodiscard]] const Node& node(NodeId id) const;
  [[nodiscard]] const Link& link(LinkId id) const;
  [[nodiscard]] bool is_host(NodeId id) const { return node(id).kind == NodeKind::kHost; }
  [[nodiscard]] std::vector<LinkId> links_of(NodeId id) const;

  [[nodiscard]] std::optional<NodeId> node_of(Ipv4 address) const;
  [[nodiscard]] std::optional<NodeId> find(std::string_view name) const;
  [[nodiscard]] std::size_t address_count() const { return owner_.size(); }

  [[nodiscard]] const Graph& graph() const { return graph_; }

 private:
  NodeId add_node(std::string name, NodeKind kind, std::vector<Ipv4> addresses);
  void check_node(NodeId id, const char* role) const;

  Graph graph_;
  std::vector<Node> nodes_;
  std::vector<Link> links_;
  boost::unordered_flat_map<std::uint32_t, NodeId> owner_;
  boost::unordered_flat_map<std::string, NodeId> by_name_;
};

}  // namespace tcpsim::net
