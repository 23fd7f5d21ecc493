#include "sim/fifo_timer_list.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "sim/simulator.h"

namespace tcpsim::sim {
namespace {

struct Owner : EventHandler {
  Simulator* sim = nullptr;
  std::vector<std::tuple<Time, std::uint32_t, std::uint64_t>> fired;  // (time, target, tag)
  void handle(const Event& e) override {
    EXPECT_EQ(e.kind, 42);
    fired.emplace_back(sim->now(), e.target, e.a);
  }
};

struct Fixture : ::testing::Test {
  Simulator sim;
  Owner owner;
  HandlerId poke = 0;
  struct Poke : EventHandler {
    void handle(const Event&) override {}
  } poke_handler;
  Fixture() {
    owner.sim = &sim;
    poke = sim.add_handler(poke_handler);
  }
};

using FifoTimerListTest = Fixture;

TEST_F(FifoTimerListTest, FiresInOrderWithOneQueuedEvent) {
  FifoTimerList list(sim, seconds(60), owner, 42);
  list.add(1, 100);
  list.add(2, 200);
  list.add(3, 300);
  EXPECT_EQ(sim.pending(), 1U);
  sim.run_until(seconds(10));
  list.add(4, 400);
  EXPECT_EQ(sim.pending(), 1U);
  EXPECT_EQ(list.live(), 4U);
  sim.run();
  using F = std::tuple<Time, std::uint32_t, std::uint64_t>;
  EXPECT_EQ(owner.fired, (std::vector<F>{F{seconds(60), 1, 100}, F{seconds(60), 2, 200},
                                         F{seconds(60), 3, 300}, F{seconds(70), 4, 400}}));
  EXPECT_EQ(list.live(), 0U);
  EXPECT_EQ(sim.pending(), 0U);
}

TEST_F(FifoTimerListTest, QueueHoldsOneEventHoweverManyTimers) {
  FifoTimerList list(sim, seconds(60), owner, 42);
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    list.add(i);
    sim.schedule_after(milliseconds(1), poke, 0, 0);
    sim.run_until(sim.now() + milliseconds(1));
    EXPECT_EQ(sim.pending(), 1U);  // only the list's head event
  }
  sim.run();
  ASSERT_EQ(owner.fired.size(), 10'000U);
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    EXPECT_EQ(std::get<1>(owner.fired[i]), i);
    EXPECT_EQ(std::get<0>(owner.fired[i]), seconds(60) + milliseconds(i));
  }
}

TEST_F(FifoTimerListTest, CancelledTimersNeverFire) {
  FifoTimerList list(sim, seconds(60), owner, 42);
  const auto h1 = list.add(1);
  sim.run_until(seconds(1));
  const auto h2 = list.add(2);
  sim.run_until(seconds(2));
  list.add(3);
  list.cancel(h1);  // the head: its queued event must skip to timer 2
  list.cancel(h2);
  list.cancel(h2);  // twice is harmless
  EXPECT_EQ(list.live(), 1U);
  sim.run();
  using F = std::tuple<Time, std::uint32_t, std::uint64_t>;
  EXPECT_EQ(owner.fired, (std::vector<F>{F{seconds(62), 3, 0}}));
}

TEST_F(FifoTimerListTest, CancelThenAddAgainRestartsTheTimer) {
  // A TIME_WAIT hit by a retransmitted FIN restarts its 60 s.
  FifoTimerList list(sim, seconds(60), owner, 42);
  auto h = list.add(7);
  sim.run_until(seconds(30));
  list.cancel(h);
  h = list.add(7);
  sim.run();
  using F = std::tuple<Time, std::uint32_t, std::uint64_t>;
  EXPECT_EQ(owner.fired, (std::vector<F>{F{seconds(90), 7, 0}}));
  list.cancel(h);  // already fired: ignored
  EXPECT_EQ(list.live(), 0U);
}

TEST_F(FifoTimerListTest, RingGrowthKeepsHandlesValid) {
  FifoTimerList list(sim, seconds(1), owner, 42);
  std::vector<FifoTimerList::Handle> handles;
  for (std::uint32_t i = 0; i < 1000; ++i) handles.push_back(list.add(i));
  for (std::uint32_t i = 0; i < 1000; i += 2) list.cancel(handles[i]);
  sim.run();
  ASSERT_EQ(owner.fired.size(), 500U);
  for (std::uint32_t k = 0; k < 500; ++k) EXPECT_EQ(std::get<1>(owner.fired[k]), 2 * k + 1);
}

TEST_F(FifoTimerListTest, ManyChunksFireInOrderAndCancelAcrossChunks) {
  FifoTimerList list(sim, seconds(1), owner, 42);
  std::vector<FifoTimerList::Handle> handles;
  for (std::uint32_t round = 0; round < 3; ++round) {
    for (std::uint32_t i = 0; i < 5000; ++i) handles.push_back(list.add(round * 5000 + i, i));
    for (std::uint32_t i = round * 5000; i < round * 5000 + 5000; i += 3) list.cancel(handles[i]);
    sim.run_until(sim.now() + milliseconds(400));
  }
  sim.run();
  std::vector<std::uint32_t> expected;
  for (std::uint32_t i = 0; i < 15000; ++i) {
    if ((i % 5000) % 3 != 0) expected.push_back(i);
  }
  ASSERT_EQ(owner.fired.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    ASSERT_EQ(std::get<1>(owner.fired[k]), expected[k]);
    ASSERT_EQ(std::get<2>(owner.fired[k]), expected[k] % 5000);
  }
  EXPECT_EQ(list.live(), 0U);
}

// Keeps each target's handle as compaction moves it.
struct Handles : FifoTimerList::Relocation {
  std::vector<FifoTimerList::Handle> of;  // by target
  std::uint64_t moves = 0;
  void timer_moved(std::uint32_t target, std::uint32_t tag, FifoTimerList::Handle to) override {
    EXPECT_EQ(tag, target % 5);
    of.at(target) = to;
    ++moves;
  }
};

// A compacting list fed timer i at i ms. Each timer is cancelled ten adds after its own
// unless its target is a multiple of 7 (a flow passing through a state with a long timeout);
// every 91st is cancelled later, through the handle it holds by then.
struct Compacting {
  FifoTimerList list;
  Handles handles;
  std::vector<std::uint32_t> expected;  // the targets left to fire, in order

