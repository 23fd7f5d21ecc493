#include "models/net/flow_key_index.h"

#include <cassert>
#include <utility>

namespace tcpsim::net {

void FlowKeyIndex::place(std::uint32_t tag, std::uint32_t key) {
  std::size_t b = tag & mask_;
  while (true) {
    Bucket& bucket = buckets_[b];
    for (unsigned s = 0; s < kSlots; ++s) {
      if (bucket.keys[s] == kNone) {
        bucket.tags[s] = tag;
        bucket.keys[s] = key;
        return;
      }
    }
    bucket.overflow |= overflow_bit(tag);
    b = (b + 1) & mask_;
  }
}

void FlowKeyIndex::erase(std::uint64_t hash, std::uint32_t key) {
  const std::uint32_t tag = tag_of(hash);
  std::size_t b = tag & mask_;
  while (true) {
    Bucket& bucket = buckets_[b];
    for (unsigned s = 0; s < kSlots; ++s) {
      if (bucket.keys[s] == key) {
        bucket.keys[s] = kNone;
        --size_;
        if (bucket.overflow != 0) --max_load_;
        return;
      }
    }
    assert((bucket.overflow & overflow_bit(tag)) != 0);
    b = (b + 1) & mask_;
  }
}

void FlowKeyIndex::reserve(std::size_t keys) {
  std::size_t buckets = buckets_.size();
  while (buckets * kSlots * kLoadNumerator / kLoadDenominator < keys) buckets *= 2;
  if (buckets != buckets_.size()) rehash(buckets);
}

// Doubles when near the full load, else only clears the overflow bits (erasures lowered the
// load allowed).
void FlowKeyIndex::grow() {
  const std::size_t full = buckets_.size() * kSlots * kLoadNumerator / kLoadDenominator;
  rehash(size_ * 8 >= full * 7 ? buckets_.size() * 2 : buckets_.size());
}

void FlowKeyIndex::rehash(std::size_t buckets) {
  std::vector<Bucket, sim::HugePageAllocator<Bucket>> old(buckets);
  std::swap(old, buckets_);
  mask_ = buckets - 1;
  max_load_ = buckets * kSlots * kLoadNumerator / kLoadDenominator;
  for (const Bucket& bucket : old) {
    for (unsigned s = 0; s < kSlots; ++s) {
      if (bucket.keys[s] != kNone) place(bucket.tags[s], bucket.keys[s]);
    }
  }
}

}  // namespace tcpsim::net
