// Carries segments between hosts over the topology's routes, with each route's latency,
// jitter, loss and serialization delay, in FIFO order, as one kernel event per segment.
#pragma once

#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <optional>
#include <vector>

#include "models/net/address.h"
#include "models/net/middlebox.h"
#include "models/net/routes.h"
#include "models/net/segment.h"
#include "models/net/segment_receiver.h"
#include "models/net/topology.h"
#include "sim/event.h"
#include "sim/random_stream.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"
#include "sim/time.h"

namespace tcpsim::net {

struct NetworkOptions {
  std::uint64_t seed = 0;
  // One-way delay to an address of the sending host itself (its own addresses and 127/8).
  // 10us is the order of a one-way trip through the Linux loopback device.
  sim::Time local_latency = 10 * sim::kMicrosecond;
  // Host pairs, each direction, expected to exchange segments: the route tables make room
  // for them at once instead of doubling (and copying) as they fill. 0: no guess.
  std::size_t expected_pairs = 0;
};

// A segment from host A to host B follows the lowest-latency route between their nodes.
// Per segment, in this order: the route's loss drops it with probability `loss`; a surviving
// segment arrives at
//   max(now + latency + U[0, jitter) + serialization(len + 40 bytes), previous arrival on the
//   route),
// so segments never overtake each other on a route. The jitter of a multi-hop route is one
// integer draw, uniform on [0, sum of the links' bounds): the same mean and range as the
// per-hop sum, at one draw per segment. Every (source node, destination node) route has its
// own RandomStream(seed, entity derived from the node pair), so adding traffic on one route
// leaves the draws of the others unchanged. Local delivery (same host) has no loss, jitter or
// serialization and arrives after `local_latency`.
//
// Middle nodes (gateways and host filters, see add_gateway() and set_filter()) act when a
// segment is sent, synchronously, so that send order stays causal order and no event is
// added per segment: a gateway sees a segment one leg's latency (sender -> gateway) before it
// would reach it, a receiving host's filter the whole path's latency before it arrives. Per
// segment, in this order: the sender's filter; the loss of the leg to the gateway, then the
// gateway; the loss of the rest of the path; the receiver's filter; then the arrival rule
// above on the composed path (latencies, jitter bounds and serialization of both legs add
// up; FIFO per composed path, which has its own stream). kDrop or kReset drops the segment
// (dropped_by_middlebox()); on kReset the node also answers the sender with reset_for(), which
// travels route(node -> sender) through the sender's filter and counts in sent() and
// middlebox_resets(). A receiving host's filter cannot answer: its kReset acts as kDrop.
// A segment that meets no middle node costs one predictable branch more than without any.
//
// Counters: sent() = delivered() + lost() + dropped_no_route() + dropped_no_receiver()
// + dropped_by_middlebox() + in_flight().
class Network final : public sim::EventHandler {
 public:
  static constexpr std::uint32_t kHeaderBytes = 40;  // IPv4 + TCP headers without options
  // What a pair of hosts exchanging segments holds, one direction: its route's state, its
  // random stream when the route has jitter or loss, and its half of the address pair's
  // entry, at its mean load, and its entry in the node-pair table when `by_nodes` (some node
  // has several addresses, or the network has middle nodes). Routes of the same shape share
  // one Route.
  static constexpr std::size_t bytes_per_route(bool random, bool by_nodes) {
    return (sizeof(RouteState) + (random ? sizeof(RandomRoute) : 0) +
            (sizeof(std::uint64_t) + sizeof(PairRoutes) + 1) / 2 +
            (by_nodes ? sizeof(std::uint64_t) + sizeof(Resolved) + 1 : 0)) *
           3 / 2;
  }
  // What each attached address holds in the address tables (index, node, receiver).
  static constexpr std::size_t kBytesPerAddress =
      2 * (sizeof(std::uint32_t) * 2 + 1) + sizeof(NodeId) + sizeof(SegmentReceiver*);

  // Registers itself with the simulator. The simulator and the topology must outlive it,
  // and the topology must not change any more.
  Network(sim::Simulator& simulator, const Topology& topology, NetworkOptions options = {});
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // `address` must belong to a host of the topology and have no receiver yet
  // (std::invalid_argument otherwise). Segments arriving while no receiver is attached are
  // dropped and counted in dropped_no_receiver().
  void attach(Ipv4 address, SegmentReceiver& receiver);
  void detach(Ipv4 address);
  // The receiver of everything `host` sends to 127/8.
  void attach_loopback(NodeId host, SegmentReceiver& receiver);
  void detach_loopback(NodeId host);

