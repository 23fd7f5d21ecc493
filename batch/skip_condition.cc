#include "batch/skip_condition.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <utility>

namespace tcpsim::batch {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

// One side: returns (text, quoted).
std::pair<std::string, bool> side(std::string_view s, const char* which) {
  s = trim(s);
  if (s.empty()) throw std::invalid_argument(std::string("missing ") + which + " side");
  if (s.front() == '\'' || s.front() == '"') {
    if (s.size() < 2 || s.back() != s.front()) {
      throw std::invalid_argument(std::string("unterminated quote on the ") + which + " side");
    }
    return {std::string(s.substr(1, s.size() - 2)), true};
  }
  for (const char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == '=' || c == '!' || c == '<' ||
        c == '>') {
      throw std::invalid_argument("expected \"A OP B\" with OP one of == != < <= > >=");
    }
  }
  return {std::string(s), false};
}

std::optional<double> number(const std::string& s) {
  double v = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end || s.empty()) return std::nullopt;
  return v;
}

template <typename T>
bool compare(const T& a, SkipCondition::Op op, const T& b) {
  switch (op) {
    case SkipCondition::Op::kEq:
      return a == b;
    case SkipCondition::Op::kNe:
      return a != b;
    case SkipCondition::Op::kLt:
      return a < b;
    case SkipCondition::Op::kLe:
      return a <= b;
    case SkipCondition::Op::kGt:
      return a > b;
    case SkipCondition::Op::kGe:
      return a >= b;
  }
  return false;
}

// The first position from `from` on, outside '...' and "...", where `matches` holds; npos if
// none. Throws std::invalid_argument on a quote left open.
template <typename Matches>
std::size_t find_unquoted(std::string_view text, std::size_t from, Matches matches) {
  char quote = 0;
  for (std::size_t i = from; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (matches(i)) {
      return i;
    }
  }
  if (quote != 0) throw std::invalid_argument("unterminated quote");
  return std::string_view::npos;
}

SkipCondition::Comparison comparison(std::string_view text) {
  // The first operator outside quotes; two-character ones first.
  static constexpr std::array<std::pair<std::string_view, SkipCondition::Op>, 6> kOps{
      {{"==", SkipCondition::Op::kEq},
       {"!=", SkipCondition::Op::kNe},
       {"<=", SkipCondition::Op::kLe},
       {">=", SkipCondition::Op::kGe},
       {"<", SkipCondition::Op::kLt},
       {">", SkipCondition::Op::kGt}}};
  const std::pair<std::string_view, SkipCondition::Op>* found = nullptr;
  const std::size_t at = find_unquoted(text, 0, [&](std::size_t i) {
    for (const auto& op : kOps) {
      if (text.substr(i, op.first.size()) == op.first) {
        found = &op;
        return true;
      }
    }
    return false;
  });
  if (found == nullptr) {
    throw std::invalid_argument("expected \"A OP B\" with OP one of == != < <= > >=");
  }
  SkipCondition::Comparison comparison;
  std::tie(comparison.left, comparison.left_quoted) = side(text.substr(0, at), "left");
  std::tie(comparison.right, comparison.right_quoted) =
      side(text.substr(at + found->first.size()), "right");
  comparison.op = found->second;
  return comparison;
}

}  // namespace

SkipCondition SkipCondition::parse(std::string_view text) {
  SkipCondition condition;
  std::size_t start = 0;
  for (;;) {
    const std::size_t and_at =
        find_unquoted(text, start, [&](std::size_t i) { return text.substr(i, 2) == "&&"; });
    condition.comparisons_.push_back(comparison(text.substr(start, and_at - start)));
    if (and_at == std::string_view::npos) return condition;
    start = and_at + 2;
  }
}

bool SkipCondition::holds(const std::map<std::string, std::string>& values) const {
  return std::all_of(comparisons_.begin(), comparisons_.end(),
                     [&](const Comparison& c) { return c.holds(values); });
}

bool SkipCondition::Comparison::holds(const std::map<std::string, std::string>& values) const {
  const auto value = [&](const std::string& s, bool is_quoted) {
    if (!is_quoted) {
      if (const auto it = values.find(s); it != values.end()) return it->second;
    }
    return s;
  };
  const std::string a = value(left, left_quoted);
  const std::string b = value(right, right_quoted);
  const auto x = number(a);
  const auto y = number(b);
  if (x && y) return compare(*x, op, *y);
  return compare(a, op, b);
}

}  // namespace tcpsim::batch
