#include "models/net/network.h"

#include <algorithm>
#include <bit>
#include <optional>
#include <stdexcept>
#include <string>

namespace tcpsim::net {

namespace {

constexpr std::uint64_t kRouteStreamDomain = 0x6e6574726f757465ULL;
constexpr std::uint64_t kViaStreamDomain = 0x7669616761746577ULL;
// Node ids packed three to a 64-bit key.
constexpr unsigned kNodeBits = 21;

}  // namespace

Network::Network(sim::Simulator& simulator, const Topology& topology, NetworkOptions options)
    : sim_(simulator),
      topology_(topology),
      route_table_(topology),
      options_(options),
      handler_(simulator.add_handler(*this)) {
  if (options_.local_latency < 0) throw std::invalid_argument("negative local latency");
  bool several_addresses = false;
  for (NodeId n = 0; n < topology.node_count(); ++n) {
    several_addresses = several_addresses || topology.node(n).addresses.size() > 1;
    for (const Ipv4 address : topology.node(n).addresses) {
      address_index_.emplace(address.value, static_cast<std::uint32_t>(address_node_.size()));
      address_node_.push_back(n);
    }
  }
  receivers_.assign(address_node_.size() + topology.node_count(), nullptr);
  if (options_.expected_pairs > 0) {
    routes_.reserve(options_.expected_pairs);
    if (several_addresses) by_nodes_.reserve(options_.expected_pairs);
    by_addresses_.reserve((options_.expected_pairs + 1) / 2);  // both directions in one
  }
  loopback_.reserve(topology.node_count());
  for (NodeId n = 0; n < topology.node_count(); ++n) {
    loopback_.push_back(Resolved{kLocal, static_cast<std::uint32_t>(address_node_.size() + n)});
  }
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
  const std::uint32_t index = address_index(address, "attach:");
  if (!gateway_at_.empty() && gateway_at_[address_node_[index]] != kNone) {
    throw std::invalid_argument("address " + to_string(address) + " is a gateway's");
  }
  SegmentReceiver*& slot = receivers_[index];
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

void Network::check_unused(const char* what) const {
  if (sent_ != 0) {
    throw std::logic_error(std::string(what) + " after segments were sent");
  }
  if (!has_middle_nodes_ && topology_.node_count() >= (std::size_t{1} << kNodeBits)) {
    throw std::invalid_argument(std::string(what) + ": too many nodes for middle nodes");
  }
}

void Network::add_gateway(NodeId gateway, Middlebox& box, const std::vector<NodeId>& inside) {
  check_unused("add_gateway");
  const std::size_t nodes = topology_.node_count();
  auto host_name = [this](NodeId n) {
    if (!topology_.is_host(n)) {
      throw std::invalid_argument("gateway: '" + topology_.node(n).name + "' is not a host");
    }
    return topology_.node(n).name;
  };
  const std::string name = host_name(gateway);
  if (inside_of_.empty()) {
    inside_of_.assign(nodes, kNone);
    gateway_at_.assign(nodes, kNone);
  }
  if (gateway_at_[gateway] != kNone) {
    throw std::invalid_argument("'" + name + "' is already a gateway");
  }
  if (inside_of_[gateway] != kNone) {
    throw std::invalid_argument("gateway '" + name + "' is inside another gateway");
  }
  for (const Ipv4 address : topology_.node(gateway).addresses) {
    if (receivers_[address_index_.at(address.value)] != nullptr) {
      throw std::invalid_argument("gateway address " + to_string(address) + " has a receiver");
    }
  }
  for (const NodeId host : inside) {
    const std::string inside_name = host_name(host);
    if (host == gateway || gateway_at_[host] != kNone || inside_of_[host] != kNone) {
      throw std::invalid_argument("'" + inside_name + "' cannot be inside gateway '" + name +
                                  "': it is a gateway or inside one already");
    }
  }
  const auto index = static_cast<std::uint32_t>(gateways_.size());
  gateways_.push_back(Gateway{gateway, &box});
  gateway_at_[gateway] = index;
  for (const NodeId host : inside) inside_of_[host] = index;
  has_middle_nodes_ = true;
}

void Network::set_filter(NodeId host, Middlebox& filter) {
  check_unused("set_filter");
  if (!topology_.is_host(host)) {
    throw std::invalid_argument("filter on '" + topology_.node(host).name +
                                "', which is not a host");
  }
  if (filters_.empty()) filters_.assign(topology_.node_count(), nullptr);
  if (filters_[host] != nullptr) {
    throw std::invalid_argument("host '" + topology_.node(host).name + "' has a filter already");
  }
  filters_[host] = &filter;
  if (inside_of_.empty()) {
    inside_of_.assign(topology_.node_count(), kNone);
    gateway_at_.assign(topology_.node_count(), kNone);
  }
  const std::uint32_t loopback = loopback_[host].receiver;
  MiddlePath path;
  path.route = kLocal;
  path.receiver = loopback;
  path.reply_receiver = loopback;
  loopback_[host] =
      Resolved{0, kMiddle | add_middle_path(path, PathDetail{&filter, nullptr, host})};
  has_middle_nodes_ = true;
}

[[gnu::always_inline]] inline std::optional<Network::Resolved> Network::resolve_addresses(
    const Segment& segment) {
  const std::uint32_t src = segment.src.address.value;
  const std::uint32_t dst = segment.dst.address.value;
  const bool up = src < dst;
  const std::uint64_t key = up ? pair_key(src, dst) : pair_key(dst, src);
  if (const auto it = by_addresses_.find(key); it != by_addresses_.end()) [[likely]] {
    const std::uint32_t routed = up ? it->second.up : it->second.down;
    if (routed != kUnresolved) [[likely]]
      return resolved_from(routed, segment);
  }
  return resolve_new_addresses(segment, key, up);
}

Network::Resolved Network::resolved_from(std::uint32_t routed, const Segment& segment) const {
  if (routed >= kMiddle && routed < kUnresolved) return Resolved{0, routed};
  if (segment.dst.address.is_loopback()) {
    const NodeId from = address_node_[address_index_.find(segment.src.address.value)->second];
    return Resolved{routed, static_cast<std::uint32_t>(address_node_.size() + from)};
  }
  return Resolved{routed, address_index_.find(segment.dst.address.value)->second};
}

std::optional<Network::Resolved> Network::resolve_new_addresses(const Segment& segment,
                                                                std::uint64_t key, bool up) {
  if (segment.src.address.is_loopback()) {
    throw std::invalid_argument("segment from loopback address " + to_string(segment.src) +
                                " names no host: use send_from");
  }
  const std::uint32_t src = address_index(segment.src.address, "source");
  const NodeId from = address_node_[src];
  Resolved resolved{kLocal, 0};
  if (segment.dst.address.is_loopback()) {
    resolved =
        resolve_pair(from, from, static_cast<std::uint32_t>(address_node_.size() + from), src);
  } else {
    const auto dst = address_index_.find(segment.dst.address.value);
    if (dst == address_index_.end()) {
      ++sent_;
      ++dropped_unknown_address_;
      return std::nullopt;
    }
    resolved = resolve_pair(from, address_node_[dst->second], dst->second, src);
  }
  PairRoutes& pair = by_addresses_[key];
  (up ? pair.up : pair.down) = resolved.receiver >= kMiddle ? resolved.receiver : resolved.route;
  return resolved;
}

void Network::send(const Segment& segment) {
  if (std::optional<Resolved> resolved = resolve_addresses(segment)) [[likely]] {
    transmit(segment, *resolved);
  }
}

void Network::send(const Segment& segment, std::uint64_t& route_cache) {
  if (route_cache == 0) [[unlikely]] {
    const std::optional<Resolved> resolved = resolve_addresses(segment);
    if (!resolved) return;
    route_cache = to_route_cache(*resolved);
  }
  Resolved resolved = from_route_cache(route_cache);
  transmit(segment, resolved);
  if (resolved.receiver >= kMiddle) [[unlikely]]
    route_cache = to_route_cache(resolved);
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
  Resolved resolved = loopback_[host];
  transmit(segment, resolved);
}

Network::Resolved Network::resolve(NodeId from, NodeId to, std::uint32_t receiver) {
  if (from == to) return Resolved{kLocal, receiver};
  const std::uint64_t key = pair_key(from, to);
  // Without middle nodes, a pair of one-address nodes is resolved once, by its addresses.
  const bool once = !has_middle_nodes_ && topology_.node(from).addresses.size() == 1 &&
                    topology_.node(to).addresses.size() == 1;
  if (!once) {
    if (const auto it = by_nodes_.find(key); it != by_nodes_.end()) {
      return Resolved{it->second, receiver};
    }
  }
  std::uint32_t index = kNone;
  if (const std::optional<Route> route = route_table_.route(from, to)) {
    index = add_route(*route, sim::mix64(key ^ kRouteStreamDomain));
  }
  if (!once) by_nodes_.emplace(key, index);
  return Resolved{index, receiver};
}

std::size_t Network::RouteHash::operator()(const Route& r) const {
  std::uint64_t h = sim::mix64(static_cast<std::uint64_t>(r.latency));
  h = sim::mix64(h ^ static_cast<std::uint64_t>(r.jitter));
  h = sim::mix64(h ^ std::bit_cast<std::uint64_t>(r.loss));
  h = sim::mix64(h ^ r.bottleneck_bps);
  h = sim::mix64(h ^ std::bit_cast<std::uint64_t>(r.ns_per_bit));
  return sim::mix64(h ^ r.hops);
}

std::uint32_t Network::add_route(const Route& route, std::uint64_t stream) {
  const auto [it, added] =
      shape_index_.try_emplace(route, static_cast<std::uint32_t>(shapes_.size()));
  if (added) shapes_.push_back(route);
  RouteState state;
  state.shape = it->second;
  if (route.jitter > 0 || route.loss > 0) {
    state.shape = kRandom | static_cast<std::uint32_t>(random_routes_.size());
    random_routes_.push_back(RandomRoute{sim::RandomStream(options_.seed, stream), it->second});
  }
  routes_.push_back(state);
  return static_cast<std::uint32_t>(routes_.size() - 1);
}

Network::Resolved Network::resolve_pair(NodeId from, NodeId to, std::uint32_t receiver,
                                        std::uint32_t reply_receiver) {
  if (!has_middle_nodes_) [[likely]] {
    return resolve(from, to, receiver);
  }
  MiddlePath path;
  path.receiver = receiver;
  path.reply_receiver = reply_receiver;
  PathDetail detail{nullptr, nullptr, from};
  if (!filters_.empty()) {
    detail.sender_filter = filters_[from];
    if (to != from) detail.receiver_filter = filters_[to];
  }
  const std::uint32_t out = inside_of_[from];
  if (to != from && out != kNone && inside_of_[to] != out) {
    if (gateway_at_[to] == kNone) {
      const NodeId via = gateways_[out].node;
      path.gateway = out;
      path.first_leg = resolve(from, via, 0).route;
      path.route = via_route(from, via, to);
      path.return_route = via_route(to, via, from);
    }
  } else if (to != from && gateway_at_[to] != kNone) {
    path.gateway = gateway_at_[to];
    path.inbound = true;
    path.first_leg = resolve(from, to, 0).route;
  } else {
    const Resolved plain = resolve(from, to, receiver);
    if (detail.sender_filter == nullptr && detail.receiver_filter == nullptr) return plain;
    path.route = plain.route;
  }
  path.first_leg_lossy =
      path.first_leg < routes_.size() && shapes_[shape_of(routes_[path.first_leg])].loss > 0;
  return Resolved{0, kMiddle | add_middle_path(path, detail)};
}

std::uint32_t Network::add_middle_path(MiddlePath path, const PathDetail& detail) {
  path.filtered = detail.sender_filter != nullptr || detail.receiver_filter != nullptr;
  path.unreachable = path.inbound ? path.first_leg == kNone : path.route == kNone;
  const auto index = static_cast<std::uint32_t>(middle_paths_.size());
  middle_paths_.push_back(path);
  path_details_.push_back(detail);
  return index;
}

std::uint32_t Network::via_route(NodeId from, NodeId via, NodeId to) {
  const std::uint64_t key =
      (std::uint64_t{from} << (2 * kNodeBits)) | (std::uint64_t{via} << kNodeBits) | to;
  if (const auto it = by_via_.find(key); it != by_via_.end()) return it->second;
  std::uint32_t index = kNone;
  const std::optional<Route> first = route_table_.route(from, via);
  const std::optional<Route> second = route_table_.route(via, to);
  if (first && second && via != to) {
    // The first leg's loss is drawn on its own route before the gateway; this state draws the
    // second's, and the jitter of both in one draw.
    Route r = *second;
    r.latency += first->latency;
    r.jitter += first->jitter;
    r.ns_per_bit += first->ns_per_bit;
    r.hops += first->hops;
    if (first->bottleneck_bps != 0 &&
        (r.bottleneck_bps == 0 || first->bottleneck_bps < r.bottleneck_bps)) {
      r.bottleneck_bps = first->bottleneck_bps;
    }
    index = add_route(r, sim::mix64(key ^ kViaStreamDomain));
  }
  by_via_.emplace(key, index);
  return index;
}

[[gnu::always_inline]] inline void Network::transmit(const Segment& segment, Resolved& resolved) {
  ++sent_;
  if (resolved.receiver >= kMiddle) [[unlikely]] {
    resolved.route = forward(segment, resolved.receiver - kMiddle, resolved.route);
    return;
  }
  sim::Time at = sim_.now();
  if (resolved.route == kLocal) {
    at += options_.local_latency;
  } else if (resolved.route == kNone) [[unlikely]] {
    ++dropped_unreachable_;
    return;
  } else {
    RouteState& state = routes_[resolved.route];
    if (lost_on(state)) {
      ++lost_;
      return;
    }
    at = arrival_on(state, segment);
  }
  deliver_at(at, segment, resolved.receiver);
}

[[gnu::always_inline]] inline bool Network::lost_on(RouteState& state) {
  if ((state.shape & kRandom) == 0) return false;
  RandomRoute& random = random_routes_[state.shape & ~kRandom];
  const double loss = shapes_[random.shape].loss;
  return loss > 0.0 && random.rng.uniform01() < loss;
}

[[gnu::always_inline]] inline sim::Time Network::arrival_on(RouteState& state,
                                                            const Segment& segment) {
  if ((state.shape & kRandom) == 0) [[likely]] {
    const Route& r = shapes_[state.shape];
    return keep_order(
        state, sim_.now() + r.latency + r.serialization(std::uint64_t{segment.len} + kHeaderBytes));
  }
  RandomRoute& random = random_routes_[state.shape & ~kRandom];
  const Route& r = shapes_[random.shape];
  sim::Time at = sim_.now() + r.latency;
  if (r.jitter > 0) {
    at += static_cast<sim::Time>(random.rng.below(static_cast<std::uint64_t>(r.jitter)));
  }
  return keep_order(state, at + r.serialization(std::uint64_t{segment.len} + kHeaderBytes));
}

[[gnu::always_inline]] inline sim::Time Network::arrival(std::uint32_t route,
                                                         const Segment& segment) {
  return route == kLocal ? sim_.now() + options_.local_latency
                         : arrival_on(routes_[route], segment);
}

std::uint32_t Network::forward(const Segment& sent, std::uint32_t path_index,
                               std::uint32_t flow_hint) {
  MiddlePath& path = middle_paths_[path_index];
  if (path.unreachable) {
    ++dropped_unreachable_;
    return flow_hint;
  }
  Segment s = sent;
  const PathDetail* detail = path.filtered ? &path_details_[path_index] : nullptr;
  if (detail != nullptr && detail->sender_filter != nullptr &&
      !admit(detail->sender_filter->outbound(s), sent, detail->from, path_index)) {
    return flow_hint;
  }
  std::uint32_t route = path.route;
  std::uint32_t receiver = path.receiver;
  Middlebox* receiver_filter = detail != nullptr ? detail->receiver_filter : nullptr;
  if (path.gateway != kNone) {
    if (path.first_leg_lossy && lost_on(routes_[path.first_leg])) {
      ++lost_;
      return flow_hint;
    }
    const Gateway gateway = gateways_[path.gateway];
    std::uint64_t note = Middlebox::kNoNote;
    if (!admit(path.inbound ? gateway.box->inbound(s, flow_hint, note)
                            : gateway.box->outbound(s, flow_hint, return_note(path)),
               s, gateway.node, path_index)) {
      return flow_hint;
    }
    if (path.inbound && note != Middlebox::kNoNote) [[likely]] {
      receiver = static_cast<std::uint32_t>(note);
      route = static_cast<std::uint32_t>(note >> 32U);
      receiver_filter = filters_.empty() ? nullptr : filters_[address_node_[receiver]];
    } else if (path.inbound) {
      const auto it = address_index_.find(s.dst.address.value);
      if (it == address_index_.end() || inside_of_[address_node_[it->second]] != path.gateway) {
        throw std::logic_error("gateway '" + topology_.node(gateway.node).name +
                               "' translated to " + to_string(s.dst) +
                               ", which is no host inside it");
      }
      const NodeId to = address_node_[it->second];
      receiver = it->second;
      receiver_filter = filters_.empty() ? nullptr : filters_[to];
      route = inbound_route(path, path_details_[path_index].from, gateway.node, to);
      if (route == kNone) {
        ++dropped_unreachable_;
        return flow_hint;
      }
    }
  }
  if (route != kLocal && lost_on(routes_[route])) {
    ++lost_;
    return flow_hint;
  }
  if (receiver_filter != nullptr && receiver_filter->inbound(s) != Middlebox::Verdict::kForward) {
    ++dropped_by_middlebox_;
    return flow_hint;
  }
  deliver_at(arrival(route, s), s, receiver);
  return flow_hint;
}

std::uint32_t Network::inbound_route(MiddlePath& path, NodeId from, NodeId via, NodeId to) {
  if (path.inbound_routes == kNone) [[unlikely]] {
    // The paths from one node to any of the gateway's addresses share one table.
    const std::uint64_t key = pair_key(from, via);
    auto it = inbound_tables_.find(key);
    if (it == inbound_tables_.end()) {
      const std::size_t nodes = topology_.node_count();
      if ((inbound_routes_.size() + 1) * nodes > kInboundRoutesBudget) {
        return via_route(from, via, to);
      }
      it = inbound_tables_.emplace(key, static_cast<std::uint32_t>(inbound_routes_.size())).first;
      inbound_routes_.emplace_back(nodes, kUnresolved);
    }
    path.inbound_routes = it->second;
  }
  std::uint32_t& route = inbound_routes_[path.inbound_routes][to];
  if (route == kUnresolved) [[unlikely]] {
    route = via_route(from, via, to);
  }
  return route;
}

bool Network::admit(Middlebox::Verdict verdict, const Segment& offending, NodeId at,
                    std::uint32_t path_index) {
  if (verdict == Middlebox::Verdict::kForward) [[likely]] {
    return true;
  }
  ++dropped_by_middlebox_;
  if (verdict != Middlebox::Verdict::kReset || offending.rst()) return false;
  Segment rst = reset_for(offending);
  ++sent_;
  ++middlebox_resets_;
  const PathDetail detail = path_details_[path_index];
  const Resolved back = resolve(at, detail.from, middle_paths_[path_index].reply_receiver);
  if (back.route == kNone) {
    ++dropped_unreachable_;
    return false;
  }
  if (at != detail.from) {
    if (back.route != kLocal && lost_on(routes_[back.route])) {
      ++lost_;
      return false;
    }
    if (detail.sender_filter != nullptr &&
        detail.sender_filter->inbound(rst) != Middlebox::Verdict::kForward) {
      ++dropped_by_middlebox_;
      return false;
    }
  }
  deliver_at(arrival(back.route, rst), rst, back.receiver);
  return false;
}

[[gnu::always_inline]] inline void Network::deliver_at(sim::Time at, const Segment& segment,
                                                       std::uint32_t receiver) {
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
