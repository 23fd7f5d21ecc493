#include "sim/distribution.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpsim::sim {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

[[noreturn]] void fail(std::string_view factory, std::string_view parameter,
                       std::string_view problem, double got) {
  throw std::invalid_argument(fmt::format("{}: {} {}, got {}", factory, parameter, problem, got));
}

void require_finite(std::string_view factory, std::string_view parameter, double value) {
  if (!std::isfinite(value)) {
    fail(factory, parameter, "must be finite", value);
  }
}

void require_positive(std::string_view factory, std::string_view parameter, double value) {
  require_finite(factory, parameter, value);
  if (!(value > 0)) {
    fail(factory, parameter, "must be > 0", value);
  }
}

void require_non_negative(std::string_view factory, std::string_view parameter, double value) {
  require_finite(factory, parameter, value);
  if (!(value >= 0)) {
    fail(factory, parameter, "must be >= 0", value);
  }
}

void require_size(std::string_view factory, std::string_view what, std::size_t size,
                  std::size_t expected) {
  if (size != expected) {
    throw std::invalid_argument(
        fmt::format("{}: {} must have {} entries, got {}", factory, what, expected, size));
  }
}

}  // namespace

Distribution Distribution::constant(double value) {
  require_finite("constant", "value", value);
  return {Kind::kConstant, value, 0};
}

Distribution Distribution::uniform(double lo, double hi) {
  require_finite("uniform", "lo", lo);
  require_finite("uniform", "hi", hi);
  if (!(hi >= lo)) {
    throw std::invalid_argument(fmt::format("uniform: hi must be >= lo, got lo={} hi={}", lo, hi));
  }
  return {Kind::kUniform, lo, hi};
}

Distribution Distribution::exponential(double mean) {
  require_positive("exponential", "mean", mean);
  return {Kind::kExponential, mean, 0};
}

Distribution Distribution::normal(double mean, double stddev) {
  require_finite("normal", "mean", mean);
  require_non_negative("normal", "stddev", stddev);
  return {Kind::kNormal, mean, stddev};
}

Distribution Distribution::lognormal(double mu, double sigma) {
  require_finite("lognormal", "mu", mu);
  require_non_negative("lognormal", "sigma", sigma);
  return {Kind::kLognormal, mu, sigma};
}

Distribution Distribution::lognormal_from_mean_stddev(double mean, double stddev) {
  require_positive("lognormal_from_mean_stddev", "mean", mean);
  require_non_negative("lognormal_from_mean_stddev", "stddev", stddev);
  const double ratio = stddev / mean;
  const double sigma2 = std::log1p(ratio * ratio);
  return {Kind::kLognormal, std::log(mean) - sigma2 / 2, std::sqrt(sigma2)};
}

Distribution Distribution::pareto(double scale, double shape) {
  require_positive("pareto", "scale", scale);
  require_positive("pareto", "shape", shape);
  return {Kind::kPareto, scale, shape};
}

Distribution Distribution::empirical(std::vector<double> values, std::vector<double> weights) {
  if (values.empty()) {
    throw std::invalid_argument("empirical: values must not be empty");
  }
  require_size("empirical", "weights", weights.size(), values.size());
  double total = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    require_finite("empirical", fmt::format("values[{}]", i), values[i]);
    require_non_negative("empirical", fmt::format("weights[{}]", i), weights[i]);
    total += weights[i];
  }
  require_positive("empirical", "sum of weights", total);

  Distribution d(Kind::kEmpirical, 0, 0);
  d.cumulative_.reserve(weights.size());
  double partial = 0;
  for (const double w : weights) {
    partial += w;
    d.cumulative_.push_back(partial / total);
  }
  d.values_ = std::move(values);
  return d;
}

