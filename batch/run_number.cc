#include "batch/run_number.h"

#include <algorithm>
#include <stdexcept>

namespace tcpsim::batch {
namespace {

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw std::overflow_error("run number beyond 2^64");
  return r;
}

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw std::overflow_error("run number beyond 2^64");
  return r;
}

std::uint64_t power(std::uint64_t base, std::size_t exponent) {
  std::uint64_t r = 1;
  for (std::size_t i = 0; i < exponent; ++i) r = checked_mul(r, base);
  return r;
}

}  // namespace

std::uint64_t shell_number(std::span<const std::uint64_t> coordinates) {
  if (coordinates.empty()) return 0;
  const std::size_t k = coordinates.size();
  const std::uint64_t m = *std::max_element(coordinates.begin(), coordinates.end());
  std::uint64_t number = power(m, k);
  bool seen_max = false;
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t rest = k - i - 1;
    // Completions of a prefix below coordinates[i] here whose largest coordinate is m.
    const std::uint64_t all = power(m + 1, rest);
    const std::uint64_t completions = seen_max ? all : all - power(m, rest);
    number = checked_add(number, checked_mul(coordinates[i], completions));
    seen_max = seen_max || coordinates[i] == m;
  }
  return number;
}

}  // namespace tcpsim::batch
