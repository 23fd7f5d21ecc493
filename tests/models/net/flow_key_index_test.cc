#include "models/net/flow_key_index.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "sim/random_stream.h"

namespace tcpsim::net {
namespace {

// Keys are looked up by their hash and a predicate on the key, as the flow table does with
// its entries' tuples; `value` stands for those entries.
std::uint32_t find(const FlowKeyIndex& index, std::uint64_t hash, std::uint32_t key) {
  return index.find(hash, [&](std::uint32_t k) { return k == key; });
}

std::uint64_t hash_of(std::uint32_t key) { return sim::mix64(key); }

TEST(FlowKeyIndex, FindsWhatWasInsertedAndNotWhatWasErased) {
  FlowKeyIndex index;
  for (std::uint32_t k = 0; k < 100; ++k) index.insert(hash_of(k), k);
  EXPECT_EQ(index.size(), 100U);
  for (std::uint32_t k = 0; k < 100; k += 2) index.erase(hash_of(k), k);
  EXPECT_EQ(index.size(), 50U);
  for (std::uint32_t k = 0; k < 100; ++k) {
    EXPECT_EQ(find(index, hash_of(k), k), k % 2 == 0 ? FlowKeyIndex::kNone : k) << k;
  }
  EXPECT_EQ(find(index, hash_of(1000), 1000), FlowKeyIndex::kNone);
}

// Every key on one tag: the bucket fills, the rest overflow into the next buckets, and the
// predicate tells them apart.
TEST(FlowKeyIndex, KeysOfOneTagOverflowAndStayReachable) {
  FlowKeyIndex index;
  index.reserve(64);
  const std::uint64_t hash = 0x1234'5678'0000'0000ULL;
  for (std::uint32_t k = 0; k < 20; ++k) index.insert(hash, k);
  for (std::uint32_t k = 0; k < 20; ++k) EXPECT_EQ(find(index, hash, k), k);
  for (std::uint32_t k = 0; k < 10; ++k) index.erase(hash, k);
  for (std::uint32_t k = 0; k < 20; ++k) {
    EXPECT_EQ(find(index, hash, k), k < 10 ? FlowKeyIndex::kNone : k);
  }
  EXPECT_EQ(find(index, hash, 99), FlowKeyIndex::kNone);
}

TEST(FlowKeyIndex, ReserveMakesRoomWithoutRehashingLater) {
  FlowKeyIndex index;
  index.reserve(10'000);
  const std::size_t buckets = index.bucket_count();
  // 7 slots a bucket, at most three quarters used.
  EXPECT_GE(buckets * 7 * 3 / 4, 10'000U);
  for (std::uint32_t k = 0; k < 10'000; ++k) index.insert(hash_of(k), k);
  EXPECT_EQ(index.bucket_count(), buckets);
}

// Churn at a steady size, as a NAT gateway's mappings: the index neither loses keys nor
// keeps growing once overflow marks are cleared by rehashes in place.
TEST(FlowKeyIndex, SteadyChurnKeepsEveryLiveKeyAndABoundedSize) {
  FlowKeyIndex index;
  sim::RandomStream rng(7, 7);
  std::vector<std::uint32_t> live;
  std::set<std::uint32_t> gone;
  std::uint32_t next = 0;
  for (; next < 4'000; ++next) {
    index.insert(hash_of(next), next);
    live.push_back(next);
  }
  const std::size_t buckets = index.bucket_count();
  for (int round = 0; round < 200'000; ++round) {
    const auto at = static_cast<std::size_t>(rng.below(live.size()));
    index.erase(hash_of(live[at]), live[at]);
    gone.insert(live[at]);
    live[at] = next;
    index.insert(hash_of(next), next);
    ++next;
  }
  EXPECT_EQ(index.size(), live.size());
  EXPECT_EQ(index.bucket_count(), buckets);
  for (const std::uint32_t k : live) EXPECT_EQ(find(index, hash_of(k), k), k);
  std::size_t checked = 0;
  for (const std::uint32_t k : gone) {
    if (++checked > 2'000) break;
    EXPECT_EQ(find(index, hash_of(k), k), FlowKeyIndex::kNone);
  }
}

}  // namespace
}  // namespace tcpsim::net
