#include "batch/study_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "batch/point_statistics.h"
#include "batch/sweep_loader.h"
#include "io/results_file.h"
#include "io/study_file.h"
#include "models/metrics/host_group_metrics.h"
#include "models/metrics/run_results.h"
#include "sim/time.h"
#include "tests/batch/minimal_scenario.h"

namespace tcpsim::batch {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kBase = std::string("name: \"merge-test\"\n") + test_support::kMinimalScenario;

// 2 rates x 3 replications.
constexpr const char* kSweep = R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: ["10", "20"] }
  replications: 3
})";

// The same study grown: a third rate.
constexpr const char* kGrownSweep = R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: ["10", "20", "40"] }
  replications: 3
})";

const std::vector<std::string> kMetrics = {"c.connects_attempted", "c.first_eaddrnotavail_s"};

double metric(std::uint64_t run, std::size_t m) {
  if (m == 1 && run % 2 == 0) return std::numeric_limits<double>::quiet_NaN();
  return 100.0 * static_cast<double>(run) + static_cast<double>(m);
}

metrics::RunResults make_results(std::uint64_t run) {
  metrics::RunResults r;
  r.scenario_name = "merge-test";
  r.seed = run;
  r.duration = sim::seconds(2);
  r.interval = sim::seconds(1);
  metrics::GroupResults g;
  g.name = "c";
  g.hosts = 1;
  metrics::add_metrics(g, metrics::kHostGroupMetrics);
  for (std::uint32_t i = 0; i < 3; ++i) {
    g.add_sample(i * sim::seconds(1));
    g.at("ports_in_use").sum.back() = run * 10 + i;
  }
  g.at("connect_latency").histogram->record(1000 + static_cast<std::int64_t>(run));
  metrics::summarise(g, 0);
  r.groups.push_back(std::move(g));
  return r;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class StudyMerge : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("tcpsim-merge-" + std::to_string(getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static LoadedSweep sweep(const std::string& sweep_text = kSweep) {
    LoadedSweep s = load_sweep_text(kBase + sweep_text, "test.pbtxt", false);
    EXPECT_TRUE(s.ok()) << s.problems.front().to_string();
    return s;
  }

  // The study header a sweep of `s` writes.
  static io::Study header(const LoadedSweep& s) {
    io::Study study;
    study.scenario_name = s.scenario_name;
    study.scenario_text = s.text;
    study.base_scenario_text = s.base_scenario_text;
    study.version = "test";
    study.parameters = s.plan.parameter_names;
    study.parameter_paths = s.plan.parameter_paths;
    study.metrics = kMetrics;
    return study;
  }

  static io::StudyRun row(const PlannedRun& r) {
    return {r.run, r.point, r.replication, r.seed, r.values, {metric(r.run, 0), metric(r.run, 1)},
            {},    {}};
  }

  // Records `run` of `s` in `folder` as `tcpsim sweep --run` does: its row file and, when
  // `series`, its results file.
  std::string record(const std::string& folder, const LoadedSweep& s, const PlannedRun& r,
                     bool series = true) {
    fs::create_directories(path(folder));
    io::Study one = header(s);
    one.runs.push_back(row(r));
    one.points = point_statistics(one.runs, one.metrics.size());
    const std::string file = path(folder + "/run-" + std::to_string(r.run) + ".row.h5");
    io::write_study(one, file);
    if (series) {
      io::write_results(make_results(r.run),
                        path(folder + "/run-" + std::to_string(r.run) + ".h5"));
    }
    return file;
  }

  void record_all(const std::string& folder, const LoadedSweep& s,
                  const std::set<std::uint64_t>& leave_out = {}) {
    for (const PlannedRun& r : s.plan.runs) {
      if (!leave_out.contains(r.run)) record(folder, s, r);
    }
  }

  fs::path dir_;
};

TEST_F(StudyMerge, ListsRowFilesOfFoldersByRunNumber) {
  const LoadedSweep s = sweep();
  for (const PlannedRun& r : s.plan.runs) record("runs", s, r);
  std::ofstream(path("runs/run-x.row.h5")) << "not a row";
  std::ofstream(path("runs/notes.txt")) << "notes";
  std::ofstream(path("lone.h5")) << "given by name";
  const std::vector<std::string> files = list_row_files({path("runs"), path("lone.h5")});
  std::vector<std::string> expected;
  std::set<std::uint64_t> numbers;
  for (const PlannedRun& r : s.plan.runs) numbers.insert(r.run);
  for (const std::uint64_t n : numbers) {
    expected.push_back(path("runs/run-" + std::to_string(n) + ".row.h5"));
  }
  expected.push_back(path("lone.h5"));
  EXPECT_EQ(files, expected);
  EXPECT_THROW(list_row_files({path("nowhere")}), std::invalid_argument);
}

TEST_F(StudyMerge, MergesRowsByRunNumberWithPointStatisticsAndSeries) {
  const LoadedSweep s = sweep();
  ASSERT_EQ(s.plan.runs.size(), 6U);
  // Recorded out of order, one run without series.
  for (auto it = s.plan.runs.rbegin(); it != s.plan.runs.rend(); ++it) {
    record("study.h5.runs", s, *it, it->run != s.plan.runs[2].run);
  }
  const std::string output = path("study.h5");
  const MergeOutcome outcome = merge_study({path("study.h5.runs")}, output);
  EXPECT_EQ(outcome.row_files, 6U);
  EXPECT_EQ(outcome.duplicates, 0U);
  EXPECT_EQ(outcome.with_series, 5U);
  EXPECT_TRUE(outcome.plan_known);
  EXPECT_EQ(outcome.planned, 6U);
  EXPECT_EQ(outcome.missing, 0U);
  EXPECT_TRUE(outcome.first_missing.empty());
  EXPECT_EQ(outcome.unplanned, 0U);

  const io::Study study = io::read_study(output);
  EXPECT_EQ(study.scenario_name, "merge-test");
  EXPECT_EQ(study.scenario_text, s.text);
  EXPECT_EQ(study.base_scenario_text, s.base_scenario_text);
  EXPECT_THAT(study.parameters, ElementsAre("rate"));
  EXPECT_THAT(study.parameter_paths, ElementsAre("clients[0].load.poisson.rate"));
  EXPECT_EQ(study.metrics, kMetrics);
  ASSERT_EQ(study.runs.size(), 6U);
  std::vector<io::StudyRun> expected_rows;
  for (std::size_t i = 0; i < 6; ++i) {
    const PlannedRun& planned = s.plan.runs[i];
    const io::StudyRun& r = study.runs[i];
    SCOPED_TRACE(planned.run);
    EXPECT_EQ(r.run, planned.run);
    EXPECT_EQ(r.point, planned.point);
    EXPECT_EQ(r.replication, planned.replication);
    EXPECT_EQ(r.seed, planned.seed);
    EXPECT_EQ(r.values, planned.values);
    ASSERT_EQ(r.metrics.size(), 2U);
    EXPECT_TRUE(same(r.metrics[0], metric(r.run, 0)));
    EXPECT_TRUE(same(r.metrics[1], metric(r.run, 1)));
    if (i == 2) {
      EXPECT_EQ(r.series_file, "");
    } else {
      EXPECT_EQ(r.series_file, output);
      EXPECT_EQ(r.series_path, "/runs/" + std::to_string(r.run));
    }
    expected_rows.push_back(row(planned));
  }
  // The points written (read_study reads the runs alone).
  const std::vector<io::StudyPoint>& points = outcome.study.points;
  const std::vector<io::StudyPoint> expected = point_statistics(expected_rows, 2);
  ASSERT_EQ(points.size(), 2U);
  for (std::size_t p = 0; p < 2; ++p) {
    EXPECT_EQ(points[p].point, expected[p].point);
    EXPECT_EQ(points[p].replications, 3U);
    EXPECT_EQ(points[p].values, expected[p].values);
    for (std::size_t m = 0; m < 2; ++m) {
      EXPECT_TRUE(same(points[p].mean[m], expected[p].mean[m]));
      EXPECT_TRUE(same(points[p].ci95[m], expected[p].ci95[m]));
    }
  }
  EXPECT_FALSE(std::isnan(points[0].ci95[0]));
}

TEST_F(StudyMerge, SummariesOnlyLeavesTheSeriesOut) {
  const LoadedSweep s = sweep();
  record_all("runs", s);
  MergeOptions options;
  options.summaries_only = true;
  const MergeOutcome outcome = merge_study({path("runs")}, path("study.h5"), options);
  EXPECT_EQ(outcome.with_series, 0U);
  const io::Study study = io::read_study(path("study.h5"));
  ASSERT_EQ(study.runs.size(), 6U);
  for (const io::StudyRun& r : study.runs) EXPECT_EQ(r.series_file, "");
}

TEST_F(StudyMerge, ReportsTheMissingRunsOfThePlan) {
  const LoadedSweep s = sweep();
  const std::uint64_t a = s.plan.runs[1].run;
  const std::uint64_t b = s.plan.runs[4].run;
  record_all("runs", s, {a, b});
  const MergeOutcome outcome = merge_study({path("runs")}, path("study.h5"));
  EXPECT_EQ(outcome.planned, 6U);
  EXPECT_EQ(outcome.missing, 2U);
  EXPECT_THAT(outcome.first_missing, ElementsAre(a, b));
  EXPECT_EQ(io::read_study(path("study.h5")).runs.size(), 4U);

  MergeOptions one;
  one.missing_listed = 1;
  const MergeOutcome listed = merge_study({path("runs")}, path("study.h5"), one);
  EXPECT_EQ(listed.missing, 2U);
  EXPECT_THAT(listed.first_missing, ElementsAre(a));
}

TEST_F(StudyMerge, TakesThePlanOfAGrownSweep) {
  // Rows of the first sweep and of the same sweep grown by a rate: the grown plan counts.
  const LoadedSweep first = sweep();
  const LoadedSweep grown = sweep(kGrownSweep);
  ASSERT_EQ(grown.plan.runs.size(), 9U);
  record_all("runs", first);
  const PlannedRun* added = nullptr;
  for (const PlannedRun& r : grown.plan.runs) {
    if (first.plan.find(r.run) == nullptr && added == nullptr) added = &r;
  }
  ASSERT_NE(added, nullptr);
  record("runs", grown, *added);
  const MergeOutcome outcome = merge_study({path("runs")}, path("study.h5"));
  EXPECT_EQ(outcome.planned, 9U);
  EXPECT_EQ(outcome.missing, 2U);
  EXPECT_EQ(outcome.unplanned, 0U);
  const io::Study study = io::read_study(path("study.h5"));
  EXPECT_EQ(study.scenario_text, grown.text);
  EXPECT_EQ(study.runs.size(), 7U);
  EXPECT_EQ(outcome.study.points.size(), 3U);
}

TEST_F(StudyMerge, SameRunTwiceIsMergedOnceWhenIdentical) {
  const LoadedSweep s = sweep();
  record_all("a", s);
  record("b", s, s.plan.runs[0], false);
  record("b", s, s.plan.runs[3]);
  const MergeOutcome outcome = merge_study({path("a"), path("b")}, path("study.h5"));
  EXPECT_EQ(outcome.row_files, 8U);
  EXPECT_EQ(outcome.duplicates, 2U);
  EXPECT_EQ(outcome.with_series, 6U);
  EXPECT_EQ(io::read_study(path("study.h5")).runs.size(), 6U);
}

TEST_F(StudyMerge, SameRunTwiceWithOtherResultsNamesBothFiles) {
  const LoadedSweep s = sweep();
  record_all("a", s);
  io::Study other = header(s);
  other.runs.push_back(row(s.plan.runs[2]));
  other.runs.back().metrics[0] += 1;
  other.points = point_statistics(other.runs, 2);
  fs::create_directories(path("b"));
  const std::string file = path("b/run-" + std::to_string(s.plan.runs[2].run) + ".row.h5");
  io::write_study(other, file);
  const std::string first = path("a/run-" + std::to_string(s.plan.runs[2].run) + ".row.h5");
  try {
    merge_study({path("a"), path("b")}, path("study.h5"));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(first), HasSubstr(file)));
  }
  EXPECT_FALSE(fs::exists(path("study.h5")));
}

