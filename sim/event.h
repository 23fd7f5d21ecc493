// The event record: a small plain value the queue orders by (time, seq).
// `handler` picks the model that receives it; the rest is the model's payload.
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace tcpsim::sim {

// Handler ids are 24 bits and event kinds 8, so that both share one word of the record.
using HandlerId = std::uint32_t;
using EventKind = std::uint8_t;
inline constexpr HandlerId kMaxHandlers = HandlerId{1} << 24U;
using TimerId = std::uint32_t;
inline constexpr TimerId kNoTimer = ~TimerId{0};

struct Event {
  Time time = 0;
  std::uint64_t seq = 0;  // insertion order; breaks ties at equal time
  std::uint32_t target = 0;
  HandlerId handler : 24 = 0;
  HandlerId kind : 8 = 0;
  TimerId timer = kNoTimer;      // set when the event belongs to a cancellable timer
  std::uint32_t generation = 0;  // the timer's generation when it was armed
  std::uint64_t a = 0;
  std::uint64_t b = 0;
};

static_assert(sizeof(Event) == 48, "Event must stay a small plain record");

// Receives the events addressed to one handler id.
class EventHandler {
 public:
  virtual ~EventHandler() = default;
  virtual void handle(const Event& event) = 0;
};

}  // namespace tcpsim::sim
