#include "sim/distribution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/random_stream.h"

namespace tcpsim::sim {
namespace {

using ::testing::HasSubstr;

constexpr int kSamples = 400'000;
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Moments {
  double mean = 0;
  double variance = 0;
  double fourth = 0;  // fourth central moment
};

Moments sample_moments(const Distribution& d, std::uint64_t entity) {
  RandomStream rng(1234, entity);
  std::vector<double> xs(kSamples);
  double sum = 0;
  for (double& x : xs) {
    x = d.sample(rng);
    sum += x;
  }
  Moments m;
  m.mean = sum / kSamples;
  for (const double x : xs) {
    const double dev = x - m.mean;
    m.variance += dev * dev;
    m.fourth += dev * dev * dev * dev;
  }
  m.variance /= kSamples - 1;
  m.fourth /= kSamples;
  return m;
}

// Checks the sample mean and variance against the distribution's own mean() and variance().
// Mean: within 5 standard errors, sqrt(variance / N).
// Variance: the sample variance has standard error sqrt((mu4 - sigma^4) / N), with the fourth
// central moment mu4 estimated from the same sample; within 5 of those.
void expect_moments_match(const Distribution& d, std::uint64_t entity) {
  SCOPED_TRACE(d.describe());
  const Moments m = sample_moments(d, entity);
  const double mean_tolerance = 5 * std::sqrt(d.variance() / kSamples);
  EXPECT_NEAR(m.mean, d.mean(), mean_tolerance);
  const double var_tolerance = 5 * std::sqrt((m.fourth - m.variance * m.variance) / kSamples);
  EXPECT_NEAR(m.variance, d.variance(), var_tolerance);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no exception>";
}

TEST(Distribution, ConstantAlwaysReturnsTheValue) {
  const Distribution d = Distribution::constant(2.75);
  RandomStream rng(1, 1);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(d.sample(rng), 2.75);
  }
  EXPECT_EQ(d.mean(), 2.75);
  EXPECT_EQ(d.variance(), 0.0);

  const Distribution zero;
  EXPECT_EQ(zero.sample(rng), 0.0);
  EXPECT_EQ(zero.kind(), Distribution::Kind::kConstant);
}

TEST(Distribution, UniformMomentsAndRange) {
  const Distribution d = Distribution::uniform(2.0, 5.0);
  EXPECT_DOUBLE_EQ(d.mean(), 3.5);
  EXPECT_DOUBLE_EQ(d.variance(), 9.0 / 12);
  expect_moments_match(d, 1);
  RandomStream rng(2, 2);
  for (int i = 0; i < 10'000; ++i) {
    const double x = d.sample(rng);
    ASSERT_GE(x, 2.0);
    ASSERT_LT(x, 5.0);
  }
  EXPECT_EQ(Distribution::uniform(3.0, 3.0).sample(rng), 3.0);
}

TEST(Distribution, ExponentialMoments) {
  const Distribution d = Distribution::exponential(0.25);
  EXPECT_DOUBLE_EQ(d.mean(), 0.25);
  EXPECT_DOUBLE_EQ(d.variance(), 0.0625);
  expect_moments_match(d, 2);
}

TEST(Distribution, NormalMoments) {
  const Distribution d = Distribution::normal(10.0, 3.0);
  EXPECT_DOUBLE_EQ(d.mean(), 10.0);
  EXPECT_DOUBLE_EQ(d.variance(), 9.0);
  expect_moments_match(d, 3);
}

TEST(Distribution, LognormalMoments) {
  const Distribution d = Distribution::lognormal(0.5, 0.6);
  EXPECT_DOUBLE_EQ(d.mean(), std::exp(0.5 + 0.18));
  EXPECT_DOUBLE_EQ(d.variance(), (std::exp(0.36) - 1) * std::exp(1.0 + 0.36));
  expect_moments_match(d, 4);
  RandomStream rng(4, 4);
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_GT(d.sample(rng), 0.0);
  }
}

TEST(Distribution, LognormalFromMeanStddevHasThatMeanAndStddev) {
  const Distribution d = Distribution::lognormal_from_mean_stddev(0.2, 0.1);
  EXPECT_NEAR(d.mean(), 0.2, 1e-12);
  EXPECT_NEAR(d.variance(), 0.01, 1e-12);
  expect_moments_match(d, 5);
}

TEST(Distribution, ParetoMoments) {
  // Shape 5: the variance and the fourth moment used for the tolerance both exist.
  const Distribution d = Distribution::pareto(2.0, 5.0);
  EXPECT_DOUBLE_EQ(d.mean(), 2.5);
  EXPECT_DOUBLE_EQ(d.variance(), 4.0 * 5 / (16 * 3));
  expect_moments_match(d, 6);
  RandomStream rng(6, 6);
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_GE(d.sample(rng), 2.0);
  }
}

