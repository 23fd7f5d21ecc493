#include "sim/duration.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <stdexcept>

namespace tcpsim::sim {
namespace {

constexpr Time kDay = 24 * kHour;
constexpr std::string_view kUnitChoices = "one of ns, us, ms, s, m, h, d";

struct Unit {
  std::string_view name;
  Time length;
};

constexpr std::array<Unit, 9> kUnits{{
    {"ns", kNanosecond},
    {"us", kMicrosecond},
    {"\xC2\xB5s", kMicrosecond},  // U+00B5 MICRO SIGN
    {"\xCE\xBCs", kMicrosecond},  // U+03BC GREEK SMALL LETTER MU
    {"ms", kMillisecond},
    {"s", kSecond},
    {"m", kMinute},
    {"h", kHour},
    {"d", kDay},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Escapes the input so that the quoted form in a message is unambiguous.
std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7F) {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<Time> fail(std::string* error, std::string_view text, std::string_view problem) {
  if (error != nullptr) {
    *error = fmt::format("invalid duration \"{}\": {}", quote(text), problem);
  }
  return std::nullopt;
}

std::optional<Time> unit_length(std::string_view name) {
  for (const Unit& u : kUnits) {
    if (u.name == name) {
      return u.length;
    }
  }
  return std::nullopt;
}

std::string too_large() {
  return fmt::format("exceeds the maximum duration {}", format_duration(kTimeMax));
}

void append_decimal(std::string& out, std::uint64_t value, std::uint64_t scale, int scale_digits,
                    std::string_view unit) {
  const std::uint64_t whole = value / scale;
  std::uint64_t frac = value % scale;
  fmt::format_to(std::back_inserter(out), "{}", whole);
  if (frac != 0) {
    int digits = scale_digits;
    while (frac % 10 == 0) {
      frac /= 10;
      --digits;
    }
    fmt::format_to(std::back_inserter(out), ".{:0{}}", frac, digits);
  }
  out += unit;
}

}  // namespace

std::optional<Time> parse_duration(std::string_view text, std::string* error) {
  if (text.empty()) {
    return fail(error, text, "empty string");
  }
  for (const char c : text) {
    if (is_space(c)) {
      return fail(error, text, "whitespace is not allowed");
    }
  }

  constexpr auto kMax = static_cast<std::uint64_t>(kTimeMax);
  std::uint64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t term_start = i;
    if (text[i] == '-') {
      return fail(error, text, "negative durations are not allowed");
    }
    if (!is_digit(text[i]) && text[i] != '.') {
      return fail(error, text,
                  fmt::format("expected a number at \"{}\"", quote(text.substr(term_start))));
    }

    std::uint64_t whole = 0;
    bool whole_overflows = false;
    const std::size_t whole_start = i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      const auto digit = static_cast<std::uint64_t>(text[i] - '0');
      if (whole > (kMax - digit) / 10) {
        whole_overflows = true;
      }
      if (!whole_overflows) {
        whole = whole * 10 + digit;
      }
    }
    std::size_t digit_count = i - whole_start;
    std::string_view frac_digits;
    if (i < text.size() && text[i] == '.') {
      const std::size_t frac_start = ++i;
      while (i < text.size() && is_digit(text[i])) {
        ++i;
      }
      frac_digits = text.substr(frac_start, i - frac_start);
      digit_count += frac_digits.size();
    }
    const std::string_view number = text.substr(term_start, i - term_start);
    if (digit_count == 0) {
      return fail(error, text, fmt::format("number \"{}\" has no digits", quote(number)));
    }

    const std::size_t unit_start = i;
    while (i < text.size() && !is_digit(text[i]) && text[i] != '.' && text[i] != '-') {
      ++i;
    }
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit.empty()) {
      return fail(error, text,
                  fmt::format("missing unit after \"{}\" ({})", quote(number), kUnitChoices));
    }
    const std::optional<Time> length = unit_length(unit);
    if (!length) {
      return fail(error, text, fmt::format("unknown unit \"{}\" ({})", quote(unit), kUnitChoices));
    }
    const auto unit_ns = static_cast<std::uint64_t>(*length);

    // The fraction contributes frac / 10^k units, which must be a whole number of nanoseconds:
    // with g = gcd(unit_ns, 10^k), that holds exactly when (10^k / g) divides frac.
    while (!frac_digits.empty() && frac_digits.back() == '0') {
      frac_digits.remove_suffix(1);
    }
    std::uint64_t frac_ns = 0;
    if (!frac_digits.empty()) {
      const std::string term(text.substr(term_start, i - term_start));
      const std::string too_fine =
          fmt::format("\"{}\" is not a whole number of nanoseconds", quote(term));
      if (frac_digits.size() > 18) {
        return fail(error, text, too_fine);
      }
      std::uint64_t frac = 0;
      std::uint64_t pow10 = 1;
      for (const char c : frac_digits) {
        frac = frac * 10 + static_cast<std::uint64_t>(c - '0');
        pow10 *= 10;
      }
      const std::uint64_t g = std::gcd(unit_ns, pow10);
      const std::uint64_t denominator = pow10 / g;
      if (frac % denominator != 0) {
        return fail(error, text, too_fine);
      }
      frac_ns = (frac / denominator) * (unit_ns / g);
    }

    if (whole_overflows || whole > (kMax - frac_ns) / unit_ns) {
      return fail(error, text, too_large());
    }
    const std::uint64_t term_ns = whole * unit_ns + frac_ns;
    if (total > kMax - term_ns) {
      return fail(error, text, too_large());
    }
    total += term_ns;
  }
  return static_cast<Time>(total);
}

Time parse_duration_or_throw(std::string_view text) {
  std::string error;
  const std::optional<Time> value = parse_duration(text, &error);
  if (!value) {
    throw std::invalid_argument(error);
  }
  return *value;
}

std::string format_duration(Time t) {
  if (t == 0) {
    return "0s";
  }
  std::string out;
  std::uint64_t v = static_cast<std::uint64_t>(t);
  if (t < 0) {
    out = "-";
    v = 0 - v;
  }
  constexpr auto kSec = static_cast<std::uint64_t>(kSecond);
  if (v < static_cast<std::uint64_t>(kMicrosecond)) {
    append_decimal(out, v, 1, 0, "ns");
  } else if (v < static_cast<std::uint64_t>(kMillisecond)) {
    append_decimal(out, v, static_cast<std::uint64_t>(kMicrosecond), 3, "us");
  } else if (v < kSec) {
    append_decimal(out, v, static_cast<std::uint64_t>(kMillisecond), 6, "ms");
  } else {
    const std::array<std::pair<std::uint64_t, char>, 3> big{{
        {static_cast<std::uint64_t>(kDay), 'd'},
        {static_cast<std::uint64_t>(kHour), 'h'},
        {static_cast<std::uint64_t>(kMinute), 'm'},
    }};
    for (const auto& [length, name] : big) {
      if (v >= length) {
        fmt::format_to(std::back_inserter(out), "{}{}", v / length, name);
        v %= length;
      }
    }
    if (v != 0) {
      append_decimal(out, v, kSec, 9, "s");
    }
  }
  return out;
}

}  // namespace tcpsim::sim