TEST_F(StudyMerge, RowOfAnotherStudyIsRejectedNamingItAndLeavesTheOutput) {
  const LoadedSweep s = sweep();
  record_all("runs", s);
  // The same sweep over another base scenario (another seed).
  std::string text = kBase + kSweep;
  text.replace(text.find("seed: 3"), 7, "seed: 4");
  const LoadedSweep other = load_sweep_text(text, "other.pbtxt", false);
  ASSERT_TRUE(other.ok());
  const std::string stray = record("stray", other, other.plan.runs[0]);
  std::ofstream(path("study.h5")) << "the previous study";
  try {
    merge_study({path("runs"), stray}, path("study.h5"));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(stray), HasSubstr("another study")));
  }
  EXPECT_EQ(read_bytes(path("study.h5")), "the previous study");
}

TEST_F(StudyMerge, RowsWithOtherMetricsOrParametersAreRejected) {
  const LoadedSweep s = sweep();
  record_all("runs", s);
  io::Study more = header(s);
  more.metrics.push_back("events");
  more.runs.push_back(row(s.plan.runs[0]));
  more.runs.back().metrics.push_back(1);
  more.points = point_statistics(more.runs, 3);
  io::write_study(more, path("more.row.h5"));
  EXPECT_THROW(merge_study({path("runs"), path("more.row.h5")}, path("study.h5")),
               std::invalid_argument);
  io::Study renamed = header(s);
  renamed.parameters = {"load"};
  renamed.runs.push_back(row(s.plan.runs[0]));
  renamed.points = point_statistics(renamed.runs, 2);
  io::write_study(renamed, path("renamed.row.h5"));
  EXPECT_THROW(merge_study({path("runs"), path("renamed.row.h5")}, path("study.h5")),
               std::invalid_argument);
  EXPECT_FALSE(fs::exists(path("study.h5")));
}

