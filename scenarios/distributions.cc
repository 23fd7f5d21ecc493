#include "scenarios/distributions.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/field_error.h"
#include "sim/duration.h"

namespace tcpsim::scenarios {
namespace {

using scenario::SizeDistribution;
using scenario::TimeDistribution;

double seconds(std::string_view kind, std::string_view param, const std::string& text) {
  const std::string field = fmt::format("{}.{}", kind, param);
  if (text.empty()) throw FieldError(field, "required (a duration such as \"10ms\")");
  std::string error;
  const auto t = sim::parse_duration(text, &error);
  if (!t) throw FieldError(field, error);
  return sim::to_seconds(*t);
}

double optional_seconds(std::string_view kind, std::string_view param, const std::string& text) {
  return text.empty() ? 0.0 : seconds(kind, param, text);
}

double bytes(std::string_view kind, std::string_view param, double value) {
  if (!(value >= 0)) {
    throw FieldError(fmt::format("{}.{}", kind, param),
                     fmt::format("must be >= 0 bytes, got {}", value));
  }
  return value;
}

std::vector<double> weights_or_equal(const auto& weights, std::size_t count) {
  if (weights.empty()) return std::vector<double>(count, 1.0);
  return {weights.begin(), weights.end()};
}

template <typename Factory>
sim::Distribution make(std::string_view kind, Factory&& factory) {
  try {
    return factory();
  } catch (const FieldError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw FieldError(std::string(kind), e.what());
  }
}

}  // namespace

sim::Distribution to_distribution(const TimeDistribution& d) {
  switch (d.kind_case()) {
    case TimeDistribution::kConstant:
      return make("constant", [&] {
        return sim::Distribution::constant(seconds("constant", "value", d.constant().value()));
      });
    case TimeDistribution::kUniform:
      return make("uniform", [&] {
        const double lo = seconds("uniform", "lo", d.uniform().lo());
        const double hi = seconds("uniform", "hi", d.uniform().hi());
        return sim::Distribution::uniform(lo, hi);
      });
    case TimeDistribution::kExponential:
      return make("exponential", [&] {
        return sim::Distribution::exponential(
            seconds("exponential", "mean", d.exponential().mean()));
      });
    case TimeDistribution::kNormal:
      return make("normal", [&] {
        const double mean = seconds("normal", "mean", d.normal().mean());
        const double stddev = optional_seconds("normal", "stddev", d.normal().stddev());
        return sim::Distribution::normal(mean, stddev);
      });
    case TimeDistribution::kLognormal:
      return make("lognormal", [&] {
        const double mean = seconds("lognormal", "mean", d.lognormal().mean());
        const double stddev = optional_seconds("lognormal", "stddev", d.lognormal().stddev());
        return sim::Distribution::lognormal_from_mean_stddev(mean, stddev);
      });
    case TimeDistribution::kPareto:
      return make("pareto", [&] {
        return sim::Distribution::pareto(seconds("pareto", "scale", d.pareto().scale()),
                                         d.pareto().shape());
      });
    case TimeDistribution::kEmpirical:
      return make("empirical", [&] {
        const auto& e = d.empirical();
        std::vector<double> values;
        values.reserve(static_cast<std::size_t>(e.values_size()));
        for (int i = 0; i < e.values_size(); ++i) {
          values.push_back(seconds("empirical", fmt::format("values[{}]", i), e.values(i)));
        }
        const std::size_t n = values.size();
        return sim::Distribution::empirical(std::move(values), weights_or_equal(e.weights(), n));
      });
    case TimeDistribution::KIND_NOT_SET:
      break;
  }
  return sim::Distribution::constant(0);
}

sim::Distribution to_distribution(const SizeDistribution& d) {
  switch (d.kind_case()) {
    case SizeDistribution::kConstant:
      return make("constant", [&] {
        return sim::Distribution::constant(bytes("constant", "value", d.constant().value()));
      });
    case SizeDistribution::kUniform:
      return make("uniform", [&] {
        return sim::Distribution::uniform(bytes("uniform", "lo", d.uniform().lo()),
                                          d.uniform().hi());
      });
    case SizeDistribution::kExponential:
      return make("exponential",
                  [&] { return sim::Distribution::exponential(d.exponential().mean()); });
    case SizeDistribution::kNormal:
      return make("normal", [&] {
        return sim::Distribution::normal(d.normal().mean(), d.normal().stddev());
      });
    case SizeDistribution::kLognormal:
      return make("lognormal", [&] {
        return sim::Distribution::lognormal_from_mean_stddev(d.lognormal().mean(),
                                                             d.lognormal().stddev());
      });
    case SizeDistribution::kPareto:
      return make("pareto", [&] {
        return sim::Distribution::pareto(d.pareto().scale(), d.pareto().shape());
      });
    case SizeDistribution::kEmpirical:
      return make("empirical", [&] {
        const auto& e = d.empirical();
        std::vector<double> values;
        values.reserve(static_cast<std::size_t>(e.values_size()));
        for (int i = 0; i < e.values_size(); ++i) {
          values.push_back(bytes("empirical", fmt::format("values[{}]", i), e.values(i)));
        }
        const std::size_t n = values.size();
        return sim::Distribution::empirical(std::move(values), weights_or_equal(e.weights(), n));
      });
    case SizeDistribution::KIND_NOT_SET:
      break;
  }
  return sim::Distribution::constant(0);
}

}  // namespace tcpsim::scenarios
