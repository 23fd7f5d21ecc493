#include "models/app/arrival_process.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace tcpsim::app {
namespace {

[[noreturn]] void fail(std::string_view factory, std::string_view parameter,
                       std::string_view problem) {
  throw std::invalid_argument(fmt::format("{}: {} {}", factory, parameter, problem));
}

void require_positive(std::string_view factory, std::string_view parameter, double value) {
  if (!std::isfinite(value) || !(value > 0)) fail(factory, parameter, "must be finite and > 0");
}

void require_non_negative(std::string_view factory, std::string_view parameter, double value) {
  if (!std::isfinite(value) || !(value >= 0)) fail(factory, parameter, "must be finite and >= 0");
}

// t + seconds, or kNever when that is beyond the representable range.
sim::Time advance(sim::Time t, double seconds) {
  constexpr double kLimit = 9.0e9;  // about 285 years
  if (!(seconds < kLimit)) return kNever;
  const sim::Time d = sim::from_seconds(std::max(seconds, 0.0));
  return t > sim::kTimeMax - d ? kNever : t + d;
}

double draw_seconds(const sim::Distribution& d, sim::RandomStream& rng) {
  return std::max(d.sample(rng), 0.0);
}

}  // namespace

ArrivalProcess ArrivalProcess::constant(double rate) {
  require_positive("constant", "rate", rate);
  return {Kind::kConstant, rate};
}

ArrivalProcess ArrivalProcess::poisson(double rate) {
  require_positive("poisson", "rate", rate);
  return {Kind::kPoisson, rate};
}

ArrivalProcess ArrivalProcess::on_off(double on_rate, const sim::Distribution& on_duration,
                                      const sim::Distribution& off_duration) {
  require_positive("on_off", "on_rate", on_rate);
  require_positive("on_off", "on_duration mean", on_duration.mean());
  require_non_negative("on_off", "off_duration mean", off_duration.mean());
  ArrivalProcess p(Kind::kOnOff, on_rate);
  p.on_duration_ = on_duration;
  p.off_duration_ = off_duration;
  return p;
}

ArrivalProcess ArrivalProcess::ramp(double from_rate, double to_rate, sim::Time duration) {
  require_non_negative("ramp", "from_rate", from_rate);
  require_non_negative("ramp", "to_rate", to_rate);
  if (duration <= 0) fail("ramp", "duration", "must be > 0");
  ArrivalProcess p(Kind::kPiecewiseLinear, 0);
  p.pieces_.push_back({0, from_rate, (to_rate - from_rate) / sim::to_seconds(duration)});
  p.pieces_.push_back({duration, to_rate, 0});
  return p;
}

ArrivalProcess ArrivalProcess::steps(std::vector<Step> steps) {
  if (steps.empty()) fail("steps", "steps", "must not be empty");
  ArrivalProcess p(Kind::kPiecewiseLinear, 0);
  if (steps.front().at < 0) fail("steps", "step time", "must be >= 0");
  if (steps.front().at > 0) p.pieces_.push_back({0, 0, 0});
  for (std::size_t i = 0; i < steps.size(); ++i) {
    require_non_negative("steps", "rate", steps[i].rate);
    if (i > 0 && steps[i].at <= steps[i - 1].at) {
      fail("steps", "step times", "must be strictly increasing");
    }
    p.pieces_.push_back({steps[i].at, steps[i].rate, 0});
  }
  return p;
}

ArrivalProcess ArrivalProcess::diurnal(double mean_rate, double amplitude, sim::Time period,
                                       double phase) {
  require_positive("diurnal", "mean_rate", mean_rate);
  if (!std::isfinite(amplitude) || amplitude < 0 || amplitude > 1) {
    fail("diurnal", "amplitude", "must be in [0, 1]");
  }
  if (period <= 0) fail("diurnal", "period", "must be > 0");
  if (!std::isfinite(phase)) fail("diurnal", "phase", "must be finite");
  ArrivalProcess p(Kind::kDiurnal, mean_rate);
  p.amplitude_ = amplitude;
  p.period_ = period;
  p.phase_ = phase;
  return p;
}

ArrivalProcess ArrivalProcess::trace(std::vector<sim::Time> times) {
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (times[i] < 0) fail("trace", "times", "must be >= 0");
    if (i > 0 && times[i] < times[i - 1]) fail("trace", "times", "must be sorted");
  }
  ArrivalProcess p(Kind::kTrace, 0);
  p.trace_ = std::move(times);
  return p;
}

sim::Time ArrivalProcess::next(Cursor& c, sim::Time now, sim::RandomStream& rng) const {
  switch (kind_) {
    case Kind::kConstant:
      return next_constant(c, now);
    case Kind::kPoisson:
      return advance(now, rng.exponential(1.0 / rate_));
    case Kind::kOnOff:
      return next_on_off(c, now, rng);
    case Kind::kPiecewiseLinear:
      return next_piecewise(c, now, rng);
    case Kind::kDiurnal:
      return next_diurnal(c, now, rng);
    case Kind::kTrace:
      return next_trace(c);
  }
  return kNever;
}

sim::Time ArrivalProcess::next_constant(Cursor& c, sim::Time now) const {
  const double total = static_cast<double>(sim::kSecond) / rate_ + c.carry_ns;
  const double whole = std::floor(total);
  c.carry_ns = total - whole;
  const auto gap = static_cast<sim::Time>(whole);
  return now > sim::kTimeMax - gap ? kNever : now + gap;
}

