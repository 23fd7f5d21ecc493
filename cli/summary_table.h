// The summary a run prints on stdout: per host group, every reading its registered metrics
// declare (peaks and means per state, failures by errno, ports, latency percentiles ...).
#pragma once

#include <string>

#include "models/metrics/run_results.h"

namespace tcpsim::cli {

std::string summary_table(const metrics::RunResults& results);

}  // namespace tcpsim::cli
