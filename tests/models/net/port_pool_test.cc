#include "models/net/port_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace tcpsim::net {
namespace {

TEST(PortPool, InOrderHandsOutFreshIndicesThenTheLongestReleased) {
  sim::RandomStream rng(1, 1);
  PortPool pool(5, false);
  std::vector<std::uint32_t> got;
  for (int i = 0; i < 4; ++i) got.push_back(pool.take(rng));
  pool.put_back(2);
  pool.put_back(0);
  got.push_back(pool.take(rng));  // 4: still fresh
  got.push_back(pool.take(rng));  // 2: released first
  pool.put_back(4);
  got.push_back(pool.take(rng));  // 0
  got.push_back(pool.take(rng));  // 4
  EXPECT_EQ(got, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 2, 0, 4}));
  EXPECT_EQ(pool.free(), 0U);
  pool.grow(7);
  EXPECT_EQ(pool.free(), 2U);
  EXPECT_EQ(pool.take(rng), 5U);
  EXPECT_EQ(pool.take(rng), 6U);
}

TEST(PortPool, TheReleaseRingGrowsPastItsFirstSize) {
  sim::RandomStream rng(1, 2);
  PortPool pool(1000, false);
  for (std::uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(pool.take(rng), i);
  for (std::uint32_t i = 0; i < 1000; ++i) pool.put_back((i * 7) % 1000);
  for (std::uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(pool.take(rng), (i * 7) % 1000);
}

TEST(PortPool, AtRandomEveryIndexComesOutOnceAndUniformly) {
  sim::RandomStream rng(7, 3);
  constexpr std::uint32_t kSize = 1000;
  PortPool pool(kSize, true);
  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < kSize; ++i) order.push_back(pool.take(rng));
  EXPECT_EQ(pool.free(), 0U);
  std::vector<std::uint32_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::uint32_t i = 0; i < kSize; ++i) ASSERT_EQ(sorted[i], i);
  // The first draw of many fresh pools: each tenth of the range holds 1/10 of them.
  std::vector<int> tenths(10, 0);
  constexpr int kPools = 20'000;
  for (int p = 0; p < kPools; ++p) {
    PortPool fresh(kSize, true);
    ++tenths[fresh.take(rng) / 100];
  }
  // Binomial(20000, 0.1): sd 42.4; allow 5 sd.
  for (const int n : tenths) EXPECT_NEAR(n, 2000, 212);
}

TEST(PortPool, AtRandomPutBackAndGrowKeepTheFreeSetExact) {
  sim::RandomStream rng(9, 4);
  PortPool pool(50, true);
  std::vector<bool> held(80, false);
  std::uint32_t count = 0;
  for (int round = 0; round < 2000; ++round) {
    if (round == 1000) pool.grow(80);
    const bool take = pool.free() > 0 && (count == 0 || rng.below(3) != 0);
    if (take) {
      const std::uint32_t i = pool.take(rng);
      ASSERT_LT(i, pool.size());
      ASSERT_FALSE(held[i]) << i;
      held[i] = true;
      ++count;
    } else {
      std::uint32_t i = static_cast<std::uint32_t>(rng.below(pool.size()));
      while (!held[i]) i = (i + 1) % pool.size();
      held[i] = false;
      pool.put_back(i);
      --count;
    }
    ASSERT_EQ(pool.free(), pool.size() - count);
  }
}

// The shuffle's exact draws, through the hash map of moved positions and, past an eighth of
// the range moved, the array: the same as a Fisher-Yates over a plain vector of positions.
TEST(PortPool, AtRandomDrawsFollowTheShuffleExactlyInBothRepresentations) {
  sim::RandomStream rng(11, 5);   // the pool's
  sim::RandomStream same(11, 5);  // the reference's: the same draws
  sim::RandomStream choice(11, 6);
  constexpr std::uint32_t kSize = 400;
  PortPool pool(kSize, true);
  std::vector<std::uint32_t> positions(kSize);
  for (std::uint32_t i = 0; i < kSize; ++i) positions[i] = i;
  std::uint32_t free = kSize;
  std::vector<std::uint32_t> held;
  for (int round = 0; round < 3000; ++round) {
    if (round == 1500) {
      pool.grow(kSize + 100);
      positions.resize(kSize + 100);
      for (std::uint32_t i = kSize; i < kSize + 100; ++i) positions[free++] = i;
    }
    if (free > 0 && (held.empty() || choice.below(4) != 0)) {
      const auto position = static_cast<std::uint32_t>(same.below(free));
      const std::uint32_t expected = positions[position];
      positions[position] = positions[--free];
      const std::uint32_t got = pool.take(rng);
      ASSERT_EQ(got, expected) << "round " << round;
      held.push_back(got);
    } else {
      const std::size_t k = choice.below(held.size());
      pool.put_back(held[k]);
      positions[free++] = held[k];
      held[k] = held.back();
      held.pop_back();
    }
  }
  EXPECT_EQ(pool.free(), free);
}

// The widest range a pool holds: 65,536 indices, the last of them 65,535, each drawn once.
TEST(PortPool, AtRandomTheWholePortRangeComesOutOnce) {
  sim::RandomStream rng(13, 7);
  PortPool pool(PortPool::kMaxSize, true);
  std::vector<bool> seen(PortPool::kMaxSize, false);
  for (std::uint32_t i = 0; i < PortPool::kMaxSize; ++i) {
    const std::uint32_t index = pool.take(rng);
    ASSERT_LT(index, PortPool::kMaxSize);
    ASSERT_FALSE(seen[index]) << index;
    seen[index] = true;
  }
  EXPECT_EQ(pool.free(), 0U);
  pool.put_back(65'535);
  EXPECT_EQ(pool.take(rng), 65'535U);
}

TEST(PortPool, RefusesMoreThanAPortRange) {
  EXPECT_THROW(PortPool(PortPool::kMaxSize + 1, true), std::invalid_argument);
  PortPool pool(10, true);
  EXPECT_THROW(pool.grow(PortPool::kMaxSize + 1), std::invalid_argument);
  pool.grow(PortPool::kMaxSize);
  EXPECT_EQ(pool.free(), PortPool::kMaxSize);
}

}  // namespace
}  // namespace tcpsim::net
