#include "sim/time_weighted_gauge.h"

#include <gtest/gtest.h>

#include "sim/time.h"

namespace tcpsim::sim {
namespace {

TEST(TimeWeightedGaugeTest, MeanOfStepFunction) {
  TimeWeightedGauge g;
  g.set(0, 2.0);
  g.set(seconds(3), 5.0);
  EXPECT_EQ(g.mean(seconds(4)), 2.75);
  EXPECT_EQ(g.value(), 5.0);
}

TEST(TimeWeightedGaugeTest, CurrentLevelCountsUpToNow) {
  TimeWeightedGauge g;
  g.set(seconds(1), 4.0);
  // 0 for 1 s, then 4 for 1 s, then 4 for 2 more s.
  EXPECT_EQ(g.mean(seconds(2)), 2.0);
  EXPECT_EQ(g.mean(seconds(4)), 3.0);
  EXPECT_EQ(g.integral(seconds(4)), 12.0L * kSecond);
}

TEST(TimeWeightedGaugeTest, AddCountsSocketsInAndOut) {
  TimeWeightedGauge g;
  g.add(milliseconds(0), 1);    // 1 for 10 ms
  g.add(milliseconds(10), 1);   // 2 for 20 ms
  g.add(milliseconds(30), -1);  // 1 for 50 ms
  g.add(milliseconds(80), -1);  // 0 for 20 ms
  EXPECT_EQ(g.value(), 0.0);
  EXPECT_EQ(g.mean(milliseconds(100)), (1 * 10 + 2 * 20 + 1 * 50) / 100.0);
  EXPECT_EQ(g.max(), 2.0);
  EXPECT_EQ(g.min(), 0.0);
}

TEST(TimeWeightedGaugeTest, StartTimeAndInitialLevel) {
  TimeWeightedGauge g(seconds(5), 3.0);
  EXPECT_EQ(g.window_start(), seconds(5));
  EXPECT_EQ(g.mean(seconds(5)), 3.0);
  g.set(seconds(6), 1.0);
  EXPECT_EQ(g.mean(seconds(7)), 2.0);
  EXPECT_EQ(g.min(), 1.0);
  EXPECT_EQ(g.max(), 3.0);
}

TEST(TimeWeightedGaugeTest, ExtremesIncludeInstantaneousLevels) {
  TimeWeightedGauge g(0, 1.0);
  g.set(seconds(1), 9.0);
  g.set(seconds(1), -4.0);
  g.set(seconds(1), 1.0);
  EXPECT_EQ(g.max(), 9.0);
  EXPECT_EQ(g.min(), -4.0);
  EXPECT_EQ(g.mean(seconds(2)), 1.0);
}

TEST(TimeWeightedGaugeTest, ResetAfterWarmUpKeepsLevelAndRestartsWindow) {
  TimeWeightedGauge g;
  g.set(0, 100.0);
  g.set(seconds(5), 300.0);
  g.reset(seconds(10));
  EXPECT_EQ(g.window_start(), seconds(10));
  EXPECT_EQ(g.value(), 300.0);
  EXPECT_EQ(g.min(), 300.0);
  EXPECT_EQ(g.max(), 300.0);
  EXPECT_EQ(g.mean(seconds(10)), 300.0);
  g.set(seconds(12), 0.0);
  EXPECT_EQ(g.mean(seconds(14)), 150.0);
  EXPECT_EQ(g.min(), 0.0);
  EXPECT_EQ(g.max(), 300.0);
}

TEST(TimeWeightedGaugeTest, AreaBeyondInt64IsExact) {
  TimeWeightedGauge g;
  g.set(0, 1'000'000.0);
  g.set(10 * kHour, 3'000'000.0);
  const Time end = 20 * kHour;
  const long double expected = 1e6L * 10 * kHour + 3e6L * 10 * kHour;
  EXPECT_EQ(g.integral(end), expected);
  EXPECT_EQ(g.mean(end), 2'000'000.0);
}

TEST(TimeWeightedGaugeTest, NoDriftOverManyUpdates) {
  // Plain long double summation is off by about 100 ulp of the mean here.
  const double third = 1.0 / 3;
  const double two_thirds = 2.0 / 3;
  TimeWeightedGauge g;
  constexpr int kCycles = 5'000'000;
  Time t = 0;
  for (int i = 0; i < kCycles; ++i) {
    g.set(t, third);
    t += 3;
    g.set(t, two_thirds);
    t += 1;
  }
  const long double cycle = 3.0L * third + static_cast<long double>(two_thirds);
  EXPECT_DOUBLE_EQ(g.mean(t), static_cast<double>(cycle / 4.0L));
}

}  // namespace
}  // namespace tcpsim::sim
