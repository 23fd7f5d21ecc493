// A hash index of 32-bit keys whose values live elsewhere (a flow table's entries), laid out
// so that a lookup reads one cache line of the index and then the one entry it names.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

#include "sim/huge_page_allocator.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tcpsim::net {

// Open addressing over 64-byte buckets of seven (32-bit hash tag, key) slots. The caller
// gives each key's 64-bit hash; its high half is the tag and picks the bucket, so growing
// never needs the keys' values. A full bucket passed by an insert records the overflow for
// that tag (one bit of eight), and a lookup goes on to the next bucket only when that bit is
// set. Erasing from a bucket that overflowed lowers the load allowed before the next
// rehash, which clears the bits (as boost::unordered_flat_map does). Keys must differ from
// kNone.
class FlowKeyIndex {
 public:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  FlowKeyIndex() { rehash(1); }

  // The key whose tag is the hash's and for which `same(key)` holds; kNone if none.
  template <class Same>
  [[nodiscard]] std::uint32_t find(std::uint64_t hash, Same&& same) const {
    const std::uint32_t tag = tag_of(hash);
    std::size_t b = tag & mask_;
    for (std::size_t probes = 0; probes <= mask_; ++probes) {
      const Bucket& bucket = buckets_[b];
      for (unsigned hits = matches(bucket, tag); hits != 0; hits &= hits - 1) {
        const std::uint32_t key = bucket.keys[std::countr_zero(hits)];
        if (key != kNone && same(key)) return key;
      }
      if ((bucket.overflow & overflow_bit(tag)) == 0) break;
      b = (b + 1) & mask_;
    }
    return kNone;
  }

  // Starts loading the bucket a lookup of `hash` reads first.
  void prefetch(std::uint64_t hash) const { __builtin_prefetch(&buckets_[tag_of(hash) & mask_]); }

  // `key` must not be in the index.
  void insert(std::uint64_t hash, std::uint32_t key) {
    if (size_ >= max_load_) [[unlikely]] {
      grow();
    }
    place(tag_of(hash), key);
    ++size_;
  }

  // `key`, given with its hash, must be in the index.
  void erase(std::uint64_t hash, std::uint32_t key);

  // Room for `keys` keys without a rehash.
  void reserve(std::size_t keys);
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t bucket_count() const { return buckets_.size(); }

 private:
  static constexpr unsigned kSlots = 7;
  // Load factor at most 3/4 of the slots.
  static constexpr std::size_t kLoadNumerator = 3;
  static constexpr std::size_t kLoadDenominator = 4;

  // Built empty, so that a new table is written once.
  struct alignas(64) Bucket {
    std::uint32_t tags[kSlots]{};
    std::uint32_t overflow = 0;  // bit (tag >> 29): an insert of such a tag went past this bucket
    std::uint32_t keys[kSlots];
    std::uint32_t unused = 0;
    Bucket() { std::fill(std::begin(keys), std::end(keys), kNone); }
  };
  static_assert(sizeof(Bucket) == 64);

  static std::uint32_t tag_of(std::uint64_t hash) {
    return static_cast<std::uint32_t>(hash >> 32U);
  }
  static std::uint32_t overflow_bit(std::uint32_t tag) { return 1U << (tag >> 29U); }
  // Bit s set when slot s holds `tag`.
  static unsigned matches(const Bucket& bucket, std::uint32_t tag) {
#if defined(__SSE2__)
    const __m128i wanted = _mm_set1_epi32(static_cast<int>(tag));
    const auto* words = reinterpret_cast<const __m128i*>(bucket.tags);
    const auto low = static_cast<unsigned>(
        _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_load_si128(words), wanted))));
    const auto high = static_cast<unsigned>(
        _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_load_si128(words + 1), wanted))));
    return (low | (high << 4U)) & ((1U << kSlots) - 1);  // not the overflow word
#else
    unsigned hits = 0;
    for (unsigned s = 0; s < kSlots; ++s) hits |= static_cast<unsigned>(bucket.tags[s] == tag) << s;
    return hits;
#endif
  }

  void place(std::uint32_t tag, std::uint32_t key);
  void grow();
  void rehash(std::size_t buckets);

  std::vector<Bucket, sim::HugePageAllocator<Bucket>> buckets_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::size_t max_load_ = 0;
};

}  // namespace tcpsim::net
