// Hook the run loop calls every few thousand events, for progress displays.
// Implementations must be cheap: they run inside the event loop.
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace tcpsim::sim {

class Heartbeat {
 public:
  virtual ~Heartbeat() = default;
  virtual void beat(Time now, std::uint64_t events_processed) = 0;
  // Called once when a run call returns.
  virtual void finish(Time now, std::uint64_t events_processed) = 0;
};

}  // namespace tcpsim::sim
