#include "sim/huge_page_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace tcpsim::sim {
namespace {

bool aligned_to_huge_page(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % kHugePageBytes == 0;
}

TEST(HugePageAllocator, LargeBlocksAreHugePageAlignedAndZeroFilled) {
  HugePageAllocator<std::uint64_t> alloc;
  const std::size_t n = kHugePageMinBlock / sizeof(std::uint64_t) + 5;  // not a multiple
  std::uint64_t* p = alloc.allocate(n);
  EXPECT_TRUE(aligned_to_huge_page(p));
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += p[i];
  EXPECT_EQ(sum, 0U);
  p[0] = 1;
  p[n - 1] = 2;  // the last element is mapped
  EXPECT_EQ(p[0] + p[n - 1], 3U);
  alloc.deallocate(p, n);
}

TEST(HugePageAllocator, SmallerBlocksComeFromTheHeap) {
  HugePageAllocator<std::uint32_t> alloc;
  const std::size_t n = kHugePageMinBlock / sizeof(std::uint32_t) - 1;
  std::uint32_t* p = alloc.allocate(n);
  p[n - 1] = 7;
  EXPECT_EQ(p[n - 1], 7U);
  alloc.deallocate(p, n);
}

// A vector that grows from heap blocks into mapped ones keeps its elements.
TEST(HugePageAllocator, AVectorKeepsItsElementsAcrossGrowth) {
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> v;
  const std::size_t n = kHugePageMinBlock;  // 4 x 16 MiB of elements at the end
  for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<std::uint32_t>(i));
  EXPECT_TRUE(aligned_to_huge_page(v.data()));
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < n; ++i) expected += i;
  EXPECT_EQ(std::accumulate(v.begin(), v.end(), std::uint64_t{0}), expected);
  v.clear();
  v.shrink_to_fit();
  EXPECT_EQ(v.capacity(), 0U);
}

}  // namespace
}  // namespace tcpsim::sim