  Compacting(Simulator& sim, Owner& owner, Time duration, std::uint32_t count)
      : list(sim, duration, owner, 42) {
    list.compact_with(handles);
    for (std::uint32_t i = 0; i < count; ++i) {
      sim.run_until(milliseconds(i));
      handles.of.push_back(list.add(i, i % 5));
      if (i >= 10 && (i - 10) % 7 != 0) list.cancel(handles.of[i - 10]);
      if (i >= 100 && (i - 100) % 91 == 0) list.cancel(handles.of[i - 100]);
    }
    for (std::uint32_t i = 0; i < count; ++i) {
      const bool short_lived = i + 10 < count && i % 7 != 0;
      const bool cancelled_late = i + 100 < count && i % 91 == 0;
      if (!short_lived && !cancelled_late) expected.push_back(i);
    }
  }
};

// Timer i, added at i ms, fired at i ms + duration with its tag, in order.
void expect_fired(const Owner& owner, const std::vector<std::uint32_t>& expected, Time duration) {
  ASSERT_EQ(owner.fired.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const std::uint32_t target = expected[k];
    ASSERT_EQ(std::get<1>(owner.fired[k]), target);
    ASSERT_EQ(std::get<0>(owner.fired[k]), milliseconds(target) + duration);
    ASSERT_EQ(std::get<2>(owner.fired[k]), target % 5);
  }
}

TEST_F(FifoTimerListTest, CompactionReclaimsTimersCancelledSoonAndKeepsOrder) {
  Compacting c(sim, owner, seconds(200), 100'000);
  EXPECT_EQ(c.list.live(), c.expected.size());
  // Without compaction every place would still be held: 100,000. A window given up with
  // under a quarter of it cancelled keeps those places.
  EXPECT_LE(c.list.places(), c.list.live() + c.list.live() / 10);
  EXPECT_GT(c.handles.moves, 0U);
  sim.run();
  expect_fired(owner, c.expected, seconds(200));
  EXPECT_EQ(c.list.live(), 0U);
  EXPECT_EQ(c.list.places(), 0U);
}

// Timers fire while others are added and cancelled: the head passes through the places
// compaction looks at, and the event queued for the head keeps its expiry.
TEST_F(FifoTimerListTest, CompactionWhileTheHeadFires) {
  Compacting c(sim, owner, milliseconds(150), 20'000);
  sim.run();
  expect_fired(owner, c.expected, milliseconds(150));
  EXPECT_EQ(c.list.places(), 0U);
}

// What the owner sees ahead while it is handed each timer: the ones behind it in order,
// a cancelled one as ~0, nothing past the newest.
struct Lookahead : EventHandler {
  FifoTimerList* list = nullptr;
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> seen;  // (target, +0, +1)
  void handle(const Event& e) override {
    seen.emplace_back(e.target, list->target_ahead(0), list->target_ahead(1));
  }
};

TEST(FifoTimerListAhead, TargetAheadNamesTheNextTimersToFire) {
  Simulator sim;
  Lookahead owner;
  FifoTimerList list(sim, seconds(1), owner, 7);
  owner.list = &list;
  constexpr std::uint32_t kNone = ~std::uint32_t{0};
  EXPECT_EQ(list.target_ahead(0), kNone);
  list.add(10);
  const FifoTimerList::Handle h = list.add(11);
  list.add(12);
  list.add(13);
  EXPECT_EQ(list.target_ahead(0), 10U);
  EXPECT_EQ(list.target_ahead(3), 13U);
  EXPECT_EQ(list.target_ahead(4), kNone);
  list.cancel(h);
  sim.run();
  using S = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>;
  EXPECT_EQ(owner.seen, (std::vector<S>{S{10, kNone, 12}, S{12, 13, kNone}, S{13, kNone, kNone}}));
}

}  // namespace
}  // namespace tcpsim::sim
