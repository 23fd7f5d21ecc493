// The pending-event set: a monotone radix heap over event times, with the event
// records kept in a slab beside it. Pops come out in (time, insertion) order.
#pragma once

#include <array>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/event.h"
#include "sim/slot_pool.h"

namespace tcpsim::sim {

// A radix heap whose buckets are indexed by the highest base-64 digit in which
// a key differs from the last key popped, and by that digit's value; an entry
// moves down at most once per digit before it is popped. Every push must be at
// or after the time of the latest pop (simulated time never goes backwards).
//
// Ties: a bucket's entries are always in insertion order (pushes append the
// newest event; a bucket is refilled only while empty, by a stable partition of
// a bucket on a higher level), so equal times pop first-in first-out.
class EventQueue {
 public:
  EventQueue() { min_key_.fill(kNoKey); }

  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t size() const { return size_; }
  // Time of the latest pop; pushes before it are invalid.
  [[nodiscard]] Time floor_time() const { return static_cast<Time>(last_); }

  void push(const Event& event) {
    assert(event.time >= static_cast<Time>(last_));
    const std::uint32_t slot = slab_.allocate();
    slab_[slot] = event;
    insert(Entry{static_cast<std::uint64_t>(event.time), slot});
    ++size_;
  }

  // Pops the earliest event if its time is <= limit. Leaves the queue unchanged
  // (and its floor time where it was) when the earliest event is later.
  bool pop_until(Time limit, Event& out) {
    if (head_ == current_.size()) {
      if (size_ == 0 || !refill(static_cast<std::uint64_t>(limit))) return false;
    } else if (static_cast<Time>(last_) > limit) {
      return false;
    }
    if (head_ + kPrefetchAhead < current_.size()) {
      prefetch_record(current_[head_ + kPrefetchAhead].slot);
    }
    const std::uint32_t slot = current_[head_++].slot;
    out = slab_[slot];
    slab_.free(slot);
    --size_;
    if (head_ == current_.size()) {
      current_.clear();
      head_ = 0;
    }
    return true;
  }

  bool pop(Event& out) { return pop_until(kTimeMax, out); }

  // Reserves room for `n` pending events so that pushes never allocate.
  void reserve(std::size_t n) { slab_.reserve(n); }

 private:
  struct Entry {
    std::uint64_t key;
    std::uint32_t slot;
  };
  static constexpr unsigned kDigitBits = 6;
  static constexpr unsigned kDigits = 1U << kDigitBits;
  static constexpr unsigned kLevels = (63 + kDigitBits - 1) / kDigitBits;  // times are >= 0
  static constexpr std::size_t kBuckets = std::size_t{kLevels} * kDigits;
  static constexpr std::uint64_t kNoKey = ~std::uint64_t{0};
  static constexpr std::size_t kPrefetchAhead = 8;
  // Entries moved into the two lowest levels (due within 4 us of the last
  // pop) are popped soon: fetch their records.
  static constexpr unsigned kPrefetchBelowLevel = 2;

  [[gnu::always_inline]] void insert(const Entry& e) {
    const std::uint64_t diff = e.key ^ last_;
    if (diff == 0) {
      current_.push_back(e);
      return;
    }
    const unsigned level = (63U - static_cast<unsigned>(std::countl_zero(diff))) / kDigitBits;
    const unsigned digit = static_cast<unsigned>(e.key >> (level * kDigitBits)) & (kDigits - 1);
    const unsigned b = level * kDigits + digit;
    buckets_[b].push_back(e);
    min_key_[b] = e.key < min_key_[b] ? e.key : min_key_[b];
    digit_mask_[level] |= std::uint64_t{1} << digit;
    level_mask_ |= 1U << level;
  }

  // A record may straddle two cache lines.
  void prefetch_record(std::uint32_t slot) const {
    const char* p = reinterpret_cast<const char*>(&slab_[slot]);
    __builtin_prefetch(p);
    __builtin_prefetch(p + sizeof(Event) - 1);
  }

  // Moves the bucket holding the minimum key down so that the minimum lands in
  // `current_`. Returns false, touching nothing, if that minimum is after `limit`.
  bool refill(std::uint64_t limit) {
    const auto level = static_cast<unsigned>(std::countr_zero(level_mask_));
    const auto digit = static_cast<unsigned>(std::countr_zero(digit_mask_[level]));
    const unsigned b = level * kDigits + digit;
    if (min_key_[b] > limit) return false;
    last_ = min_key_[b];
    std::vector<Entry>& src = buckets_[b];
    const bool prefetch = level < kPrefetchBelowLevel;
    for (const Entry& e : src) {
      if (prefetch) prefetch_record(e.slot);
      insert(e);
    }
    src.clear();
    min_key_[b] = kNoKey;
    digit_mask_[level] &= ~(std::uint64_t{1} << digit);
    if (digit_mask_[level] == 0) level_mask_ &= ~(1U << level);
    return true;
  }

  std::vector<Entry> current_;  // keys equal to last_, in insertion order
  std::size_t head_ = 0;        // next entry of current_ to pop
  std::uint64_t last_ = 0;
  std::array<std::vector<Entry>, kBuckets> buckets_{};
  std::array<std::uint64_t, kBuckets> min_key_{};
  std::array<std::uint64_t, kLevels> digit_mask_{};
  std::uint32_t level_mask_ = 0;
  std::size_t size_ = 0;
  SlotPool<Event> slab_;
};

}  // namespace tcpsim::sim
