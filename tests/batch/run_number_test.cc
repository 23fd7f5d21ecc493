#include "batch/run_number.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>

namespace tcpsim::batch {
namespace {

TEST(ShellNumber, BoxTakesExactlyTheFirstNumbers) {
  std::set<std::uint64_t> seen;
  for (std::uint64_t a = 0; a < 4; ++a) {
    for (std::uint64_t b = 0; b < 4; ++b) {
      for (std::uint64_t c = 0; c < 4; ++c) {
        const std::array<std::uint64_t, 3> x{a, b, c};
        const std::uint64_t n = shell_number(x);
        EXPECT_LT(n, 64U);
        EXPECT_TRUE(seen.insert(n).second);
      }
    }
  }
  EXPECT_EQ(seen.size(), 64U);
}

TEST(ShellNumber, KnownValues) {
  EXPECT_EQ(shell_number(std::array<std::uint64_t, 2>{0, 0}), 0U);
  EXPECT_EQ(shell_number(std::array<std::uint64_t, 2>{0, 1}), 1U);
  EXPECT_EQ(shell_number(std::array<std::uint64_t, 2>{1, 0}), 2U);
  EXPECT_EQ(shell_number(std::array<std::uint64_t, 2>{1, 1}), 3U);
  EXPECT_EQ(shell_number(std::array<std::uint64_t, 2>{0, 2}), 4U);
}

}  // namespace
}  // namespace tcpsim::batch
