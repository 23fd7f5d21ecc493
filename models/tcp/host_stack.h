// A host's TCP stack wired to the network: what it sends goes onto the
// network, and segments for its addresses are handed to it on arrival.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "models/net/network.h"
#include "models/net/segment_receiver.h"
#include "models/net/topology.h"
#include "models/tcp/segment_output.h"
#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {

class HostStack final : public SegmentOutput, public net::SegmentReceiver {
 public:
  // `node`, the host's node in the topology, wires its loopback: what it sends to 127/8
  // comes back to it. Without it, 127/8 segments are refused by the network (it throws).
  HostStack(sim::Simulator& sim, net::Network& network, const KernelSettings& settings,
            std::vector<net::Ipv4> addresses, std::uint64_t seed, std::uint64_t host_id,
            std::optional<net::NodeId> node = std::nullopt)
      : HostStack(sim, network, std::make_shared<const KernelSettings>(settings),
                  std::move(addresses), seed, host_id, node) {}
  // The same with settings shared by the hosts of a group.
  HostStack(sim::Simulator& sim, net::Network& network,
            std::shared_ptr<const KernelSettings> settings, std::vector<net::Ipv4> addresses,
            std::uint64_t seed, std::uint64_t host_id,
            std::optional<net::NodeId> node = std::nullopt)
      : network_(network),
        node_(node),
        stack_(sim, std::move(settings), std::move(addresses), *this, seed, host_id) {
    for (net::Ipv4 a : stack_.addresses()) network_.attach(a, *this);
    if (node_) network_.attach_loopback(*node_, *this);
  }
  HostStack(const HostStack&) = delete;
  HostStack& operator=(const HostStack&) = delete;
  ~HostStack() override {
    for (net::Ipv4 a : stack_.addresses()) network_.detach(a);
    if (node_) network_.detach_loopback(*node_);
  }

  // What a host with these settings and this many addresses holds in memory: its stack's,
  // with the host's own object and its entries in the network's address tables.
  static StackMemory memory(const KernelSettings& settings, std::size_t addresses) {
    StackMemory m = TcpStack::memory(settings, addresses);
    m.fixed += sizeof(HostStack) - sizeof(TcpStack) + addresses * net::Network::kBytesPerAddress;
    return m;
  }

  TcpStack& stack() { return stack_; }
  const TcpStack& stack() const { return stack_; }

  // Loopback segments have both ends in 127/8 (TcpStack::connect keeps them so) and come
  // without a route cache (TcpStack::emit), so a cached route goes straight to the network.
  void transmit(const net::Segment& segment) override {
    if (segment.dst.address.is_loopback()) [[unlikely]] {
      loop_back(segment);
      return;
    }
    network_.send(segment);
  }
  void transmit(const net::Segment& segment, std::uint64_t& route_cache) override {
    network_.send(segment, route_cache);
  }
  void receive(const net::Segment& segment) override { stack_.receive(segment); }

 private:
  [[gnu::noinline]] void loop_back(const net::Segment& segment) {
    if (node_) {
      network_.send_from(*node_, segment);
    } else {
      network_.send(segment);
    }
  }

  net::Network& network_;
  std::optional<net::NodeId> node_;
  TcpStack stack_;
};

}  // namespace tcpsim::tcp