  // The sending host is the owner of segment.src.address; an address no host owns (or a
  // loopback source, which names no host) throws std::invalid_argument. A destination that
  // no host owns, or one with no path, is dropped and counted in dropped_no_route().
  void send(const Segment& segment);
  // As send(), with the route looked up once per connection and kept by the
  // caller in `route_cache` (0 = not looked up yet), as Linux keeps a socket's
  // dst entry. Through a gateway it also keeps where the gateway found the flow.
  void send(const Segment& segment, std::uint64_t& route_cache);
  // As send(), but a 127/8 destination is delivered to `host`'s loopback receiver.
  void send_from(NodeId host, const Segment& segment);

  // Both must be set up before the first segment is sent (std::logic_error after); bad
  // arguments throw std::invalid_argument.
  //
  // `gateway` is a host of the topology whose addresses are the box's public addresses (no
  // receiver may be attached to them). Each host of `inside` (inside one gateway at most)
  // sends every segment for a destination that is neither loopback, itself, nor another host
  // inside the same gateway through it: box.outbound() translates it, then it travels
  // route(host -> gateway) and route(gateway -> destination). A segment addressed to a public
  // address goes to box.inbound(), which must rewrite its destination to an address of a host
  // inside the gateway (std::logic_error otherwise), and travels route(sender -> gateway) then
  // route(gateway -> inside host). A segment crosses one gateway at most: one from an inside
  // host to a public address (hairpin, double NAT) is dropped as unreachable. Segments sent
  // straight to an inside host's own address from outside are delivered untranslated.
  void add_gateway(NodeId gateway, Middlebox& box, const std::vector<NodeId>& inside);
  // `filter` sees every segment `host` sends (outbound(), before its gateway) and every
  // segment it receives (inbound(), after the gateway); a segment from a host to itself
  // (its own addresses or loopback) once, as sent.
  void set_filter(NodeId host, Middlebox& filter);

  void handle(const sim::Event& event) override;

  [[nodiscard]] std::uint64_t sent() const { return sent_; }
  [[nodiscard]] std::uint64_t delivered() const { return delivered_; }
  [[nodiscard]] std::uint64_t lost() const { return lost_; }
  [[nodiscard]] std::uint64_t dropped_no_route() const {
    return dropped_unknown_address_ + dropped_unreachable_;
  }
  [[nodiscard]] std::uint64_t dropped_unknown_address() const { return dropped_unknown_address_; }
  [[nodiscard]] std::uint64_t dropped_unreachable() const { return dropped_unreachable_; }
  [[nodiscard]] std::uint64_t dropped_no_receiver() const { return dropped_no_receiver_; }
  [[nodiscard]] std::uint64_t dropped_by_middlebox() const { return dropped_by_middlebox_; }
  [[nodiscard]] std::uint64_t middlebox_resets() const { return middlebox_resets_; }
  [[nodiscard]] std::size_t in_flight() const { return pool_.live(); }
  // Slots ever allocated for segments in flight: the peak of in_flight().
  [[nodiscard]] std::size_t pool_capacity() const { return pool_.size(); }
  [[nodiscard]] std::size_t routes_in_use() const { return routes_.size(); }

  [[nodiscard]] sim::HandlerId handler_id() const { return handler_; }
  [[nodiscard]] Routes& routes() { return route_table_; }

 private:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  static constexpr std::uint32_t kLocal = kNone - 1;
  static constexpr std::uint32_t kUnresolved = kNone - 2;
  // Entries of all inbound_routes_ together; paths beyond it look their routes up in by_via_.
  static constexpr std::size_t kInboundRoutesBudget = std::size_t{1} << 24U;
  // Set in Resolved::receiver: the rest is an index into middle_paths_.
  static constexpr std::uint32_t kMiddle = std::uint32_t{1} << 31U;
  static constexpr std::uint16_t kDeliver = 1;

