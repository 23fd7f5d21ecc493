// The pending-event set: a monotone radix heap over event times, with the event
// records kept in a slab beside it. Pops come out in (time, insertion) order.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/event.h"
#include "sim/slot_pool.h"

namespace tcpsim::sim {

// A radix heap whose buckets are indexed by the highest base-64 digit in which
// a key differs from `last_`, and by that digit's value; an entry moves down at
// most once per digit. Every push must be at or after the time of the latest
// pop (simulated time never goes backwards).
//
// The earliest events sit in `run_`, sorted by key: when the minimum bucket is
// small, it is sorted into the run whole instead of being spread over the
// lower levels, and a push earlier than the run's last key is inserted into it
// in place. Up to kSortedRefill entries are insertion-sorted. Larger buckets
// are counting-sorted, which saves their moves through the levels below, as
// long as no push has come closer to the floor than such a bucket's span (the
// model has a lookahead): a push that lands inside a long run moves up to half
// of it. All keys in the run are <= every key in the buckets, and `last_` is
// the run's smallest key when it was filled, so buckets stay placed relative
// to a value <= every key they hold.
//
// Ties: a bucket's entries are always in insertion order (pushes append the
// newest event; a bucket is refilled only while empty, by a stable partition or
// a stable sort of a bucket on a higher level; an insertion into the run goes
// after its equal keys), so equal times pop first-in first-out.
class EventQueue {
 public:
  EventQueue() { min_key_.fill(kNoKey); }

  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t size() const { return size_; }
  // Time of the latest pop; pushes before it are invalid.
  [[nodiscard]] Time floor_time() const { return static_cast<Time>(floor_); }

  [[gnu::always_inline]] void push(const Event& event) {
    assert(event.time >= static_cast<Time>(floor_));
    const std::uint32_t slot = slab_.allocate();
    slab_[slot] = event;
    insert(Entry{static_cast<std::uint64_t>(event.time), slot});
    ++size_;
  }

  // Pops the earliest event if its time is <= limit. Leaves the queue unchanged
  // (and its floor time where it was) when the earliest event is later.
  bool pop_until(Time limit, Event& out) {
    if (head_ == run_.size()) {
      if (size_ == 0 || !refill(static_cast<std::uint64_t>(limit))) return false;
    } else if (run_[head_].key > static_cast<std::uint64_t>(limit)) {
      return false;
    }
    if (head_ + kPrefetchAhead < run_.size()) {
      prefetch_record(run_[head_ + kPrefetchAhead].slot);
    }
    const Entry e = run_[head_++];
    floor_ = e.key;
    out = slab_[e.slot];
    slab_.free(e.slot);
    --size_;
    if (head_ == run_.size()) {
      run_.clear();
      head_ = 0;
    }
    return true;
  }

  bool pop(Event& out) { return pop_until(kTimeMax, out); }

  // Bytes of bucket chunks allocated so far (in use or free).
  [[nodiscard]] std::size_t chunk_bytes() const {
    return chunk_blocks_.size() * kChunksPerBlock * sizeof(Chunk);
  }

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
  // A minimum bucket this small is sorted into the run rather than spread
  // over the levels below it.
  static constexpr std::uint32_t kSortedRefill = 32;
  // Larger minimum buckets, up to this many entries, may be counting-sorted.
  static constexpr std::uint32_t kCountingRefill = 1024;
  // Most insertions land near the run's end: a few steps back from it before
  // a binary search.
  static constexpr int kLinearSteps = 8;

  // 1,016 bytes: a few pages of chunks serve the sparse low levels.
  static constexpr std::uint32_t kChunkEntries = 63;
  static constexpr std::size_t kChunksPerBlock = 16;
  struct Chunk {
    std::array<Entry, kChunkEntries> entries;
    Chunk* next;
  };
  // Pushes fill the tail chunk from `next` to `end`; empty, all four are null.
  struct Bucket {
    Entry* next = nullptr;
    Entry* end = nullptr;
    Chunk* head = nullptr;
    Chunk* tail = nullptr;
  };
  static_assert(kSortedRefill <= kChunkEntries);

  // Where a key goes, by the leading zeros of its difference from `last_`: the
  // shift that brings the differing digit down, and the first bucket of its level.
  struct Place {
    std::uint8_t shift;
    std::uint16_t first_bucket;
  };
  static constexpr std::array<Place, 64> kPlaces = [] {
    std::array<Place, 64> places{};
    for (unsigned zeros = 0; zeros < 64; ++zeros) {
      const unsigned level = (63U - zeros) / kDigitBits;
      places[zeros] = Place{static_cast<std::uint8_t>(level * kDigitBits),
                            static_cast<std::uint16_t>(level * kDigits)};
    }
    return places;
  }();