TEST(Distribution, ParetoTailMatchesSurvivalFunction) {
  // P(X > x) = (scale / x)^shape; at x = 2 * scale with shape 1.5 that is 2^-1.5.
  const Distribution d = Distribution::pareto(1.0, 1.5);
  RandomStream rng(7, 7);
  int above = 0;
  for (int i = 0; i < kSamples; ++i) {
    above += d.sample(rng) > 2.0 ? 1 : 0;
  }
  const double p = std::pow(2.0, -1.5);
  EXPECT_NEAR(static_cast<double>(above) / kSamples, p, 5 * std::sqrt(p * (1 - p) / kSamples));
}

TEST(Distribution, ParetoMomentsAreInfiniteWhereTheyDoNotExist) {
  EXPECT_EQ(Distribution::pareto(1.0, 2.0).variance(), kInf);
  EXPECT_EQ(Distribution::pareto(1.0, 1.5).variance(), kInf);
  EXPECT_DOUBLE_EQ(Distribution::pareto(1.0, 1.5).mean(), 3.0);
  EXPECT_EQ(Distribution::pareto(1.0, 1.0).mean(), kInf);
  EXPECT_EQ(Distribution::pareto(1.0, 0.5).mean(), kInf);
}

TEST(Distribution, EmpiricalFrequenciesMatchWeights) {
  const std::vector<double> values = {1.0, 2.0, 5.0, 10.0, 7.0};
  const std::vector<double> weights = {1.0, 0.0, 3.0, 4.0, 2.0};
  const Distribution d = Distribution::empirical(values, weights);
  RandomStream rng(8, 8);
  std::vector<int> counts(values.size());
  for (int i = 0; i < kSamples; ++i) {
    const double x = d.sample(rng);
    bool found = false;
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (x == values[k]) {
        ++counts[k];
        found = true;
      }
    }
    ASSERT_TRUE(found) << x;
  }
  EXPECT_EQ(counts[1], 0);
  double chi2 = 0;
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (weights[k] == 0) {
      continue;
    }
    const double expected = kSamples * weights[k] / 10.0;
    chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
  }
  // 4 non-zero cells, 3 degrees of freedom: the 99.9% quantile of chi-square is 16.27.
  EXPECT_LT(chi2, 16.27);

  EXPECT_DOUBLE_EQ(d.mean(), (1.0 + 15.0 + 40.0 + 14.0) / 10);
  expect_moments_match(d, 9);
}

TEST(Distribution, EmpiricalTrailingZeroWeightIsNeverSampled) {
  const Distribution d = Distribution::empirical({1.0, 2.0, 3.0}, {0.0, 1e-300, 0.0});
  RandomStream rng(9, 9);
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_EQ(d.sample(rng), 2.0);
  }
  EXPECT_EQ(d.variance(), 0.0);
}

TEST(Distribution, PiecewiseLinearCdfFollowsTheCurve) {
  // Half the mass uniform on [0, 1], a quarter on [1, 1] (an atom), a quarter on [1, 5].
  const Distribution d =
      Distribution::piecewise_linear_cdf({0.0, 1.0, 1.0, 5.0}, {0.0, 0.5, 0.75, 1.0});
  EXPECT_DOUBLE_EQ(d.mean(), 0.5 * 0.5 + 0.25 * 1.0 + 0.25 * 3.0);
  expect_moments_match(d, 10);
  RandomStream rng(10, 10);
  int below_half = 0;
  int at_one = 0;
  for (int i = 0; i < kSamples; ++i) {
    const double x = d.sample(rng);
    ASSERT_GE(x, 0.0);
    ASSERT_LE(x, 5.0);
    if (x < 0.5) {
      ++below_half;
    }
    if (x == 1.0) {
      ++at_one;
    }
  }
  const double p = 0.25;
  const double tolerance = 5 * std::sqrt(p * (1 - p) / kSamples);
  EXPECT_NEAR(static_cast<double>(below_half) / kSamples, p, tolerance);
  EXPECT_NEAR(static_cast<double>(at_one) / kSamples, p, tolerance);
}

TEST(Distribution, SamplingIsDeterministicPerStream) {
  const Distribution d = Distribution::lognormal(0.0, 1.0);
  RandomStream a(77, 3);
  RandomStream b(77, 3);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(d.sample(a), d.sample(b));
  }
}

