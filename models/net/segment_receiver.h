// Where the network hands a segment on arrival: the TCP stack of the host that owns the
// destination address (or a recorder in tests).
#pragma once

#include "models/net/segment.h"

namespace tcpsim::net {

class SegmentReceiver {
 public:
  virtual ~SegmentReceiver() = default;
  virtual void receive(const Segment& segment) = 0;
};

}  // namespace tcpsim::net
