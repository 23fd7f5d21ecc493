// Which ephemeral ports already carry a connection (or TIME_WAIT) from one
// local address to one destination, split by parity the way connect() scans,
// so that the next free port is found a word at a time.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace tcpsim::tcp {

// A destination holding few ports (most of a fleet's: a client spreads its connections over
// many backends) keeps them as a short sorted list; past kSparseMax it switches to a bitmap
// over the range for good. One 16-byte object either way: the list and the bitmap share one
// array, the bitmap's 64-bit words read and written whole.
class DestinationPorts {
 public:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  static constexpr std::size_t kSparseMax = 64;

  // Offsets 0 .. remaining - 1 from the low end of the range; remaining even, or 1 for a
  // one-port range, whose offset 0 is an even offset of its own.
  explicit DestinationPorts(std::uint32_t remaining)
      : half_(static_cast<std::uint16_t>((remaining + 1) / 2)) {}

  void set(std::uint32_t offset) {
    if (!dense()) {
      if (count_ < kSparseMax) {
        list_insert(static_cast<std::uint16_t>(offset));
        ++count_;
        return;
      }
      densify();
    }
    ++count_;
    store_word(index(offset), word(index(offset)) | bit(offset));
  }
  void clear(std::uint32_t offset) {
    if (!dense()) {
      std::uint16_t* const at = std::lower_bound(list_begin(), list_end(), offset);
      std::copy(at + 1, list_end(), at);
      --count_;
      if (count_ + 2 * kListStep <= capacity_) [[unlikely]] {
        resize_list(capacity_ - kListStep);
      }
      return;
    }
    store_word(index(offset), word(index(offset)) & ~bit(offset));
    --count_;
  }
  [[nodiscard]] bool test(std::uint32_t offset) const {
    if (!dense()) return std::binary_search(list_begin(), list_end(), offset);
    return (word(index(offset)) & bit(offset)) != 0;
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
    if (!dense()) {
      std::uint32_t i = sparse_find_zero(parity, from, half_);
      if (i == kNone) i = sparse_find_zero(parity, 0, from);
      return i == kNone ? kNone : (i << 1U) | parity;
    }
    const std::size_t first = parity * words_for(half_);
    std::uint32_t i = find_zero(first, from, half_);
    if (i == kNone) i = find_zero(first, 0, from);
    return i == kNone ? kNone : (i << 1U) | parity;
  }

 private:
  static constexpr std::uint8_t kDense = 0xff;  // in capacity_: store_ holds the bitmap
  static constexpr std::size_t kWordUnits = sizeof(std::uint64_t) / sizeof(std::uint16_t);

  [[nodiscard]] bool dense() const { return capacity_ == kDense; }
  static std::size_t words_for(std::uint32_t half) { return (half + 63) / 64; }
  // The bitmap holds the even offsets' words, then the odd ones'.
  [[nodiscard]] std::size_t index(std::uint32_t offset) const {
    return (offset & 1U) * words_for(half_) + (offset >> 1U) / 64;
  }
  [[nodiscard]] std::uint64_t word(std::size_t i) const {
    std::uint64_t w;
    std::memcpy(&w, store_.get() + i * kWordUnits, sizeof w);
    return w;
  }
  void store_word(std::size_t i, std::uint64_t w) {
    std::memcpy(store_.get() + i * kWordUnits, &w, sizeof w);
  }
  static std::uint64_t bit(std::uint32_t offset) {
    return std::uint64_t{1} << ((offset >> 1U) % 64);
  }

  [[nodiscard]] const std::uint16_t* list_begin() const { return store_.get(); }
  [[nodiscard]] const std::uint16_t* list_end() const { return store_.get() + count_; }
  std::uint16_t* list_begin() { return store_.get(); }
  std::uint16_t* list_end() { return store_.get() + count_; }
  // The list grows and shrinks kListStep entries at a time, from kListFirst: sizes that fill
  // the allocator's 16-byte classes (24, 40, 56 ... bytes), each a little above the count, so
  // that a destination's usual count does not keep a doubled list from one peak. It shrinks
  // two steps below its size, so a count moving across a step does not reallocate each time.
  static constexpr std::uint32_t kListFirst = 12;
  static constexpr std::uint32_t kListStep = 8;
  void resize_list(std::uint32_t capacity) {
    capacity_ = static_cast<std::uint8_t>(capacity);
    auto moved = std::make_unique_for_overwrite<std::uint16_t[]>(capacity_);
    std::copy(list_begin(), list_end(), moved.get());
    store_ = std::move(moved);
  }
  void list_insert(std::uint16_t offset) {
    if (count_ == capacity_) {
      resize_list(capacity_ == 0 ? kListFirst
                                 : std::min<std::uint32_t>(kSparseMax, capacity_ + kListStep));
    }
    std::uint16_t* const at = std::lower_bound(list_begin(), list_end(), offset);
    std::copy_backward(at, list_end(), list_end() + 1);
    *at = offset;
  }

  void densify() {
    const std::unique_ptr<std::uint16_t[]> list = std::move(store_);
    store_ = std::make_unique<std::uint16_t[]>(2 * words_for(half_) * kWordUnits);
    capacity_ = kDense;
    for (const std::uint16_t* o = list.get(); o != list.get() + count_; ++o) {
      store_word(index(*o), word(index(*o)) | bit(*o));
    }
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

  // First clear bit in [from, to) of the bitmap whose first word is word(first).
  [[nodiscard]] std::uint32_t find_zero(std::size_t first, std::uint32_t from,
                                        std::uint32_t to) const {
    std::uint32_t i = from;
    while (i < to) {
      const std::uint64_t free = ~word(first + i / 64) >> (i % 64);
      if (free != 0) {
        const std::uint32_t found = i + static_cast<std::uint32_t>(std::countr_zero(free));
        return found < to ? found : kNone;
      }
      i = (i / 64 + 1) * 64;
    }
    return kNone;
  }

  // count_ sorted offsets in a list of capacity_, or with capacity_ kDense the bitmap.
  std::unique_ptr<std::uint16_t[]> store_;
  std::uint16_t half_;
  std::uint16_t count_ = 0;  // at most 2 * half_ <= 65,534
  std::uint8_t capacity_ = 0;
};

}  // namespace tcpsim::tcp
