#include "batch/run_metrics.h"

namespace tcpsim::batch {

RunMetrics run_metrics(const metrics::RunResults& results) {
  RunMetrics m;
  for (const metrics::GroupResults& g : results.groups) {
    for (metrics::SummaryNumber& n : g.summary_numbers()) {
      m.names.push_back(g.name + "." + n.name);
      m.values.push_back(n.value);
    }
  }
  m.names.emplace_back("events");
  m.values.push_back(static_cast<double>(results.events));
  return m;
}

}  // namespace tcpsim::batch
