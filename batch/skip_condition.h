// The `skip_if` conditions of a sweep: comparisons "A OP B" of parameters and literals joined
// by &&, e.g. "rate > 500 && pool == 'none {}'"; a point is skipped when any condition holds.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tcpsim::batch {

class SkipCondition {
 public:
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

  // Each side is a bare word (a parameter name or a literal) or a literal quoted with '...'
  // or "...".
  struct Comparison {
    std::string left;
    std::string right;
    bool left_quoted = false;
    bool right_quoted = false;
    Op op = Op::kEq;

    // A side naming a key of `values` (parameter name -> value at the point) stands for that
    // value; any other side is a literal. Compares as numbers when both sides parse fully as
    // numbers, as strings otherwise.
    [[nodiscard]] bool holds(const std::map<std::string, std::string>& values) const;
  };

  // Parses "A OP B [&& C OP D ...]": OP is ==, !=, <, <=, >, >=. Throws std::invalid_argument.
  static SkipCondition parse(std::string_view text);

  // Whether every comparison holds.
  [[nodiscard]] bool holds(const std::map<std::string, std::string>& values) const;

  [[nodiscard]] const std::vector<Comparison>& comparisons() const { return comparisons_; }

 private:
  std::vector<Comparison> comparisons_;
};

}  // namespace tcpsim::batch
