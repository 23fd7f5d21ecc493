#include "batch/point_statistics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tcpsim::batch {
namespace {

TEST(PointStatistics, MeanAndTInterval) {
  std::vector<io::StudyRun> runs(3);
  const double values[] = {1, 2, 3};
  for (int i = 0; i < 3; ++i) {
    runs[i].point = 7;
    runs[i].metrics = {values[i], std::nan("")};
  }
  const auto points = point_statistics(runs, 2);
  ASSERT_EQ(points.size(), 1U);
  EXPECT_EQ(points[0].replications, 3U);
  EXPECT_DOUBLE_EQ(points[0].mean[0], 2.0);
  EXPECT_NEAR(points[0].ci95[0], 4.3027 * 1.0 / std::sqrt(3.0), 1e-9);
  EXPECT_TRUE(std::isnan(points[0].mean[1]));
}

TEST(PointStatistics, TQuantiles) {
  EXPECT_NEAR(t975(1), 12.706, 1e-3);
  EXPECT_NEAR(t975(40), 2.0211, 1e-3);
  EXPECT_NEAR(t975(120), 1.9799, 1e-3);
}

}  // namespace
}  // namespace tcpsim::batch
