#include "models/tcp/time_wait_ring.h"

#include <gtest/gtest.h>

#include <functional>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/fifo_timer_list.h"
#include "sim/random_stream.h"

namespace tcpsim::tcp {
namespace {

constexpr sim::Time kLen = 60 * sim::kSecond;

// Owns a ring and records (time, port) of each record it frees at expiry.
class Owner final : public sim::EventHandler {
 public:
  explicit Owner(sim::Simulator& sim, sim::Time duration = kLen)
      : sim_(sim), self_(sim.add_handler(*this)), ring(sim, duration, self_, 7) {}
  void handle(const sim::Event& e) override {
    EXPECT_EQ(e.kind, 7);
    ++events;
    ring.expire([&](std::uint32_t id) {
      expired.emplace_back(sim_.now(), ring[id].local_port);
      if (on_expire) on_expire(ring[id].local_port);
      ring.erase(id);
    });
  }
  std::uint32_t push(std::uint16_t port) {
    TimeWaitSock r;
    r.local_port = port;
    r.in_use = true;
    return ring.push(r);
  }

  sim::Simulator& sim_;
  sim::HandlerId self_;
  TimeWaitRing ring;
  std::vector<std::pair<sim::Time, std::uint16_t>> expired;
  std::function<void(std::uint16_t)> on_expire;
  int events = 0;
};

// Runs `f` at simulated time `at`.
class At final : public sim::EventHandler {
 public:
  explicit At(sim::Simulator& sim) : sim_(sim), self_(sim.add_handler(*this)) {}
  void run(sim::Time at, std::function<void()> f) {
    fns_.push_back(std::move(f));
    sim_.schedule(at, self_, 0, static_cast<std::uint32_t>(fns_.size() - 1));
  }
  void handle(const sim::Event& e) override { fns_[e.target](); }

