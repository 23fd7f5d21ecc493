// One kind of node of a scenario (a server group, a client group, ...): it places its models on
// the hosts of its group, gives the sampler its metrics, and starts them.
#pragma once

#include <cstddef>
#include <vector>

#include "models/metrics/sampler.h"
#include "scenarios/world_model.h"

namespace tcpsim::scenarios {

class WorldNode {
 public:
  virtual ~WorldNode() = default;
  // Creates the node's applications on its hosts of `world`.
  virtual void build(WorldModel& world) = 0;
  // `sampler_groups[g]` is the sampler's index of scenario group g.
  virtual void add_metrics(metrics::Sampler& sampler,
                           const std::vector<std::size_t>& sampler_groups) = 0;
  // Called once every node is built, before the clock starts.
  virtual void start() = 0;
};

}  // namespace tcpsim::scenarios
