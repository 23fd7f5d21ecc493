#include "batch/run_plan.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "scenarios/overrides.h"
#include "sim/random_stream.h"
#include "tests/batch/minimal_scenario.h"

namespace tcpsim::batch {
namespace {

using test_support::kMinimalScenario;

scenario::Scenario with_sweep(const std::string& sweep) {
  scenario::Scenario s;
  EXPECT_TRUE(
      google::protobuf::TextFormat::ParseFromString(std::string(kMinimalScenario) + sweep, &s));
  return s;
}

std::map<std::uint64_t, std::pair<std::uint64_t, std::vector<std::string>>> by_number(
    const RunPlan& plan) {
  std::map<std::uint64_t, std::pair<std::uint64_t, std::vector<std::string>>> m;
  for (const PlannedRun& r : plan.runs) m[r.run] = {r.seed, r.values};
  return m;
}

const char* kGrid = R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: ["10", "20"] }
  parameters { path: "groups[0].kernel.ip_local_port_range" values: ["1000 1999"] }
  replications: 2
})";

TEST(RunPlan, CartesianGridTimesReplications) {
  const RunPlan plan = plan_sweep(with_sweep(kGrid));
  ASSERT_TRUE(plan.ok()) << plan.problems.front().to_string();
  ASSERT_EQ(plan.runs.size(), 4U);
  for (const PlannedRun& r : plan.runs) {
    EXPECT_EQ(r.seed, sim::derive_seed(3, r.run));
    EXPECT_EQ(r.overrides.size(), 2U);
  }
  EXPECT_EQ(plan.runs[0].overrides[0], "clients[0].load.poisson.rate=10");
}

TEST(RunPlan, AppendingValuesAndReplicationsKeepsExistingRuns) {
  const RunPlan before = plan_sweep(with_sweep(kGrid));
  const RunPlan after = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: ["10", "20", "40"] }
  parameters { path: "groups[0].kernel.ip_local_port_range" values: ["1000 1999", "1000 2999"] }
  replications: 5
})"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after.runs.size(), 30U);
  const auto old_runs = by_number(before);
  const auto new_runs = by_number(after);
  for (const auto& [number, run] : old_runs) {
    ASSERT_TRUE(new_runs.contains(number)) << number;
    EXPECT_EQ(new_runs.at(number), run) << number;
  }
}

TEST(RunPlan, RangeGrowthKeepsRuns) {
  const RunPlan a = plan_sweep(with_sweep(
      R"(sweep { parameters { path: "clients[0].load.poisson.rate" range { from: 10 to: 30 step: 10 } } })"));
  const RunPlan b = plan_sweep(with_sweep(
      R"(sweep { parameters { path: "clients[0].load.poisson.rate" range { from: 10 to: 50 step: 10 } } })"));
  ASSERT_EQ(a.runs.size(), 3U);
  ASSERT_EQ(b.runs.size(), 5U);
  for (std::size_t i = 0; i < a.runs.size(); ++i) {
    EXPECT_EQ(a.runs[i].run, b.runs[i].run);
    EXPECT_EQ(a.runs[i].values, b.runs[i].values);
  }
  EXPECT_EQ(a.runs[2].values[0], "30");
}

TEST(RunPlan, CommonRandomNumbersShareSeedsAcrossPoints) {
  const RunPlan plan = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" values: ["10", "20"] }
  replications: 2
  common_random_numbers: true
})"));
  ASSERT_TRUE(plan.ok());
  for (const PlannedRun& r : plan.runs) EXPECT_EQ(r.seed, sim::derive_seed(3, r.replication));
}

TEST(RunPlan, ZipAndSkip) {
  const RunPlan plan = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: ["10", "20", "30"] zip_group: "z" }
  parameters { path: "groups[0].kernel.ip_local_port_range_high" name: "high" values: ["2000", "3000", "4000"] zip_group: "z" }
  parameters { path: "groups[0].kernel.tcp_tw_reuse" name: "reuse" values: ["0", "1"] }
  skip_if: "rate >= 30"
})"));
  ASSERT_TRUE(plan.ok()) << plan.problems.front().to_string();
  EXPECT_EQ(plan.runs.size(), 4U);
  EXPECT_EQ(plan.skipped_points, 2U);
  for (const PlannedRun& r : plan.runs) {
    EXPECT_EQ(std::stoi(r.values[1]), 1000 + 100 * std::stoi(r.values[0]));
  }
}

TEST(RunPlan, SkipIfWithAndSkipsOnlyWhereBothHold) {
  const RunPlan plan = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: ["10", "20", "30"] }
  parameters { path: "groups[0].kernel.tcp_tw_reuse" name: "reuse" values: ["0", "1"] }
  skip_if: "rate >= 20 && reuse == 1"
  skip_if: "rate == 10 && reuse == 0"
})"));
  ASSERT_TRUE(plan.ok()) << plan.problems.front().to_string();
  EXPECT_EQ(plan.skipped_points, 3U);
  std::set<std::pair<std::string, std::string>> kept;
  for (const PlannedRun& r : plan.runs) kept.emplace(r.values[0], r.values[1]);
  EXPECT_EQ(kept,
            (std::set<std::pair<std::string, std::string>>{{"10", "1"}, {"20", "0"}, {"30", "0"}}));
}