  [[gnu::always_inline]] void insert(const Entry& e) {
    if (head_ != run_.size() && e.key < run_.back().key) {
      insert_into_run(e);
      return;
    }
    const std::uint64_t diff = e.key ^ last_;
    if (diff == 0) {
      run_.push_back(e);
      return;
    }
    to_bucket(e, diff);
  }

  [[gnu::always_inline]] void to_bucket(const Entry& e, std::uint64_t diff) {
    const Place place = kPlaces[static_cast<unsigned>(std::countl_zero(diff))];
    const unsigned b =
        place.first_bucket + (static_cast<unsigned>(e.key >> place.shift) & (kDigits - 1));
    Bucket& bucket = buckets_[b];
    if (bucket.next == bucket.end) [[unlikely]] {
      if (bucket.head == nullptr) mark_filled(b);
      append_chunk(bucket);
    }
    *bucket.next++ = e;
    min_key_[b] = e.key < min_key_[b] ? e.key : min_key_[b];
  }

  // An empty bucket's first entry: the masks name the buckets that hold any.
  void mark_filled(unsigned b) {
    const unsigned level = b / kDigits;
    digit_mask_[level] |= std::uint64_t{1} << (b % kDigits);
    level_mask_ |= 1U << level;
  }

  // After the run's entries with keys <= e.key. When the slot before the head
  // is free and the place is nearer the head, the front part moves down.
  [[gnu::noinline]] void insert_into_run(const Entry& e) {
    if (e.key - floor_ < run_horizon_) run_horizon_ = e.key - floor_;
    const auto first = run_.begin() + static_cast<std::ptrdiff_t>(head_);
    auto pos = run_.end() - 1;
    for (int steps = kLinearSteps; pos != first && (pos - 1)->key > e.key; --pos) {
      if (--steps == 0) {
        pos = std::upper_bound(first, pos - 1, e.key,
                               [](std::uint64_t k, const Entry& x) { return k < x.key; });
        break;
      }
    }
    if (head_ != 0 && pos - first < run_.end() - pos) {
      std::move(first, pos, first - 1);
      *(pos - 1) = e;
      --head_;
      return;
    }
    run_.insert(pos, e);
  }

  // A record may straddle two cache lines.
  void prefetch_record(std::uint32_t slot) const {
    const char* p = reinterpret_cast<const char*>(&slab_[slot]);
    __builtin_prefetch(p);
    __builtin_prefetch(p + sizeof(Event) - 1);
  }

  // Moves the bucket holding the minimum key into the run, sorted, or spreads
  // it over the levels below so that the minimum lands in the run. Returns
  // false, touching nothing, if that minimum is after `limit`.
  bool refill(std::uint64_t limit) {
    const auto level = static_cast<unsigned>(std::countr_zero(level_mask_));
    const auto digit = static_cast<unsigned>(std::countr_zero(digit_mask_[level]));
    const unsigned b = level * kDigits + digit;
    if (min_key_[b] > limit) return false;
    last_ = min_key_[b];
    Chunk* chunk = buckets_[b].head;
    Chunk* const tail = buckets_[b].tail;
    const auto tail_count = static_cast<std::uint32_t>(buckets_[b].next - tail->entries.data());
    buckets_[b] = Bucket{};
    if (chunk == tail && tail_count <= kSortedRefill) {
      sort_into_run(chunk->entries.data(), tail_count);
      release_chunk(chunk);
    } else if ((std::uint64_t{1} << (level * kDigitBits)) > run_horizon_ ||
               !counting_sort_into_run(chunk, tail, tail_count)) {
      while (chunk != nullptr) {
        const std::uint32_t n = chunk == tail ? tail_count : kChunkEntries;
        for (std::uint32_t i = 0; i < n; ++i) {
          const Entry& e = chunk->entries[i];
          const std::uint64_t diff = e.key ^ last_;
          if (diff == 0) {
            run_.push_back(e);
          } else {
            to_bucket(e, diff);
          }
        }
        Chunk* const next = chunk->next;
        release_chunk(chunk);  // read whole: the spreading may take it from here on
        chunk = next;
      }
    }
    min_key_[b] = kNoKey;
    digit_mask_[level] &= ~(std::uint64_t{1} << digit);
    if (digit_mask_[level] == 0) level_mask_ &= ~(1U << level);
    for (std::size_t i = 0; i < run_.size() && i < kPrefetchAhead; ++i) {
      prefetch_record(run_[i].slot);
    }
    return true;
  }

  // Calls f on each entry of a bucket's chunk list, in insertion order.
  template <class F>
  static void for_each_entry(const Chunk* chunk, const Chunk* tail, std::uint32_t tail_count, F f) {
    for (;; chunk = chunk->next) {
      const std::uint32_t n = chunk == tail ? tail_count : kChunkEntries;
      for (std::uint32_t i = 0; i < n; ++i) f(chunk->entries[i]);
      if (chunk == tail) return;
    }
  }

