#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tcpsim::sim {
namespace {

struct Recorder : EventHandler {
  Simulator* sim = nullptr;
  std::vector<std::pair<Time, std::uint32_t>> seen;  // (time, target)
  std::function<void(const Event&)> on_event;
  void handle(const Event& e) override {
    EXPECT_EQ(e.time, sim->now());
    seen.emplace_back(e.time, e.target);
    if (on_event) on_event(e);
  }
};

TEST(Simulator, RunsByTimeThenInsertion) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  sim.schedule(seconds(2), h, 0, 1);
  sim.schedule(seconds(1), h, 0, 2);
  sim.schedule(seconds(2), h, 0, 3);
  sim.schedule(seconds(1), h, 0, 4);
  EXPECT_EQ(sim.run(), StopReason::kNoEvents);
  EXPECT_EQ(r.seen, (std::vector<std::pair<Time, std::uint32_t>>{
                        {seconds(1), 2}, {seconds(1), 4}, {seconds(2), 1}, {seconds(2), 3}}));
  EXPECT_EQ(sim.events_processed(), 4U);
}

TEST(Simulator, EventsScheduledNowRunAfterThoseAlreadyQueued) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  r.on_event = [&](const Event& e) {
    if (e.target == 1) sim.schedule_after(0, h, 0, 9);
  };
  sim.schedule(5, h, 0, 1);
  sim.schedule(5, h, 0, 2);
  sim.run();
  EXPECT_EQ(r.seen, (std::vector<std::pair<Time, std::uint32_t>>{{5, 1}, {5, 2}, {5, 9}}));
}

TEST(Simulator, CancelledTimerNeverFires) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  const TimerId t = sim.create_timer();
  sim.arm(t, seconds(1), h, 0, 7);
  EXPECT_TRUE(sim.armed(t));
  sim.cancel(t);
  EXPECT_FALSE(sim.armed(t));
  sim.run();
  EXPECT_TRUE(r.seen.empty());
  EXPECT_EQ(sim.events_processed(), 0U);
  EXPECT_EQ(sim.events_cancelled(), 1U);
}

TEST(Simulator, CancelThenRearmFiresOnlyTheNewExpiry) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  const TimerId t = sim.create_timer();
  sim.arm(t, seconds(1), h, 0, 1);
  sim.cancel(t);
  sim.arm(t, seconds(3), h, 0, 2);
  sim.arm(t, seconds(2), h, 0, 3);  // re-arm without cancel: only the latest counts
  sim.run();
  EXPECT_EQ(r.seen, (std::vector<std::pair<Time, std::uint32_t>>{{seconds(2), 3}}));
  EXPECT_FALSE(sim.armed(t));
  EXPECT_EQ(sim.events_processed(), 1U);
}

TEST(Simulator, OnlyMovingATimerEarlierQueuesAnotherEvent) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  const TimerId t = sim.create_timer();
  sim.arm(t, seconds(5), h, 0, 1);
  EXPECT_EQ(sim.pending(), 1U);
  sim.arm(t, seconds(10), h, 0, 2);  // later: the queued event will carry it
  sim.cancel(t);
  sim.arm(t, seconds(8), h, 0, 3);
  EXPECT_EQ(sim.pending(), 1U);
  sim.arm(t, seconds(3), h, 0, 4);  // earlier: a new event, the old one goes stale
  EXPECT_EQ(sim.pending(), 2U);
  sim.run();
  EXPECT_EQ(r.seen, (std::vector<std::pair<Time, std::uint32_t>>{{seconds(3), 4}}));
  EXPECT_EQ(sim.events_cancelled(), 1U);
}

TEST(Simulator, TimerMovedLaterFiresAtItsNewTimeWithItsNewPayload) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  const TimerId t = sim.create_timer();
  std::vector<std::uint64_t> payloads;
  r.on_event = [&](const Event& e) { payloads.push_back(e.a); };
  sim.arm(t, seconds(1), h, 7, 1, 100);
  sim.run_until(milliseconds(500));
  sim.arm(t, seconds(4), h, 7, 2, 200);
  sim.run();
  EXPECT_EQ(r.seen, (std::vector<std::pair<Time, std::uint32_t>>{{seconds(4), 2}}));
  EXPECT_EQ(payloads, (std::vector<std::uint64_t>{200}));
  EXPECT_EQ(sim.events_processed(), 1U);
}

TEST(Simulator, TimerCancelledByAnEarlierEventAtTheSameTime) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  const TimerId t = sim.create_timer();
  r.on_event = [&](const Event& e) {
    if (e.target == 1) sim.cancel(t);
  };
  sim.schedule(seconds(1), h, 0, 1);
  sim.arm(t, seconds(1), h, 0, 2);
  sim.run();
  EXPECT_EQ(r.seen, (std::vector<std::pair<Time, std::uint32_t>>{{seconds(1), 1}}));
}

TEST(Simulator, DestroyedTimerIdIsReusedWithoutStaleFirings) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  const TimerId t = sim.create_timer();
  sim.arm(t, seconds(1), h, 0, 1);
  sim.destroy_timer(t);
  const TimerId u = sim.create_timer();
  EXPECT_EQ(u, t);
  sim.arm(u, seconds(2), h, 0, 2);
  sim.run();
  EXPECT_EQ(r.seen, (std::vector<std::pair<Time, std::uint32_t>>{{seconds(2), 2}}));
}

