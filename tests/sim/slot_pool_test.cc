#include "sim/slot_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tcpsim::sim {
namespace {

struct Record {
  std::string name;
  std::uint32_t generation = 0;
};

TEST(SlotPool, AppendsUntilASlotIsFreedThenReusesTheLastFreedFirst) {
  SlotPool<int> pool;
  EXPECT_EQ(pool.allocate(), 0U);
  EXPECT_EQ(pool.allocate(), 1U);
  EXPECT_EQ(pool.allocate(), 2U);
  EXPECT_EQ(pool.allocate(), 3U);
  pool.free(1);
  pool.free(3);
  pool.free(0);
  EXPECT_EQ(pool.live(), 1U);
  EXPECT_EQ(pool.allocate(), 0U);
  EXPECT_EQ(pool.allocate(), 3U);
  EXPECT_EQ(pool.allocate(), 1U);
  EXPECT_EQ(pool.allocate(), 4U);
  EXPECT_EQ(pool.size(), 5U);
  EXPECT_EQ(pool.live(), 5U);
}

TEST(SlotPool, BuildsNewSlotsFromTheArgumentsAndHandsBackFreedOnesAsTheyWereLeft) {
  SlotPool<std::vector<int>> pool;
  const std::uint32_t a = pool.allocate(3U, 7);
  EXPECT_EQ(pool[a], (std::vector<int>{7, 7, 7}));
  pool[a].push_back(8);
  pool.free(a);
  EXPECT_EQ(pool.allocate(1U, 0), a);
  EXPECT_EQ(pool[a], (std::vector<int>{7, 7, 7, 8}));
  const std::uint32_t b = pool.allocate(1U, 5);
  EXPECT_EQ(pool[b], (std::vector<int>{5}));
}

TEST(SlotPool, FreeingBumpsTheGenerationSoSavedHandlesGoStale) {
  SlotPool<Record, &Record::generation> pool;
  const std::uint32_t r = pool.allocate();
  pool[r].name = "first";
  const std::uint32_t gen = pool.generation(r);
  EXPECT_TRUE(pool.current(r, gen));
  pool.free(r);
  EXPECT_FALSE(pool.current(r, gen));
  EXPECT_EQ(pool.allocate(), r);
  EXPECT_EQ(pool.generation(r), gen + 1);
  EXPECT_FALSE(pool.current(r, gen));
  EXPECT_TRUE(pool.current(r, gen + 1));
  EXPECT_EQ(pool[r].name, "first");
}

TEST(SlotPool, KeepsEveryIndexExactlyOnceThroughLongChurn) {
  // Against a model: a set of live indices and a LIFO stack of freed ones.
  SlotPool<std::uint64_t> pool;
  std::vector<std::uint32_t> live;
  std::vector<std::uint32_t> freed;
  std::uint64_t x = 12345;
  for (int step = 0; step < 100000; ++step) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    if (live.empty() || (x >> 60U) < 9) {
      const std::uint32_t expected =
          freed.empty() ? static_cast<std::uint32_t>(pool.size()) : freed.back();
      if (!freed.empty()) freed.pop_back();
      const std::uint32_t got = pool.allocate();
      ASSERT_EQ(got, expected);
      pool[got] = x;
      live.push_back(got);
    } else {
      const std::size_t k = (x >> 20U) % live.size();
      const std::uint32_t i = live[k];
      live[k] = live.back();
      live.pop_back();
      pool.free(i);
      freed.push_back(i);
    }
    ASSERT_EQ(pool.live(), live.size());
    ASSERT_EQ(pool.size(), live.size() + freed.size());
  }
}

TEST(SlotPool, ReserveKeepsTheSlotsInPlace) {
  SlotPool<int> pool;
  pool.reserve(1000);
  const std::uint32_t first = pool.allocate();
  const int* where = &pool[first];
  for (int i = 1; i < 1000; ++i) pool.allocate();
  EXPECT_EQ(&pool[first], where);
  for (std::uint32_t i = 0; i < 1000; ++i) pool.free(i);
  EXPECT_EQ(pool.live(), 0U);
  EXPECT_EQ(pool.allocate(), 999U);
}

}  // namespace
}  // namespace tcpsim::sim
