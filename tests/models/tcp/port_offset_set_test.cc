#include "models/tcp/port_offset_set.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

namespace tcpsim::tcp {
namespace {

std::set<std::uint16_t> members(const PortOffsetSet& s) {
  std::set<std::uint16_t> out;
  s.for_each([&](std::uint16_t offset) { EXPECT_TRUE(out.insert(offset).second); });
  return out;
}

// Random inserts (new offsets, and offsets held already, which change nothing) and
// erases, kept within 7/8 of the slots, agree with std::set at every step, for capacities that are
// and are not powers of two. Offsets come in runs of even numbers (the way connect() takes them)
// and at random, so clusters form, wrap around the end of the array and are shifted back by erase.
TEST(PortOffsetSet, AgreesWithAnOrderedSetThroughInsertsAndErases) {
  for (const std::size_t capacity : {16U, 100U, 512U, 576U, 1024U}) {
    PortOffsetSet s;
    s.rehash(capacity);
    std::set<std::uint16_t> want;
    std::vector<std::uint16_t> held;
    std::uint32_t seed = 12345;
    const auto next = [&] { return seed = seed * 1103515245U + 12345U; };
    std::uint16_t run = 0;
    std::size_t probes = 0;
    for (int round = 0; round < 20000; ++round) {
      const bool full = want.size() == PortOffsetSet::max_size(capacity);
      if (!held.empty() && (full || (next() >> 16U) % 2 == 0)) {
        const std::size_t i = (next() >> 8U) % held.size();
        s.erase(held[i]);
        want.erase(held[i]);
        held[i] = held.back();
        held.pop_back();
      } else {
        std::uint16_t offset = 0;
        do {
          offset = (next() >> 16U) % 4 == 0 ? static_cast<std::uint16_t>((next() >> 8U) % 28232)
                                            : static_cast<std::uint16_t>(run += 2);
        } while (want.contains(offset));
        ASSERT_TRUE(s.insert(offset));
        want.insert(offset);
        held.push_back(offset);
        if (want.size() < PortOffsetSet::max_size(capacity)) {
          ASSERT_FALSE(s.insert(held[(next() >> 8U) % held.size()]));  // held already
        }
      }
      ASSERT_EQ(s.size(), want.size());
      for (int k = 0; k < 4; ++k) {
        const auto probe = static_cast<std::uint16_t>(k % 2 == 0 && !held.empty()
                                                          ? held[(next() >> 8U) % held.size()]
                                                          : (next() >> 8U) % 28232);
        ASSERT_EQ(s.contains(probe), want.contains(probe)) << "capacity " << capacity;
        ++probes;
      }
    }
    EXPECT_EQ(members(s), want);
    EXPECT_EQ(s.capacity(), capacity);
    EXPECT_GT(probes, 0U);
  }
}

// A rehash keeps every offset, and a set emptied by erases finds nothing.
TEST(PortOffsetSet, RehashKeepsTheOffsetsAndEraseEmptiesTheSet) {
  PortOffsetSet s;
  EXPECT_FALSE(s.contains(0));
  s.rehash(16);
  std::set<std::uint16_t> want;
  for (std::uint16_t o = 0; o < 14; ++o) {
    s.insert(static_cast<std::uint16_t>(o * 2));
    want.insert(static_cast<std::uint16_t>(o * 2));
  }
  EXPECT_EQ(PortOffsetSet::max_size(16), 14U);
  s.rehash(PortOffsetSet::slots_for(200));
  EXPECT_EQ(s.capacity(), 229U);
  EXPECT_EQ(PortOffsetSet::max_size(229), 200U);
  EXPECT_EQ(members(s), want);
  for (std::uint16_t o = 100; o < 286; ++o) {
    s.insert(static_cast<std::uint16_t>(o * 2 + 1));
    want.insert(static_cast<std::uint16_t>(o * 2 + 1));
  }
  EXPECT_EQ(s.size(), 200U);
  EXPECT_EQ(members(s), want);
  for (const std::uint16_t o : want) s.erase(o);
  EXPECT_EQ(s.size(), 0U);
  for (std::uint32_t o = 0; o < 600; ++o) EXPECT_FALSE(s.contains(static_cast<std::uint16_t>(o)));
  EXPECT_TRUE(members(s).empty());
}

}  // namespace
}  // namespace tcpsim::tcp
