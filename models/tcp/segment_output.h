// Where a host's stack hands the segments it sends: the network in a
// simulation, a recorder in scripted tests.
#pragma once

#include <cstdint>

#include "models/net/segment.h"

namespace tcpsim::tcp {

class SegmentOutput {
 public:
  virtual ~SegmentOutput() = default;
  virtual void transmit(const net::Segment& segment) = 0;
  // The same, for a connection that keeps what the output caches about its
  // route (0 before the first segment).
  virtual void transmit(const net::Segment& segment, std::uint64_t& route_cache) {
    (void)route_cache;
    transmit(segment);
  }
};

}  // namespace tcpsim::tcp
