// Arrival processes against their rate functions: counts over an interval are
// Poisson with mean the integrated rate, so each is held to within 5 sigma.
#include "models/app/arrival_process.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "sim/distribution.h"
#include "sim/random_stream.h"
#include "sim/time.h"

namespace tcpsim::app {
namespace {

using sim::kMillisecond;
using sim::kSecond;

std::vector<sim::Time> arrivals(ArrivalProcess p, sim::Time origin, sim::Time end,
                                std::uint64_t entity = 1) {
  sim::RandomStream rng(42, entity);
  std::vector<sim::Time> out;
  p.start(origin);
  for (sim::Time t = p.next(origin, rng); t < end; t = p.next(t, rng)) out.push_back(t);
  return out;
}

std::size_t count_in(const std::vector<sim::Time>& ts, sim::Time from, sim::Time to) {
  std::size_t n = 0;
  for (sim::Time t : ts) n += (t >= from && t < to) ? 1 : 0;
  return n;
}

// |observed - expected| < 5 sqrt(expected): a Poisson count's 5-sigma band.
void expect_poisson_count(std::size_t observed, double expected) {
  EXPECT_LT(std::abs(static_cast<double>(observed) - expected), 5.0 * std::sqrt(expected))
      << "observed " << observed << ", expected " << expected;
}

TEST(ArrivalProcessTest, ConstantRateIsEvenlySpaced) {
  const auto ts = arrivals(ArrivalProcess::constant(100), 0, 10 * kSecond + 1);
  ASSERT_EQ(ts.size(), 1000U);
  for (std::size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(ts[i], static_cast<sim::Time>(i + 1) * 10 * kMillisecond);
  }
}

TEST(ArrivalProcessTest, ConstantRateCarriesFractionsOfANanosecond) {
  // 3 per microsecond: gaps of 333 and 334 ns, never drifting.
  const auto ts = arrivals(ArrivalProcess::constant(3e6), 0, kSecond + 1);
  EXPECT_EQ(ts.size(), 3'000'000U);
  EXPECT_LE(std::abs(ts.back() - kSecond), 1);
}

TEST(ArrivalProcessTest, PoissonCountAndGapsMatchTheRate) {
  const double rate = 1000;
  const auto ts = arrivals(ArrivalProcess::poisson(rate), 0, 100 * kSecond);
  expect_poisson_count(ts.size(), rate * 100);
  // Exponential gaps: coefficient of variation 1.
  double sum = 0;
  double sum2 = 0;
  sim::Time prev = 0;
  for (sim::Time t : ts) {
    const double g = sim::to_seconds(t - prev);
    sum += g;
    sum2 += g * g;
    prev = t;
  }
  const double n = static_cast<double>(ts.size());
  const double mean = sum / n;
  const double cv = std::sqrt(sum2 / n - mean * mean) / mean;
  EXPECT_NEAR(cv, 1.0, 0.02);
}

TEST(ArrivalProcessTest, OnOffIsSilentDuringOffPeriods) {
  const auto p = ArrivalProcess::on_off(200, sim::Distribution::constant(1.0),
                                        sim::Distribution::constant(2.0));
  const sim::Time origin = 5 * kSecond;
  const auto ts = arrivals(p, origin, origin + 300 * kSecond);
  for (sim::Time t : ts) ASSERT_LT((t - origin) % (3 * kSecond), kSecond) << t;
  expect_poisson_count(ts.size(), 200.0 * 100);
  EXPECT_NEAR(p.rate_at(0), 200.0 / 3, 1e-9);
}

TEST(ArrivalProcessTest, OnOffWithExponentialPeriodsHasTheMeanRate) {
  // The count is overdispersed (the periods vary), so this checks the long-run
  // mean within 5% over 2,000 on/off cycles.
  const auto p = ArrivalProcess::on_off(100, sim::Distribution::exponential(0.5),
                                        sim::Distribution::exponential(0.5));
  const auto ts = arrivals(p, 0, 2000 * kSecond);
  EXPECT_NEAR(static_cast<double>(ts.size()) / 2000, 50, 2.5);
}

TEST(ArrivalProcessTest, RampFollowsTheIntegratedRate) {
  // Rate 2t per second for 100 s, then 200: integrals 2500, 7500, 10000.
  const auto ts = arrivals(ArrivalProcess::ramp(0, 200, 100 * kSecond), 0, 150 * kSecond);
  expect_poisson_count(count_in(ts, 0, 50 * kSecond), 2500);
  expect_poisson_count(count_in(ts, 50 * kSecond, 100 * kSecond), 7500);
  expect_poisson_count(count_in(ts, 100 * kSecond, 150 * kSecond), 10000);
}

TEST(ArrivalProcessTest, DownwardRampEndsSilent) {
  // From 100 to 0 over 10 s: 500 expected, then nothing ever again.
  auto p = ArrivalProcess::ramp(100, 0, 10 * kSecond);
  sim::RandomStream rng(3, 3);
  p.start(0);
  std::size_t n = 0;
  sim::Time t = p.next(0, rng);
  for (; t != kNever; t = p.next(t, rng)) {
    ASSERT_LT(t, 10 * kSecond);
    ++n;
  }
  expect_poisson_count(n, 500);
}

TEST(ArrivalProcessTest, StepsFollowTheirRates) {
  const auto p = ArrivalProcess::steps({{2 * kSecond, 50}, {12 * kSecond, 500}, {22 * kSecond, 0}});
  const auto ts = arrivals(p, 0, 100 * kSecond);
  EXPECT_EQ(count_in(ts, 0, 2 * kSecond), 0U);
  expect_poisson_count(count_in(ts, 2 * kSecond, 12 * kSecond), 500);
  expect_poisson_count(count_in(ts, 12 * kSecond, 22 * kSecond), 5000);
  EXPECT_EQ(count_in(ts, 22 * kSecond, 100 * kSecond), 0U);
  EXPECT_DOUBLE_EQ(p.rate_at(15 * kSecond), 500);
}

TEST(ArrivalProcessTest, DiurnalFollowsTheIntegratedRate) {
  // mean (1 + a sin(2 pi t / P)): over the first half of each period the
  // integral is mean P / 2 + mean a P / pi, over the second mean P / 2 - mean a P / pi.
  const double mean = 100;
  const double amplitude = 0.8;
  const sim::Time period = 20 * kSecond;
  const auto ts = arrivals(ArrivalProcess::diurnal(mean, amplitude, period, 0), 0, 20 * period);
  std::size_t first = 0;
  std::size_t second = 0;
  for (sim::Time t : ts) ++((t % period) < period / 2 ? first : second);
  const double p = sim::to_seconds(period);
  const double swing = mean * amplitude * p / std::numbers::pi;
  expect_poisson_count(first, 20 * (mean * p / 2 + swing));
  expect_poisson_count(second, 20 * (mean * p / 2 - swing));
}

TEST(ArrivalProcessTest, DiurnalPhaseShiftsThePeak) {
  const auto p = ArrivalProcess::diurnal(10, 0.5, 4 * kSecond, std::numbers::pi / 2);
  EXPECT_NEAR(p.rate_at(0), 15, 1e-9);
  EXPECT_NEAR(p.rate_at(2 * kSecond), 5, 1e-9);
}

TEST(ArrivalProcessTest, TraceReplaysExactTimes) {
  auto p = ArrivalProcess::trace({0, 5 * kMillisecond, 5 * kMillisecond, kSecond});
  sim::RandomStream rng(1, 1);
  const sim::Time origin = 2 * kSecond;
  p.start(origin);
  std::vector<sim::Time> got;
  for (sim::Time t = p.next(origin, rng); t != kNever; t = p.next(t, rng)) got.push_back(t);
  EXPECT_EQ(got, (std::vector<sim::Time>{origin, origin + 5 * kMillisecond,
                                         origin + 5 * kMillisecond, origin + kSecond}));
  p.start(0);
  EXPECT_EQ(p.next(0, rng), 0);
}

TEST(ArrivalProcessTest, DeterministicPerStream) {
  const auto p = ArrivalProcess::diurnal(50, 0.5, 10 * kSecond, 1.0);
  EXPECT_EQ(arrivals(p, 0, 20 * kSecond, 7), arrivals(p, 0, 20 * kSecond, 7));
  EXPECT_NE(arrivals(p, 0, 20 * kSecond, 7), arrivals(p, 0, 20 * kSecond, 8));
}

TEST(ArrivalProcessTest, DefaultHasNoArrivals) {
  ArrivalProcess p;
  sim::RandomStream rng(1, 1);
  p.start(0);
  EXPECT_EQ(p.next(0, rng), kNever);
}

TEST(ArrivalProcessTest, FactoriesRejectBadParameters) {
  EXPECT_THROW(ArrivalProcess::constant(0), std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::poisson(-1), std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::poisson(std::nan("")), std::invalid_argument);
  EXPECT_THROW(
      ArrivalProcess::on_off(10, sim::Distribution::constant(0), sim::Distribution::constant(1)),
      std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::ramp(1, 2, 0), std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::ramp(-1, 2, kSecond), std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::steps({}), std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::steps({{kSecond, 1}, {kSecond, 2}}), std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::diurnal(10, 1.5, kSecond, 0), std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::diurnal(10, 0.5, 0, 0), std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::trace({2, 1}), std::invalid_argument);
  EXPECT_THROW(ArrivalProcess::trace({-1}), std::invalid_argument);
}

}  // namespace
}  // namespace tcpsim::app
