#include "sim/counter.h"

#include <gtest/gtest.h>

namespace tcpsim::sim {
namespace {

TEST(CounterTest, StartsAtZero) {
  const Counter c;
  EXPECT_EQ(c.value(), 0U);
}

TEST(CounterTest, AddsOneByDefaultOrN) {
  Counter c;
  c.add();
  c.add();
  c.add(40);
  EXPECT_EQ(c.value(), 42U);
}

TEST(CounterTest, MergeSumsAndLeavesOtherUnchanged) {
  Counter a;
  Counter b;
  a.add(3);
  b.add(5);
  a.merge(b);
  EXPECT_EQ(a.value(), 8U);
  EXPECT_EQ(b.value(), 5U);
}

TEST(CounterTest, ResetReturnsToZero) {
  Counter c;
  c.add(7);
  c.reset();
  EXPECT_EQ(c.value(), 0U);
  c.add();
  EXPECT_EQ(c.value(), 1U);
}

}  // namespace
}  // namespace tcpsim::sim