  // A pair's route: its shape, shared with every pair whose path has the same latency,
  // jitter, loss and links, and what is its own.
  // 12 bytes: a fleet holds one per client/backend pair and direction.
  struct [[gnu::packed, gnu::aligned(4)]] RouteState {
    sim::Time last_arrival = 0;
    // Index into shapes_, or, for a shape with jitter or loss, kRandom | index into
    // random_routes_.
    std::uint32_t shape = 0;
  };
  static_assert(sizeof(RouteState) == 12);
  static constexpr std::uint32_t kRandom = std::uint32_t{1} << 31U;
  // A route whose shape has jitter or loss: its own random stream.
  struct RandomRoute {
    sim::RandomStream rng;
    std::uint32_t shape;  // index into shapes_
  };
  struct RouteHash {
    std::size_t operator()(const Route& r) const;
  };
  // What an (source address, destination address) pair resolves to.
  struct Resolved {
    // Index into routes_, kLocal, or kNone when unreachable; for a middle path, whose route
    // is in the path, the gateway's flow hint.
    std::uint32_t route;
    std::uint32_t receiver;  // index into receivers_, or kMiddle | index into middle_paths_
  };
  // An address pair, both directions: what each resolves to, kUnresolved until a segment
  // takes it. A route index, kLocal or kNone; or, for a middle path, kMiddle | its index.
  // The receiver is the destination's (found again by address), or the middle path's.
  struct PairRoutes {
    std::uint32_t up = kUnresolved;    // from the lower address to the higher
    std::uint32_t down = kUnresolved;  // the other way
  };
  // A socket's route cache holds a Resolved, plus one so that 0 means not looked up.
  static std::uint64_t to_route_cache(Resolved r) {
    return ((std::uint64_t{r.route} << 32U) | r.receiver) + 1;
  }
  static Resolved from_route_cache(std::uint64_t cache) {
    return Resolved{static_cast<std::uint32_t>((cache - 1) >> 32U),
                    static_cast<std::uint32_t>(cache - 1)};
  }
  // A pair whose segments meet a middle node: what forward() reads for each segment, in half
  // a cache line. The rest is in the pair's PathDetail.
  struct alignas(32) MiddlePath {
    std::uint32_t route = kNone;  // whole path (composed through a gateway); for an
                                  // inbound gateway, known after translation
    std::uint32_t receiver = 0;
    std::uint32_t reply_receiver = 0;      // the sender's, for RSTs from a middle node
    std::uint32_t gateway = kNone;         // index into gateways_
    std::uint32_t first_leg = kNone;       // route sender -> gateway, for its loss
    std::uint32_t inbound_routes = kNone;  // into inbound_routes_, once used
    // Through a gateway to a host: the route of the replies from it back to the sender, which
    // the gateway keeps with the flow (return_note()).
    std::uint32_t return_route = kNone;
    bool inbound = false;          // addressed to the gateway's public address
    bool first_leg_lossy = false;  // so that a lossless leg's state is not read
    bool filtered = false;         // a host filter sees its segments (PathDetail)
    bool unreachable = false;      // no route to the gateway, or past it
  };
  static_assert(sizeof(MiddlePath) == 32);
  struct PathDetail {
    Middlebox* sender_filter = nullptr;
    Middlebox* receiver_filter = nullptr;
    NodeId from = 0;
  };
  struct Gateway {
    NodeId node;
    Middlebox* box;
  };
  struct InFlight {
    Segment segment;
    std::uint32_t receiver = 0;
  };

