// The simulated world while it is built and run: the kernel, the network and every host's
// stack, by host group, for the node kinds to place their applications on.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/app/response_streams.h"
#include "models/net/network.h"
#include "models/net/topology.h"
#include "models/tcp/host_stack.h"
#include "sim/simulator.h"

namespace tcpsim::scenarios {

struct WorldModel {
  explicit WorldModel(std::uint64_t run_seed) : seed(run_seed) {}

  // Entity ids of applications are handed out in build order, so streams stay put when a
  // group is added after the others.
  std::uint64_t next_app_id() { return app_ids++; }

  std::uint64_t seed;
  sim::Simulator sim;
  net::Topology topology;
  std::unique_ptr<net::Network> network;
  // The TIME_WAIT chunks every host's ring has passed, for the next that needs one.
  tcp::TimeWaitRing::ChunkCache time_wait_chunks;
  // hosts[g][i]: host i of scenario group g, and its node in the topology.
  std::vector<std::vector<std::unique_ptr<tcp::HostStack>>> hosts;
  std::vector<std::vector<net::NodeId>> host_nodes;
  // gateway_nodes[k]: the node of scenario gateway k, owning its public addresses.
  std::vector<net::NodeId> gateway_nodes;
  // Shared by every application: the streams of responses on multiplexed connections.
  app::ResponseStreams response_streams;
  std::uint64_t app_ids = 0;
};

}  // namespace tcpsim::scenarios
