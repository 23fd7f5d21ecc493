// What an application adds to its host group's metrics: its counters and
// pool levels at sample time, and its latency histograms at the end.
#pragma once

#include "models/metrics/run_results.h"

namespace tcpsim::metrics {

class AppStats {
 public:
  virtual ~AppStats() = default;
  // Adds this application's cumulative counters and current pool levels.
  virtual void add_to(GroupSample& sample) const = 0;
  // Merges its latency histograms into the group's.
  virtual void merge_latencies(GroupResults& group) const = 0;
};

}  // namespace tcpsim::metrics
