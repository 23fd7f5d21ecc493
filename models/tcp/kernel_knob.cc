#include "models/tcp/kernel_knob.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <system_error>
#include <type_traits>
#include <utility>

#include "models/tcp/kernel_knob_text.h"
#include "models/tcp/kernel_knobs.h"
#include "sim/duration.h"

namespace tcpsim::tcp {
namespace {

template <class T>
std::optional<T> parse_integer(std::string_view text, std::string* error) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size()) {
    *error = fmt::format("\"{}\": expected {}", text,
                         std::is_signed_v<T> ? "an integer" : "a non-negative integer");
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    *error = fmt::format("\"{}\": out of range {}..{}", text, std::numeric_limits<T>::min(),
                         std::numeric_limits<T>::max());
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_bool(std::string_view text, std::string* error) {
  if (text == "true") return true;
  if (text == "false") return false;
  *error = fmt::format("\"{}\": expected true or false", text);
  return std::nullopt;
}

// "0, 1 or 2" for a short range, "in 1..127" or ">= 1" otherwise.
std::string integer_bounds(std::int64_t min, std::int64_t max, std::int64_t type_max) {
  if (max == type_max) return fmt::format(">= {}", min);
  if (max - min > 2) return fmt::format("in {}..{}", min, max);
  std::string values = fmt::format("{}", min);
  for (std::int64_t v = min + 1; v <= max; ++v) {
    values += fmt::format("{}{}", v == max ? " or " : ", ", v);
  }
  return values;
}

std::string duration_bounds(sim::Time min, sim::Time max) {
  if (max != sim::kTimeMax) {
    return fmt::format("between {} and {}", sim::format_duration(min), sim::format_duration(max));
  }
  if (min == sim::kNanosecond) return "> 0";
  return fmt::format(">= {}", sim::format_duration(min));
}

}  // namespace

std::optional<std::string> KernelKnob::parse(std::string_view text, KernelSettings& s) const {
  std::string error;
  switch (check_.kind) {
    case KnobKind::kInt:
      if (const auto v = parse_integer<int>(text, &error)) {
        s.*std::get<0>(member_) = *v;
        return std::nullopt;
      }
      break;
    case KnobKind::kUint:
      if (const auto v = parse_integer<std::uint32_t>(text, &error)) {
        s.*std::get<1>(member_) = *v;
        return std::nullopt;
      }
      break;
    case KnobKind::kBool:
      if (const auto v = parse_bool(text, &error)) {
        s.*std::get<2>(member_) = *v;
        return std::nullopt;
      }
      break;
    case KnobKind::kDuration:
      if (const auto v = sim::parse_duration(text, &error)) {
        s.*std::get<3>(member_) = *v;
        return std::nullopt;
      }
      break;
    case KnobKind::kPortRange:
      if (const auto v = parse_port_range(text, &error)) {
        s.*std::get<4>(member_) = *v;
        return std::nullopt;
      }
      break;
    case KnobKind::kPortList:
      if (auto v = parse_reserved_ports(text, &error)) {
        s.*std::get<5>(member_) = std::move(*v);
        return std::nullopt;
      }
      break;
  }
  return error;
}

std::string KernelKnob::format(const KernelSettings& s) const {
  switch (check_.kind) {
    case KnobKind::kInt:
      return fmt::format("{}", s.*std::get<0>(member_));
    case KnobKind::kUint:
      return fmt::format("{}", s.*std::get<1>(member_));
    case KnobKind::kBool:
      return s.*std::get<2>(member_) ? "true" : "false";
    case KnobKind::kDuration:
      return sim::format_duration(s.*std::get<3>(member_));
    case KnobKind::kPortRange:
      return format_port_range(s.*std::get<4>(member_));
    case KnobKind::kPortList:
      return format_reserved_ports(s.*std::get<5>(member_));
  }
  return {};
}

std::optional<std::string> KernelKnob::check(const KernelSettings& s) const {
  const auto number = [&s](const KernelKnob& knob) -> std::int64_t {
    switch (knob.check_.kind) {
      case KnobKind::kInt:
        return s.*std::get<0>(knob.member_);
      case KnobKind::kUint:
        return s.*std::get<1>(knob.member_);
      case KnobKind::kDuration:
        return s.*std::get<3>(knob.member_);
      default:
        return 0;
    }
  };
  const auto text = [&](std::int64_t v) {
    return check_.kind == KnobKind::kDuration ? sim::format_duration(v) : fmt::format("{}", v);
  };
  switch (check_.kind) {
    case KnobKind::kBool:
      return std::nullopt;
    case KnobKind::kPortRange: {
      const PortRange r = s.*std::get<4>(member_);
      if (r.low < check_.min || r.low > r.high || r.high > check_.max) {
        return fmt::format("low ({}) must be >= {} and <= high ({})", r.low, check_.min, r.high);
      }
      return std::nullopt;
    }
    case KnobKind::kPortList:
      for (const PortRange& r : s.*std::get<5>(member_)) {
        if (r.low < check_.min || r.high > check_.max) {
          return fmt::format("range {}-{} is not within {}..{}", r.low, r.high, check_.min,
                             check_.max);
        }
        if (r.low > r.high) return fmt::format("range {}-{} has low > high", r.low, r.high);
      }
      return std::nullopt;
    case KnobKind::kInt:
    case KnobKind::kUint:
    case KnobKind::kDuration:
      break;
  }
  const std::int64_t v = number(*this);
  if (v < check_.min || v > check_.max) {
    const std::string bounds =
        check_.kind == KnobKind::kDuration
            ? duration_bounds(check_.min, check_.max)
            : integer_bounds(check_.min, check_.max,
                             check_.kind == KnobKind::kInt
                                 ? std::numeric_limits<int>::max()
                                 : std::numeric_limits<std::uint32_t>::max());
    return fmt::format("must be {}, got {}", bounds, text(v));
  }
  if (!check_.at_most.empty()) {
    const KernelKnob* bound = find_kernel_knob(check_.at_most);
    if (bound != nullptr && v > number(*bound)) {
      return fmt::format("must be <= {} ({}), got {}", bound->name(), text(number(*bound)),
                         text(v));
    }
  }
  return std::nullopt;
}

}  // namespace tcpsim::tcp
