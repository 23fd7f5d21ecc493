// Field paths into a scenario message, as overrides and problems write them:
// "clients[0].load.poisson.rate" — field names joined by '.', repeated fields indexed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcpsim::scenarios {

struct PathSegment {
  std::string name;
  std::optional<int> index;  // set for "name[i]"
};

// Throws std::invalid_argument naming the syntax problem (empty name, bad index...).
std::vector<PathSegment> parse_field_path(std::string_view path);

// "parent.child", or the non-empty one of the two.
std::string join_field_path(std::string_view parent, std::string_view child);

// "name[index]".
std::string indexed(std::string_view name, int index);

}  // namespace tcpsim::scenarios