TEST_F(StudyMerge, RowsThatDisagreeWithThePlanAreRejected) {
  // Same base scenario, parameters and run numbers, but seeds of another sweep.
  const LoadedSweep s = sweep();
  record_all("runs", s);
  const LoadedSweep crn = sweep(R"(sweep {
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: ["10", "20", "40"] }
  replications: 3
  common_random_numbers: true
})");
  ASSERT_TRUE(crn.ok());
  const PlannedRun* clash = nullptr;
  for (const PlannedRun& r : crn.plan.runs) {
    const PlannedRun* mine = s.plan.find(r.run);
    if (mine == nullptr) clash = &r;
  }
  ASSERT_NE(clash, nullptr);
  record("crn", crn, *clash);
  EXPECT_THROW(merge_study({path("runs"), path("crn")}, path("study.h5")), std::invalid_argument);
}

TEST_F(StudyMerge, FilesThatAreNotRowFilesAreRejectedByName) {
  const LoadedSweep s = sweep();
  record_all("runs", s);
  const std::string results = path("runs/run-" + std::to_string(s.plan.runs[0].run) + ".h5");
  std::ofstream(path("text.row.h5")) << "not HDF5";
  merge_study({path("runs")}, path("full.h5"));  // a study of six runs
  for (const std::string& bad : {results, path("text.row.h5"), path("full.h5")}) {
    SCOPED_TRACE(bad);
    try {
      merge_study({path("runs"), bad}, path("study.h5"));
      FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), AllOf(HasSubstr(bad), HasSubstr("not a row file")));
    }
  }
  EXPECT_FALSE(fs::exists(path("study.h5")));
}

