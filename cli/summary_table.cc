#include "cli/summary_table.h"

#include <fmt/format.h>

#include "sim/duration.h"

namespace tcpsim::cli {
namespace {

std::string latency(const sim::Histogram& h) {
  if (h.count() == 0) return "-";
  return fmt::format("p50 {}  p99 {}  p99.9 {}", sim::format_duration(h.percentile(50)),
                     sim::format_duration(h.percentile(99)),
                     sim::format_duration(h.percentile(99.9)));
}

}  // namespace

std::string summary_table(const metrics::RunResults& r) {
  std::string out =
      fmt::format("scenario {}  seed {}  simulated {}  events {}  wall {:.2f}s\n", r.scenario_name,
                  r.seed, sim::format_duration(r.duration), r.events, r.wall_seconds);
  for (const metrics::GroupResults& g : r.groups) {
    const metrics::GroupSummary& s = g.summary;
    out += fmt::format("\n{} ({} host{})\n", g.name, g.hosts, g.hosts == 1 ? "" : "s");
    out += fmt::format("  {:<13}{:>12}{:>14}\n", "state", "peak", "mean");
    for (std::size_t i = 0; i < tcp::kStateCount; ++i) {
      if (s.state_peak[i] == 0) continue;
      out += fmt::format("  {:<13}{:>12}{:>14.1f}\n", tcp::kStateNames[i], s.state_peak[i],
                         s.state_mean[i]);
    }
    out += fmt::format("  ports in use (peak, all hosts)  {}", s.ports_in_use_peak);
    if (g.port_range_size != 0)
      out += fmt::format("  (range {} per destination)", g.port_range_size);
    out += fmt::format("\n  descriptors in use (peak)       {}\n", s.fds_in_use_peak);
    out += fmt::format("  connects  attempted {}  succeeded {}\n", s.connects_attempted,
                       s.connects_succeeded);
    std::string failures;
    for (std::size_t e = 1; e < tcp::kSocketErrorCount; ++e) {
      if (s.failures[e] == 0) continue;
      failures += fmt::format("  {} {}", tcp::kSocketErrorNames[e], s.failures[e]);
    }
    out += fmt::format("  failures {}\n", failures.empty() ? " none" : failures);
    out += fmt::format(
        "  first EADDRNOTAVAIL  {}\n",
        s.first_eaddrnotavail < 0 ? "never" : sim::format_duration(s.first_eaddrnotavail));
    out += fmt::format("  requests completed {}\n", s.requests_completed);
    out += fmt::format("  connect latency  {}\n", latency(g.connect_latency));
    out += fmt::format("  request latency  {}\n", latency(g.request_latency));
  }
  return out;
}

}  // namespace tcpsim::cli
