#include "batch/sweep_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/batch/minimal_scenario.h"

namespace tcpsim::batch {
namespace {

using ::testing::HasSubstr;

std::string write_scenario(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path) << text;
  return path.string();
}

using test_support::kMinimalScenario;

TEST(SweepLoader, ABadValueIsPlacedAtItsValueOnceForAllItsPoints) {
  const std::string path =
      write_scenario("bad_value.pbtxt", std::string(kMinimalScenario) + R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" values: "1" values: "2" values: "3" }
  parameters { path: "duration" values: "5s" values: "-5s" }
  replications: 2
}
)");
  const LoadedSweep sweep = load_sweep(path);
  ASSERT_EQ(sweep.problems.size(), 1U);
  const scenarios::Problem& p = sweep.problems.front();
  EXPECT_EQ(p.file, path);
  EXPECT_EQ(p.line, 9);
  EXPECT_EQ(p.col, 46);  // the second "values"
  EXPECT_EQ(p.field_path, "sweep.parameters[1].values[1]");
  EXPECT_THAT(p.message, HasSubstr("at 3 points, first point "));
  EXPECT_THAT(p.message, HasSubstr("duration: invalid duration \"-5s\""));
}

TEST(SweepLoader, AProblemOfTheBaseScenarioAtSomePointsKeepsItsPlace) {
  // warmup 8s is fine with duration 10s but not with 5s: one point fails, at the warmup line.
  const std::string path = write_scenario(
      "bad_point.pbtxt", std::string("warmup: \"8s\"\n") + kMinimalScenario + R"(sweep {
  parameters { path: "duration" values: "10s" values: "5s" }
}
)");
  const LoadedSweep sweep = load_sweep(path);
  ASSERT_EQ(sweep.problems.size(), 1U);
  const scenarios::Problem& p = sweep.problems.front();
  EXPECT_EQ(p.line, 1);
  EXPECT_EQ(p.field_path, "warmup");
  EXPECT_THAT(p.message, HasSubstr("at point 1 (duration=5s): "));
}

TEST(SweepLoader, AGoodSweepHasItsRunsAndNoProblems) {
  const std::string path = write_scenario("good.pbtxt", std::string(kMinimalScenario) + R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" range { from: 10 to: 30 step: 10 } }
  replications: 4
}
)");
  const LoadedSweep sweep = load_sweep(path);
  EXPECT_TRUE(sweep.ok());
  EXPECT_EQ(sweep.plan.runs.size(), 12U);
  EXPECT_EQ(sweep.scenario_name, "good");
}

}  // namespace
}  // namespace tcpsim::batch
