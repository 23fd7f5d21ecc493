// When Linux's timer wheel (kernel/time/timer.c) runs a timer armed for a timeout: at the end
// of the wheel bucket calc_wheel_index() files it in, late by up to a granule of its level.
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace tcpsim::tcp {

// Jiffies count from simulated time 0. A timeout of T jiffies lands on level L, the first
// whose range holds it (level L's buckets span 8^L jiffies; a level holds up to 63 of its own
// buckets), and fires at the start of the next bucket after now + T: at HZ=250 a 60-s
// TIME_WAIT ends 60.004 to 62.048 s after it began, a 10-s tcp_fin_timeout 10.004 to
// 10.256 s. Timeouts beyond the wheel's reach are cut to its capacity, as the kernel does.
class TimerWheel {
 public:
  // hz: CONFIG_HZ, 1..1000; 0 for exact timers.
  explicit TimerWheel(std::uint32_t hz) : hz_(hz) {}

  [[nodiscard]] sim::Time expiry(sim::Time now, sim::Time timeout) const;
  [[nodiscard]] std::uint32_t hz() const { return hz_; }

 private:
  std::uint32_t hz_;
};

}  // namespace tcpsim::tcp
