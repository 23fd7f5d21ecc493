// The discrete-event kernel: simulated clock, pending events, cancellable timers
// and the run loop. It knows nothing of what the events mean.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "sim/event.h"
#include "sim/event_queue.h"
#include "sim/heartbeat.h"
#include "sim/time.h"

namespace tcpsim::sim {

enum class StopReason { kTimeLimit, kNoEvents, kStopRequested };

class Simulator {
 public:
  Simulator() = default;
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Registers the receiver of events sent to the returned id. Not owned.
  HandlerId add_handler(EventHandler& handler);

  [[nodiscard]] Time now() const { return now_; }

  void schedule(Time at, HandlerId handler, std::uint16_t kind, std::uint32_t target,
                std::uint64_t a = 0, std::uint64_t b = 0) {
    queue_.push(Event{at, next_seq_++, target, handler, kind, kNoTimer, 0, a, b});
  }
  void schedule_after(Time delay, HandlerId handler, std::uint16_t kind, std::uint32_t target,
                      std::uint64_t a = 0, std::uint64_t b = 0) {
    schedule(now_ + delay, handler, kind, target, a, b);
  }

  // Cancellable timers. Arming an armed timer re-arms it; the earlier event
  // stays queued but is dropped when popped (its generation is stale).
  TimerId create_timer();
  void destroy_timer(TimerId timer);
  void arm(TimerId timer, Time at, HandlerId handler, std::uint16_t kind, std::uint32_t target,
           std::uint64_t a = 0, std::uint64_t b = 0) {
    TimerSlot& t = timers_[timer];
    ++t.generation;
    t.armed = 1;
    queue_.push(Event{at, next_seq_++, target, handler, kind, timer, t.generation, a, b});
  }
  void cancel(TimerId timer) {
    TimerSlot& t = timers_[timer];
    ++t.generation;
    t.armed = 0;
  }
  [[nodiscard]] bool armed(TimerId timer) const { return timers_[timer].armed != 0; }

  // Processes events with time <= end, in (time, insertion) order. When the
  // run stops on the time limit, the clock is left at `end`.
  StopReason run_until(Time end);
  StopReason run() { return run_until(kTimeMax); }
  // Stops the loop after the current event; safe from another thread.
  void request_stop() { stop_requested_.store(true, std::memory_order_relaxed); }

  void set_heartbeat(Heartbeat* heartbeat) { heartbeat_ = heartbeat; }

  [[nodiscard]] std::uint64_t events_processed() const { return processed_; }
  [[nodiscard]] std::uint64_t events_cancelled() const { return cancelled_; }
  [[nodiscard]] std::size_t pending() const { return queue_.size(); }
  void reserve(std::size_t pending_events) { queue_.reserve(pending_events); }

 private:
  struct TimerSlot {
    std::uint32_t generation = 0;
    std::uint32_t armed = 0;
  };
  static constexpr std::uint64_t kHeartbeatEvery = 1U << 16U;

  Time now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t processed_ = 0;
  std::uint64_t cancelled_ = 0;
  EventQueue queue_;
  std::vector<EventHandler*> handlers_;
  std::vector<TimerSlot> timers_;
  std::vector<TimerId> free_timers_;
  Heartbeat* heartbeat_ = nullptr;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace tcpsim::sim
