#include "cli/sweep_summary.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace tcpsim::cli {
namespace {

constexpr const char* kHeadlines[] = {".state_peak.TIME_WAIT",  ".failures.EADDRNOTAVAIL",
                                      ".first_eaddrnotavail_s", ".request_latency_p99_s",
                                      ".nat_first_failure_s",   ".nat_ports_in_use_peak",
                                      ".proxy_failures.502",    ".conntrack_first_drop_s"};

std::string cell(double mean, double ci) {
  if (std::isnan(mean)) return "-";
  if (std::isnan(ci)) return fmt::format("{:.4g}", mean);
  return fmt::format("{:.4g} ± {:.2g}", mean, ci);
}

}  // namespace

std::string sweep_summary(const io::Study& study) {
  std::vector<std::size_t> columns;
  for (std::size_t m = 0; m < study.metrics.size(); ++m) {
    bool headline = false;
    for (const char* suffix : kHeadlines) headline = headline || study.metrics[m].ends_with(suffix);
    if (!headline) continue;
    bool any = false;
    for (const io::StudyPoint& p : study.points) {
      any = any || (!std::isnan(p.mean[m]) && p.mean[m] != 0);
    }
    if (any) columns.push_back(m);
  }
  std::string out = fmt::format("study {}: {} runs, {} points\n", study.scenario_name,
                                study.runs.size(), study.points.size());
  for (const io::StudyPoint& p : study.points) {
    out += fmt::format("point {} ({} runs):", p.point, p.replications);
    for (std::size_t i = 0; i < p.values.size(); ++i) {
      out += fmt::format(" {}={}", study.parameters[i], p.values[i]);
    }
    out += "\n";
    for (const std::size_t m : columns) {
      out += fmt::format("    {:<44} {}\n", study.metrics[m], cell(p.mean[m], p.ci95[m]));
    }
  }
  return out;
}

}  // namespace tcpsim::cli
