#include "models/metrics/sampler.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "models/metrics/host_group_metrics.h"
#include "models/metrics/stack_stats.h"

namespace tcpsim::metrics {

Sampler::Sampler(sim::Simulator& sim, sim::Time interval, sim::Time warmup)
    : sim_(sim), interval_(interval), warmup_(warmup), self_(sim.add_handler(*this)) {
  if (interval <= 0) throw std::invalid_argument("metrics interval must be > 0");
}

std::size_t Sampler::add_group(std::string name, std::vector<const tcp::TcpStack*> stacks,
                               std::uint32_t port_range_size) {
  Group g;
  g.results.name = std::move(name);
  g.results.port_range_size = port_range_size;
  g.results.hosts = static_cast<std::uint32_t>(stacks.size());
  add_metrics(g.results, kHostGroupMetrics);
  for (const tcp::TcpStack* stack : stacks) {
    g.own.push_back(std::make_unique<StackStats>(*stack));
    g.sources.push_back(g.own.back().get());
  }
  groups_.push_back(std::move(g));
  return groups_.size() - 1;
}

std::size_t Sampler::add_node_group(std::string name) {
  Group g;
  g.results.name = std::move(name);
  groups_.push_back(std::move(g));
  return groups_.size() - 1;
}

void Sampler::add_source(std::size_t group, const Source& source) {
  Group& g = groups_.at(group);
  add_metrics(g.results, source.metrics());
  g.sources.push_back(&source);
}

void Sampler::start() { sim_.schedule(sim_.now(), self_, 0, 0); }

void Sampler::handle(const sim::Event&) {
  sample();
  sim_.schedule_after(interval_, self_, 0, 0);
}

void Sampler::sample() {
  for (Group& g : groups_) {
    g.results.add_sample(sim_.now());
    Sample out(g.results.metrics, g.add_order);
    for (const Source* source : g.sources) source->sample(out);
  }
}

std::vector<GroupResults> Sampler::finish() {
  if (groups_.empty()) return {};
  if (groups_.front().results.times.empty() || groups_.front().results.times.back() != sim_.now()) {
    sample();
  }
  std::vector<GroupResults> out;
  for (Group& g : groups_) {
    Totals totals(g.results.metrics);
    for (const Source* source : g.sources) source->finish(totals);
    summarise(g.results, warmup_);
    out.push_back(std::move(g.results));
  }
  groups_.clear();
  return out;
}

}  // namespace tcpsim::metrics
