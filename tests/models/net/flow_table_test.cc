#include "models/net/flow_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/simulator.h"
#include "tests/models/net/net_test_util.h"

namespace tcpsim::net {
namespace {

using sim::kSecond;
using testing::ip;
using testing::seg;

const Endpoint kServer{ip("192.0.2.10"), 80};
const Endpoint kA{ip("10.0.0.1"), 40000};
const Endpoint kB{ip("10.0.0.1"), 40001};
const Endpoint kC{ip("10.0.0.2"), 40000};

FlowTable::Timeouts every(sim::Time t) {
  FlowTable::Timeouts timeouts{};
  timeouts.fill(t);
  return timeouts;
}

// A flow opened by `client`'s SYN to the server, tracked without translation.
FlowTable::Index open(FlowTable& table, Endpoint client) {
  return table.insert(seg(client, kServer, kSyn), kServer, client);
}

TEST(FlowTable, AHintFindsItsFlowInBothDirectionsAndFollowsAnotherFlow) {
  sim::Simulator sim;
  FlowTable table(sim, every(10 * kSecond), true);
  const FlowTable::Index a = open(table, kA);
  const FlowTable::Index b = open(table, kB);

  std::uint32_t out = 0;
  std::uint32_t in = 0;
  for (int round = 0; round < 2; ++round) {
    const auto o = table.find(kA, kServer, out);
    ASSERT_TRUE(o.has_value());
    EXPECT_EQ(o->entry, a);
    EXPECT_EQ(o->direction, FlowDirection::kOriginal);
    const auto i = table.find(kServer, kA, in);
    ASSERT_TRUE(i.has_value());
    EXPECT_EQ(i->entry, a);
    EXPECT_EQ(i->direction, FlowDirection::kReply);
  }
  EXPECT_NE(out, 0U);
  EXPECT_NE(in, 0U);
  EXPECT_NE(out, in);

  // A's hint given with B's tuple: B is found all the same, and the hint now names B.
  std::uint32_t hint = out;
  const auto hit = table.find(kB, kServer, hint);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->entry, b);
  EXPECT_NE(hint, out);
  EXPECT_EQ(table.find(kB, kServer)->entry, b);
}

TEST(FlowTable, ANewEntrysOriginalHintIsTheOneALookupWouldLeave) {
  sim::Simulator sim;
  FlowTable table(sim, every(10 * kSecond), true);
  (void)open(table, kA);
  const FlowTable::Index b = open(table, kB);
  std::uint32_t found = 0;
  ASSERT_TRUE(table.find(kB, kServer, found).has_value());
  EXPECT_EQ(FlowTable::original_hint(b), found);
  std::uint32_t hint = FlowTable::original_hint(b);
  const auto hit = table.find(kB, kServer, hint);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->entry, b);
  EXPECT_EQ(hit->direction, FlowDirection::kOriginal);
  // From the reply side the same hint is no match, and the lookup leaves the reply's.
  const auto reply = table.find(kServer, kB, hint);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->direction, FlowDirection::kReply);
  EXPECT_NE(hint, FlowTable::original_hint(b));
}

TEST(FlowTable, AHintOfARemovedFlowMatchesNothingEvenWhenItsEntryIsReused) {
  sim::Simulator sim;
  FlowTable table(sim, every(10 * kSecond), true);
  const FlowTable::Index a = open(table, kA);
  std::uint32_t hint = 0;
  ASSERT_TRUE(table.find(kA, kServer, hint).has_value());
  const std::uint32_t stale = hint;

  table.remove(a);
  EXPECT_FALSE(table.find(kA, kServer, hint).has_value());
  EXPECT_EQ(hint, 0U);

  // The freed entry is taken by C: A's old hint finds C only with C's tuple.
  const FlowTable::Index c = open(table, kC);
  EXPECT_EQ(c, a);
  hint = stale;
  EXPECT_FALSE(table.find(kA, kServer, hint).has_value());
  hint = stale;
  const auto hit = table.find(kC, kServer, hint);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->entry, c);
  EXPECT_EQ(hit->direction, FlowDirection::kOriginal);
  EXPECT_EQ(hint, stale);

  // An entry that expires is removed the same way.
  sim.run_until(11 * kSecond);
  EXPECT_EQ(table.size(), 0U);
  EXPECT_FALSE(table.find(kC, kServer, hint).has_value());
  EXPECT_EQ(hint, 0U);
}

using Call = std::pair<char, FlowTable::Index>;

// The observer hears of each entry's coming removal one timer firing ahead: when A's timer
// fires it is told of B (A was the first), then removes A; B's and C's follow in order.
struct Recorder : FlowTable::Observer {
  std::vector<Call> calls;  // ('e' expiring | 'r' removed, entry)
  void flow_removed(FlowTable::Index entry) override { calls.emplace_back('r', entry); }
  void flow_expiring(FlowTable::Index entry) override { calls.emplace_back('e', entry); }
};

