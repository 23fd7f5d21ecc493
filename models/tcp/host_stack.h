// A host's TCP stack wired to the network: what it sends goes onto the
// network, and segments for its addresses are handed to it on arrival.
#pragma once

#include <cstdint>
#include <vector>

#include "models/net/network.h"
#include "models/net/segment_receiver.h"
#include "models/tcp/segment_output.h"
#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {

class HostStack final : public SegmentOutput, public net::SegmentReceiver {
 public:
  HostStack(sim::Simulator& sim, net::Network& network, const KernelSettings& settings,
            std::vector<net::Ipv4> addresses, std::uint64_t seed, std::uint64_t host_id)
      : network_(network), stack_(sim, settings, std::move(addresses), *this, seed, host_id) {
    for (net::Ipv4 a : stack_.addresses()) network_.attach(a, *this);
  }
  HostStack(const HostStack&) = delete;
  HostStack& operator=(const HostStack&) = delete;
  ~HostStack() override {
    for (net::Ipv4 a : stack_.addresses()) network_.detach(a);
  }

  TcpStack& stack() { return stack_; }
  const TcpStack& stack() const { return stack_; }

  void transmit(const net::Segment& segment) override { network_.send(segment); }
  void transmit(const net::Segment& segment, std::uint64_t& route_cache) override {
    network_.send(segment, route_cache);
  }
  void receive(const net::Segment& segment) override { stack_.receive(segment); }

 private:
  net::Network& network_;
  TcpStack stack_;
};

}  // namespace tcpsim::tcp
