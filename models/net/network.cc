#include "models/net/network.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

namespace tcpsim::net {

namespace {

constexpr std::uint64_t kRouteStreamDomain = 0x6e6574726f757465ULL;

}  // namespace

Network::Network(sim::Simulator& simulator, const Topology& topology, NetworkOptions options)
    : sim_(simulator),
      topology_(topology),
      route_table_(topology),
      options_(options),
      handler_(simulator.add_handler(*this)) {
  if (options_.local_latency < 0) throw std::invalid_argument("negative local latency");
  for (NodeId n = 0; n < topology.node_count(); ++n) {
    for (const Ipv4 address : topology.node(n).addresses) {
      address_index_.emplace(address.value, static_cast<std::uint32_t>(address_node_.size()));
      address_node_.push_back(n);
    }
  }
  receivers_.assign(address_node_.size() + topology.node_count(), nullptr);
}

std::uint32_t Network::address_index(Ipv4 address, const char* what) const {
  const auto it = address_index_.find(address.value);
  if (it == address_index_.end()) {
    throw std::invalid_argument(std::string(what) + " address " + to_string(address) +
                                " belongs to no host");
  }
  return it->second;
}

void Network::attach(Ipv4 address, SegmentReceiver& receiver) {
  SegmentReceiver*& slot = receivers_[address_index(address, "attach:")];
  if (slot != nullptr) {
    throw std::invalid_argument("address " + to_string(address) + " already has a receiver");
  }
  slot = &receiver;
}

void Network::detach(Ipv4 address) { receivers_[address_index(address, "detach:")] = nullptr; }

void Network::attach_loopback(NodeId host, SegmentReceiver& receiver) {
  if (!topology_.is_host(host)) {
    throw std::invalid_argument("loopback receiver on '" + topology_.node(host).name +
                                "', which is not a host");
  }
  SegmentReceiver*& slot = receivers_[address_node_.size() + host];
  if (slot != nullptr) {
    throw std::invalid_argument("host '" + topology_.node(host).name +
                                "' already has a loopback receiver");
  }
  slot = &receiver;
}

void Network::detach_loopback(NodeId host) {
  static_cast<void>(topology_.node(host));
  receivers_[address_node_.size() + host] = nullptr;
}

void Network::send(const Segment& segment) {
  const std::uint64_t key = pair_key(segment.src.address.value, segment.dst.address.value);
  if (const auto it = by_addresses_.find(key); it != by_addresses_.end()) [[likely]] {
    transmit(segment, it->second);
    return;
  }
  if (segment.src.address.is_loopback()) {
    throw std::invalid_argument("segment from loopback address " + to_string(segment.src) +
                                " names no host: use send_from");
  }
  const NodeId from = address_node_[address_index(segment.src.address, "source")];
  Resolved resolved{kLocal, 0};
  if (segment.dst.address.is_loopback()) {
    resolved.receiver = static_cast<std::uint32_t>(address_node_.size() + from);
  } else {
    const auto dst = address_index_.find(segment.dst.address.value);
    if (dst == address_index_.end()) {
      ++sent_;
      ++dropped_unknown_address_;
      return;
    }
    resolved = resolve(from, address_node_[dst->second], dst->second);
  }
  by_addresses_.emplace(key, resolved);
  transmit(segment, resolved);
}

void Network::send(const Segment& segment, std::uint64_t& route_cache) {
  if (route_cache != 0) [[likely]] {
    const std::uint64_t r = route_cache - 1;
    transmit(segment,
             Resolved{static_cast<std::uint32_t>(r >> 32U), static_cast<std::uint32_t>(r)});
    return;
  }
  const std::uint64_t key = pair_key(segment.src.address.value, segment.dst.address.value);
  send(segment);
  if (const auto it = by_addresses_.find(key); it != by_addresses_.end()) {
    route_cache = ((std::uint64_t{it->second.route} << 32U) | it->second.receiver) + 1;
  }
}

void Network::send_from(NodeId host, const Segment& segment) {
  if (!segment.dst.address.is_loopback()) {
    send(segment);
    return;
  }
  if (!topology_.is_host(host)) {
    throw std::invalid_argument("loopback segment from '" + topology_.node(host).name +
                                "', which is not a host");
  }
  transmit(segment, Resolved{kLocal, static_cast<std::uint32_t>(address_node_.size() + host)});
}

Network::Resolved Network::resolve(NodeId from, NodeId to, std::uint32_t receiver) {
  if (from == to) return Resolved{kLocal, receiver};
  const std::uint64_t key = pair_key(from, to);
  if (const auto it = by_nodes_.find(key); it != by_nodes_.end()) {
    return Resolved{it->second, receiver};
  }
  std::uint32_t index = kNone;
  if (const std::optional<Route> route = route_table_.route(from, to)) {
    index = static_cast<std::uint32_t>(routes_.size());
    routes_.push_back(RouteState{
        *route, 0, sim::RandomStream(options_.seed, sim::mix64(key ^ kRouteStreamDomain))});
  }
  by_nodes_.emplace(key, index);
  return Resolved{index, receiver};
}

void Network::transmit(const Segment& segment, Resolved resolved) {
  ++sent_;
  sim::Time at = sim_.now();
  if (resolved.route == kLocal) {
    at += options_.local_latency;
  } else if (resolved.route == kNone) [[unlikely]] {
    ++dropped_unreachable_;
    return;
  } else {
    RouteState& state = routes_[resolved.route];
    const Route& route = state.route;
    if (route.loss > 0.0 && state.rng.uniform01() < route.loss) {
      ++lost_;
      return;
    }
    at += route.latency;
    if (route.jitter > 0) {
      at += static_cast<sim::Time>(state.rng.below(static_cast<std::uint64_t>(route.jitter)));
    }
    at += route.serialization(std::uint64_t{segment.len} + kHeaderBytes);
    at = std::max(at, state.last_arrival);
    state.last_arrival = at;
  }
  deliver_at(at, segment, resolved.receiver);
}

void Network::deliver_at(sim::Time at, const Segment& segment, std::uint32_t receiver) {
  const std::uint32_t index = pool_.allocate();
  InFlight& slot = pool_[index];
  slot.segment = segment;
  slot.receiver = receiver;
  sim_.schedule(at, handler_, kDeliver, index);
}

void Network::handle(const sim::Event& event) {
  const InFlight& slot = pool_[event.target];
  const Segment segment = slot.segment;
  SegmentReceiver* receiver = receivers_[slot.receiver];
  pool_.free(event.target);
  if (receiver == nullptr) [[unlikely]] {
    ++dropped_no_receiver_;
    return;
  }
  ++delivered_;
  receiver->receive(segment);
}

}  // namespace tcpsim::net
