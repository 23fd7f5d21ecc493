// Records kept in one vector and named by their index, with freed slots reused
// last-freed first so that a new record lands where the cache still holds one.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace tcpsim::sim {

// allocate() hands out the most recently freed slot as free() left it, or
// else appends a new T built from allocate()'s arguments; the caller
// initialises what it needs. Slots never move between allocate() and free()
// except when the vector grows, so hold indices, not references.
//
// `Generation`, when given, is a pointer to a std::uint32_t member of T that
// free() bumps: an index saved with its generation names a dead record once
// the generation differs (lazy invalidation of timers and queued events):
//
//   struct Conn { ...; std::uint32_t generation = 0; };
//   SlotPool<Conn, &Conn::generation> conns;
//   const std::uint32_t c = conns.allocate();
//   const std::uint32_t gen = conns.generation(c);
//   ...
//   if (conns.current(c, gen)) { /* still the same record */ }
template <class T, auto Generation = nullptr, class Allocator = std::allocator<T>>
class SlotPool {
 public:
  using Index = std::uint32_t;
  static constexpr bool kHasGeneration = !std::is_null_pointer_v<decltype(Generation)>;

  template <class... Args>
  Index allocate(Args&&... new_slot_args) {
    if (free_count_ != 0) [[likely]] {
      return free_[--free_count_];
    }
    slots_.emplace_back(std::forward<Args>(new_slot_args)...);
    if (slots_.size() > free_capacity_) grow_free_stack(slots_.capacity());
    return static_cast<Index>(slots_.size() - 1);
  }

  // Never allocates: the free stack grows with the slots, so that nothing on
  // the free path needs a call.
  void free(Index i) {
    assert(i < slots_.size() && free_count_ < slots_.size());
    if constexpr (kHasGeneration) ++(slots_[i].*Generation);
    free_[free_count_++] = i;
  }

  // The index the next allocate() returns: for a record whose index must be handed out
  // (as a tag) before it is known to be needed.
  [[nodiscard]] Index next() const {
    return free_count_ != 0 ? free_[free_count_ - 1] : static_cast<Index>(slots_.size());
  }

  [[nodiscard]] std::uint32_t generation(Index i) const requires kHasGeneration {
    return slots_[i].*Generation;
  }
  // True while the record that had `generation` has not been freed.
  [[nodiscard]] bool current(Index i, std::uint32_t generation) const requires kHasGeneration {
    return slots_[i].*Generation == generation;
  }

  T& operator[](Index i) { return slots_[i]; }
  const T& operator[](Index i) const { return slots_[i]; }

  // Every slot ever allocated, live or free: indices are below size().
  [[nodiscard]] std::size_t size() const { return slots_.size(); }
  [[nodiscard]] std::size_t live() const { return slots_.size() - free_count_; }
  [[nodiscard]] T* data() { return slots_.data(); }
  [[nodiscard]] const T* data() const { return slots_.data(); }
  auto begin() { return slots_.begin(); }
  auto end() { return slots_.end(); }
  auto begin() const { return slots_.begin(); }
  auto end() const { return slots_.end(); }

  // Room for `n` slots, so that allocating and freeing up to n never allocates.
  void reserve(std::size_t n) {
    slots_.reserve(n);
    if (slots_.capacity() > free_capacity_) grow_free_stack(slots_.capacity());
  }

 private:
  // Left uninitialised: only the part frees reach is ever touched.
  void grow_free_stack(std::size_t capacity) {
    auto grown = std::make_unique_for_overwrite<Index[]>(capacity);
    std::copy_n(free_.get(), free_count_, grown.get());
    free_ = std::move(grown);
    free_capacity_ = capacity;
  }

  std::vector<T, Allocator> slots_;
  std::unique_ptr<Index[]> free_;  // a stack: the last freed is reused first
  std::size_t free_count_ = 0;
  std::size_t free_capacity_ = 0;
};

}  // namespace tcpsim::sim
