// The discrete-event kernel: simulated clock, pending events, cancellable timers
// and the run loop. It knows nothing of what the events mean.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "sim/event.h"
#include "sim/event_queue.h"
#include "sim/heartbeat.h"
#include "sim/slot_pool.h"
#include "sim/time.h"

namespace tcpsim::sim {

enum class StopReason { kTimeLimit, kNoEvents, kStopRequested, kEventLimit };

class Simulator {
 public:
  Simulator() = default;
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Registers the receiver of events sent to the returned id. Not owned.
  HandlerId add_handler(EventHandler& handler);

  [[nodiscard]] Time now() const { return now_; }

  [[gnu::always_inline]] void schedule(Time at, HandlerId handler, EventKind kind,
                                       std::uint32_t target, std::uint64_t a = 0,
                                       std::uint64_t b = 0) {
    queue_.push(Event{at, next_seq_++, target, handler, kind, kNoTimer, 0, a, b});
  }
  [[gnu::always_inline]] void schedule_after(Time delay, HandlerId handler, EventKind kind,
                                             std::uint32_t target, std::uint64_t a = 0,
                                             std::uint64_t b = 0) {
    schedule(now_ + delay, handler, kind, target, a, b);
  }

  // Cancellable timers. Arming an armed timer moves it. A timer keeps at most
  // one event queued: moving it later, or cancelling it, leaves that event in
  // place, and when it pops it is dropped or re-queued at the new expiry; only
  // moving a timer earlier queues a new event (and stales the old one).
  TimerId create_timer();
  void destroy_timer(TimerId timer);
  void arm(TimerId timer, Time at, HandlerId handler, EventKind kind, std::uint32_t target,
           std::uint64_t a = 0, std::uint64_t b = 0) {
    TimerSlot& t = timers_[timer];
    t.armed = 1;
    t.deadline = at;
    t.handler = handler;
    t.kind = kind;
    t.target = target;
    t.a = a;
    t.b = b;
    if (t.queued != 0 && t.queued_at <= at) return;
    queue_timer(timer, t, at);
  }
  void cancel(TimerId timer) { timers_[timer].armed = 0; }
  [[nodiscard]] bool armed(TimerId timer) const { return timers_[timer].armed != 0; }
  // When an armed timer expires; meaningless for one that is not armed.
  [[nodiscard]] Time deadline(TimerId timer) const { return timers_[timer].deadline; }

  // Processes events with time <= end, in (time, insertion) order. When the
  // run stops on the time limit, the clock is left at `end`.
  StopReason run_until(Time end);
  StopReason run() { return run_until(kTimeMax); }
  // Processes the next event (cancelled ones are skipped); false if none is left.
  bool step();
  // Stops the loop after the current event; safe from another thread.
  void request_stop() { stop_requested_.store(true, std::memory_order_relaxed); }

  void set_heartbeat(Heartbeat* heartbeat) { heartbeat_ = heartbeat; }
  // A run stops once this many events have been processed in all, checked every
  // kHeartbeatEvery events; the clock stays at the last event's time.
  void set_event_limit(std::uint64_t events) { event_limit_ = events; }

  [[nodiscard]] std::uint64_t events_processed() const { return processed_; }
  [[nodiscard]] std::uint64_t events_cancelled() const { return cancelled_; }
  [[nodiscard]] std::size_t pending() const { return queue_.size(); }
  // Bytes a timer slot takes, and a pending event.
  static constexpr std::size_t bytes_per_timer() { return sizeof(TimerSlot); }
  static constexpr std::size_t kBytesPerEvent = sizeof(Event);
  void reserve(std::size_t pending_events) { queue_.reserve(pending_events); }

 private:
  struct TimerSlot {
    Time deadline = 0;
    Time queued_at = 0;
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::uint32_t target = 0;
    std::uint32_t generation = 0;  // of the one live queued event
    HandlerId handler = 0;
    EventKind kind = 0;
    std::uint8_t armed = 0;
    std::uint8_t queued = 0;
  };

  void queue_timer(TimerId timer, TimerSlot& t, Time at) {
    ++t.generation;
    t.queued = 1;
    t.queued_at = at;
    queue_.push(Event{at, next_seq_++, t.target, t.handler, t.kind, timer, t.generation, 0, 0});
  }

 public:
  static constexpr std::uint64_t kHeartbeatEvery = 1U << 16U;

 private:
  // Pops events up to `end` until one is dispatched; false when none is left.
  bool dispatch_next(Time end) {
    Event& ev = current_;
    while (queue_.pop_until(end, ev)) {
      now_ = ev.time;
      if (ev.timer != kNoTimer) {
        TimerSlot& t = timers_[ev.timer];
        if (t.generation != ev.generation) {
          ++cancelled_;  // superseded by an earlier expiry
          continue;
        }
        t.queued = 0;
        if (t.armed == 0) {
          ++cancelled_;
          continue;
        }
        if (t.deadline > ev.time) {
          queue_timer(ev.timer, t, t.deadline);  // moved later while queued
          continue;
        }
        t.armed = 0;
        ev.target = t.target;
        ev.handler = t.handler;
        ev.kind = t.kind;
        ev.a = t.a;
        ev.b = t.b;
      }
      handlers_[ev.handler]->handle(ev);
      ++processed_;
      return true;
    }
    return false;
  }

  Time now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t processed_ = 0;
  std::uint64_t cancelled_ = 0;
  // The event being dispatched: a member, so that it is not cleared for each one.
  Event current_;
  EventQueue queue_;
  std::vector<EventHandler*> handlers_;
  // A reused slot keeps its queued event's generation, so that the event
  // finds the slot disarmed or re-armed.
  SlotPool<TimerSlot> timers_;
  Heartbeat* heartbeat_ = nullptr;
  std::uint64_t event_limit_ = ~std::uint64_t{0};
  std::atomic<bool> stop_requested_{false};
};

}  // namespace tcpsim::sim
