// A std allocator for large tables read at random (flow tables, hash indexes): blocks of
// 16 MiB and more are mapped on their own and backed by transparent huge pages where the
// kernel allows it, so that a random access does not also miss the TLB.
#pragma once

#include <cstddef>
#include <memory>

namespace tcpsim::sim {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20U;
// Smaller blocks stay on the heap: a block's memory grows by at most a huge page (its last
// one, touched whole), under an eighth of the block.
inline constexpr std::size_t kHugePageMinBlock = 8 * kHugePageBytes;

// Huge-page-aligned anonymous memory of at least `bytes` (a multiple of kHugePageBytes),
// zero-filled and faulted in on first touch; std::bad_alloc when none is left.
void* map_huge_pages(std::size_t bytes);
void unmap_huge_pages(void* p, std::size_t bytes);

template <class T>
class HugePageAllocator {
 public:
  using value_type = T;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>& /*other*/) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePageMinBlock) return std::allocator<T>{}.allocate(n);
    return static_cast<T*>(map_huge_pages(rounded(bytes)));
  }
  void deallocate(T* p, std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePageMinBlock) {
      std::allocator<T>{}.deallocate(p, n);
    } else {
      unmap_huge_pages(p, rounded(bytes));
    }
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }

 private:
  static std::size_t rounded(std::size_t bytes) {
    return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  }
};

}  // namespace tcpsim::sim