TEST(Simulator, RunUntilStopsAtTheLimitAndResumes) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  sim.schedule(seconds(1), h, 0, 1);
  sim.schedule(seconds(5), h, 0, 2);
  sim.schedule(seconds(10), h, 0, 3);
  EXPECT_EQ(sim.run_until(seconds(5)), StopReason::kTimeLimit);
  EXPECT_EQ(sim.now(), seconds(5));
  EXPECT_EQ(r.seen.size(), 2U);  // the limit is inclusive
  sim.schedule_after(seconds(1), h, 0, 4);
  EXPECT_EQ(sim.run_until(seconds(20)), StopReason::kNoEvents);
  EXPECT_EQ(r.seen, (std::vector<std::pair<Time, std::uint32_t>>{
                        {seconds(1), 1}, {seconds(5), 2}, {seconds(6), 4}, {seconds(10), 3}}));
  EXPECT_EQ(sim.now(), seconds(20));
}

TEST(Simulator, StopRequestHaltsAfterTheCurrentEvent) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  r.on_event = [&](const Event& e) {
    if (e.target == 2) sim.request_stop();
  };
  for (std::uint32_t i = 1; i <= 4; ++i) sim.schedule(i, h, 0, i);
  EXPECT_EQ(sim.run(), StopReason::kStopRequested);
  EXPECT_EQ(r.seen.size(), 2U);
  EXPECT_EQ(sim.now(), 2);
  EXPECT_EQ(sim.run(), StopReason::kNoEvents);
  EXPECT_EQ(r.seen.size(), 4U);
}

// A loop that reschedules itself 1 ns ahead never reaches a far time limit; the event
// limit ends it on the first check at or past the limit.
TEST(Simulator, EventLimitStopsAnEndlessLoopAtTheNextCheck) {
  Simulator sim;
  struct Loop : EventHandler {
    Simulator* sim = nullptr;
    HandlerId id = 0;
    void handle(const Event& e) override { sim->schedule_after(1, id, 0, e.target); }
  } loop;
  loop.sim = &sim;
  loop.id = sim.add_handler(loop);
  sim.schedule(0, loop.id, 0, 0);
  sim.set_event_limit(Simulator::kHeartbeatEvery + 1);
  EXPECT_EQ(sim.run_until(seconds(1)), StopReason::kEventLimit);
  EXPECT_EQ(sim.events_processed(), 2 * Simulator::kHeartbeatEvery);
  EXPECT_EQ(sim.now(), static_cast<Time>(2 * Simulator::kHeartbeatEvery - 1));
}

TEST(Simulator, StepDispatchesOneLiveEventAtATime) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  const TimerId t = sim.create_timer();
  sim.arm(t, 1, h, 0, 1);
  sim.cancel(t);
  sim.schedule(2, h, 0, 2);
  sim.schedule(3, h, 0, 3);
  EXPECT_TRUE(sim.step());
  EXPECT_EQ(r.seen, (std::vector<std::pair<Time, std::uint32_t>>{{2, 2}}));
  EXPECT_EQ(sim.now(), 2);
  EXPECT_TRUE(sim.step());
  EXPECT_FALSE(sim.step());
  EXPECT_EQ(sim.events_processed(), 2U);
  EXPECT_EQ(sim.events_cancelled(), 1U);
}

struct CountingHeartbeat : Heartbeat {
  int beats = 0;
  int finishes = 0;
  std::uint64_t last_events = 0;
  void beat(Time, std::uint64_t events) override {
    ++beats;
    last_events = events;
  }
  void finish(Time, std::uint64_t events) override {
    ++finishes;
    last_events = events;
  }
};

TEST(Simulator, HeartbeatEvery65536EventsAndOnFinish) {
  Simulator sim;
  Recorder r;
  r.sim = &sim;
  const HandlerId h = sim.add_handler(r);
  CountingHeartbeat hb;
  sim.set_heartbeat(&hb);
  for (std::uint32_t i = 0; i < 3 * 65536 + 5; ++i) sim.schedule(i, h, 0, i);
  sim.run();
  EXPECT_EQ(hb.beats, 3);
  EXPECT_EQ(hb.finishes, 1);
  EXPECT_EQ(hb.last_events, 3U * 65536U + 5U);
}

// A million-host world registers several handlers per host: ids and kinds
// must survive the trip through the queue and through timers at full width.
TEST(Simulator, HandlerIdsUpToTheLimitDispatch) {
  struct Last : EventHandler {
    std::vector<std::pair<std::uint32_t, unsigned>> seen;  // (target, kind)
    void handle(const Event& e) override { seen.emplace_back(e.target, e.kind); }
  };
  Simulator sim;
  Recorder filler;
  filler.sim = &sim;
  for (HandlerId i = 0; i < 200'000; ++i) ASSERT_EQ(sim.add_handler(filler), i);
  Last last;
  const HandlerId h = sim.add_handler(last);
  ASSERT_EQ(h, 200'000U);
  sim.schedule(1, h, 255, 7);
  const TimerId t = sim.create_timer();
  sim.arm(t, 2, h, 254, 8);
  sim.run();
  EXPECT_EQ(last.seen, (std::vector<std::pair<std::uint32_t, unsigned>>{{7, 255}, {8, 254}}));
  EXPECT_TRUE(filler.seen.empty());
}

TEST(Simulator, RefusesHandlersBeyondTheIdWidth) {
  Simulator sim;
  Recorder r;
  for (HandlerId i = 0; i < kMaxHandlers; ++i) sim.add_handler(r);
  EXPECT_THROW(sim.add_handler(r), std::length_error);
}

}  // namespace
}  // namespace tcpsim::sim
