// Open-loop arrival processes: when the next request arrives, given the time of
// the previous one (constant, Poisson, on/off, ramps and steps, diurnal, trace).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/distribution.h"
#include "sim/random_stream.h"
#include "sim/time.h"

namespace tcpsim::app {

// No further arrival.
inline constexpr sim::Time kNever = sim::kTimeMax;

// Rates are per second. Profile times (ramp length, step times, trace times,
// the diurnal phase) count from the origin given to start(). Durations drawn
// from Distributions are in seconds. The process is driven as
//   start(origin); t = next(origin, rng); t = next(t, rng); ...
// i.e. `now` is the origin or the previous arrival; the result is >= now.
class ArrivalProcess {
 public:
  enum class Kind { kConstant, kPoisson, kOnOff, kPiecewiseLinear, kDiurnal, kTrace };

  // A rate from `at` on; the rate before the first step is 0.
  struct Step {
    sim::Time at = 0;
    double rate = 0;
  };

  // No arrivals at all.
  ArrivalProcess() = default;

  // Every factory throws std::invalid_argument naming the offending parameter.
  // Arrivals exactly 1/rate apart, the first 1/rate after the origin.
  static ArrivalProcess constant(double rate);
  static ArrivalProcess poisson(double rate);
  // Poisson at on_rate during on periods, nothing during off periods; the
  // periods alternate, starting with an on period at the origin.
  static ArrivalProcess on_off(double on_rate, const sim::Distribution& on_duration,
                               const sim::Distribution& off_duration);
  // Non-homogeneous Poisson whose rate goes linearly from `from_rate` to
  // `to_rate` over `duration`, then stays at `to_rate`.
  static ArrivalProcess ramp(double from_rate, double to_rate, sim::Time duration);
  // Non-homogeneous Poisson with a piecewise-constant rate; step times strictly increasing.
  static ArrivalProcess steps(std::vector<Step> steps);
  // Non-homogeneous Poisson with rate mean * (1 + amplitude * sin(2 pi t / period + phase)),
  // 0 <= amplitude <= 1, by thinning.
  static ArrivalProcess diurnal(double mean_rate, double amplitude, sim::Time period, double phase);
  // Replays recorded arrival times (non-decreasing, non-negative offsets).
  static ArrivalProcess trace(std::vector<sim::Time> times);

  // Where one driver of the process is: its origin, trace position and on/off phase. Hosts
  // that share one process each keep their own.
  struct Cursor {
    sim::Time origin = 0;
    double carry_ns = 0;        // constant: the fraction of a nanosecond owed
    sim::Time period_end = -1;  // on/off: end of the current period, -1 before the first
    std::size_t trace_pos = 0;
    bool on = true;
  };

  // Resets the state (trace position, on/off phase) and sets the origin.
  void start(sim::Time origin) { cursor_ = Cursor{.origin = origin}; }
  // The next arrival at or after `now`, or kNever.
  sim::Time next(sim::Time now, sim::RandomStream& rng) { return next(cursor_, now, rng); }
  // The same for a cursor kept outside: Cursor{.origin = origin} starts it.
  sim::Time next(Cursor& cursor, sim::Time now, sim::RandomStream& rng) const;

  // The intensity at time t (absolute) of the processes with a deterministic
  // rate profile; on/off reports its long-run mean rate.
  [[nodiscard]] double rate_at(sim::Time t) const;
  [[nodiscard]] Kind kind() const { return kind_; }
  // The most arrivals in any `window` of [0, horizon) from an origin at 0: exact for a trace,
  // the highest rate's (sampled every 1/1000 of the horizon) times the window otherwise.
  [[nodiscard]] double peak_arrivals(sim::Time window, sim::Time horizon) const;
  // Heap bytes of the rate profile or trace.
  [[nodiscard]] std::size_t heap_bytes() const {
    return pieces_.capacity() * sizeof(Piece) + trace_.capacity() * sizeof(sim::Time);
  }

 private:
  // Rate rate + slope * (t - start) on [start, next piece's start), t in seconds.
  struct Piece {
    sim::Time start = 0;
    double rate = 0;
    double slope = 0;
  };

  ArrivalProcess(Kind kind, double rate) : kind_(kind), rate_(rate) {}

  sim::Time next_constant(Cursor& c, sim::Time now) const;
  sim::Time next_on_off(Cursor& c, sim::Time now, sim::RandomStream& rng) const;
  sim::Time next_piecewise(const Cursor& c, sim::Time now, sim::RandomStream& rng) const;
  sim::Time next_diurnal(const Cursor& c, sim::Time now, sim::RandomStream& rng) const;
  sim::Time next_trace(Cursor& c) const;
  [[nodiscard]] double diurnal_rate(sim::Time origin, sim::Time t) const;

  Kind kind_ = Kind::kTrace;
  double rate_ = 0;  // constant, Poisson, on-rate, diurnal mean
  double amplitude_ = 0;
  double phase_ = 0;
  sim::Time period_ = 0;
  sim::Distribution on_duration_;
  sim::Distribution off_duration_;
  std::vector<Piece> pieces_;
  std::vector<sim::Time> trace_;

  Cursor cursor_;
};

}  // namespace tcpsim::app
