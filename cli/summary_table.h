// The summary a run prints on stdout: per host group, peak and mean sockets
// per state, ports, failures by errno, first EADDRNOTAVAIL, latency percentiles.
#pragma once

#include <string>

#include "models/metrics/run_results.h"

namespace tcpsim::cli {

std::string summary_table(const metrics::RunResults& results);

}  // namespace tcpsim::cli