 private:
  sim::Simulator& sim_;
  sim::HandlerId self_;
  std::vector<std::function<void()>> fns_;
};

TEST(TimeWaitRing, ExpiresInPushOrderExactlyOneLengthLater) {
  sim::Simulator sim;
  Owner o(sim);
  At at(sim);
  at.run(0, [&] { o.push(1); });
  at.run(3, [&] { o.push(2); });
  at.run(3, [&] { o.push(3); });
  at.run(sim::kSecond + 7, [&] { o.push(4); });
  sim.run();
  const std::vector<std::pair<sim::Time, std::uint16_t>> want{
      {kLen, 1}, {kLen + 3, 2}, {kLen + 3, 3}, {kLen + sim::kSecond + 7, 4}};
  EXPECT_EQ(o.expired, want);
  EXPECT_EQ(o.events, 3);  // one for the two records due at once
  EXPECT_EQ(o.ring.live(), 0U);
}

TEST(TimeWaitRing, HolesAreSkippedButStillWakeTheHead) {
  sim::Simulator sim;
  Owner o(sim);
  At at(sim);
  std::uint32_t b = 0;
  at.run(0, [&] { o.push(1); });
  at.run(10, [&] { b = o.push(2); });
  at.run(20, [&] { o.push(3); });
  at.run(30, [&] { o.ring.erase(b); });
  sim.run();
  const std::vector<std::pair<sim::Time, std::uint16_t>> want{{kLen, 1}, {kLen + 20, 3}};
  EXPECT_EQ(o.expired, want);
  EXPECT_EQ(o.events, 3);  // the hole's expiry wakes the head, as a stale timer entry does
}

TEST(TimeWaitRing, RestartMovesTheRecordToTheTailUnderANewId) {
  sim::Simulator sim;
  Owner o(sim);
  At at(sim);
  std::uint32_t a = 0;
  std::uint32_t moved = 0;
  at.run(0, [&] { a = o.push(1); });
  at.run(5, [&] { o.push(2); });
  at.run(sim::kSecond, [&] {
    moved = o.ring.push(o.ring[a]);
    o.ring.erase(a);
  });
  sim.run();
  EXPECT_NE(moved, a);
  const std::vector<std::pair<sim::Time, std::uint16_t>> want{{kLen + 5, 2},
                                                              {kLen + sim::kSecond, 1}};
  EXPECT_EQ(o.expired, want);
}

// The same pushes and erases through a FifoTimerList (an erase leaving a stale
// entry) and through the ring: the same expiries, in the same order against
// another model's events at equal times, from as many queued events.
struct Trace {
  std::vector<std::tuple<sim::Time, char, int>> seen;  // 'x' expiry of a record, 'o' other
  std::uint64_t events = 0;
  bool operator==(const Trace&) const = default;
};

Trace run_script(bool ring) {
  constexpr sim::Time kShort = 50;
  sim::Simulator sim;
  Trace trace;
  struct Other final : sim::EventHandler {
    Trace* trace;
    void handle(const sim::Event& e) override {
      trace->seen.emplace_back(e.time, 'o', static_cast<int>(e.target));
    }
  } other;
  other.trace = &trace;
  const sim::HandlerId oh = sim.add_handler(other);
  struct ListOwner final : sim::EventHandler {
    Trace* trace;
    std::vector<std::uint32_t> generation;
    sim::Simulator* sim;
    void handle(const sim::Event& e) override {
      if (generation[e.target] != e.a) return;
      ++generation[e.target];
      trace->seen.emplace_back(sim->now(), 'x', static_cast<int>(e.target));
    }
  } list_owner;
  list_owner.trace = &trace;
  list_owner.sim = &sim;
  sim::FifoTimerList list(sim, kShort, list_owner, 0);
  Owner ring_owner(sim, kShort);
  ring_owner.on_expire = [&](std::uint16_t port) {
    trace.seen.emplace_back(sim.now(), 'x', static_cast<int>(port));
  };
  std::vector<std::uint32_t> ring_id;
  At at(sim);
  sim::RandomStream rng(3, 4);
  sim::Time t = 0;
  for (int i = 0; i < 3000; ++i) {
    t += static_cast<sim::Time>(rng.below(4));
    at.run(t, [&, i] {
      if (ring) {
        ring_id.push_back(ring_owner.push(static_cast<std::uint16_t>(i)));
      } else {
        list_owner.generation.push_back(0);
        list.add(static_cast<std::uint32_t>(i), 0);
      }
    });
    if (rng.below(4) == 0) {  // freed early
      at.run(t + static_cast<sim::Time>(rng.below(kShort)), [&, i] {
        if (ring) {
          ring_owner.ring.erase(ring_id[i]);
        } else {
          ++list_owner.generation[i];
        }
      });
    }
    if (rng.below(3) == 0) {  // another model's event, often at an expiry's time
      const sim::Time when = t + kShort + static_cast<sim::Time>(rng.below(3));
      at.run(t + static_cast<sim::Time>(rng.below(kShort)),
             [&sim, oh, when, i] { sim.schedule(when, oh, 0, static_cast<std::uint32_t>(i)); });
    }
  }
  sim.run();
  trace.events = sim.events_processed();
  return trace;
}

TEST(TimeWaitRing, SameEventSequenceAsAFifoTimerList) {
  const Trace list = run_script(false);
  const Trace ring = run_script(true);
  EXPECT_GT(list.seen.size(), 2000U);
  EXPECT_EQ(ring, list);
}

TEST(TimeWaitRing, IdsStayValidWhileTheRingGrowsAndWraps) {
  sim::Simulator sim;
  Owner o(sim, 1000);
  At at(sim);
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 5000; ++i) {
    at.run(i, [&, i] {
      ids.push_back(o.push(static_cast<std::uint16_t>(i)));
      // Every id pushed within the last length still names its record.
      for (int back = 0; back < 900 && back <= i; back += 97) {
        EXPECT_EQ(o.ring[ids[i - back]].local_port, static_cast<std::uint16_t>(i - back));
        EXPECT_EQ(o.ring.expiry(ids[i - back]), i - back + 1000);
      }
    });
  }
  sim.run();
  ASSERT_EQ(o.expired.size(), 5000U);
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(o.expired[i], (std::pair<sim::Time, std::uint16_t>{i + 1000, i}));
  }
}