// Two firings ahead it also hears of the entry after next ('l'): when A's timer fires, of C.
struct FarRecorder : Recorder {
  void flow_expiring_later(FlowTable::Index entry) override { calls.emplace_back('l', entry); }
};

struct Heard {
  FlowTable::Index a, b, c;
  std::size_t left;  // entries in the table at the end
};
// A opens at 0 s, B and C at 1 s, each with a 10 s timeout; the table runs until all expire.
Heard open_three_and_expire(Recorder& recorder) {
  sim::Simulator sim;
  FlowTable table(sim, every(10 * kSecond), true, &recorder);
  const FlowTable::Index a = open(table, kA);
  sim.run_until(kSecond);
  const FlowTable::Index b = open(table, kB);
  const FlowTable::Index c = open(table, kC);
  sim.run();
  return {a, b, c, table.size()};
}

TEST(FlowTable, TheObserverIsToldOfTheNextExpiryBeforeTheRemoval) {
  Recorder recorder;
  const auto [a, b, c, left] = open_three_and_expire(recorder);
  EXPECT_EQ(recorder.calls, (std::vector<Call>{Call{'e', b}, Call{'r', a}, Call{'e', c},
                                               Call{'r', b}, Call{'r', c}}));
  EXPECT_EQ(left, 0U);
}

TEST(FlowTable, TheObserverIsToldOfTheExpiryAfterNextOneFiringEarlier) {
  FarRecorder recorder;
  const auto [a, b, c, left] = open_three_and_expire(recorder);
  EXPECT_EQ(recorder.calls, (std::vector<Call>{Call{'l', c}, Call{'e', b}, Call{'r', a},
                                               Call{'e', c}, Call{'r', b}, Call{'r', c}}));
  EXPECT_EQ(left, 0U);
}

// Records when each entry goes.
struct Removals : FlowTable::Observer {
  const sim::Simulator* sim = nullptr;
  std::vector<std::pair<FlowTable::Index, sim::Time>> removed;
  void flow_removed(FlowTable::Index entry) override { removed.emplace_back(entry, sim->now()); }
};

// Flow i opens at i ms and is ESTABLISHED (4 minutes) 1 ms later; all but every seventh close
// 2 ms after that (65 s from the FIN). The ESTABLISHED list's places of the closed flows are
// reclaimed while the others' move, and each flow still goes at its own deadline.
TEST(FlowTable, FlowsPassingQuicklyThroughALongStateExpireAtTheirDeadlines) {
  sim::Simulator sim;
  Removals removals;
  removals.sim = &sim;
  FlowTable::Timeouts timeouts = every(65 * kSecond);
  timeouts[static_cast<std::size_t>(FlowState::kEstablished)] = 240 * kSecond;
  FlowTable table(sim, timeouts, false, &removals);
  constexpr std::uint32_t kFlows = 3000;
  const auto client = [](std::uint32_t i) {
    return Endpoint{ip("10.0.0.1"), static_cast<std::uint16_t>(10000 + i)};
  };
  std::vector<FlowTable::Index> entry(kFlows);
  std::vector<sim::Time> deadline(kFlows);
  // Segments in time order: (time, flow, step) with step 0 SYN, 1 SYN-ACK and ACK, 2 FIN.
  std::vector<std::tuple<sim::Time, std::uint32_t, int>> steps;
  for (std::uint32_t i = 0; i < kFlows; ++i) {
    const sim::Time t = i * sim::kMillisecond;
    steps.emplace_back(t, i, 0);
    steps.emplace_back(t + sim::kMillisecond, i, 1);
    if (i % 7 != 0) steps.emplace_back(t + 3 * sim::kMillisecond, i, 2);
    deadline[i] = i % 7 != 0 ? t + 3 * sim::kMillisecond + 65 * kSecond
                             : t + sim::kMillisecond + 240 * kSecond;
  }
  std::sort(steps.begin(), steps.end());
  for (const auto& [t, i, step] : steps) {
    sim.run_until(t);
    const Endpoint c = client(i);
    if (step == 0) {
      entry[i] = table.insert(seg(c, kServer, kSyn), kServer, c);
      continue;
    }
    const auto out = table.find(c, kServer);
    ASSERT_TRUE(out.has_value());
    if (step == 1) {
      table.update(*table.find(kServer, c), seg(kServer, c, kSyn | kAck));
      table.update(*out, seg(c, kServer, kAck));
      ASSERT_EQ(table.state(entry[i]), FlowState::kEstablished);
    } else {
      table.update(*out, seg(c, kServer, kFin | kAck));
      ASSERT_EQ(table.state(entry[i]), FlowState::kFinWait);
    }
  }
  sim.run();
  ASSERT_EQ(removals.removed.size(), kFlows);
  std::vector<sim::Time> when(kFlows, -1);
  for (std::uint32_t i = 0; i < kFlows; ++i) {
    for (const auto& [e, t] : removals.removed) {
      if (e == entry[i] && when[i] < 0) when[i] = t;
    }
  }
  EXPECT_EQ(when, deadline);
  EXPECT_EQ(table.size(), 0U);
}

}  // namespace
}  // namespace tcpsim::net
