// Which ephemeral ports already carry a connection (or TIME_WAIT) from one
// local address to one destination, split by parity the way connect() scans,
// so that the next free port is found a word at a time.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tcpsim::tcp {

class DestinationPorts {
 public:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  // Offsets 0 .. remaining - 1 from the low end of the range; remaining even.
  explicit DestinationPorts(std::uint32_t remaining)
      : half_(remaining / 2),
        bits_{std::vector<std::uint64_t>((half_ + 63) / 64),
              std::vector<std::uint64_t>((half_ + 63) / 64)} {}

  void set(std::uint32_t offset) {
    std::uint64_t& w = word(offset);
    w |= bit(offset);
    ++count_;
  }
  void clear(std::uint32_t offset) {
    word(offset) &= ~bit(offset);
    --count_;
  }
  [[nodiscard]] bool test(std::uint32_t offset) const {
    return (bits_[offset & 1U][(offset >> 1U) / 64] & bit(offset)) != 0;
  }
  [[nodiscard]] std::uint32_t count() const { return count_; }
  // Heap bytes of the bitmaps over `remaining` offsets.
  static std::size_t bytes_for(std::uint32_t remaining) {
    return 2 * ((remaining / 2 + 63) / 64) * sizeof(std::uint64_t);
  }

  // The first free offset of `start`'s parity at or after it, going up in
  // steps of two and wrapping at the end of the range; kNone if all are taken.
  [[nodiscard]] std::uint32_t next_free(std::uint32_t start) const {
    const std::uint32_t parity = start & 1U;
    const std::uint32_t from = start >> 1U;
    const std::vector<std::uint64_t>& b = bits_[parity];
    std::uint32_t i = find_zero(b, from, half_);
    if (i == kNone) i = find_zero(b, 0, from);
    return i == kNone ? kNone : (i << 1U) | parity;
  }

 private:
  std::uint64_t& word(std::uint32_t offset) { return bits_[offset & 1U][(offset >> 1U) / 64]; }
  static std::uint64_t bit(std::uint32_t offset) {
    return std::uint64_t{1} << ((offset >> 1U) % 64);
  }

  // First clear bit in [from, to).
  static std::uint32_t find_zero(const std::vector<std::uint64_t>& b, std::uint32_t from,
                                 std::uint32_t to) {
    std::uint32_t i = from;
    while (i < to) {
      const std::uint64_t free = ~b[i / 64] >> (i % 64);
      if (free != 0) {
        const std::uint32_t found = i + static_cast<std::uint32_t>(std::countr_zero(free));
        return found < to ? found : kNone;
      }
      i = (i / 64 + 1) * 64;
    }
    return kNone;
  }

  std::uint32_t half_;
  std::vector<std::uint64_t> bits_[2];
  std::uint32_t count_ = 0;
};

}  // namespace tcpsim::tcp
