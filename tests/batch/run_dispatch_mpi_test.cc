// Dispatch across the ranks of an MPI job; run under mpirun with two or more ranks, where every
// rank runs every test (they are collective) and only rank 0 prints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "batch/mpi_job.h"
#include "batch/run_dispatch.h"

namespace tcpsim::batch {
namespace {

const MpiJob* job = nullptr;

std::string where(std::size_t task) {
  usleep(5000);
  return std::to_string(task) + "@" + std::to_string(job->rank());
}

TEST(RunDispatchMpi, EveryTaskRunsOnceSomewhereAndItsResultReachesRankZero) {
  ASSERT_GE(job->size(), 2);
  std::map<std::size_t, std::string> results;
  dispatch(*job, 400, 2, where, [&](std::size_t i, std::string r) {
    EXPECT_TRUE(results.emplace(i, std::move(r)).second) << "task " << i << " twice";
  });
  if (!job->root()) return;
  ASSERT_EQ(results.size(), 400U);
  std::set<std::string> ranks;
  for (const auto& [i, r] : results) {
    ASSERT_EQ(r.substr(0, r.find('@')), std::to_string(i));
    ranks.insert(r.substr(r.find('@') + 1));
  }
  EXPECT_EQ(ranks.size(), static_cast<std::size_t>(job->size())) << "some rank got no task";
}

TEST(RunDispatchMpi, ABusyRankGetsFewerTasks) {
  // Rank 1 is slow on each task: the others take most of them, where a static split would
  // give it a third.
  std::map<std::size_t, int> rank_of;
  dispatch(
      *job, 60, 1,
      [](std::size_t) {
        usleep(job->rank() == 1 ? 200'000 : 5'000);
        return std::to_string(job->rank());
      },
      [&](std::size_t i, const std::string& r) { rank_of[i] = std::stoi(r); });
  if (!job->root()) return;
  int on_one = 0;
  for (const auto& [i, r] : rank_of) on_one += r == 1 ? 1 : 0;
  EXPECT_LT(on_one, 15) << "rank 1 was given tasks without asking";
}

TEST(RunDispatchMpi, AFailureOnAnotherRankReachesRankZero) {
  std::set<std::size_t> collected;
  const auto run = [&] {
    dispatch(
        *job, 5000, 1,
        [](std::size_t i) -> std::string {
          if (job->rank() == 1) throw std::runtime_error("task " + std::to_string(i) + " failed");
          usleep(1000);
          return {};
        },
        [&](std::size_t i, const std::string&) { collected.insert(i); });
  };
  if (job->root()) {
    try {
      run();
      ADD_FAILURE() << "no exception on rank 0";
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(), ::testing::StartsWith("task ")) << e.what();
    }
    EXPECT_LT(collected.size(), 5000U) << "tasks still handed out after the failure";
  } else {
    EXPECT_NO_THROW(run());
  }
}

TEST(RunDispatchMpi, ShareFromRootGivesEveryRankTheBytesOrTheError) {
  EXPECT_EQ(share_from_root(*job, [] { return std::string("from 0\0x", 8); }),
            std::string("from 0\0x", 8));
  try {
    share_from_root(*job, []() -> std::string { throw std::invalid_argument("field x: bad"); });
    ADD_FAILURE() << "no exception on rank " << job->rank();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "field x: bad");
  }
  EXPECT_THROW(share_from_root(*job, []() -> std::string { throw std::logic_error("oops"); }),
               std::exception);
}

}  // namespace
}  // namespace tcpsim::batch

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const tcpsim::batch::MpiJob job;
  tcpsim::batch::job = &job;
  if (!job.root()) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  return RUN_ALL_TESTS();
}
