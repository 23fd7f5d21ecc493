#include "cli/summary_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include "sim/duration.h"
#include "sim/time.h"

namespace tcpsim::cli {
namespace {

using metrics::Reading;
using metrics::SummaryValue;

constexpr int kNameWidth = 24;

std::string number(const SummaryValue& v, double x) {
  if (std::isnan(x)) return "-";
  if (v.reading == Reading::kPercentiles) return sim::format_duration(static_cast<sim::Time>(x));
  if (v.metric->unit == "s") return sim::format_duration(sim::from_seconds(x));
  if (v.reading == Reading::kMean) return fmt::format("{:.1f}", x);
  return fmt::format("{:.0f}", x);
}

// The readings of one vector metric side by side, a row per column that is not zero in all.
std::string columns_table(const std::vector<const SummaryValue*>& readings) {
  const metrics::Metric& m = *readings.front()->metric;
  std::string out = fmt::format("  {:<{}}", m.columns.attribute, kNameWidth);
  for (const SummaryValue* v : readings) out += fmt::format("{:>14}", v->name);
  out += fmt::format("  ({})\n", m.unit);
  bool any = false;
  for (std::size_t c = 0; c < m.columns.names.size(); ++c) {
    bool zero = true;
    for (const SummaryValue* v : readings) zero = zero && v->values[c] == 0;
    if (zero) continue;
    any = true;
    out += fmt::format("    {:<{}}", m.columns.names[c], kNameWidth - 2);
    for (const SummaryValue* v : readings) out += fmt::format("{:>14}", number(*v, v->values[c]));
    out += "\n";
  }
  if (!any) out += "    none\n";
  return out;
}

std::string group_table(const metrics::GroupResults& g) {
  std::string out = fmt::format("\n{} ({} host{})\n", g.name, g.hosts, g.hosts == 1 ? "" : "s");
  if (g.port_range_size != 0) {
    out += fmt::format("  {:<{}}{} per destination\n", "port range", kNameWidth, g.port_range_size);
  }
  for (std::size_t i = 0; i < g.summary.size();) {
    const SummaryValue& v = g.summary[i];
    std::size_t next = i + 1;
    while (next < g.summary.size() && g.summary[next].metric == v.metric) ++next;
    if (!v.metric->columns.names.empty()) {
      std::vector<const SummaryValue*> readings;
      for (std::size_t k = i; k < next; ++k) readings.push_back(&g.summary[k]);
      out += columns_table(readings);
    } else if (v.reading == Reading::kPercentiles) {
      const bool empty = g.histogram(v.metric->name).count() == 0;
      std::string line = empty ? "  -" : "";
      for (std::size_t k = i; k < next && !empty; ++k) {
        line += fmt::format("  {} {}", g.summary[k].percentile->name,
                            number(g.summary[k], g.summary[k].values[0]));
      }
      out += fmt::format("  {:<{}}{}\n", v.metric->name, kNameWidth - 2, line);
    } else {
      for (std::size_t k = i; k < next; ++k) {
        const SummaryValue& r = g.summary[k];
        const bool seconds = r.metric->unit == "s";
        // A name past the column keeps one space before its value.
        const int width = std::max(kNameWidth, static_cast<int>(r.name.size()) + 1);
        out += fmt::format("  {:<{}}{}{}\n", r.name, width, number(r, r.values[0]),
                           seconds ? "" : " " + std::string(r.metric->unit));
      }
    }
    i = next;
  }
  return out;
}

}  // namespace

std::string summary_table(const metrics::RunResults& r) {
  std::string out =
      fmt::format("scenario {}  seed {}  simulated {}  events {}  wall {:.2f}s\n", r.scenario_name,
                  r.seed, sim::format_duration(r.duration), r.events, r.wall_seconds);
  for (const metrics::GroupResults& g : r.groups) out += group_table(g);
  return out;
}

}  // namespace tcpsim::cli
