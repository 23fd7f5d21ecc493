#include "scenarios/bandwidth.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

namespace tcpsim::scenarios {
namespace {

constexpr std::string_view kUnitChoices = "bit, kbit, Mbit, Gbit or Tbit";
// Beyond this a double no longer holds every whole number of bits per second.
constexpr double kMaxBitsPerSecond = 9.0e15;

struct Unit {
  std::string_view prefix;
  double scale;
};

constexpr std::array<Unit, 9> kUnits{{
    {"", 1.0},
    {"k", 1e3},
    {"K", 1e3},
    {"m", 1e6},
    {"M", 1e6},
    {"g", 1e9},
    {"G", 1e9},
    {"t", 1e12},
    {"T", 1e12},
}};

std::optional<std::uint64_t> fail(std::string* error, std::string_view text,
                                  std::string_view problem) {
  if (error != nullptr) *error = fmt::format("invalid bandwidth \"{}\": {}", text, problem);
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> parse_bandwidth(std::string_view text, std::string* error) {
  if (text.empty()) return fail(error, text, "empty string");
  if (text.front() == '+' || text.front() == '-') {
    return fail(error, text, "a sign is not allowed");
  }
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec == std::errc::result_out_of_range) return fail(error, text, "number out of range");
  if (ec != std::errc() || !std::isfinite(number)) {
    return fail(error, text, "expected a number followed by an optional unit");
  }
  const std::string_view unit = text.substr(static_cast<std::size_t>(end - text.data()));
  double scale = 0;
  if (unit.empty()) {
    scale = 1.0;
  } else if (unit.size() >= 3 && unit.substr(unit.size() - 3) == "bit") {
    const std::string_view prefix = unit.substr(0, unit.size() - 3);
    for (const Unit& u : kUnits) {
      if (u.prefix == prefix) scale = u.scale;
    }
  }
  if (scale == 0) {
    return fail(error, text, fmt::format("unknown unit \"{}\" (one of {})", unit, kUnitChoices));
  }
  const double bits = std::round(number * scale);
  if (bits < 1) return fail(error, text, "must be at least 1 bit per second");
  if (bits > kMaxBitsPerSecond) {
    return fail(error, text,
                fmt::format("exceeds the maximum {:g} bits per second", kMaxBitsPerSecond));
  }
  return static_cast<std::uint64_t>(bits);
}

}  // namespace tcpsim::scenarios
