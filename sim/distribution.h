// A probability distribution of real values (delays, sizes, think times) as a small value type,
// sampled from a RandomStream; factories validate their parameters.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "sim/random_stream.h"

namespace tcpsim::sim {

class Distribution {
 public:
  enum class Kind {
    kConstant,
    kUniform,
    kExponential,
    kNormal,
    kLognormal,
    kPareto,
    kEmpirical,
    kPiecewiseLinear,
  };

  // The constant 0.
  Distribution() = default;

  // Every factory throws std::invalid_argument naming the offending parameter.
  static Distribution constant(double value);
  // Uniform on [lo, hi); lo == hi is allowed and gives the constant lo.
  static Distribution uniform(double lo, double hi);
  static Distribution exponential(double mean);
  static Distribution normal(double mean, double stddev);
  // exp(N(mu, sigma^2)): mu and sigma are those of the underlying normal.
  static Distribution lognormal(double mu, double sigma);
  static Distribution lognormal_from_mean_stddev(double mean, double stddev);
  // P(X > x) = (scale / x)^shape for x >= scale.
  static Distribution pareto(double scale, double shape);
  // Discrete: values[i] with probability weights[i] / sum(weights).
  static Distribution empirical(std::vector<double> values, std::vector<double> weights);
  // Continuous, with the piecewise-linear CDF through (points[i], cdf[i]); points must be
  // non-decreasing and cdf non-decreasing from 0 to 1.
  static Distribution piecewise_linear_cdf(std::vector<double> points, std::vector<double> cdf);

  double sample(RandomStream& rng) const {
    switch (kind_) {
      case Kind::kConstant:
        return a_;
      case Kind::kUniform:
        return rng.uniform(a_, b_);
      case Kind::kExponential:
        return rng.exponential(a_);
      case Kind::kNormal:
        return rng.normal(a_, b_);
      case Kind::kLognormal:
        return std::exp(rng.normal(a_, b_));
      case Kind::kPareto:
        return a_ * std::pow(1.0 - rng.uniform01(), -1.0 / b_);
      case Kind::kEmpirical:
        return values_[bucket(rng.uniform01())];
      case Kind::kPiecewiseLinear:
        return interpolate(rng.uniform01());
    }
    return a_;
  }

  [[nodiscard]] Kind kind() const { return kind_; }
  bool operator==(const Distribution&) const = default;
  // Infinite where the moment does not exist (Pareto with shape <= 1, resp. <= 2).
  [[nodiscard]] double mean() const;
  [[nodiscard]] double variance() const;
  [[nodiscard]] std::string describe() const;

 private:
  Distribution(Kind kind, double a, double b) : kind_(kind), a_(a), b_(b) {}

  // The first index whose cumulative probability exceeds u, for u in [0, 1).
  [[nodiscard]] std::size_t bucket(double u) const {
    return static_cast<std::size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), u) -
                                    cumulative_.begin());
  }
  [[nodiscard]] double interpolate(double u) const {
    const std::size_t i = bucket(u) - 1;
    const double t = (u - cumulative_[i]) / (cumulative_[i + 1] - cumulative_[i]);
    return values_[i] + (values_[i + 1] - values_[i]) * t;
  }

  Kind kind_ = Kind::kConstant;
  double a_ = 0;
  double b_ = 0;
  std::vector<double> values_;
  std::vector<double> cumulative_;  // ends with exactly 1
};

}  // namespace tcpsim::sim
