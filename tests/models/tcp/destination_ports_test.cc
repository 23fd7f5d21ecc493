#include "models/tcp/destination_ports.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace tcpsim::tcp {
namespace {

// The reference: step through offsets of one parity from `start`, wrapping.
std::uint32_t reference_next_free(const std::set<std::uint32_t>& taken, std::uint32_t remaining,
                                  std::uint32_t start) {
  for (std::uint32_t i = 0; i < remaining; i += 2) {
    const std::uint32_t o = (start + i) % remaining;
    if (!taken.contains(o)) return o;
  }
  return DestinationPorts::kNone;
}

TEST(DestinationPorts, FindsTheNextFreeOffsetOfTheSameParity) {
  DestinationPorts d(10);
  EXPECT_EQ(d.next_free(4), 4U);
  d.set(4);
  d.set(6);
  EXPECT_EQ(d.next_free(4), 8U);
  d.set(8);
  EXPECT_EQ(d.next_free(4), 0U);  // wraps to the start of the range
  EXPECT_EQ(d.next_free(5), 5U);  // odd offsets are another scan
  EXPECT_EQ(d.count(), 3U);
  d.clear(6);
  EXPECT_EQ(d.next_free(4), 6U);
  EXPECT_TRUE(d.test(4));
  EXPECT_FALSE(d.test(6));
}

TEST(DestinationPorts, FullParityHasNoneFree) {
  DestinationPorts d(8);
  for (std::uint32_t o = 0; o < 8; o += 2) d.set(o);
  EXPECT_EQ(d.next_free(2), DestinationPorts::kNone);
  EXPECT_EQ(d.next_free(3), 3U);
}

TEST(DestinationPorts, MatchesAStepByStepScanOnTheLinuxRange) {
  const std::uint32_t remaining = 28232;  // 32768-60999
  DestinationPorts d(remaining);
  std::set<std::uint32_t> taken;
  std::mt19937 rng(5);
  for (int round = 0; round < 20000; ++round) {
    const std::uint32_t o = rng() % remaining;
    if (taken.contains(o)) {
      taken.erase(o);
      d.clear(o);
    } else {
      taken.insert(o);
      d.set(o);
    }
    const std::uint32_t start = rng() % remaining;
    ASSERT_EQ(d.next_free(start), reference_next_free(taken, remaining, start)) << round;
  }
  EXPECT_EQ(d.count(), taken.size());
}

}  // namespace
}  // namespace tcpsim::tcp
