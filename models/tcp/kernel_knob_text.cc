#include "models/tcp/kernel_knob_text.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <system_error>

namespace tcpsim::tcp {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

// A decimal port in 1..65535 spanning all of `text`.
std::optional<std::uint16_t> parse_port(std::string_view text, std::string_view whole,
                                        std::string* error) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size()) {
    if (error != nullptr) {
      *error = fmt::format("\"{}\": expected a port number, got \"{}\"", whole, text);
    }
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value < 1 || value > 65535) {
    if (error != nullptr) {
      *error = fmt::format("\"{}\": port {} is outside 1..65535", whole, text);
    }
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<PortRange> parse_port_range(std::string_view text, std::string* error) {
  std::size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  const std::size_t low_start = i;
  while (i < text.size() && !is_space(text[i])) ++i;
  const std::string_view low_text = text.substr(low_start, i - low_start);
  while (i < text.size() && is_space(text[i])) ++i;
  const std::size_t high_start = i;
  while (i < text.size() && !is_space(text[i])) ++i;
  const std::string_view high_text = text.substr(high_start, i - high_start);
  while (i < text.size() && is_space(text[i])) ++i;
  if (low_text.empty() || high_text.empty() || i != text.size()) {
    if (error != nullptr) {
      *error =
          fmt::format("\"{}\": expected two ports separated by a space, as \"32768 60999\"", text);
    }
    return std::nullopt;
  }
  const auto low = parse_port(low_text, text, error);
  if (!low) return std::nullopt;
  const auto high = parse_port(high_text, text, error);
  if (!high) return std::nullopt;
  return PortRange{*low, *high};
}

std::optional<std::vector<PortRange>> parse_reserved_ports(std::string_view text,
                                                           std::string* error) {
  std::vector<PortRange> ranges;
  if (text.empty()) return ranges;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const std::size_t dash = item.find('-');
    const auto low = parse_port(item.substr(0, dash), text, error);
    if (!low) return std::nullopt;
    std::uint16_t high = *low;
    if (dash != std::string_view::npos) {
      const auto end = parse_port(item.substr(dash + 1), text, error);
      if (!end) return std::nullopt;
      high = *end;
    }
    ranges.push_back({*low, high});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ranges;
}

std::string format_port_range(PortRange range) {
  return fmt::format("{} {}", range.low, range.high);
}

std::string format_reserved_ports(const std::vector<PortRange>& ranges) {
  std::string text;
  for (const PortRange& r : ranges) {
    if (!text.empty()) text += ',';
    text += r.low == r.high ? fmt::format("{}", r.low) : fmt::format("{}-{}", r.low, r.high);
  }
  return text;
}

}  // namespace tcpsim::tcp
