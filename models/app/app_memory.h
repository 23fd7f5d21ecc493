// What an application holds in memory, for predicting a scenario's peak before it runs:
// each application kind says what it costs with its config.
#pragma once

#include <cstddef>

namespace tcpsim::app {

struct AppMemory {
  std::size_t fixed = 0;           // with no connection open: objects, tables
  std::size_t in_use = 0;          // added once it carries requests: histogram pages
  std::size_t per_connection = 0;  // its records of one open connection
};

// Latency histograms are sized for values over this many powers of two (a 16x spread, as
// from 200 us to 3 ms) when a scenario's memory is predicted.
inline constexpr int kLatencySpan = 4;

}  // namespace tcpsim::app
