#include "models/net/topology.h"

#include <limits>
#include <stdexcept>
#include <utility>

#include "sim/duration.h"

namespace tcpsim::net {

NodeId Topology::add_host(std::string name, std::vector<Ipv4> addresses) {
  if (addresses.empty()) {
    throw std::invalid_argument("host '" + name + "' has no address");
  }
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const Ipv4 address = addresses[i];
    if (address.value == 0) {
      throw std::invalid_argument("host '" + name + "': 0.0.0.0 cannot be a host address");
    }
    if (address.is_loopback()) {
      throw std::invalid_argument("host '" + name + "': loopback address " + to_string(address) +
                                  " is implicit on every host and cannot be assigned");
    }
    if (const auto owner = node_of(address)) {
      throw std::invalid_argument("duplicate address " + to_string(address) + ": host '" + name +
                                  "' and '" + nodes_[*owner].name + "'");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (addresses[j] == address) {
        throw std::invalid_argument("duplicate address " + to_string(address) +
                                    " listed twice for host '" + name + "'");
      }
    }
  }
  return add_node(std::move(name), NodeKind::kHost, std::move(addresses));
}

NodeId Topology::add_switch(std::string name) {
  return add_node(std::move(name), NodeKind::kSwitch, {});
}

NodeId Topology::add_node(std::string name, NodeKind kind, std::vector<Ipv4> addresses) {
  if (name.empty()) throw std::invalid_argument("node name is empty");
  if (by_name_.contains(name)) throw std::invalid_argument("duplicate node name '" + name + "'");
  if (nodes_.size() >= std::numeric_limits<NodeId>::max()) {
    throw std::invalid_argument("too many nodes");
  }
  const auto id = static_cast<NodeId>(nodes_.size());
  const auto vertex = boost::add_vertex(graph_);
  static_cast<void>(vertex);
  for (const Ipv4 address : addresses) owner_.emplace(address.value, id);
  by_name_.emplace(name, id);
  nodes_.push_back(Node{std::move(name), kind, std::move(addresses)});
  return id;
}

void Topology::check_node(NodeId id, const char* role) const {
  if (id >= nodes_.size()) {
    throw std::invalid_argument(std::string("link to unknown node: ") + role + " id " +
                                std::to_string(id) + " (" + std::to_string(nodes_.size()) +
                                " nodes)");
  }
}

LinkId Topology::add_link(NodeId a, NodeId b, const LinkParams& params) {
  check_node(a, "first");
  check_node(b, "second");
  const std::string where = "link '" + nodes_[a].name + "' - '" + nodes_[b].name + "'";
  if (a == b) throw std::invalid_argument(where + ": a node cannot link to itself");
  if (params.latency < 0) {
    throw std::invalid_argument(where + ": negative latency " +
                                sim::format_duration(params.latency));
  }
  if (params.jitter < 0) {
    throw std::invalid_argument(where + ": negative jitter " + sim::format_duration(params.jitter));
  }
  if (!(params.loss >= 0.0 && params.loss <= 1.0)) {
    throw std::invalid_argument(where + ": loss probability " + std::to_string(params.loss) +
                                " is outside [0, 1]");
  }
  if (links_.size() >= std::numeric_limits<LinkId>::max()) {
    throw std::invalid_argument("too many links");
  }
  const auto id = static_cast<LinkId>(links_.size());
  boost::add_edge(a, b, EdgeProperties{id}, graph_);
  links_.push_back(Link{a, b, params});
  return id;
}

const Node& Topology::node(NodeId id) const {
  if (id >= nodes_.size()) throw std::out_of_range("unknown node id " + std::to_string(id));
  return nodes_[id];
}

const Link& Topology::link(LinkId id) const {
  if (id >= links_.size()) throw std::out_of_range("unknown link id " + std::to_string(id));
  return links_[id];
}

std::vector<LinkId> Topology::links_of(NodeId id) const {
  static_cast<void>(node(id));
  std::vector<LinkId> out;
  auto [edge, end] = boost::out_edges(id, graph_);
  for (; edge != end; ++edge) out.push_back(graph_[*edge].link);
  return out;
}

std::optional<NodeId> Topology::node_of(Ipv4 address) const {
  const auto it = owner_.find(address.value);
  if (it == owner_.end()) return std::nullopt;
  return it->second;
}

std::optional<NodeId> Topology::find(std::string_view name) const {
  const auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tcpsim::net
