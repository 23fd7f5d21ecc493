#include "models/metrics/stack_stats.h"

#include "models/metrics/host_group_metrics.h"
#include "sim/time.h"

namespace tcpsim::metrics {

void StackStats::sample(Sample& out) const {
  const auto& counts = stack_.state_counts();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    out.add(host_metric("state_sum"), i, counts[i]);
  }
  out.add(host_metric("ports_in_use"), stack_.ports_in_use());
  out.add(host_metric("ports_per_destination"), stack_.ports_toward_busiest_destination());
  out.add(host_metric("fds_in_use"), stack_.fds_in_use());
  const NstatValues nstat = nstat_values(stack_.counters());
  for (std::size_t i = 0; i < nstat.size(); ++i) out.add(host_metric("nstat"), i, nstat[i]);
}

void StackStats::finish(Totals& out) const {
  const sim::Time first = stack_.counters().first_eaddrnotavail_ns;
  if (first >= 0) out.add(host_metric("first_eaddrnotavail_s"), sim::to_seconds(first));
}

}  // namespace tcpsim::metrics