TEST_F(StudyMerge, RowFileNamedForAnotherRunIsRejected) {
  const LoadedSweep s = sweep();
  const std::string file = record("runs", s, s.plan.runs[0]);
  const std::string renamed =
      path("runs/run-" + std::to_string(s.plan.runs[0].run + 1000) + ".row.h5");
  fs::rename(file, renamed);
  try {
    merge_study({path("runs")}, path("study.h5"));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr(renamed));
  }
}

TEST_F(StudyMerge, NoRowsIsBadInput) {
  fs::create_directories(path("empty"));
  EXPECT_THROW(merge_study({path("empty")}, path("study.h5")), std::invalid_argument);
  EXPECT_THROW(merge_study({path("nowhere")}, path("study.h5")), std::invalid_argument);
  EXPECT_FALSE(fs::exists(path("study.h5")));
}

TEST_F(StudyMerge, MergesWithoutAPlanWhenTheScenarioTextDoesNotExpand) {
  const LoadedSweep s = sweep();
  io::Study one = header(s);
  one.scenario_text = "this { is not a scenario";
  one.runs.push_back(row(s.plan.runs[0]));
  one.points = point_statistics(one.runs, 2);
  fs::create_directories(path("runs"));
  io::write_study(one, path("runs/run-" + std::to_string(s.plan.runs[0].run) + ".row.h5"));
  const MergeOutcome outcome = merge_study({path("runs")}, path("study.h5"));
  EXPECT_FALSE(outcome.plan_known);
  EXPECT_FALSE(outcome.plan_problem.empty());
  EXPECT_EQ(outcome.study.runs.size(), 1U);
  EXPECT_EQ(io::read_study(path("study.h5")).scenario_text, "this { is not a scenario");
}

}  // namespace
}  // namespace tcpsim::batch
