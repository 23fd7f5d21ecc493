#include "models/metrics/sampler.h"

#include <algorithm>
#include <stdexcept>

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
  g.stacks = std::move(stacks);
  groups_.push_back(std::move(g));
  return groups_.size() - 1;
}

void Sampler::add_app(std::size_t group, const AppStats& app) {
  groups_.at(group).apps.push_back(&app);
}

void Sampler::start() { sim_.schedule(sim_.now(), self_, 0, 0); }

void Sampler::handle(const sim::Event&) {
  sample();
  sim_.schedule_after(interval_, self_, 0, 0);
}

void Sampler::sample() {
  for (Group& g : groups_) {
    GroupSample s;
    s.time = sim_.now();
    for (const tcp::TcpStack* stack : g.stacks) {
      const auto& counts = stack->state_counts();
      for (std::size_t i = 0; i < tcp::kStateCount; ++i) {
        s.state_sum[i] += counts[i];
        s.state_max[i] = std::max(s.state_max[i], counts[i]);
      }
      const auto ports = static_cast<std::uint32_t>(stack->ports_in_use());
      s.ports_in_use += ports;
      s.ports_in_use_max = std::max(s.ports_in_use_max, ports);
      s.fds_in_use += stack->fds_in_use();
      s.fds_in_use_max = std::max(s.fds_in_use_max, stack->fds_in_use());
    }
    for (const AppStats* app : g.apps) app->add_to(s);
    g.results.samples.push_back(s);
  }
}

std::vector<GroupResults> Sampler::finish() {
  if (groups_.empty()) return {};
  if (groups_.front().results.samples.empty() ||
      groups_.front().results.samples.back().time != sim_.now()) {
    sample();
  }
  std::vector<GroupResults> out;
  for (Group& g : groups_) {
    for (const AppStats* app : g.apps) app->merge_latencies(g.results);
    summarise(g);
    out.push_back(std::move(g.results));
  }
  groups_.clear();
  return out;
}

// Peaks and means over the samples after warm-up; a sample stands for the
// interval that follows it, so the mean is time-weighted.
void Sampler::summarise(Group& g) const {
  GroupSummary& sum = g.results.summary;
  const auto& samples = g.results.samples;
  double weight = 0;
  std::array<double, tcp::kStateCount> area{};
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const GroupSample& s = samples[k];
    if (s.time < warmup_) continue;
    for (std::size_t i = 0; i < tcp::kStateCount; ++i) {
      sum.state_peak[i] = std::max(sum.state_peak[i], s.state_sum[i]);
    }
    sum.ports_in_use_peak = std::max(sum.ports_in_use_peak, s.ports_in_use);
    sum.fds_in_use_peak = std::max(sum.fds_in_use_peak, s.fds_in_use);
    if (k + 1 < samples.size()) {
      const auto dt = static_cast<double>(samples[k + 1].time - s.time);
      for (std::size_t i = 0; i < tcp::kStateCount; ++i) area[i] += dt * s.state_sum[i];
      weight += dt;
    }
  }
  for (std::size_t i = 0; i < tcp::kStateCount; ++i) {
    sum.state_mean[i] = weight > 0 ? area[i] / weight : 0.0;
  }
  if (!samples.empty()) {
    const GroupSample& last = samples.back();
    sum.failures = last.connects_failed;
    sum.connects_attempted = last.connects_attempted;
    sum.connects_succeeded = last.connects_succeeded;
    sum.requests_completed = last.requests_completed;
  }
  for (const tcp::TcpStack* stack : g.stacks) {
    const std::int64_t t = stack->counters().first_eaddrnotavail_ns;
    if (t >= 0 && (sum.first_eaddrnotavail < 0 || t < sum.first_eaddrnotavail)) {
      sum.first_eaddrnotavail = t;
    }
  }
}

}  // namespace tcpsim::metrics
