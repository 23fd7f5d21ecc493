#include "batch/run_dispatch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tcpsim::batch {
namespace {

// Without an MPI launcher the job is one rank and dispatch runs on threads.
TEST(RunDispatch, OneRankRunsEveryTaskOnceAndCollectsEveryResult) {
  const MpiJob job;
  ASSERT_FALSE(job.launched());
  for (unsigned threads : {1U, 2U, 5U}) {
    std::vector<std::atomic<int>> runs(100);
    std::map<std::size_t, std::string> results;
    dispatch(
        job, runs.size(), threads,
        [&](std::size_t i) {
          ++runs[i];
          return "task " + std::to_string(i);
        },
        [&](std::size_t i, std::string r) {
          EXPECT_TRUE(results.emplace(i, std::move(r)).second);
        });
    for (std::size_t i = 0; i < runs.size(); ++i) {
      EXPECT_EQ(runs[i], 1) << "task " << i << " with " << threads << " threads";
      EXPECT_EQ(results[i], "task " + std::to_string(i));
    }
    EXPECT_EQ(results.size(), runs.size());
  }
}

TEST(RunDispatch, WorkersTakeTasksAsTheyBecomeFree) {
  // One slow task: the other worker takes every other task meanwhile.
  const MpiJob job;
  std::map<std::size_t, std::thread::id> ran_on;
  dispatch(
      job, 20, 2,
      [](std::size_t i) {
        if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::ostringstream id;
        id << std::this_thread::get_id();
        return id.str();
      },
      [&](std::size_t i, const std::string&) { ran_on[i] = std::this_thread::get_id(); });
  ASSERT_EQ(ran_on.size(), 20U);
  for (std::size_t i = 1; i < 20; ++i) EXPECT_EQ(ran_on[i], ran_on[1]) << i;
  EXPECT_NE(ran_on[0], ran_on[1]);
}

TEST(RunDispatch, AFailureStopsHandingOutTasksAndIsRethrown) {
  const MpiJob job;
  std::atomic<int> started{0};
  EXPECT_THROW(
      {
        try {
          dispatch(
              job, 1000, 1,
              [&](std::size_t i) -> std::string {
                ++started;
                if (i == 3) throw std::runtime_error("run 3 failed");
                return {};
              },
              [](std::size_t, const std::string&) {});
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "run 3 failed");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_EQ(started, 4);
}

TEST(RunDispatch, NoTasks) {
  const MpiJob job;
  int calls = 0;
  dispatch(
      job, 0, 3, [&](std::size_t) { return std::string(); },
      [&](std::size_t, const std::string&) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ShareFromRoot, OneRankReturnsOrRethrowsTheStepsOutcome) {
  const MpiJob job;
  EXPECT_EQ(share_from_root(job, [] { return std::string("abc"); }), "abc");
  EXPECT_THROW(share_from_root(job, []() -> std::string { throw std::invalid_argument("bad"); }),
               std::invalid_argument);
}

}  // namespace
}  // namespace tcpsim::batch
