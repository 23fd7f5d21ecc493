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

// Per group, in scenario order, its summary numbers (GroupResults::summary_numbers: each
// registered metric's readings in registration order, a vector reading's columns as
// <reading>.<column>, percentiles as <histogram>_<p>_s); then "events". Wall time is left
// out so that results do not depend on the machine.
RunMetrics run_metrics(const metrics::RunResults& results);

}  // namespace tcpsim::batch