Distribution Distribution::piecewise_linear_cdf(std::vector<double> points,
                                                std::vector<double> cdf) {
  constexpr std::string_view kName = "piecewise_linear_cdf";
  constexpr double kEndTolerance = 1e-9;
  if (points.size() < 2) {
    throw std::invalid_argument(
        fmt::format("{}: points must have at least 2 entries, got {}", kName, points.size()));
  }
  require_size(kName, "cdf", cdf.size(), points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    require_finite(kName, fmt::format("points[{}]", i), points[i]);
    require_finite(kName, fmt::format("cdf[{}]", i), cdf[i]);
    if (i > 0 && points[i] < points[i - 1]) {
      fail(kName, fmt::format("points[{}]", i),
           fmt::format("must be >= points[{}] = {}", i - 1, points[i - 1]), points[i]);
    }
    if (i > 0 && cdf[i] < cdf[i - 1]) {
      fail(kName, fmt::format("cdf[{}]", i),
           fmt::format("must be >= cdf[{}] = {}", i - 1, cdf[i - 1]), cdf[i]);
    }
  }
  if (std::abs(cdf.front()) > kEndTolerance) {
    fail(kName, "cdf[0]", "must be 0", cdf.front());
  }
  if (std::abs(cdf.back() - 1) > kEndTolerance) {
    fail(kName, fmt::format("cdf[{}]", cdf.size() - 1), "must be 1", cdf.back());
  }
  const double last = cdf.back();
  for (double& c : cdf) {
    c = std::max(c / last, 0.0);
  }
  cdf.front() = 0;

  Distribution d(Kind::kPiecewiseLinear, 0, 0);
  d.values_ = std::move(points);
  d.cumulative_ = std::move(cdf);
  return d;
}

double Distribution::mean() const {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kUniform:
      return (a_ + b_) / 2;
    case Kind::kExponential:
    case Kind::kNormal:
      return a_;
    case Kind::kLognormal:
      return std::exp(a_ + b_ * b_ / 2);
    case Kind::kPareto:
      return b_ > 1 ? b_ * a_ / (b_ - 1) : kInfinity;
    case Kind::kEmpirical: {
      double sum = 0;
      double previous = 0;
      for (std::size_t i = 0; i < values_.size(); ++i) {
        sum += (cumulative_[i] - previous) * values_[i];
        previous = cumulative_[i];
      }
      return sum;
    }
    case Kind::kPiecewiseLinear: {
      double sum = 0;
      for (std::size_t i = 0; i + 1 < values_.size(); ++i) {
        sum += (cumulative_[i + 1] - cumulative_[i]) * (values_[i] + values_[i + 1]) / 2;
      }
      return sum;
    }
  }
  return a_;
}

double Distribution::variance() const {
  switch (kind_) {
    case Kind::kConstant:
      return 0;
    case Kind::kUniform:
      return (b_ - a_) * (b_ - a_) / 12;
    case Kind::kExponential:
      return a_ * a_;
    case Kind::kNormal:
      return b_ * b_;
    case Kind::kLognormal: {
      const double s2 = b_ * b_;
      return std::expm1(s2) * std::exp(2 * a_ + s2);
    }
    case Kind::kPareto:
      return b_ > 2 ? a_ * a_ * b_ / ((b_ - 1) * (b_ - 1) * (b_ - 2)) : kInfinity;
    case Kind::kEmpirical: {
      const double m = mean();
      double sum = 0;
      double previous = 0;
      for (std::size_t i = 0; i < values_.size(); ++i) {
        const double d = values_[i] - m;
        sum += (cumulative_[i] - previous) * d * d;
        previous = cumulative_[i];
      }
      return sum;
    }
    case Kind::kPiecewiseLinear: {
      // Each segment is uniform on [x0, x1], centred here on the mean for accuracy.
      const double m = mean();
      double sum = 0;
      for (std::size_t i = 0; i + 1 < values_.size(); ++i) {
        const double x0 = values_[i] - m;
        const double x1 = values_[i + 1] - m;
        sum += (cumulative_[i + 1] - cumulative_[i]) * (x0 * x0 + x0 * x1 + x1 * x1) / 3;
      }
      return sum;
    }
  }
  return 0;
}

std::string Distribution::describe() const {
  switch (kind_) {
    case Kind::kConstant:
      return fmt::format("constant({})", a_);
    case Kind::kUniform:
      return fmt::format("uniform(lo={}, hi={})", a_, b_);
    case Kind::kExponential:
      return fmt::format("exponential(mean={})", a_);
    case Kind::kNormal:
      return fmt::format("normal(mean={}, stddev={})", a_, b_);
    case Kind::kLognormal:
      return fmt::format("lognormal(mu={}, sigma={})", a_, b_);
    case Kind::kPareto:
      return fmt::format("pareto(scale={}, shape={})", a_, b_);
    case Kind::kEmpirical:
      return fmt::format("empirical({} values, mean={})", values_.size(), mean());
    case Kind::kPiecewiseLinear:
      return fmt::format("piecewise_linear_cdf({} points on [{}, {}])", values_.size(),
                         values_.front(), values_.back());
  }
  return "unknown";
}

}  // namespace tcpsim::sim
