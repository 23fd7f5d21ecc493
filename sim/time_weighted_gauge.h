// A level that changes at simulated times (sockets in TIME_WAIT, ports in use),
// with its extremes and its time-weighted mean over an averaging window.
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>

#include "sim/time.h"

namespace tcpsim::sim {

// The area under the level is accumulated as value x nanoseconds in long
// double with Neumaier compensation: exact while each product fits in 64
// bits of mantissa, and free of drift over billions of updates.
// Times passed to the members must never decrease.
// Gauges are not merged: a sum of levels over hosts is a different quantity
// (its peak is not the sum of the peaks) and is tracked by its own gauge.
class TimeWeightedGauge {
 public:
  explicit TimeWeightedGauge(Time start = 0, double initial = 0.0)
      : value_(initial), min_(initial), max_(initial), start_(start), last_(start) {}

  void set(Time now, double value) {
    advance(now);
    value_ = value;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  void add(Time now, double delta) { set(now, value_ + delta); }

  [[nodiscard]] double value() const { return value_; }
  // Extremes over the current window, including the level it started with.
  [[nodiscard]] double min() const { return min_; }
  [[nodiscard]] double max() const { return max_; }

  // The area under the level from the start of the window to `now`.
  [[nodiscard]] long double integral(Time now) const {
    assert(now >= last_);
    return (area_ + compensation_) +
           static_cast<long double>(value_) * static_cast<long double>(now - last_);
  }
  // The time-weighted mean from the start of the window to `now`; the current
  // level when the window is empty.
  [[nodiscard]] double mean(Time now) const {
    if (now <= start_) return value_;
    return static_cast<double>(integral(now) / static_cast<long double>(now - start_));
  }
  [[nodiscard]] Time window_start() const { return start_; }

  // Starts a new window at `now` (after a warm-up, say), keeping the level.
  void reset(Time now) {
    assert(now >= last_);
    area_ = 0;
    compensation_ = 0;
    min_ = max_ = value_;
    start_ = last_ = now;
  }

 private:
  void advance(Time now) {
    assert(now >= last_);
    const long double term =
        static_cast<long double>(value_) * static_cast<long double>(now - last_);
    const long double sum = area_ + term;
    if (std::fabs(area_) >= std::fabs(term)) {
      compensation_ += (area_ - sum) + term;
    } else {
      compensation_ += (term - sum) + area_;
    }
    area_ = sum;
    last_ = now;
  }

  double value_;
  double min_;
  double max_;
  long double area_ = 0;
  long double compensation_ = 0;
  Time start_;
  Time last_;
};

}  // namespace tcpsim::sim