TEST(Distribution, InvalidParametersThrowNamingTheParameter) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(error_of([] { Distribution::exponential(-1); }),
              HasSubstr("exponential: mean must be > 0, got -1"));
  EXPECT_THAT(error_of([] { Distribution::exponential(0); }), HasSubstr("mean must be > 0"));
  EXPECT_THAT(error_of([&] { Distribution::exponential(nan); }),
              HasSubstr("exponential: mean must be finite"));
  EXPECT_THAT(error_of([] { Distribution::constant(kInf); }),
              HasSubstr("constant: value must be finite"));
  EXPECT_THAT(error_of([] { Distribution::uniform(2, 1); }),
              HasSubstr("uniform: hi must be >= lo, got lo=2 hi=1"));
  EXPECT_THAT(error_of([] { Distribution::uniform(-kInf, 1); }),
              HasSubstr("uniform: lo must be finite"));
  EXPECT_THAT(error_of([] { Distribution::normal(0, -0.5); }),
              HasSubstr("normal: stddev must be >= 0, got -0.5"));
  EXPECT_THAT(error_of([] { Distribution::lognormal(0, -1); }),
              HasSubstr("lognormal: sigma must be >= 0"));
  EXPECT_THAT(error_of([] { Distribution::lognormal_from_mean_stddev(0, 1); }),
              HasSubstr("lognormal_from_mean_stddev: mean must be > 0, got 0"));
  EXPECT_THAT(error_of([] { Distribution::lognormal_from_mean_stddev(1, -1); }),
              HasSubstr("lognormal_from_mean_stddev: stddev must be >= 0"));
  EXPECT_THAT(error_of([] { Distribution::pareto(0, 2); }),
              HasSubstr("pareto: scale must be > 0, got 0"));
  EXPECT_THAT(error_of([] { Distribution::pareto(1, -3); }),
              HasSubstr("pareto: shape must be > 0, got -3"));
  EXPECT_THAT(error_of([] { Distribution::empirical({}, {}); }),
              HasSubstr("empirical: values must not be empty"));
  EXPECT_THAT(error_of([] {
                Distribution::empirical({1, 2}, {1});
              }),
              HasSubstr("empirical: weights must have 2 entries, got 1"));
  EXPECT_THAT(error_of([] {
                Distribution::empirical({1, 2}, {1, -1});
              }),
              HasSubstr("empirical: weights[1] must be >= 0, got -1"));
  EXPECT_THAT(error_of([] {
                Distribution::empirical({1, 2}, {0, 0});
              }),
              HasSubstr("empirical: sum of weights must be > 0, got 0"));
  EXPECT_THAT(error_of([&] {
                Distribution::empirical({1, nan}, {1, 1});
              }),
              HasSubstr("empirical: values[1] must be finite"));
  EXPECT_THAT(error_of([] { Distribution::piecewise_linear_cdf({1}, {1}); }),
              HasSubstr("piecewise_linear_cdf: points must have at least 2 entries"));
  EXPECT_THAT(error_of([] {
                Distribution::piecewise_linear_cdf({1, 0}, {0, 1});
              }),
              HasSubstr("piecewise_linear_cdf: points[1] must be >= points[0]"));
  EXPECT_THAT(error_of([] {
                Distribution::piecewise_linear_cdf({0, 1, 2}, {0, 0.6, 0.5});
              }),
              HasSubstr("piecewise_linear_cdf: cdf[2] must be >= cdf[1]"));
  EXPECT_THAT(error_of([] {
                Distribution::piecewise_linear_cdf({0, 1}, {0.1, 1});
              }),
              HasSubstr("piecewise_linear_cdf: cdf[0] must be 0, got 0.1"));
  EXPECT_THAT(error_of([] {
                Distribution::piecewise_linear_cdf({0, 1}, {0, 0.9});
              }),
              HasSubstr("piecewise_linear_cdf: cdf[1] must be 1, got 0.9"));
}

TEST(Distribution, DescribeNamesKindAndParameters) {
  EXPECT_EQ(Distribution::constant(3).describe(), "constant(3)");
  EXPECT_EQ(Distribution::uniform(1, 2.5).describe(), "uniform(lo=1, hi=2.5)");
  EXPECT_EQ(Distribution::exponential(0.5).describe(), "exponential(mean=0.5)");
  EXPECT_EQ(Distribution::normal(1, 2).describe(), "normal(mean=1, stddev=2)");
  EXPECT_EQ(Distribution::lognormal(0, 1).describe(), "lognormal(mu=0, sigma=1)");
  EXPECT_EQ(Distribution::pareto(1, 2.5).describe(), "pareto(scale=1, shape=2.5)");
  EXPECT_EQ(Distribution::empirical({1, 3}, {1, 1}).describe(), "empirical(2 values, mean=2)");
  EXPECT_EQ(Distribution::piecewise_linear_cdf({0, 4}, {0, 1}).describe(),
            "piecewise_linear_cdf(2 points on [0, 4])");
}

}  // namespace
}  // namespace tcpsim::sim
