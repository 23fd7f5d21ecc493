#include "batch/run_metrics.h"

#include <array>
#include <limits>
#include <string_view>
#include <utility>

#include "models/tcp/socket_error.h"
#include "models/tcp/tcp_state.h"
#include "sim/time.h"

namespace tcpsim::batch {

RunMetrics run_metrics(const metrics::RunResults& results) {
  RunMetrics m;
  const auto add = [&m](const std::string& group, std::string_view name, double value) {
    m.names.push_back(group + "." + std::string(name));
    m.values.push_back(value);
  };
  constexpr std::array<std::pair<std::string_view, double>, 4> kPercentiles{
      {{"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}, {"p999", 99.9}}};
  for (const metrics::GroupResults& g : results.groups) {
    const metrics::GroupSummary& s = g.summary;
    for (std::size_t i = 0; i < tcp::kStateCount; ++i) {
      add(g.name, "state_peak." + std::string(tcp::kStateNames[i]), s.state_peak[i]);
    }
    for (std::size_t i = 0; i < tcp::kStateCount; ++i) {
      add(g.name, "state_mean." + std::string(tcp::kStateNames[i]), s.state_mean[i]);
    }
    add(g.name, "first_eaddrnotavail_s",
        s.first_eaddrnotavail < 0 ? std::numeric_limits<double>::quiet_NaN()
                                  : sim::to_seconds(s.first_eaddrnotavail));
    for (std::size_t i = 0; i < tcp::kSocketErrorCount; ++i) {
      add(g.name, "failures." + std::string(tcp::kSocketErrorNames[i]),
          static_cast<double>(s.failures[i]));
    }
    add(g.name, "connects_attempted", static_cast<double>(s.connects_attempted));
    add(g.name, "connects_succeeded", static_cast<double>(s.connects_succeeded));
    add(g.name, "requests_completed", static_cast<double>(s.requests_completed));
    add(g.name, "ports_in_use_peak", s.ports_in_use_peak);
    add(g.name, "fds_in_use_peak", s.fds_in_use_peak);
    for (const auto& [name, p] : kPercentiles) {
      add(g.name, "connect_latency_" + std::string(name) + "_s",
          sim::to_seconds(g.connect_latency.percentile(p)));
    }
    for (const auto& [name, p] : kPercentiles) {
      add(g.name, "request_latency_" + std::string(name) + "_s",
          sim::to_seconds(g.request_latency.percentile(p)));
    }
  }
  m.names.emplace_back("events");
  m.values.push_back(static_cast<double>(results.events));
  return m;
}

}  // namespace tcpsim::batch
