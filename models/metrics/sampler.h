// Samples every host group on a fixed interval (each source's levels and counters) and
// summarises the run at its end, as the groups' registered metrics declare.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "models/metrics/host_group_metrics.h"
#include "models/metrics/metric.h"
#include "models/metrics/run_results.h"
#include "models/metrics/source.h"
#include "models/tcp/tcp_stack.h"
#include "sim/simulator.h"

namespace tcpsim::metrics {

class Sampler final : public sim::EventHandler {
 public:
  // Samples at 0, interval, 2 x interval ... ; summaries use samples taken
  // at or after `warmup`.
  Sampler(sim::Simulator& sim, sim::Time interval, sim::Time warmup);

  // A group holding kHostGroupMetrics, with a StackStats source per stack.
  std::size_t add_group(std::string name, std::vector<const tcp::TcpStack*> stacks,
                        std::uint32_t port_range_size = 0);
  // A group of no hosts (a NAT gateway) holding only what its sources declare.
  std::size_t add_node_group(std::string name);
  // The source's own metrics join the group's (once per table). Throws std::logic_error if
  // one of them has the name of another of the group's. Call before start().
  void add_source(std::size_t group, const Source& source);

  void start();
  void handle(const sim::Event& event) override;
  // Takes a last sample at the current time if none was taken there, and
  // fills in the histograms, scalars and summaries.
  std::vector<GroupResults> finish();

 private:
  struct Group {
    GroupResults results;
    std::vector<std::unique_ptr<Source>> own;  // the stacks' sources
    std::vector<const Source*> sources;
    std::vector<std::uint32_t> add_order;  // Sample's memo of where each add() lands
  };
  void sample();

  sim::Simulator& sim_;
  sim::Time interval_;
  sim::Time warmup_;
  sim::HandlerId self_;
  std::vector<Group> groups_;
};

}  // namespace tcpsim::metrics
