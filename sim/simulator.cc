#include "sim/simulator.h"

#include <stdexcept>

namespace tcpsim::sim {

HandlerId Simulator::add_handler(EventHandler& handler) {
  if (handlers_.size() >= kMaxHandlers) throw std::length_error("too many event handlers");
  handlers_.push_back(&handler);
  return static_cast<HandlerId>(handlers_.size() - 1);
}

TimerId Simulator::create_timer() { return timers_.allocate(); }

void Simulator::destroy_timer(TimerId timer) {
  cancel(timer);
  timers_.free(timer);
}

bool Simulator::step() { return dispatch_next(kTimeMax); }

StopReason Simulator::run_until(Time end) {
  StopReason reason = StopReason::kNoEvents;
  while (true) {
    if (stop_requested_.load(std::memory_order_relaxed)) {
      stop_requested_.store(false, std::memory_order_relaxed);
      reason = StopReason::kStopRequested;
      break;
    }
    if (!dispatch_next(end)) {
      reason = queue_.empty() ? StopReason::kNoEvents : StopReason::kTimeLimit;
      break;
    }
    if ((processed_ & (kHeartbeatEvery - 1)) == 0) [[unlikely]] {
      if (heartbeat_ != nullptr) heartbeat_->beat(now_, processed_);
      if (processed_ >= event_limit_) {
        reason = StopReason::kEventLimit;
        break;
      }
    }
  }
  if (reason == StopReason::kTimeLimit || (reason == StopReason::kNoEvents && end != kTimeMax)) {
    now_ = end;
  }
  if (heartbeat_ != nullptr) heartbeat_->finish(now_, processed_);
  return reason;
}

}  // namespace tcpsim::sim
