// The summary of one run as named numbers, one column each of a study's run table:
// "<group>.<metric>", e.g. "clients.state_peak.TIME_WAIT", "clients.first_eaddrnotavail_s".
#pragma once

#include <string>
#include <vector>

#include "models/metrics/run_results.h"

namespace tcpsim::batch {

struct RunMetrics {
  std::vector<std::string> names;
  std::vector<double> values;  // NaN where undefined (first_eaddrnotavail_s never happened)
};

// Per group, in scenario order: state_peak.<STATE> and state_mean.<STATE> for the 11
// states, first_eaddrnotavail_s, failures.<ERRNO> for the 11 errors, connects_attempted,
// connects_succeeded, requests_completed, ports_in_use_peak, fds_in_use_peak, and
// connect_latency_<p>_s, request_latency_<p>_s for p50, p90, p99, p999; then "events".
// Wall time is left out so that results do not depend on the machine.
RunMetrics run_metrics(const metrics::RunResults& results);

}  // namespace tcpsim::batch
