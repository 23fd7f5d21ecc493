// Stable run numbers: a bijection from points of N^k (value indices and replication) to N
// that does not depend on how many values each coordinate has, so a grid can grow.
#pragma once

#include <cstdint>
#include <span>

namespace tcpsim::batch {

// Numbers the points of N^k by shells of the largest coordinate m: the (m+1)^k - m^k
// points whose largest coordinate is m take the numbers [m^k, (m+1)^k), in lexicographic
// order. So the box [0, s)^k takes exactly [0, s^k), and a point's number depends on its
// coordinates and k alone. Throws std::overflow_error past 2^64.
std::uint64_t shell_number(std::span<const std::uint64_t> coordinates);

}  // namespace tcpsim::batch
