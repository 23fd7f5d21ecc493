// The summary `tcpsim sweep` prints: per point, its parameter values, the runs averaged and
// a few headline metrics per host group as mean ± 95% confidence half-width.
#pragma once

#include <string>

#include "io/study_file.h"

namespace tcpsim::cli {

// Headline metrics: <group>.state_peak.TIME_WAIT, <group>.failures.EADDRNOTAVAIL,
// <group>.first_eaddrnotavail_s and <group>.request_latency_p99_s, for the groups where
// any point has a non-zero value.
std::string sweep_summary(const io::Study& study);

}  // namespace tcpsim::cli
