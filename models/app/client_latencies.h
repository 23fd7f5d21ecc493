// A client's latency histograms: its pool's connects and waits, its requests. The clients of
// a host group may share one set (what the group reports), so a host holds none of its own.
#pragma once

#include <cstddef>

#include "sim/histogram.h"

namespace tcpsim::app {

struct ClientLatencies {
  sim::Histogram connect;  // ns, connect() to ESTABLISHED
  sim::Histogram wait;     // ns, of the acquisitions that waited and got a connection
  sim::Histogram request;  // ns, issued to response complete: pool waits and retries included

  // Heap bytes of a set whose values each span `powers_of_two` powers of two.
  static std::size_t memory(int powers_of_two) {
    return 3 * (sim::Histogram::table_bytes() + sim::Histogram::pages_spanning(powers_of_two));
  }
};

}  // namespace tcpsim::app