  static std::uint64_t pair_key(std::uint32_t a, std::uint32_t b) {
    return (std::uint64_t{a} << 32U) | b;
  }
  std::uint32_t address_index(Ipv4 address, const char* what) const;
  // The route of the segment's (source, destination) addresses, looked up once; nullopt, the
  // segment counted as sent and dropped, when no host owns the destination.
  std::optional<Resolved> resolve_addresses(const Segment& segment);
  std::optional<Resolved> resolve_new_addresses(const Segment& segment, std::uint64_t key, bool up);
  // What a known pair's direction `routed` (a PairRoutes value) resolves to for `segment`.
  Resolved resolved_from(std::uint32_t routed, const Segment& segment) const;
  Resolved resolve(NodeId from, NodeId to, std::uint32_t receiver);
  Resolved resolve_pair(NodeId from, NodeId to, std::uint32_t receiver,
                        std::uint32_t reply_receiver);
  std::uint32_t via_route(NodeId from, NodeId via, NodeId to);
  // A new route state of shape `route`, whose random stream (if it needs one) is the
  // stream `stream` of the run's seed.
  std::uint32_t add_route(const Route& route, std::uint64_t stream);
  void check_unused(const char* what) const;
  void deliver_at(sim::Time at, const Segment& segment, std::uint32_t receiver);
  // A middle path's flow hint in `resolved.route` is the gateway's to update.
  void transmit(const Segment& segment, Resolved& resolved);
  [[nodiscard]] std::uint32_t shape_of(const RouteState& state) const {
    return (state.shape & kRandom) == 0 ? state.shape
                                        : random_routes_[state.shape & ~kRandom].shape;
  }
  bool lost_on(RouteState& state);
  // A segment arrives no earlier than the last one on its route: `at` or that arrival.
  static sim::Time keep_order(RouteState& state, sim::Time at) {
    const sim::Time last = state.last_arrival;
    at = std::max(at, last);
    state.last_arrival = at;
    return at;
  }
  sim::Time arrival_on(RouteState& state, const Segment& segment);
  sim::Time arrival(std::uint32_t route, const Segment& segment);
  // Out of line, so that transmit() stays as lean as without middle nodes. Returns the
  // gateway's flow hint (Middlebox::outbound()) to keep for the connection's next segment.
  [[gnu::noinline]] std::uint32_t forward(const Segment& segment, std::uint32_t path_index,
                                          std::uint32_t flow_hint);
  std::uint32_t inbound_route(MiddlePath& path, NodeId from, NodeId via, NodeId to);
  std::uint32_t add_middle_path(MiddlePath path, const PathDetail& detail);
  // What a gateway keeps with a flow that `path` starts, so that its replies are delivered
  // with no lookup of the host: the sender's receiver and the route back to it.
  static std::uint64_t return_note(const MiddlePath& path) {
    return path.return_route == kNone
               ? Middlebox::kNoNote
               : (std::uint64_t{path.return_route} << 32U) | path.reply_receiver;
  }
  bool admit(Middlebox::Verdict verdict, const Segment& offending, NodeId at,
             std::uint32_t path_index);

  sim::Simulator& sim_;
  const Topology& topology_;
  Routes route_table_;
  NetworkOptions options_;
  sim::HandlerId handler_;

  boost::unordered_flat_map<std::uint32_t, std::uint32_t> address_index_;  // address -> index
  std::vector<NodeId> address_node_;                                       // by address index
  // Receivers by address index, then one loopback receiver per node.
  std::vector<SegmentReceiver*> receivers_;
  // (lower address, higher address) -> both directions: one entry for a pair's two routes.
  boost::unordered_flat_map<std::uint64_t, PairRoutes> by_addresses_;
  // Node pairs' routes, where a pair can be reached by several address pairs or legs.
  boost::unordered_flat_map<std::uint64_t, std::uint32_t> by_nodes_;
  std::vector<RouteState> routes_;
  std::vector<Route> shapes_;
  boost::unordered_flat_map<Route, std::uint32_t, RouteHash> shape_index_;
  std::vector<RandomRoute> random_routes_;

  // Middle nodes, by node id (empty while there are none).
  bool has_middle_nodes_ = false;
  std::vector<Resolved> loopback_;         // what send_from() to 127/8 resolves to
  std::vector<std::uint32_t> inside_of_;   // gateway a host is inside, or kNone
  std::vector<std::uint32_t> gateway_at_;  // gateway whose node this is, or kNone
  std::vector<Middlebox*> filters_;
  std::vector<Gateway> gateways_;
  std::vector<MiddlePath> middle_paths_;
  std::vector<PathDetail> path_details_;                            // by index into middle_paths_
  boost::unordered_flat_map<std::uint64_t, std::uint32_t> by_via_;  // (from, via, to) -> route
  // By (sending node, gateway node), then inside host node: via_route(), kUnresolved until
  // first needed.
  std::vector<std::vector<std::uint32_t>> inbound_routes_;
  boost::unordered_flat_map<std::uint64_t, std::uint32_t> inbound_tables_;  // into the above

  sim::SlotPool<InFlight> pool_;

  std::uint64_t sent_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t dropped_unknown_address_ = 0;
  std::uint64_t dropped_unreachable_ = 0;
  std::uint64_t dropped_no_receiver_ = 0;
  std::uint64_t dropped_by_middlebox_ = 0;
  std::uint64_t middlebox_resets_ = 0;
};

}  // namespace tcpsim::net
