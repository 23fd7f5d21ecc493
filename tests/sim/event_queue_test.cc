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

// Small buckets are sorted into the run of earliest events; pushes that fall
// inside the run are inserted after their equal keys, from either end.
TEST(EventQueue, PushesIntoTheSortedRunKeepTimeAndInsertionOrder) {
  EventQueue q;
  constexpr Time kBase = Time{1} << 20;  // every key below shares its high digits
  std::uint64_t seq = 0;
  for (const Time t : {9000, 4000, 7000, 4000, 8000}) q.push(at(kBase + t, seq++));
  Event e;
  ASSERT_TRUE(q.pop(e));
  EXPECT_EQ(e.time, kBase + 4000);
  EXPECT_EQ(e.seq, 1U);
  q.push(at(kBase + 4000, seq++));  // seq 5: after seq 3, the other 4000
  q.push(at(kBase + 7500, seq++));  // seq 6: between 7000 and 8000
  q.push(at(kBase + 9000, seq++));  // seq 7: equal to the run's last key, after seq 0
  q.push(at(kBase + 4100, seq++));  // seq 8: near the head
  q.push(at(kBase + 4000, seq++));  // seq 9: at the head's time, after seq 5
  std::vector<std::pair<Time, std::uint64_t>> got;
  while (q.pop(e)) got.emplace_back(e.time - kBase, e.seq);
  EXPECT_EQ(got, (std::vector<std::pair<Time, std::uint64_t>>{{4000, 3},
                                                              {4000, 5},
                                                              {4000, 9},
                                                              {4100, 8},
                                                              {7000, 2},
                                                              {7500, 6},
                                                              {8000, 4},
                                                              {9000, 0},
                                                              {9000, 7}}));
}

// The reference check again, with delays at the scales of network deliveries
// and timers, so that runs are refilled both sorted and spread, and grow.
TEST(EventQueue, MatchesReferenceOrderWithMixedDelayScales) {
  EventQueue q;
  std::mt19937_64 rng(777);
  std::vector<std::pair<Time, std::uint64_t>> reference;
  std::uint64_t seq = 0;
  const auto delay = [&rng]() -> Time {
    switch (rng() % 6) {
      case 0:
        return 0;
      case 1:
        return static_cast<Time>(rng() % 5'000);  // within one level-2 bucket
      case 2:
        return 25'000 + static_cast<Time>(rng() % 100);
      case 3:
        return 50'000 + static_cast<Time>(rng() % 300'000);
      case 4:
        return static_cast<Time>(rng() % 60'000'000'000);
      default:
        return 1'000'000'000;
    }
  };
  for (int i = 0; i < 5'000; ++i) {
    const Time t = delay();
    q.push(at(t, seq));
    reference.emplace_back(t, seq++);
  }
  std::vector<std::pair<Time, std::uint64_t>> popped;
  Event e;
  for (int i = 0; i < 300'000; ++i) {
    ASSERT_TRUE(q.pop(e));
    popped.emplace_back(e.time, e.seq);
    // Bursts: some events schedule several others.
    const int fan_out = static_cast<int>(rng() % 3);
    for (int k = 0; k < fan_out && q.size() < 20'000; ++k) {
      const Time t = e.time + delay();
      q.push(at(t, seq));
      reference.emplace_back(t, seq++);
    }
    if (q.empty()) break;
  }
  while (q.pop(e)) popped.emplace_back(e.time, e.seq);
  std::sort(reference.begin(), reference.end());
  ASSERT_EQ(popped.size(), reference.size());
  EXPECT_EQ(popped, reference);
}

// Buckets of tens to hundreds of entries are counting-sorted into the run
// whole while every push is far enough ahead; entries with equal keys keep
// their insertion order. Then pushes land inside the run, and the queue goes
// back to spreading.
TEST(EventQueue, CountingSortedRunsKeepTimeAndInsertionOrder) {
  EventQueue q;
  std::mt19937_64 rng(4242);
  std::vector<std::pair<Time, std::uint64_t>> reference;
  std::uint64_t seq = 0;
  const auto push = [&](Time t) {
    q.push(at(t, seq));
    reference.emplace_back(t, seq++);
  };
  constexpr Time kBase = Time{1} << 30;
  // Times stay on a 100 ns grid, so that many keys are equal.
  for (int i = 0; i < 2'000; ++i) push(kBase + static_cast<Time>(rng() % 300) * 100);
  std::vector<std::pair<Time, std::uint64_t>> popped;
  Event e;
  for (int i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(q.pop(e));
    popped.emplace_back(e.time, e.seq);
    if (i < 100'000) {
      push(e.time + 100'000 + static_cast<Time>(rng() % 4) * 50'000);
    } else {
      push(e.time + static_cast<Time>(rng() % 5) * 100);
    }
  }
  while (q.pop(e)) popped.emplace_back(e.time, e.seq);
  std::sort(reference.begin(), reference.end());
  ASSERT_EQ(popped.size(), reference.size());
  EXPECT_EQ(popped, reference);
}

// A steady population keeps a steady bucket memory, however far simulated time
// runs: emptied buckets give their chunks back for the next ones to use.
TEST(EventQueue, BucketMemoryStaysFlatOverSimulatedTime) {
  EventQueue q;
  std::mt19937_64 rng(99);
  std::exponential_distribution<double> one_second(1e-9);
  std::uint64_t seq = 0;
  for (int i = 0; i < 20'000; ++i) q.push(at(static_cast<Time>(one_second(rng)), seq++));
  Event e;
  const auto hold = [&](int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(q.pop(e));
      q.push(at(e.time + 1 + static_cast<Time>(one_second(rng)), seq++));
    }
  };
  hold(200'000);  // about 10 s: every level in use at least once
  const std::size_t warmed = q.chunk_bytes();
  const Time warmed_at = e.time;
  hold(2'000'000);  // about 100 s more: past 2^36 ns, where a level-6 digit turns
  EXPECT_GT(e.time - warmed_at, 90 * kSecond);
  EXPECT_EQ(q.size(), 20'000U);
  EXPECT_GT(warmed, 0U);
  EXPECT_LE(q.chunk_bytes(), warmed + warmed / 10);
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
