// Sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4): comparisons
// that stay correct across wrap-around.
#pragma once

#include <cstdint>

namespace tcpsim::tcp {

constexpr bool seq_lt(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b) < 0;
}
constexpr bool seq_le(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b) <= 0;
}
constexpr bool seq_gt(std::uint32_t a, std::uint32_t b) { return seq_lt(b, a); }
constexpr bool seq_ge(std::uint32_t a, std::uint32_t b) { return seq_le(b, a); }
// lo <= x < hi
constexpr bool seq_in(std::uint32_t x, std::uint32_t lo, std::uint32_t hi) {
  return seq_le(lo, x) && seq_lt(x, hi);
}

}  // namespace tcpsim::tcp
