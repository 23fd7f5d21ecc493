// The `skip_if` conditions of a sweep: "A OP B" comparing parameters and literals, e.g.
// "clients[0].load.poisson.rate > 500"; a point is skipped when any condition holds.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace tcpsim::batch {

class SkipCondition {
 public:
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

  // Parses "A OP B": OP is ==, !=, <, <=, >, >=; each side is a bare word (a parameter name
  // or a literal) or a literal quoted with '...' or "...". Throws std::invalid_argument.
  static SkipCondition parse(std::string_view text);

  // A side naming a key of `values` (parameter name -> value at the point) stands for that
  // value; any other side is a literal. Compares as numbers when both sides parse fully as
  // numbers, as strings otherwise.
  [[nodiscard]] bool holds(const std::map<std::string, std::string>& values) const;

  // The sides that are bare words (parameter names or unquoted literals).
  [[nodiscard]] const std::string& left() const { return left_; }
  [[nodiscard]] const std::string& right() const { return right_; }
  [[nodiscard]] bool left_quoted() const { return left_quoted_; }
  [[nodiscard]] bool right_quoted() const { return right_quoted_; }

 private:
  std::string left_;
  std::string right_;
  bool left_quoted_ = false;
  bool right_quoted_ = false;
  Op op_ = Op::kEq;
};

}  // namespace tcpsim::batch
