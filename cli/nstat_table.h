// `tcpsim run --nstat HOST@TIME`: a host's kernel counters at a simulated time,
// printed the way `nstat -az` shows them.
#pragma once

#include <string>

#include "models/metrics/run_results.h"

namespace tcpsim::cli {

// A heading naming the host and time, nstat's "#kernel" line, then a row per counter,
// zeros included: its name in 32 columns and its value (nstat's rate column is left out).
std::string nstat_table(const metrics::NstatTable& table);

}  // namespace tcpsim::cli
