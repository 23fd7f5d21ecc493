#include "batch/skip_condition.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tcpsim::batch {
namespace {

TEST(SkipCondition, ComparesNumbersAndStrings) {
  const std::map<std::string, std::string> v{{"rate", "100"}, {"ports", "60000 60999"}};
  EXPECT_TRUE(SkipCondition::parse("rate > 50").holds(v));
  EXPECT_FALSE(SkipCondition::parse("rate <= 99.5").holds(v));
  EXPECT_TRUE(SkipCondition::parse("rate == 1e2").holds(v));
  EXPECT_TRUE(SkipCondition::parse("ports == '60000 60999'").holds(v));
  EXPECT_TRUE(SkipCondition::parse("ports != \"1 2\"").holds(v));
  EXPECT_FALSE(SkipCondition::parse("'rate' == rate").holds(v));
}

TEST(SkipCondition, AllComparisonsJoinedByAndMustHold) {
  const std::map<std::string, std::string> v{{"rate", "100"}, {"pool", "none {}"}};
  EXPECT_TRUE(SkipCondition::parse("rate > 50 && pool == 'none {}'").holds(v));
  EXPECT_FALSE(SkipCondition::parse("rate > 500 && pool == 'none {}'").holds(v));
  EXPECT_FALSE(SkipCondition::parse("rate > 50&&pool != 'none {}'").holds(v));
  EXPECT_TRUE(SkipCondition::parse("rate>=100 && rate<=100 && pool=='none {}'").holds(v));
  // && inside quotes is a literal.
  const SkipCondition quoted = SkipCondition::parse("pool == 'a && b'");
  ASSERT_EQ(quoted.comparisons().size(), 1U);
  EXPECT_EQ(quoted.comparisons()[0].right, "a && b");
  EXPECT_EQ(SkipCondition::parse("rate > 1 && pool == x").comparisons().size(), 2U);
}

TEST(SkipCondition, RejectsMalformed) {
  EXPECT_THROW(SkipCondition::parse("rate > 5 &&"), std::invalid_argument);
  EXPECT_THROW(SkipCondition::parse("&& rate > 5"), std::invalid_argument);
  EXPECT_THROW(SkipCondition::parse("rate > 5 && pool"), std::invalid_argument);
  EXPECT_THROW(SkipCondition::parse("rate"), std::invalid_argument);
  EXPECT_THROW(SkipCondition::parse("rate >"), std::invalid_argument);
  EXPECT_THROW(SkipCondition::parse("a b == c"), std::invalid_argument);
  EXPECT_THROW(SkipCondition::parse("a == 'c"), std::invalid_argument);
}

}  // namespace
}  // namespace tcpsim::batch
