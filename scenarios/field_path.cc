#include "scenarios/field_path.h"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>
#include <system_error>

namespace tcpsim::scenarios {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

[[noreturn]] void bad_path(std::string_view path, std::string_view why) {
  throw std::invalid_argument(fmt::format("bad field path \"{}\": {}", path, why));
}

}  // namespace

std::vector<PathSegment> parse_field_path(std::string_view path) {
  if (path.empty()) bad_path(path, "empty");
  std::vector<PathSegment> segments;
  std::size_t i = 0;
  while (true) {
    PathSegment segment;
    const std::size_t start = i;
    while (i < path.size() && is_name_char(path[i])) ++i;
    if (i == start) {
      bad_path(path, fmt::format("expected a field name at position {}", start + 1));
    }
    segment.name = std::string(path.substr(start, i - start));
    if (i < path.size() && path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) bad_path(path, "missing ']'");
      const std::string_view digits = path.substr(i + 1, close - i - 1);
      int index = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
          digits.front() == '-' || digits.front() == '+') {
        bad_path(path, fmt::format("index \"{}\" is not a non-negative integer", digits));
      }
      segment.index = index;
      i = close + 1;
    }
    segments.push_back(std::move(segment));
    if (i == path.size()) break;
    if (path[i] != '.') {
      bad_path(path, fmt::format("unexpected '{}' at position {}", path[i], i + 1));
    }
    ++i;
  }
  return segments;
}

std::string join_field_path(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  if (child.empty()) return std::string(parent);
  return fmt::format("{}.{}", parent, child);
}

std::string indexed(std::string_view name, int index) { return fmt::format("{}[{}]", name, index); }

}  // namespace tcpsim::scenarios
