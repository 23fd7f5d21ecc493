#include "bench/phold.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "sim/simulator.h"

namespace tcpsim::bench {
namespace {

struct Outcome {
  std::uint64_t events;
  std::uint64_t hash;
};

Outcome run(const PholdConfig& config) {
  sim::Simulator sim;
  Phold model(sim, config);
  sim.run();
  return {sim.events_processed(), model.trace_hash()};
}

// With mean == lookahead every delay is exactly 1.0, so each LP processes one
// event at each of t = 1, 2, ..., end - 1 whatever the seed: N x (end - 1).
TEST(Phold, DefaultsGiveRossEventCounts) {
  PholdConfig small;
  small.lps = 1024;
  small.end = 10000;
  EXPECT_EQ(run(small).events, 10'238'976U);

  PholdConfig large;
  large.lps = 65536;
  large.end = 200;
  EXPECT_EQ(run(large).events, 13'041'664U);
}

TEST(Phold, SameSeedSameTraceOtherSeedOtherTrace) {
  PholdConfig config;
  config.lps = 256;
  config.start_events = 4;
  config.lookahead = 0.1;
  config.mean = 1.0;
  config.end = 50;
  config.seed = 7;
  const Outcome a = run(config);
  const Outcome b = run(config);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.hash, b.hash);
  config.seed = 8;
  const Outcome c = run(config);
  EXPECT_NE(a.hash, c.hash);
}

TEST(Phold, ConstantDelayTraceStillDependsOnSeedThroughDestinations) {
  PholdConfig config;
  config.lps = 64;
  config.end = 100;
  const Outcome a = run(config);
  config.seed = 2;
  const Outcome b = run(config);
  EXPECT_EQ(a.events, b.events);
  EXPECT_NE(a.hash, b.hash);
}

TEST(Phold, NoRemoteEventsKeepsEveryLpBusyWithItsOwnEvents) {
  PholdConfig config;
  config.lps = 10;
  config.start_events = 3;
  config.remote = 0.0;
  config.end = 11;
  EXPECT_EQ(run(config).events, 10U * 3U * 10U);
}

TEST(Phold, RejectsMeanBelowLookahead) {
  sim::Simulator sim;
  PholdConfig config;
  config.mean = 0.5;
  EXPECT_THROW(Phold(sim, config), std::invalid_argument);
}

}  // namespace
}  // namespace tcpsim::bench