TEST(TimeWaitRing, MemoryStaysFlatUnderSteadyChurn) {
  sim::Simulator sim;
  Owner o(sim, 1000);
  At at(sim);
  std::size_t chunks_at_10k = 0;
  for (int i = 0; i < 100'000; ++i) {
    at.run(i, [&, i] {
      o.push(1);
      if (i == 10'000) chunks_at_10k = o.ring.chunks_allocated();
    });
  }
  sim.run();
  // 1,000 records alive in chunks of 32: 32 or 33 chunks plus at most one spare.
  EXPECT_GE(chunks_at_10k, 32U);
  EXPECT_LE(chunks_at_10k, 34U);
  // All expired: 100,000 = 3,125 x 32, so the tail's chunk was filled and passed too; one
  // chunk stays spare.
  EXPECT_EQ(o.ring.chunks_allocated(), 1U);
  EXPECT_EQ(o.expired.size(), 100'000U);
}

// Rings sharing a cache keep no spare: a chunk one passes waits in the cache, and the next
// ring to fill its tail chunk takes it from there instead of the allocator.
TEST(TimeWaitRing, RingsSharingACacheTakeTheChunksOthersPassed) {
  sim::Simulator sim;
  TimeWaitRing::ChunkCache cache;
  Owner a(sim);
  Owner b(sim);
  a.ring.share_chunks(cache);
  b.ring.share_chunks(cache);
  At at(sim);
  for (int i = 0; i < 64; ++i) at.run(i, [&] { a.push(1); });
  std::size_t a_full = 0;
  at.run(100, [&] { a_full = a.ring.chunks_allocated(); });
  std::size_t a_done = 0;
  std::size_t cached_between = 0;
  at.run(2 * kLen, [&] {
    a_done = a.ring.chunks_allocated();
    cached_between = cache.size();
  });
  for (int i = 0; i < 64; ++i) at.run(2 * kLen + 1 + i, [&] { b.push(2); });
  std::size_t b_full = 0;
  std::size_t cached_while_b = 0;
  at.run(2 * kLen + 100, [&] {
    b_full = b.ring.chunks_allocated();
    cached_while_b = cache.size();
  });
  sim.run();
  EXPECT_EQ(a_full, 2U);  // 64 records, two chunks of 32
  // All of a's expired: 64 = 2 x 32, so both chunks were passed, to the cache.
  EXPECT_EQ(a_done, 0U);
  EXPECT_EQ(cached_between, 2U);
  EXPECT_EQ(b_full, 2U);
  EXPECT_EQ(cached_while_b, 0U);  // b took both
  EXPECT_EQ(b.ring.chunks_allocated(), 0U);
  EXPECT_EQ(cache.size(), 2U);
  ASSERT_EQ(b.expired.size(), 64U);
  EXPECT_EQ(b.expired.front(), (std::pair<sim::Time, std::uint16_t>{3 * kLen + 1, 2}));
}

TEST(TimeWaitRing, SparseRecordsFarApartInTimeKeepExactExpiries) {
  sim::Simulator sim;
  Owner o(sim);
  At at(sim);
  // Gaps beyond 2^40 ns between pushes start new chunks; offsets past 2^32 ns fit.
  const std::vector<sim::Time> when{0,
                                    1,
                                    5 * sim::kSecond,
                                    5 * sim::kSecond + 1,
                                    3600 * sim::kSecond,
                                    3600 * sim::kSecond + 4'294'967'295};
  for (std::size_t i = 0; i < when.size(); ++i) {
    at.run(when[i], [&, i] { o.push(static_cast<std::uint16_t>(i)); });
  }
  sim.run();
  ASSERT_EQ(o.expired.size(), when.size());
  for (std::size_t i = 0; i < when.size(); ++i) {
    EXPECT_EQ(o.expired[i], (std::pair<sim::Time, std::uint16_t>{when[i] + kLen, i}));
  }
  EXPECT_LE(o.ring.chunks_allocated(), 2U);
}

}  // namespace
}  // namespace tcpsim::tcp
