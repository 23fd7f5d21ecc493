// The request and response sizes carried on one server port: what its clients send and what
// they read back, agreed by the server and every client of that port.
#pragma once

#include <cstdint>

#include "sim/distribution.h"

namespace tcpsim::scenarios {

struct MessageSizes {
  sim::Distribution request = sim::Distribution::constant(100);   // bytes
  sim::Distribution response = sim::Distribution::constant(100);  // bytes
};

// A client's size model toward one server, and its index among the server's models.
struct TaggedMessageSizes {
  MessageSizes sizes;
  std::uint32_t tag = 0;
};

}  // namespace tcpsim::scenarios
