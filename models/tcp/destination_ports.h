// Which ephemeral ports already carry a connection (or TIME_WAIT) from one
// local address to one destination, split by parity the way connect() scans,
// so that the next free port is found a word at a time.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tcpsim::tcp {

// A destination holding few ports (most of a fleet's: a client spreads its connections over
// many backends) keeps them as a short sorted list; past kSparseMax it switches to a bitmap
// over the range for good, so steady churn allocates nothing either way.
class DestinationPorts {
 public:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  static constexpr std::size_t kSparseMax = 64;

  // Offsets 0 .. remaining - 1 from the low end of the range; remaining even, or 1 for a
  // one-port range, whose offset 0 is an even offset of its own.
  explicit DestinationPorts(std::uint32_t remaining)
      : half_(static_cast<std::uint16_t>((remaining + 1) / 2)) {}

  void set(std::uint32_t offset) {
    if (!bits_) {
      if (count_ < kSparseMax) {
        list_insert(static_cast<std::uint16_t>(offset));
        ++count_;
        return;
      }
      densify();
    }
    ++count_;
    word(offset) |= bit(offset);
  }
  void clear(std::uint32_t offset) {
    if (!bits_) {
      std::uint16_t* const at = std::lower_bound(list_begin(), list_end(), offset);
      std::copy(at + 1, list_end(), at);
    } else {
      word(offset) &= ~bit(offset);
    }
    --count_;
  }
  [[nodiscard]] bool test(std::uint32_t offset) const {
    if (!bits_) return std::binary_search(list_begin(), list_end(), offset);
    return (bits_[index(offset)] & bit(offset)) != 0;
  }
  [[nodiscard]] std::uint32_t count() const { return count_; }

  // Heap bytes of one holding `ports` ports of a range of `remaining`.
  static std::size_t bytes_for(std::uint32_t remaining, std::uint32_t ports) {
    if (ports <= kSparseMax) return ports * sizeof(std::uint16_t);
    return 2 * words_for((remaining + 1) / 2) * sizeof(std::uint64_t);
  }

  // The first free offset of `start`'s parity at or after it, going up in
  // steps of two and wrapping at the end of the range; kNone if all are taken.
  [[nodiscard]] std::uint32_t next_free(std::uint32_t start) const {
    const std::uint32_t parity = start & 1U;
    const std::uint32_t from = start >> 1U;
    if (!bits_) {
      std::uint32_t i = sparse_find_zero(parity, from, half_);
      if (i == kNone) i = sparse_find_zero(parity, 0, from);
      return i == kNone ? kNone : (i << 1U) | parity;
    }
    const std::uint64_t* b = &bits_[parity * words_for(half_)];
    std::uint32_t i = find_zero(b, from, half_);
    if (i == kNone) i = find_zero(b, 0, from);
    return i == kNone ? kNone : (i << 1U) | parity;
  }

 private:
  static std::size_t words_for(std::uint32_t half) { return (half + 63) / 64; }
  // The bitmap holds the even offsets' words, then the odd ones'.
  [[nodiscard]] std::size_t index(std::uint32_t offset) const {
    return (offset & 1U) * words_for(half_) + (offset >> 1U) / 64;
  }
  std::uint64_t& word(std::uint32_t offset) { return bits_[index(offset)]; }
  static std::uint64_t bit(std::uint32_t offset) {
    return std::uint64_t{1} << ((offset >> 1U) % 64);
  }

  [[nodiscard]] const std::uint16_t* list_begin() const { return list_.get(); }
  [[nodiscard]] const std::uint16_t* list_end() const { return list_.get() + count_; }
  std::uint16_t* list_begin() { return list_.get(); }
  std::uint16_t* list_end() { return list_.get() + count_; }
  void list_insert(std::uint16_t offset) {
    if (count_ == capacity_) {
      capacity_ = static_cast<std::uint8_t>(std::max<std::uint32_t>(4, 2 * capacity_));
      auto grown = std::make_unique_for_overwrite<std::uint16_t[]>(capacity_);
      std::copy(list_begin(), list_end(), grown.get());
      list_ = std::move(grown);
    }
    std::uint16_t* const at = std::lower_bound(list_begin(), list_end(), offset);
    std::copy_backward(at, list_end(), list_end() + 1);
    *at = offset;
  }

  void densify() {
    bits_ = std::make_unique<std::uint64_t[]>(2 * words_for(half_));
    for (const std::uint16_t* o = list_begin(); o != list_end(); ++o) word(*o) |= bit(*o);
    list_.reset();
    capacity_ = 0;
  }

  // First index in [from, to) whose offset 2 * index + parity is not listed.
  [[nodiscard]] std::uint32_t sparse_find_zero(std::uint32_t parity, std::uint32_t from,
                                               std::uint32_t to) const {
    std::uint32_t i = from;
    for (const std::uint16_t* it =
             std::lower_bound(list_begin(), list_end(), (from << 1U) | parity);
         it != list_end() && i < to; ++it) {
      if ((*it & 1U) != parity) continue;
      const std::uint32_t taken = *it >> 1U;
      if (taken > i) break;
      i = taken + 1;
    }
    return i < to ? i : kNone;
  }

  // First clear bit in [from, to).
  static std::uint32_t find_zero(const std::uint64_t* b, std::uint32_t from, std::uint32_t to) {
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

  std::uint16_t half_;
  std::uint8_t capacity_ = 0;  // of list_
  std::uint32_t count_ = 0;
  std::unique_ptr<std::uint16_t[]> list_;  // count_ sorted offsets, while bits_ is null
  std::unique_ptr<std::uint64_t[]> bits_;  // past kSparseMax, for good
};

}  // namespace tcpsim::tcp
