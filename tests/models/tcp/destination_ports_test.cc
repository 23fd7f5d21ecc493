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

// ip_local_port_range "N N": one offset, 0, which is found free until it is taken.
TEST(DestinationPorts, OnePortRangeHasItsOneOffset) {
  DestinationPorts d(1);
  EXPECT_EQ(d.next_free(0), 0U);
  d.set(0);
  EXPECT_TRUE(d.test(0));
  EXPECT_EQ(d.next_free(0), DestinationPorts::kNone);
  d.clear(0);
  EXPECT_FALSE(d.test(0));
  EXPECT_EQ(d.next_free(0), 0U);
  EXPECT_EQ(d.count(), 0U);
  EXPECT_EQ(DestinationPorts::bytes_for(1, 1), sizeof(std::uint16_t));
  EXPECT_EQ(DestinationPorts::bytes_for(1, 65), 2 * sizeof(std::uint64_t));
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

// Few ports, in the windows connect() fills (a run of one parity from a hashed offset): the
// short list answers as the bitmap would, through the switch to the bitmap and back down.
TEST(DestinationPorts, ShortListMatchesTheScanThroughTheSwitchToTheBitmap) {
  const std::uint32_t remaining = 28232;
  DestinationPorts d(remaining);
  std::set<std::uint32_t> taken;
  std::mt19937 rng(11);
  std::uint32_t window = 0;
  for (int round = 0; round < 4000; ++round) {
    // Grow to about 100 ports, shrink to none, grow again: the list, then the bitmap.
    const bool grow = (round / 200) % 2 == 0 ? taken.size() < 100 : taken.empty();
    if (round % 50 == 0) window = (rng() % remaining) & ~1U;
    std::uint32_t o = 0;
    if (grow || taken.empty()) {
      o = d.next_free((window + 2 * (rng() % 8) + (rng() % 3 == 0 ? 1 : 0)) % remaining);
      ASSERT_NE(o, DestinationPorts::kNone);
      ASSERT_FALSE(taken.contains(o)) << round;
      taken.insert(o);
      d.set(o);
    } else {
      auto it = taken.begin();
      std::advance(it, static_cast<long>(rng() % taken.size()));
      o = *it;
      taken.erase(it);
      d.clear(o);
    }
    ASSERT_EQ(d.count(), taken.size());
    for (int k = 0; k < 4; ++k) {
      const std::uint32_t start = k < 2 ? (window + rng() % 300) % remaining
                                        : static_cast<std::uint32_t>(rng() % remaining);
      ASSERT_EQ(d.next_free(start), reference_next_free(taken, remaining, start)) << round;
      ASSERT_EQ(d.test(start), taken.contains(start));
    }
  }
}

TEST(DestinationPorts, ShortListWrapsAndFillsAParity) {
  DestinationPorts d(12);
  for (std::uint32_t o : {8U, 10U, 0U}) d.set(o);
  EXPECT_EQ(d.next_free(8), 2U);  // 8 and 10 taken, wraps past 0
  EXPECT_EQ(d.next_free(9), 9U);
  d.set(2);
  d.set(4);
  d.set(6);
  EXPECT_EQ(d.next_free(10), DestinationPorts::kNone);
  d.clear(4);
  EXPECT_EQ(d.next_free(6), 4U);
}

TEST(DestinationPorts, FewPortsCostTwoBytesEach) {
  EXPECT_EQ(DestinationPorts::bytes_for(28232, 10), 20U);
  EXPECT_EQ(DestinationPorts::bytes_for(28232, DestinationPorts::kSparseMax + 1), 2U * 221U * 8U);
}

}  // namespace
}  // namespace tcpsim::tcp
