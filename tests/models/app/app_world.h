// A small world for application tests: client, proxy and server hosts, each with its
// own TCP stack and loopback, joined by one switch, with Linux's default settings.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "models/app/response_streams.h"
#include "models/net/network.h"
#include "models/net/topology.h"
#include "models/tcp/host_stack.h"
#include "sim/simulator.h"

namespace tcpsim::app::testing {

inline net::Ipv4 client_address(std::uint32_t i) {
  return net::Ipv4{(10U << 24U) | (1U << 16U) | (i + 1)};
}
inline net::Ipv4 server_address(std::uint32_t i) {
  return net::Ipv4{(10U << 24U) | (2U << 16U) | (i + 1)};
}
inline net::Ipv4 proxy_address(std::uint32_t i) {
  return net::Ipv4{(10U << 24U) | (4U << 16U) | (i + 1)};
}
// Owned by a host of the topology that has no TCP stack: segments to it vanish.
inline const net::Ipv4 kBlackhole{(10U << 24U) | (3U << 16U) | 1U};

struct WorldOptions {
  std::uint32_t clients = 1;
  std::uint32_t servers = 1;
  std::uint32_t proxies = 0;
  sim::Time link_latency = 50 * sim::kMicrosecond;  // each host to the switch
  tcp::KernelSettings client_settings = tcp::KernelSettings::linux_defaults();
  tcp::KernelSettings server_settings = tcp::KernelSettings::linux_defaults();
  tcp::KernelSettings proxy_settings = tcp::KernelSettings::linux_defaults();
  std::uint64_t seed = 1;
};

struct World {
  explicit World(const WorldOptions& o = {}) {
    const net::NodeId sw = topology.add_switch("sw");
    const net::LinkParams link{o.link_latency, 0, 0, 0};
    const auto add_hosts = [&](const char* prefix, std::uint32_t n,
                               net::Ipv4 (*address)(std::uint32_t)) {
      for (std::uint32_t i = 0; i < n; ++i) {
        topology.add_link(topology.add_host(fmt::format("{}{}", prefix, i), {address(i)}), sw,
                          link);
      }
    };
    add_hosts("c", o.clients, client_address);
    add_hosts("s", o.servers, server_address);
    add_hosts("p", o.proxies, proxy_address);
    topology.add_link(topology.add_host("blackhole", {kBlackhole}), sw, link);
    network = std::make_unique<net::Network>(sim, topology, net::NetworkOptions{o.seed});
    std::uint64_t host_id = 0;
    const auto make_hosts = [&](std::vector<std::unique_ptr<tcp::HostStack>>& out, std::uint32_t n,
                                const tcp::KernelSettings& settings,
                                net::Ipv4 (*address)(std::uint32_t)) {
      for (std::uint32_t i = 0; i < n; ++i) {
        out.push_back(std::make_unique<tcp::HostStack>(sim, *network, settings,
                                                       std::vector<net::Ipv4>{address(i)}, o.seed,
                                                       host_id++, topology.node_of(address(i))));
      }
    };
    make_hosts(clients, o.clients, o.client_settings, client_address);
    make_hosts(servers, o.servers, o.server_settings, server_address);
    make_hosts(proxies, o.proxies, o.proxy_settings, proxy_address);
  }

  tcp::TcpStack& client(std::uint32_t i = 0) { return clients[i]->stack(); }
  tcp::TcpStack& server(std::uint32_t i = 0) { return servers[i]->stack(); }
  tcp::TcpStack& proxy(std::uint32_t i = 0) { return proxies[i]->stack(); }
  void run_until(sim::Time t) { sim.run_until(t); }

  sim::Simulator sim;
  net::Topology topology;
  std::unique_ptr<net::Network> network;
  std::vector<std::unique_ptr<tcp::HostStack>> clients;
  std::vector<std::unique_ptr<tcp::HostStack>> servers;
  std::vector<std::unique_ptr<tcp::HostStack>> proxies;
  // For applications that multiplex, given to them explicitly.
  ResponseStreams streams;
};

// When each socket of a stack left ESTABLISHED for FIN_WAIT_1 (its active close), as the
// stack's state signal tells it.
struct ActiveCloses {
  ActiveCloses(sim::Simulator& sim, tcp::TcpStack& stack) {
    stack.on_state_change().connect(
        [this, &sim](const net::FourTuple& /*tuple*/, tcp::TcpState from, tcp::TcpState to) {
          if (from == tcp::TcpState::kEstablished && to == tcp::TcpState::kFinWait1) {
            times.push_back(sim.now());
          }
        });
  }
  std::vector<sim::Time> times;
};

}  // namespace tcpsim::app::testing
