// What an application holds in memory, for predicting a scenario's peak before it runs:
// each application kind says what it costs with its config (latency histograms aside: see
// ClientLatencies).
#pragma once

#include <cstddef>

namespace tcpsim::app {

struct AppMemory {
  std::size_t fixed = 0;           // with no connection open: objects and tables
  std::size_t per_connection = 0;  // its records of one open connection
};

}  // namespace tcpsim::app
