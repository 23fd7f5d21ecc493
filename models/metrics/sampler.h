// Samples every host group on a fixed interval (socket states, ports,
// descriptors, application counters) and summarises the run at its end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/metrics/app_stats.h"
#include "models/metrics/run_results.h"
#include "models/tcp/tcp_stack.h"
#include "sim/simulator.h"

namespace tcpsim::metrics {

class Sampler final : public sim::EventHandler {
 public:
  // Samples at 0, interval, 2 x interval ... ; summaries use samples taken
  // at or after `warmup`.
  Sampler(sim::Simulator& sim, sim::Time interval, sim::Time warmup);

  std::size_t add_group(std::string name, std::vector<const tcp::TcpStack*> stacks,
                        std::uint32_t port_range_size = 0);
  void add_app(std::size_t group, const AppStats& app);

  void start();
  void handle(const sim::Event& event) override;
  // Takes a last sample at the current time if none was taken there, and
  // fills in the histograms and summaries.
  std::vector<GroupResults> finish();

 private:
  struct Group {
    GroupResults results;
    std::vector<const tcp::TcpStack*> stacks;
    std::vector<const AppStats*> apps;
  };
  void sample();
  void summarise(Group& g) const;

  sim::Simulator& sim_;
  sim::Time interval_;
  sim::Time warmup_;
  sim::HandlerId self_;
  std::vector<Group> groups_;
};

}  // namespace tcpsim::metrics
