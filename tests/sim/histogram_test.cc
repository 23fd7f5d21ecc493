#include "sim/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "sim/time.h"

namespace tcpsim::sim {
namespace {

using Bucket = Histogram::Bucket;

TEST(HistogramTest, EmptyHistogram) {
  const Histogram h(1'000'000, 7);
  EXPECT_EQ(h.count(), 0U);
  EXPECT_EQ(h.overflow(), 0U);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.stddev(), 0.0);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_TRUE(h.buckets().empty());
}

TEST(HistogramTest, LayoutOfDefaultPrecision) {
  const Histogram h(1'000'000'000, 7);
  EXPECT_EQ(h.relative_error(), 1.0 / 128);
  // Below 2 * 128 every value has its own bucket.
  EXPECT_EQ(h.lowest_equivalent(255), 255);
  EXPECT_EQ(h.highest_equivalent(255), 255);
  // [256, 512) in buckets of width 2, [512, 1024) of width 4.
  EXPECT_EQ(h.lowest_equivalent(257), 256);
  EXPECT_EQ(h.highest_equivalent(256), 257);
  EXPECT_EQ(h.lowest_equivalent(1001), 1000);
  EXPECT_EQ(h.highest_equivalent(1001), 1003);
  // 2^18 <= 500000 < 2^19: width 2^11.
  EXPECT_EQ(h.lowest_equivalent(500'000), 499'712);
  EXPECT_EQ(h.highest_equivalent(500'000), 501'759);
  // 1e9 sits in [2^29, 2^30), 128 buckets per power of two from 2^7 up.
  EXPECT_EQ(h.bucket_count(), (29U - 7U) * 128U + (1'000'000'000U >> 22U) + 1U);
}

TEST(HistogramTest, BucketsTileTheRangeWithinRelativeError) {
  const Histogram h;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const auto bits = 1 + static_cast<int>(rng() % 63);
    const auto v = static_cast<std::int64_t>(rng() >> (64 - bits));
    const std::int64_t lo = h.lowest_equivalent(v);
    const std::int64_t hi = h.highest_equivalent(v);
    ASSERT_LE(lo, v);
    ASSERT_GE(hi, v);
    ASSERT_LE(static_cast<double>(hi - lo), static_cast<double>(lo) * h.relative_error()) << v;
    if (hi < std::numeric_limits<std::int64_t>::max()) {
      ASSERT_EQ(h.lowest_equivalent(hi + 1), hi + 1) << v;
    }
    if (lo > 0) {
      ASSERT_EQ(h.highest_equivalent(lo - 1), lo - 1) << v;
    }
  }
  EXPECT_EQ(h.highest_equivalent(std::numeric_limits<std::int64_t>::max()),
            std::numeric_limits<std::int64_t>::max());
}

TEST(HistogramTest, SmallValuesAreRecordedExactly) {
  Histogram h(1'000'000, 7);
  for (std::int64_t v = 0; v < 256; ++v) h.record(v);
  const std::vector<Bucket> buckets = h.buckets();
  ASSERT_EQ(buckets.size(), 256U);
  for (std::int64_t v = 0; v < 256; ++v) {
    EXPECT_EQ(buckets[static_cast<std::size_t>(v)], (Bucket{v, v, 1}));
  }
  EXPECT_EQ(h.percentile(0), 0);
  EXPECT_EQ(h.percentile(50), 127);
  EXPECT_EQ(h.percentile(90), 230);  // rank ceil(230.4) = 231
  EXPECT_EQ(h.percentile(100), 255);
}

TEST(HistogramTest, PercentileIsNearestRank) {
  Histogram h(1'000'000, 10);  // 1..1000 all below 2 * 1024: exact
  for (std::int64_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0), 1);
  EXPECT_EQ(h.percentile(0.1), 1);
  EXPECT_EQ(h.percentile(0.15), 2);
  EXPECT_EQ(h.percentile(50), 500);
  EXPECT_EQ(h.percentile(50.01), 501);
  EXPECT_EQ(h.percentile(99.9), 999);
  EXPECT_EQ(h.percentile(99.95), 1000);
  EXPECT_EQ(h.percentile(100), 1000);
}

TEST(HistogramTest, ExactMinMaxCountAndMoments) {
  Histogram h(std::numeric_limits<std::int64_t>::max(), 7);
  h.record(1000);
  h.record(5);
  h.record(123'456'789);
  h.record(5, 2);
  EXPECT_EQ(h.count(), 5U);
  EXPECT_EQ(h.min(), 5);
  EXPECT_EQ(h.max(), 123'456'789);
  const double mean = (1000.0 + 5 * 3 + 123'456'789.0) / 5;
  EXPECT_DOUBLE_EQ(h.mean(), mean);
  const double ss = (1000 - mean) * (1000 - mean) + 3 * (5 - mean) * (5 - mean) +
                    (123'456'789 - mean) * (123'456'789 - mean);
  EXPECT_NEAR(h.stddev(), std::sqrt(ss / 5), 1e-9 * std::sqrt(ss / 5));
  EXPECT_EQ(h.percentile(0), 5);
  EXPECT_EQ(h.percentile(60), 5);
  EXPECT_EQ(h.percentile(80), h.highest_equivalent(1000));
  EXPECT_EQ(h.percentile(100), 123'456'789);
}

TEST(HistogramTest, RecordWithCountEqualsRepeatedRecords) {
  Histogram a(1'000'000, 7);
  Histogram b(1'000'000, 7);
  a.record(777, 3);
  a.record(12, 2);
  for (int i = 0; i < 3; ++i) b.record(777);
  for (int i = 0; i < 2; ++i) b.record(12);
  EXPECT_EQ(a.buckets(), b.buckets());
  EXPECT_EQ(a.count(), 5U);
  EXPECT_DOUBLE_EQ(a.mean(), b.mean());
  EXPECT_DOUBLE_EQ(a.stddev(), b.stddev());
}

TEST(HistogramTest, ZeroCountRecordIsIgnored) {
  Histogram h(1'000'000, 7);
  h.record(500, 0);
  EXPECT_EQ(h.count(), 0U);
  EXPECT_EQ(h.max(), 0);
  EXPECT_TRUE(h.buckets().empty());
}

TEST(HistogramTest, UniformPercentilesWithinRelativeError) {
  constexpr std::int64_t kN = 1'000'000;
  Histogram h(kSecond, 7);
  for (std::int64_t v = 1; v <= kN; ++v) h.record(v);
  EXPECT_EQ(h.count(), static_cast<std::uint64_t>(kN));
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), kN);
  EXPECT_DOUBLE_EQ(h.mean(), 500'000.5);
  EXPECT_NEAR(h.stddev(), std::sqrt((1e12 - 1) / 12), 1e-6);

  struct Case {
    double p;
    std::int64_t exact;
  };
  for (const Case c : {Case{50, 500'000}, Case{90, 900'000}, Case{99, 990'000}, Case{99.9, 999'000},
                       Case{99.99, 999'900}}) {
    const std::int64_t got = h.percentile(c.p);
    EXPECT_GE(got, c.exact) << c.p;
    EXPECT_LT(static_cast<double>(got), static_cast<double>(c.exact) * (1 + h.relative_error()))
        << c.p;
    EXPECT_EQ(got, std::min(h.highest_equivalent(c.exact), kN)) << c.p;
  }
  EXPECT_EQ(h.percentile(50), 501'759);
  EXPECT_EQ(h.percentile(0), 1);
  EXPECT_EQ(h.percentile(100), kN);
}

TEST(HistogramTest, MergeEqualsRecordingAllIntoOne) {
  Histogram all(kSecond, 7);
  Histogram a(kSecond, 7);
  Histogram b(kSecond, 7);
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(13.0, 2.0);
  for (int i = 0; i < 200'000; ++i) {
    const auto v = static_cast<std::int64_t>(latency(rng));
    all.record(v);
    (i % 3 == 0 ? a : b).record(v);
  }
  for (const std::int64_t v : {kSecond, 2 * kSecond, Time{0}}) {
    all.record(v);
    b.record(v);
  }
  ASSERT_GT(all.overflow(), 0U);
  a.merge(b);
  EXPECT_EQ(a.buckets(), all.buckets());
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.overflow(), all.overflow());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_NEAR(a.mean(), all.mean(), 1e-12 * all.mean());
  EXPECT_NEAR(a.stddev(), all.stddev(), 1e-12 * all.stddev());
  for (const double p : {0.0, 10.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(a.percentile(p), all.percentile(p)) << p;
  }
}

TEST(HistogramTest, MergeWithEmptySides) {
  Histogram full(1'000'000, 7);
  full.record(10);
  full.record(90'000);
  Histogram empty(1'000'000, 7);
  empty.merge(full);
  EXPECT_EQ(empty.buckets(), full.buckets());
  EXPECT_EQ(empty.min(), 10);
  EXPECT_EQ(empty.max(), 90'000);
  EXPECT_EQ(empty.mean(), full.mean());
  EXPECT_EQ(empty.stddev(), full.stddev());
  const Histogram none(1'000'000, 7);
  full.merge(none);
  EXPECT_EQ(full.count(), 2U);
  EXPECT_EQ(full.min(), 10);
}

TEST(HistogramTest, MergeOfMismatchedLayoutsThrows) {
  Histogram h(1'000'000, 7);
  const Histogram other_precision(1'000'000, 8);
  const Histogram other_range(2'000'000, 7);
  EXPECT_THROW(h.merge(other_precision), std::invalid_argument);
  EXPECT_THROW(h.merge(other_range), std::invalid_argument);
}

TEST(HistogramTest, OverflowIsClampedIntoTopBucket) {
  Histogram h(1000, 7);
  h.record(10);
  h.record(2000);
  h.record(5000, 2);
  h.record(1000);
  EXPECT_EQ(h.count(), 5U);
  EXPECT_EQ(h.overflow(), 3U);
  EXPECT_EQ(h.buckets(), (std::vector<Bucket>{{10, 10, 1}, {1000, 1003, 4}}));
  EXPECT_EQ(h.min(), 10);
  EXPECT_EQ(h.max(), 5000);
  EXPECT_EQ(h.percentile(50), 1003);
  EXPECT_EQ(h.percentile(100), 5000);
}

TEST(HistogramTest, LargestValuesFitTheDefaultLayout) {
  Histogram h;
  const std::int64_t top = std::numeric_limits<std::int64_t>::max();
  h.record(top);
  h.record(0);
  EXPECT_EQ(h.overflow(), 0U);
  const std::vector<Bucket> buckets = h.buckets();
  ASSERT_EQ(buckets.size(), 2U);
  EXPECT_EQ(buckets[1].highest, top);
  EXPECT_EQ(buckets[1].lowest, top - (top >> 8));
  EXPECT_EQ(h.max(), top);
}

TEST(HistogramTest, ResetKeepsLayout) {
  Histogram h(1000, 7);
  h.record(3);
  h.record(4000);
  h.reset();
  EXPECT_EQ(h.count(), 0U);
  EXPECT_EQ(h.overflow(), 0U);
  EXPECT_EQ(h.max(), 0);
  EXPECT_TRUE(h.buckets().empty());
  h.record(7);
  EXPECT_EQ(h.min(), 7);
  EXPECT_EQ(h.max(), 7);
  EXPECT_EQ(h.mean(), 7.0);
  EXPECT_EQ(h.highest_trackable(), 1000);
  EXPECT_EQ(h.sub_bucket_bits(), 7);
}

TEST(HistogramTest, PagesAreAllocatedWhereValuesLand) {
  // The default layout spans 2^63 in 57 pages of 128 buckets; none is held until used.
  Histogram h;
  const std::size_t table = h.memory_bytes();
  EXPECT_EQ(table, 57 * sizeof(void*));
  constexpr std::size_t kPage = 128 * sizeof(std::uint64_t);
  h.record(1'500'000);  // 1.5 ms: one page
  EXPECT_EQ(h.memory_bytes(), table + kPage);
  h.record(1'600'000);  // same power of two: same page
  h.record(0);          // the exact buckets' first page
  EXPECT_EQ(h.memory_bytes(), table + 2 * kPage);
  EXPECT_EQ(h.count(), 3U);
  EXPECT_EQ(h.percentile(50), h.highest_equivalent(1'500'000));
  EXPECT_EQ(h.percentile(100), 1'600'000);

  // A copy is deep and holds the same pages; merging fills only the pages used.
  const Histogram copy = h;
  h.record(1'500'000);
  EXPECT_EQ(copy.count(), 3U);
  EXPECT_EQ(copy.memory_bytes(), h.memory_bytes());
  Histogram merged;
  merged.merge(copy);
  EXPECT_EQ(merged.buckets(), copy.buckets());
  EXPECT_EQ(merged.memory_bytes(), copy.memory_bytes());
  merged.reset();
  EXPECT_EQ(merged.memory_bytes(), copy.memory_bytes());
  EXPECT_TRUE(merged.buckets().empty());
}

TEST(HistogramTest, LastPageEndsAtTheTopBucket) {
  // 1000 < 2^10 with 10 sub-bucket bits: one page of 1001 buckets, not 1024.
  Histogram h(1000, 10);
  EXPECT_EQ(h.bucket_count(), 1001U);
  h.record(1000);
  h.record(5000);  // overflow: counted in the top bucket
  EXPECT_EQ(h.memory_bytes(), sizeof(void*) + 1001 * sizeof(std::uint64_t));
  const std::vector<Bucket> b = h.buckets();
  ASSERT_EQ(b.size(), 1U);
  EXPECT_EQ(b[0], (Bucket{1000, 1000, 2}));
}

TEST(HistogramTest, InvalidArgumentsThrow) {
  EXPECT_THROW(Histogram(0, 7), std::invalid_argument);
  EXPECT_THROW(Histogram(1000, 0), std::invalid_argument);
  EXPECT_THROW(Histogram(1000, Histogram::kMaxSubBucketBits + 1), std::invalid_argument);
  Histogram h(1000, 7);
  EXPECT_THROW(h.record(-1), std::invalid_argument);
  h.record(1);
  EXPECT_THROW((void)h.percentile(-0.5), std::invalid_argument);
  EXPECT_THROW((void)h.percentile(100.5), std::invalid_argument);
  EXPECT_THROW((void)h.percentile(std::nan("")), std::invalid_argument);
}

}  // namespace
}  // namespace tcpsim::sim
