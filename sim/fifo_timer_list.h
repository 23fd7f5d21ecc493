// Timers that all share one duration (TIME_WAIT, FIN_WAIT_2 timeout, idle
// timeouts): expiries are in insertion order, so a FIFO with one queued event
// for its head replaces one queue entry per timer.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/event.h"
#include "sim/simulator.h"
#include "sim/time.h"

namespace tcpsim::sim {

// On expiry the owner's handler receives an Event of the list's `kind` with
// `target` and `a` = the tag given to add(), as if it had been queued itself.
// Targets must be below 2^32 - 1.
class FifoTimerList final : public EventHandler {
 public:
  using Handle = std::uint64_t;

  FifoTimerList(Simulator& sim, Time duration, EventHandler& owner, std::uint16_t kind);
  FifoTimerList(const FifoTimerList&) = delete;
  FifoTimerList& operator=(const FifoTimerList&) = delete;

  // Starts a timer expiring at now + duration.
  Handle add(std::uint32_t target, std::uint32_t tag = 0);
  // O(1); a handle that already fired or was cancelled is ignored.
  void cancel(Handle handle);

  [[nodiscard]] Time duration() const { return duration_; }
  // Timers started and neither fired nor cancelled.
  [[nodiscard]] std::size_t live() const { return live_; }

  void handle(const Event& event) override;

 private:
  // 16 bytes: lists may hold millions of entries (one per TIME_WAIT socket).
  struct Entry {
    Time expiry;
    std::uint32_t target;  // kCancelled once cancelled
    std::uint32_t tag;
  };
  static constexpr std::uint32_t kCancelled = ~std::uint32_t{0};

  Entry& at(Handle h) { return ring_[h & mask_]; }
  void grow();
  void schedule_head();

  Simulator& sim_;
  Time duration_;
  EventHandler& owner_;
  std::uint16_t kind_;
  HandlerId self_;
  std::vector<Entry> ring_;
  Handle mask_ = 0;
  Handle head_ = 0;  // absolute position of the oldest entry
  Handle tail_ = 0;  // absolute position one past the newest entry
  std::size_t live_ = 0;
  bool head_scheduled_ = false;
};

}  // namespace tcpsim::sim