TEST(RunPlan, ASkipIfComparisonNamingNoParameterIsAProblem) {
  const RunPlan plan = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: ["10", "20"] }
  skip_if: "rate > 10 && pool == 1"
})"));
  ASSERT_EQ(plan.problems.size(), 1U);
  EXPECT_EQ(plan.problems[0].field_path, "sweep.skip_if[0]");
  EXPECT_EQ(plan.problems[0].message, "neither pool nor 1 is a parameter");
}

TEST(RunPlan, ASkipIfThatLeavesNoPointIsAProblem) {
  const RunPlan plan = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: ["10", "20"] }
  skip_if: "rate > 0"
})"));
  ASSERT_EQ(plan.problems.size(), 1U);
  EXPECT_EQ(plan.problems[0].field_path, "sweep.skip_if");
  EXPECT_EQ(plan.problems[0].message, "skips every point of the grid (2): nothing to run");
  EXPECT_TRUE(plan.runs.empty());
}

// 3 x 1,000 x 1,000 points, or two replicated 4 billion times: refused from the sizes
// alone, before the grid is expanded (which would hang or run out of memory).
TEST(RunPlan, AGridOfTooManyRunsIsRefusedBeforeItIsExpanded) {
  const RunPlan wide = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" values: ["10", "20", "30"] }
  parameters { path: "seed" range { from: 1 to: 1000 step: 1 } }
  parameters { path: "groups[0].kernel.nofile" range { from: 1 to: 1000 step: 1 } }
})"));
  ASSERT_EQ(wide.problems.size(), 1U);
  EXPECT_EQ(wide.problems[0].field_path, "sweep");
  EXPECT_EQ(wide.problems[0].message, "the grid times 1 replication makes more than 100000 runs");
  EXPECT_TRUE(wide.runs.empty());

  const RunPlan replicated = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" values: ["10", "20"] }
  replications: 4000000000
})"));
  ASSERT_EQ(replicated.problems.size(), 1U);
  EXPECT_EQ(replicated.problems[0].message,
            "the grid times 4000000000 replications makes more than 100000 runs");

  const RunPlan at_the_bound = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" values: ["10", "20"] }
  replications: 50000
})"));
  ASSERT_TRUE(at_the_bound.ok()) << at_the_bound.problems.front().to_string();
  EXPECT_EQ(at_the_bound.runs.size(), 100000U);
}

TEST(RunPlan, ARangeOfMoreValuesThanASweepMayRunIsRefused) {
  const RunPlan plan = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "seed" range { from: 0 to: 1e12 step: 1 } }
})"));
  ASSERT_EQ(plan.problems.size(), 1U);
  EXPECT_EQ(plan.problems[0].field_path, "sweep.parameters[0].range");
  EXPECT_EQ(plan.problems[0].message,
            "more than 100000 values (a sweep makes at most 100000 runs)");
}

TEST(RunPlan, AWrongPathIsPlacedAtThePathEvenWithOneValue) {
  const RunPlan plan = plan_sweep(
      with_sweep(R"(sweep { parameters { path: "clients[0].load.poisson.nope" values: ["1"] } })"));
  ASSERT_EQ(plan.problems.size(), 1U);
  EXPECT_EQ(plan.problems[0].field_path, "sweep.parameters[0].path");
  EXPECT_THAT(plan.problems[0].message, testing::HasSubstr("no field \"nope\""));
}

TEST(RunPlan, ProblemsNameTheirFields) {
  const RunPlan plan = plan_sweep(with_sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.nope" values: ["1", "2"] }
  parameters { path: "clients[0].load.poisson.rate" values: ["1", "x"] }
  parameters { path: "duration" range { from: 1 to: 0 step: 1 } }
  parameters { path: "seed" values: ["1"] zip_group: "g" }
  parameters { path: "warmup" values: ["1s", "2s"] zip_group: "g" }
  skip_if: "a ~ b"
})"));
  std::vector<std::string> fields;
  for (const auto& p : plan.problems) fields.push_back(p.field_path);
  EXPECT_THAT(fields,
              testing::ElementsAre("sweep.parameters[0].path", "sweep.parameters[1].values[1]",
                                   "sweep.parameters[2].range.to", "sweep.parameters[4].zip_group",
                                   "sweep.skip_if[0]"));
}

TEST(RunPlan, InvalidPathGivesTheOverrideMessage) {
  scenario::Scenario s =
      with_sweep(R"(sweep { parameters { path: "clients[5].load.poisson.rate" values: ["1"] } })");
  std::string expected;
  try {
    scenario::Scenario copy = s;
    scenarios::apply_override(copy, "clients[5].load.poisson.rate=1");
  } catch (const std::invalid_argument& e) {
    expected = e.what();
  }
  const RunPlan plan = plan_sweep(s);
  ASSERT_EQ(plan.problems.size(), 1U);
  EXPECT_EQ(plan.problems[0].message, expected);
  EXPECT_FALSE(expected.empty());
}

}  // namespace
}  // namespace tcpsim::batch
