// Recorded arrival times from a CSV file: one number of seconds per line, or a header line
// with a `time_s` column; every problem named with file:line.
#pragma once

#include <string>
#include <vector>

#include "sim/time.h"

namespace tcpsim::scenarios {

// At most this many arrivals per trace file.
inline constexpr std::size_t kMaxTraceArrivals = std::size_t{1} << 27U;

struct TraceRead {
  std::vector<sim::Time> times;
  // "file:line: message"; empty when the file read cleanly.
  std::vector<std::string> problems;
};

// Without a header every line holds one number. Times must be finite, >= 0, below 100 years, and
// non-decreasing. Reading stops at the tenth problem.
TraceRead read_arrival_trace(const std::string& path);

}  // namespace tcpsim::scenarios
