// Simulated time: a signed 64-bit count of nanoseconds since the start of a run.
// Integer time keeps runs exact and deterministic; doubles appear only at the edges.
#pragma once

#include <cstdint>
#include <limits>

namespace tcpsim::sim {

using Time = std::int64_t;

inline constexpr Time kNanosecond = 1;
inline constexpr Time kMicrosecond = 1'000;
inline constexpr Time kMillisecond = 1'000'000;
inline constexpr Time kSecond = 1'000'000'000;
inline constexpr Time kMinute = 60 * kSecond;
inline constexpr Time kHour = 60 * kMinute;
inline constexpr Time kTimeMax = std::numeric_limits<Time>::max();

constexpr Time microseconds(std::int64_t n) { return n * kMicrosecond; }
constexpr Time milliseconds(std::int64_t n) { return n * kMillisecond; }
constexpr Time seconds(std::int64_t n) { return n * kSecond; }

constexpr double to_seconds(Time t) {
  return static_cast<double>(t) / static_cast<double>(kSecond);
}

// Rounds a (non-negative, finite) number of seconds to the nearest nanosecond.
constexpr Time from_seconds(double s) {
  return static_cast<Time>(s * static_cast<double>(kSecond) + (s >= 0 ? 0.5 : -0.5));
}

}  // namespace tcpsim::sim
