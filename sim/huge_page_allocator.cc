#include "sim/huge_page_allocator.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace tcpsim::sim {

// Maps one huge page more than asked and gives back the unaligned head and the tail.
void* map_huge_pages(std::size_t bytes) {
  const std::size_t mapped = bytes + kHugePageBytes;
  void* raw = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  char* const base = static_cast<char*>(raw);
  const std::size_t head =
      (kHugePageBytes - reinterpret_cast<std::uintptr_t>(raw) % kHugePageBytes) % kHugePageBytes;
  char* const p = base + head;
  if (head != 0) munmap(base, head);
  if (const std::size_t tail = mapped - head - bytes; tail != 0) munmap(p + bytes, tail);
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without THP the pages stay small
#endif
  return p;
}

void unmap_huge_pages(void* p, std::size_t bytes) { munmap(p, bytes); }

}  // namespace tcpsim::sim