// Memorylessness makes the draw exact: an exponential gap that overshoots the
// end of an on period is discarded and drawn afresh when the next one starts.
sim::Time ArrivalProcess::next_on_off(Cursor& c, sim::Time now, sim::RandomStream& rng) const {
  if (c.period_end < 0) {
    c.on = true;
    c.period_end = advance(c.origin, draw_seconds(on_duration_, rng));
  }
  sim::Time t = std::max(now, c.origin);
  while (t != kNever) {
    if (c.period_end <= t) {
      c.on = !c.on;
      c.period_end = advance(c.period_end, draw_seconds(c.on ? on_duration_ : off_duration_, rng));
      continue;
    }
    if (!c.on) {
      t = c.period_end;
      continue;
    }
    const sim::Time candidate = advance(t, rng.exponential(1.0 / rate_));
    if (candidate < c.period_end) return candidate;
    t = c.period_end;
  }
  return kNever;
}

// Exact inversion of the integrated rate: with E ~ Exp(1), the next arrival is
// the x solving integral_t^{t+x} rate = E, piece by piece. On a piece with
// rate r + s u, r x + s x^2 / 2 = E gives x = 2E / (r + sqrt(r^2 + 2 s E)),
// which stays accurate for s near 0 and for s < 0.
sim::Time ArrivalProcess::next_piecewise(const Cursor& c, sim::Time now,
                                         sim::RandomStream& rng) const {
  double e = rng.exponential(1.0);
  sim::Time t = std::max(now, c.origin);
  const sim::Time rel = t - c.origin;
  auto it = std::upper_bound(pieces_.begin(), pieces_.end(), rel,
                             [](sim::Time v, const Piece& p) { return v < p.start; });
  std::size_t i = it == pieces_.begin() ? 0 : static_cast<std::size_t>(it - pieces_.begin()) - 1;
  while (true) {
    const Piece& p = pieces_[i];
    const double r0 = std::max(0.0, p.rate + p.slope * sim::to_seconds(t - c.origin - p.start));
    const bool last = i + 1 == pieces_.size();
    if (!last) {
      const sim::Time end = c.origin + pieces_[i + 1].start;
      const double len = sim::to_seconds(end - t);
      const double mass = r0 * len + 0.5 * p.slope * len * len;
      if (e >= mass) {
        e -= mass;
        t = end;
        ++i;
        continue;
      }
    }
    const double denom = r0 + std::sqrt(std::max(0.0, r0 * r0 + 2.0 * p.slope * e));
    if (!(denom > 0)) return kNever;
    return advance(t, 2.0 * e / denom);
  }
}

double ArrivalProcess::diurnal_rate(sim::Time origin, sim::Time t) const {
  const sim::Time in_period = ((t - origin) % period_ + period_) % period_;
  const double angle =
      2.0 * std::numbers::pi * static_cast<double>(in_period) / static_cast<double>(period_) +
      phase_;
  return rate_ * (1.0 + amplitude_ * std::sin(angle));
}

// Thinning (Lewis and Shedler): candidates at the peak rate, each kept with
// probability rate(t) / peak.
sim::Time ArrivalProcess::next_diurnal(const Cursor& c, sim::Time now,
                                       sim::RandomStream& rng) const {
  const double peak = rate_ * (1.0 + amplitude_);
  sim::Time t = std::max(now, c.origin);
  while (true) {
    t = advance(t, rng.exponential(1.0 / peak));
    if (t == kNever) return kNever;
    if (rng.uniform01() * peak < diurnal_rate(c.origin, t)) return t;
  }
}

sim::Time ArrivalProcess::next_trace(Cursor& c) const {
  if (c.trace_pos >= trace_.size()) return kNever;
  return c.origin + trace_[c.trace_pos++];
}

double ArrivalProcess::peak_arrivals(sim::Time window, sim::Time horizon) const {
  if (kind_ == Kind::kTrace) {
    std::size_t most = 0;
    std::size_t first = 0;
    for (std::size_t i = 0; i < trace_.size() && trace_[i] < horizon; ++i) {
      while (trace_[i] - trace_[first] >= window) ++first;
      most = std::max(most, i - first + 1);
    }
    return static_cast<double>(most);
  }
  double peak = 0;
  constexpr int kSamples = 1000;
  for (int k = 0; k <= kSamples; ++k) {
    const auto t = static_cast<sim::Time>(static_cast<double>(horizon) * k / kSamples);
    peak = std::max(peak, rate_at(cursor_.origin + t));
  }
  return peak * sim::to_seconds(window);
}

double ArrivalProcess::rate_at(sim::Time t) const {
  switch (kind_) {
    case Kind::kConstant:
    case Kind::kPoisson:
      return rate_;
    case Kind::kOnOff: {
      const double on = on_duration_.mean();
      return rate_ * on / (on + off_duration_.mean());
    }
    case Kind::kPiecewiseLinear: {
      const sim::Time rel = t - cursor_.origin;
      auto it = std::upper_bound(pieces_.begin(), pieces_.end(), rel,
                                 [](sim::Time v, const Piece& p) { return v < p.start; });
      if (it == pieces_.begin()) return 0;
      const Piece& p = *(it - 1);
      return std::max(0.0, p.rate + p.slope * sim::to_seconds(rel - p.start));
    }
    case Kind::kDiurnal:
      return diurnal_rate(cursor_.origin, t);
    case Kind::kTrace:
      return 0;
  }
  return 0;
}

}  // namespace tcpsim::app
