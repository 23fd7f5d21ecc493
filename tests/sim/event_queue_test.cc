#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace tcpsim::sim {
namespace {

Event at(Time t, std::uint64_t seq) {
  Event e;
  e.time = t;
  e.seq = seq;
  return e;
}

TEST(EventQueue, PopsInTimeOrder) {
  EventQueue q;
  const std::vector<Time> times = {50, 10, 40, 20, 30, 1'000'000'000'000, 0, 7};
  for (std::size_t i = 0; i < times.size(); ++i) q.push(at(times[i], i));
  std::vector<Time> got;
  Event e;
  while (q.pop(e)) got.push_back(e.time);
  EXPECT_EQ(got, (std::vector<Time>{0, 7, 10, 20, 30, 40, 50, 1'000'000'000'000}));
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, EqualTimesPopInInsertionOrder) {
  EventQueue q;
  // Interleave two times so equal-time entries travel through several buckets.
  for (std::uint64_t i = 0; i < 20; ++i) q.push(at(i % 2 == 0 ? 1000 : 5000, i));
  std::vector<std::uint64_t> seqs;
  Event e;
  while (q.pop(e)) seqs.push_back(e.seq);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                              1, 3, 5, 7, 9, 11, 13, 15, 17, 19}));
}

TEST(EventQueue, PushAtCurrentTimeWhileDrainingTiesGoesLast) {
  EventQueue q;
  q.push(at(100, 0));
  q.push(at(100, 1));
  q.push(at(200, 2));
  Event e;
  ASSERT_TRUE(q.pop(e));
  EXPECT_EQ(e.seq, 0U);
  q.push(at(100, 3));  // scheduled "now" by the event just popped
  std::vector<std::uint64_t> seqs;
  while (q.pop(e)) seqs.push_back(e.seq);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 3, 2}));
}

// Random hold model against a reference ordering by (time, seq).
TEST(EventQueue, MatchesReferenceOrderUnderRandomHold) {
  EventQueue q;
  std::mt19937_64 rng(12345);
  std::vector<std::pair<Time, std::uint64_t>> reference;
  std::uint64_t seq = 0;
  for (int i = 0; i < 1000; ++i) {
    const Time t = static_cast<Time>(rng() % 1000);
    q.push(at(t, seq));
    reference.emplace_back(t, seq++);
  }
  std::vector<std::pair<Time, std::uint64_t>> popped;
  Event e;
  for (int i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(q.pop(e));
    popped.emplace_back(e.time, e.seq);
    // Delays with many ties (0 and small values) and some long jumps.
    const std::uint64_t r = rng() % 10;
    const Time delay =
        r < 3 ? 0
              : (r < 9 ? static_cast<Time>(rng() % 64) : static_cast<Time>(rng() % 1'000'000'000));
    q.push(at(e.time + delay, seq));
    reference.emplace_back(e.time + delay, seq++);
  }
  while (q.pop(e)) popped.emplace_back(e.time, e.seq);
  std::sort(reference.begin(), reference.end());
  ASSERT_EQ(popped.size(), reference.size());
  EXPECT_TRUE(std::is_sorted(popped.begin(), popped.end()));
  EXPECT_EQ(popped, reference);
}

TEST(EventQueue, PopUntilLeavesLaterEventsAndFloorUntouched) {
  EventQueue q;
  q.push(at(10, 0));
  q.push(at(500, 1));
  Event e;
  ASSERT_TRUE(q.pop_until(100, e));
  EXPECT_EQ(e.time, 10);
  EXPECT_FALSE(q.pop_until(100, e));
  EXPECT_EQ(q.size(), 1U);
  EXPECT_EQ(q.floor_time(), 10);
  q.push(at(150, 2));  // still legal: the floor did not move past it
  ASSERT_TRUE(q.pop_until(1000, e));
  EXPECT_EQ(e.time, 150);
  ASSERT_TRUE(q.pop_until(1000, e));
  EXPECT_EQ(e.time, 500);
}

TEST(EventQueue, PayloadSurvivesTheSlab) {
  EventQueue q;
  for (std::uint32_t i = 0; i < 100; ++i) {
    Event e = at(1000 - i, i);
    e.target = i;
    e.handler = i * 160'000;  // up to 24 bits
    e.kind = i * 2;
    e.a = i * 1000ULL;
    e.b = ~static_cast<std::uint64_t>(i);
    q.push(e);
  }
  Event e;
  for (std::uint32_t i = 100; i-- > 0;) {
    ASSERT_TRUE(q.pop(e));
    EXPECT_EQ(e.target, i);
    EXPECT_EQ(e.handler, i * 160'000);
    EXPECT_EQ(e.kind, i * 2);
    EXPECT_EQ(e.a, i * 1000ULL);
    EXPECT_EQ(e.b, ~static_cast<std::uint64_t>(i));
  }
}

}  // namespace
}  // namespace tcpsim::sim
