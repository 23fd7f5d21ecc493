#include "models/tcp/timer_wheel.h"

namespace tcpsim::tcp {
namespace {

__extension__ typedef unsigned __int128 Wide;  // GCC and Clang

// kernel/time/timer.c: each level's clock runs 8 times slower than the one below
// (LVL_CLK_SHIFT 3) and has 64 buckets (LVL_BITS 6); 9 levels above HZ=100, 8 otherwise.
constexpr unsigned kLevelShift = 3;
constexpr std::uint64_t kLevelSize = 64;

std::uint64_t level_start(unsigned level) {  // LVL_START(n): timeouts from here use level n
  return (kLevelSize - 1) << ((level - 1) * kLevelShift);
}

// The level calc_wheel_index() picks for a timer `delta` jiffies ahead, and its expiry in
// jiffies cut to the wheel's capacity (WHEEL_TIMEOUT_MAX) as the kernel cuts it.
unsigned level_of(std::uint64_t delta, unsigned depth, std::uint64_t& expires, std::uint64_t clk) {
  for (unsigned level = 0; level + 1 < depth; ++level) {
    if (delta < level_start(level + 1)) return level;
  }
  const std::uint64_t cutoff = level_start(depth);
  if (delta >= cutoff) expires = clk + cutoff - (std::uint64_t{1} << ((depth - 1) * kLevelShift));
  return depth - 1;
}

}  // namespace

sim::Time TimerWheel::expiry(sim::Time now, sim::Time timeout) const {
  if (hz_ == 0) return now + timeout;
  // jiffies now, and the timeout in jiffies rounded up as msecs_to_jiffies() rounds; 64-bit
  // when a jiffy is a whole number of nanoseconds (HZ 100, 250, 1000), else 128-bit.
  const bool whole = sim::kSecond % hz_ == 0;
  const sim::Time tick = sim::kSecond / hz_;
  const Wide per_second = sim::kSecond;
  const auto clk = whole ? static_cast<std::uint64_t>(now / tick)
                         : static_cast<std::uint64_t>(Wide(now) * hz_ / per_second);
  const auto ticks =
      whole ? static_cast<std::uint64_t>((timeout + tick - 1) / tick)
            : static_cast<std::uint64_t>((Wide(timeout) * hz_ + per_second - 1) / per_second);
  std::uint64_t expires = clk + ticks;
  const unsigned shift = level_of(ticks, hz_ > 100 ? 9 : 8, expires, clk) * kLevelShift;
  // calc_index(): round up to the level's granularity, always past `expires`, so that the
  // timer never fires early.
  const std::uint64_t bucket = ((expires >> shift) + 1) << shift;
  if (whole) return static_cast<sim::Time>(bucket) * tick;
  return static_cast<sim::Time>((Wide(bucket) * per_second + hz_ - 1) / hz_);
}

}  // namespace tcpsim::tcp
