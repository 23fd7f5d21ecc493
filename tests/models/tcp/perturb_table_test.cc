// Linux's table_perturb per host: the same starts as an array filled from the stream at
// construction, without holding the array until a connect() moves a slot.

#include "models/tcp/perturb_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "sim/random_stream.h"

namespace tcpsim::tcp {
namespace {

constexpr std::size_t kSlots = PerturbTable::kSlots;

std::vector<std::uint32_t> filled(sim::RandomStream& rng) {
  std::vector<std::uint32_t> v(kSlots);
  for (auto& x : v) x = rng.next_u32();
  return v;
}

TEST(PerturbTable, StartsAsTheArrayFilledFromTheStreamAndLeavesTheStreamWhereItWould) {
  sim::RandomStream eager(1, 42);
  sim::RandomStream lazy(1, 42);
  const std::vector<std::uint32_t> expected = filled(eager);
  const PerturbTable table(lazy);
  for (std::size_t slot = 0; slot < kSlots; ++slot) ASSERT_EQ(table[slot], expected[slot]) << slot;
  EXPECT_EQ(lazy.next_u64(), eager.next_u64());
}

// A table beside the array it stands for, filled eagerly from a twin of its stream: add()
// moves the same slot of both.
struct Mirrored {
  Mirrored(std::uint64_t seed, std::uint64_t stream)
      : eager(seed, stream), lazy(seed, stream), expected(filled(eager)), table(lazy) {}
  void add(std::size_t slot, std::uint32_t step) {
    table.add(slot, step);
    expected[slot] += step;
  }
  void expect_same() const {
    for (std::size_t slot = 0; slot < kSlots; ++slot) {
      ASSERT_EQ(table[slot], expected[slot]) << slot;
    }
  }

  sim::RandomStream eager;
  sim::RandomStream lazy;
  std::vector<std::uint32_t> expected;
  PerturbTable table;
};

TEST(PerturbTable, AddMovesOneSlotAndTheOthersKeepTheirStart) {
  Mirrored m(5, 9);
  m.add(700, 6);
  m.add(3, 2);
  m.add(700, 10);
  m.expect_same();
}

// A slot's steps outgrow 8 bits (a client's slot after many connections): every slot keeps
// its steps in the wider table.
TEST(PerturbTable, StepsPastEightBitsKeepExactValues) {
  Mirrored m(4, 8);
  m.add(2, 255);
  m.add(1000, 17);
  m.expect_same();
  m.add(2, 1);  // 256: past 8 bits
  m.add(1000, 300);
  m.expect_same();
}

// A slot's steps outgrow 16 bits (a scan of most of the range adds its length): the table
// turns to whole values, which wrap at 2^32 as the kernel's u32 array does.
TEST(PerturbTable, StepsPastSixteenBitsKeepExactValues) {
  Mirrored m(3, 11);
  m.add(9, 65'535);
  m.add(10, 40'000);
  m.expect_same();
  m.add(10, 25'536);  // 65,536: past 16 bits
  m.expect_same();
  for (int i = 0; i < 150'000; ++i) m.add(7, 30'000);  // 4.5e9 in all: past 2^32
  m.expect_same();
}

// After a crash the kernel's table is drawn afresh: from where the stream then stands.
TEST(PerturbTable, ResetDrawsNewStartsFromTheStream) {
  sim::RandomStream eager(2, 2);
  sim::RandomStream lazy(2, 2);
  filled(eager);
  PerturbTable table(lazy);
  table.add(1, 100);
  eager.next_u64();
  lazy.next_u64();
  const std::vector<std::uint32_t> expected = filled(eager);
  table.reset(lazy);
  for (std::size_t slot = 0; slot < kSlots; ++slot) ASSERT_EQ(table[slot], expected[slot]) << slot;
  EXPECT_EQ(lazy.next_u64(), eager.next_u64());
}

}  // namespace
}  // namespace tcpsim::tcp