  // A bucket of up to kCountingRefill entries, on a level whose bucket span (at
  // most 2^shift, as its keys share every bit from the level's digit up) is not
  // longer than any push that came inside the run, goes into the run by a stable
  // counting sort on the leading bits of each key's offset from the bucket's
  // minimum (`last_`), one or two entries per group, then the insertion sort,
  // which only reorders entries within a group. False, touching nothing, for
  // a larger bucket.
  [[gnu::noinline]] bool counting_sort_into_run(Chunk* chunk, const Chunk* tail,
                                                std::uint32_t tail_count) {
    std::uint32_t n = tail_count;
    for (const Chunk* c = chunk; c != tail; c = c->next) {
      n += kChunkEntries;
      if (n > kCountingRefill) return false;
    }
    if (!scratch_) scratch_ = std::make_unique_for_overwrite<CountingScratch>();
    std::uint64_t span = 0;
    for_each_entry(chunk, tail, tail_count, [&](const Entry& e) { span |= e.key - last_; });
    const auto group_bits = static_cast<unsigned>(std::bit_width(n)) - 1;
    const auto span_bits = static_cast<unsigned>(std::bit_width(span));
    const unsigned shift = span_bits > group_bits ? span_bits - group_bits : 0;
    const std::size_t groups = std::size_t{1} << (span_bits - shift);
    std::uint32_t* const start = scratch_->group_start.data();
    std::fill_n(start, groups + 1, 0U);
    for_each_entry(chunk, tail, tail_count,
                   [&](const Entry& e) { ++start[((e.key - last_) >> shift) + 1]; });
    for (std::size_t g = 1; g < groups; ++g) start[g] += start[g - 1];
    Entry* const sorted = scratch_->sorted.data();
    for_each_entry(chunk, tail, tail_count,
                   [&](const Entry& e) { sorted[start[(e.key - last_) >> shift]++] = e; });
    while (chunk != tail) {
      Chunk* const next = chunk->next;
      release_chunk(chunk);
      chunk = next;
    }
    release_chunk(chunk);
    insertion_sort(sorted, sorted, n);
    run_.assign(sorted, sorted + n);
    return true;
  }

  // The bucket is short, and often in order already.
  void sort_into_run(const Entry* src, std::uint32_t count) {
    run_.resize(count);
    insertion_sort(src, run_.data(), count);
  }

  // A stable insertion sort of `src` into `dst`, which may be the same array.
  static void insertion_sort(const Entry* src, Entry* dst, std::uint32_t count) {
    for (std::uint32_t n = 0; n < count; ++n) {
      const Entry e = src[n];
      std::uint32_t i = n;
      while (i != 0 && dst[i - 1].key > e.key) {
        dst[i] = dst[i - 1];
        --i;
      }
      dst[i] = e;
    }
  }

  // Buckets are lists of fixed-size chunks drawn from one free list, so that
  // their memory follows the pending events, not the sum of every bucket's
  // peak over simulated time, and growing a bucket never copies it.
  [[gnu::noinline]] void append_chunk(Bucket& bucket) {
    if (free_chunks_ == nullptr) add_chunk_block();
    Chunk* const c = free_chunks_;
    free_chunks_ = c->next;
    c->next = nullptr;
    if (bucket.tail != nullptr) {
      bucket.tail->next = c;
    } else {
      bucket.head = c;
    }
    bucket.tail = c;
    bucket.next = c->entries.data();
    bucket.end = bucket.next + kChunkEntries;
  }

  void release_chunk(Chunk* c) {
    c->next = free_chunks_;
    free_chunks_ = c;
  }

  void add_chunk_block() {
    auto block = std::make_unique_for_overwrite<Chunk[]>(kChunksPerBlock);
    for (std::size_t i = kChunksPerBlock; i-- > 0;) release_chunk(&block[i]);
    chunk_blocks_.push_back(std::move(block));
  }

  std::vector<Entry> run_;  // the earliest keys, sorted; (key, insertion) order
  std::size_t head_ = 0;    // next entry of run_ to pop
  std::uint64_t last_ = 0;  // buckets are placed relative to it
  std::uint64_t floor_ = 0;
  std::array<Bucket, kBuckets> buckets_{};
  std::array<std::uint64_t, kBuckets> min_key_{};
  std::array<std::uint64_t, kLevels> digit_mask_{};
  std::uint32_t level_mask_ = 0;
  std::size_t size_ = 0;
  Chunk* free_chunks_ = nullptr;  // a stack: the last released is reused first
  std::vector<std::unique_ptr<Chunk[]>> chunk_blocks_;
  // The shortest distance ahead of the floor of a push that landed inside the run.
  std::uint64_t run_horizon_ = kNoKey;
  struct CountingScratch {
    std::array<std::uint32_t, kCountingRefill + 1> group_start;
    std::array<Entry, kCountingRefill> sorted;
  };
  std::unique_ptr<CountingScratch> scratch_;
  SlotPool<Event> slab_;
};

}  // namespace tcpsim::sim
