// A set of port offsets (0 .. 65534) in one open-addressed array, so that a
// lookup, an insert or an erase reads a line or two wherever the ports lie.
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tcpsim::tcp {

// Linear probing from a multiplicative hash scaled to any capacity; erase
// shifts the rest of the cluster back, so there are no tombstones and a set
// that only churns never needs a rehash.
class PortOffsetSet {
 public:
  static constexpr std::uint16_t kEmpty = 0xffff;

  // Most offsets `capacity` slots hold: 7/8 of them.
  static constexpr std::size_t max_size(std::size_t capacity) { return capacity * 7 / 8; }
  // Fewest slots that hold `n` offsets.
  static constexpr std::size_t slots_for(std::size_t n) { return (n * 8 + 6) / 7; }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

  [[nodiscard]] bool contains(std::uint16_t offset) const {
    return size_ != 0 && slots_[find(offset)] == offset;
  }
  // Adds an offset unless the set holds it already, into room rehash() made;
  // false if it was there.
  bool insert(std::uint16_t offset) {
    assert(offset != kEmpty && size_ < max_size(capacity_));
    const std::size_t i = find(offset);
    if (slots_[i] == offset) return false;
    slots_[i] = offset;
    ++size_;
    return true;
  }
  // Removes an offset the set holds.
  void erase(std::uint16_t offset) {
    assert(contains(offset));
    std::size_t hole = find(offset);
    // Each later entry of the cluster moves into the hole unless its home lies
    // cyclically after the hole, up to where it sits.
    for (std::size_t j = next(hole); slots_[j] != kEmpty; j = next(j)) {
      const std::size_t h = home(slots_[j]);
      const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (stays) continue;
      slots_[hole] = slots_[j];
      hole = j;
    }
    slots_[hole] = kEmpty;
    --size_;
  }
  // Moves the offsets into `capacity` slots; max_size(capacity) >= size().
  void rehash(std::size_t capacity) {
    assert(max_size(capacity) >= size_ && capacity <= 0xffff);
    PortOffsetSet moved;
    moved.slots_ = std::make_unique_for_overwrite<std::uint16_t[]>(capacity);
    moved.capacity_ = static_cast<std::uint32_t>(capacity);
    std::fill_n(moved.slots_.get(), capacity, kEmpty);
    for_each([&](std::uint16_t offset) { moved.insert(offset); });
    *this = std::move(moved);
  }
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (slots_[i] != kEmpty) f(slots_[i]);
    }
  }

 private:
  // Offsets a stride apart land spread over the array: the golden-ratio multiple's
  // fraction, scaled to the capacity.
  [[nodiscard]] std::size_t home(std::uint16_t offset) const {
    const std::uint32_t h = std::uint32_t{offset} * 0x9e3779b1U;
    return static_cast<std::size_t>((std::uint64_t{h} * capacity_) >> 32U);
  }
  [[nodiscard]] std::size_t next(std::size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }

  // The slot holding `offset`, or else the first free slot on its probe sequence: eight
  // slots at a time while they lie before the end of the array. A set at 7/8 of its
  // capacity probes about 30 slots to find a free one.
  [[nodiscard]] std::size_t find(std::uint16_t offset) const {
    std::size_t i = home(offset);
#if defined(__SSE2__)
    constexpr std::size_t kLanes = sizeof(__m128i) / sizeof(std::uint16_t);
    const __m128i wanted = _mm_set1_epi16(static_cast<short>(offset));
    const __m128i empty = _mm_set1_epi16(static_cast<short>(kEmpty));
    for (; i + kLanes <= capacity_; i += kLanes) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slots_.get() + i));
      const auto hits = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi16(v, wanted), _mm_cmpeq_epi16(v, empty))));
      if (hits != 0) return i + static_cast<std::size_t>(std::countr_zero(hits)) / 2;
    }
    if (i == capacity_) i = 0;
#endif
    while (slots_[i] != offset && slots_[i] != kEmpty) i = next(i);
    return i;
  }

  std::unique_ptr<std::uint16_t[]> slots_;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
};

}  // namespace tcpsim::tcp
