// Where a host's stack hands the segments it sends: the network in a
// simulation, a recorder in scripted tests.
#pragma once

#include "models/net/segment.h"

namespace tcpsim::tcp {

class SegmentOutput {
 public:
  virtual ~SegmentOutput() = default;
  virtual void transmit(const net::Segment& segment) = 0;
};

}  // namespace tcpsim::tcp
