#include "scenarios/resolve_context.h"

#include <fmt/format.h>

#include <cmath>

#include "models/tcp/kernel_knobs.h"
#include "scenarios/distributions.h"
#include "scenarios/field_error.h"
#include "scenarios/field_path.h"
#include "scenarios/limits.h"
#include "sim/duration.h"

namespace tcpsim::scenarios {
namespace {

// The parameter of a size distribution that sets its scale, with its field: what
// limits::kMaxMessageBytes bounds.
std::pair<std::string, double> largest_size_parameter(const scenario::SizeDistribution& d) {
  using scenario::SizeDistribution;
  switch (d.kind_case()) {
    case SizeDistribution::kConstant:
      return {"constant.value", d.constant().value()};
    case SizeDistribution::kUniform:
      return {"uniform.hi", d.uniform().hi()};
    case SizeDistribution::kExponential:
      return {"exponential.mean", d.exponential().mean()};
    case SizeDistribution::kNormal:
      return {"normal.mean", d.normal().mean()};
    case SizeDistribution::kLognormal:
      return {"lognormal.mean", d.lognormal().mean()};
    case SizeDistribution::kPareto:
      return {"pareto.scale", d.pareto().scale()};
    case SizeDistribution::kEmpirical: {
      std::pair<std::string, double> out{"empirical.values", 0};
      for (int i = 0; i < d.empirical().values_size(); ++i) {
        if (d.empirical().values(i) > out.second) {
          out = {indexed("empirical.values", i), d.empirical().values(i)};
        }
      }
      return out;
    }
    case SizeDistribution::KIND_NOT_SET:
      break;
  }
  return {"", 0};
}

}  // namespace

std::optional<int> ResolveContext::group(const std::string& path, const std::string& name) {
  if (name.empty()) {
    error(path, "required: the name of a host group");
    return std::nullopt;
  }
  const auto it = group_index.find(name);
  if (it == group_index.end()) {
    error(path, fmt::format("unknown host group \"{}\"", name));
    return std::nullopt;
  }
  return it->second;
}

std::optional<sim::Time> ResolveContext::duration(const std::string& path, const std::string& text,
                                                  Need need) {
  if (text.empty()) {
    if (need == Need::kRequired) error(path, "required (a duration such as \"60s\")");
    return std::nullopt;
  }
  std::string message;
  auto t = sim::parse_duration(text, &message);
  if (!t) error(path, message);
  return t;
}

std::optional<sim::Time> ResolveContext::positive_duration(const std::string& path,
                                                           const std::string& text, Need need) {
  auto t = duration(path, text, need);
  if (t && *t <= 0) {
    error(path,
          need == Need::kRequired ? "must be > 0" : "must be > 0 (leave it empty for the default)");
    return std::nullopt;
  }
  return t;
}

std::optional<sim::Time> ResolveContext::duration_or(const std::string& path,
                                                     const std::string& text, sim::Time fallback) {
  if (text.empty()) return fallback;
  return duration(path, text, Need::kOptional);
}

std::optional<tcp::PortRange> ResolveContext::port_range(const std::string& path,
                                                         const std::string& text) {
  const tcp::KernelKnob& knob = *tcp::find_kernel_knob("ip_local_port_range");
  tcp::KernelSettings scratch;
  if (auto e = knob.parse(text, scratch)) {
    error(path, std::move(*e));
    return std::nullopt;
  }
  if (auto e = knob.check(scratch)) {
    error(path, std::move(*e));
    return std::nullopt;
  }
  return scratch.ip_local_port_range;
}

std::optional<double> ResolveContext::fraction(const std::string& path, double value) {
  if (!(value >= 0 && value <= 1)) {
    error(path, fmt::format("must be in [0, 1], got {}", value));
    return std::nullopt;
  }
  return value;
}

std::optional<double> ResolveContext::positive_rate(const std::string& path, double value) {
  if (!(value > 0) || !std::isfinite(value)) {
    error(path, fmt::format("rate must be > 0 per second, got {}", value));
    return std::nullopt;
  }
  return rate_at_most_limit(path, value);
}

std::optional<double> ResolveContext::non_negative_rate(const std::string& path, double value) {
  if (!(value >= 0) || !std::isfinite(value)) {
    error(path, fmt::format("rate must be >= 0 per second, got {}", value));
    return std::nullopt;
  }
  return rate_at_most_limit(path, value);
}

std::optional<double> ResolveContext::rate_at_most_limit(const std::string& path, double value) {
  if (value > limits::kMaxRatePerHost) {
    error(path, fmt::format("rate must be <= {:g} per second per host, got {:g}",
                            limits::kMaxRatePerHost, value));
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint16_t> ResolveContext::port(const std::string& path, std::uint32_t value) {
  if (value < 1 || value > 65535) {
    error(path, fmt::format("port {} is outside 1..65535", value));
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

std::optional<sim::Distribution> ResolveContext::time_distribution(
    const std::string& path, const scenario::TimeDistribution& d) {
  try {
    return to_distribution(d);
  } catch (const FieldError& e) {
    error(join_field_path(path, e.field()), e.what());
    return std::nullopt;
  }
}

std::optional<sim::Distribution> ResolveContext::message_size(const std::string& path,
                                                              const scenario::SizeDistribution& d) {
  if (d.kind_case() == scenario::SizeDistribution::KIND_NOT_SET) return std::nullopt;
  if (d.kind_case() == scenario::SizeDistribution::kConstant && d.constant().value() < 1) {
    error(join_field_path(path, "constant.value"),
          fmt::format("a message carries at least 1 byte, got {}", d.constant().value()));
    return std::nullopt;
  }
  if (const auto [field, value] = largest_size_parameter(d); value > limits::kMaxMessageBytes) {
    error(join_field_path(path, field),
          fmt::format("must be <= {:.0f} bytes (1 GiB), got {}", limits::kMaxMessageBytes, value));
    return std::nullopt;
  }
  try {
    return to_distribution(d);
  } catch (const FieldError& e) {
    error(join_field_path(path, e.field()), e.what());
    return std::nullopt;
  }
}

}  // namespace tcpsim::scenarios
