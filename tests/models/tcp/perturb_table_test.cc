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

TEST(PerturbTable, AddMovesOneSlotAndTheOthersKeepTheirStart) {
  sim::RandomStream eager(5, 9);
  sim::RandomStream lazy(5, 9);
  std::vector<std::uint32_t> expected = filled(eager);
  PerturbTable table(lazy);
  table.add(700, 6);
  table.add(3, 2);
  table.add(700, 10);
  expected[700] += 16;
  expected[3] += 2;
  for (std::size_t slot = 0; slot < kSlots; ++slot) ASSERT_EQ(table[slot], expected[slot]) << slot;
}

// A slot's steps outgrow 8 bits (a client's slot after many connections): every slot keeps
// its steps in the wider table.
TEST(PerturbTable, StepsPastEightBitsKeepExactValues) {
  sim::RandomStream eager(4, 8);
  sim::RandomStream lazy(4, 8);
  std::vector<std::uint32_t> expected = filled(eager);
  PerturbTable table(lazy);
  table.add(2, 255);
  expected[2] += 255;
  table.add(1000, 17);
  expected[1000] += 17;
  for (std::size_t slot = 0; slot < kSlots; ++slot) ASSERT_EQ(table[slot], expected[slot]) << slot;
  table.add(2, 1);  // 256: past 8 bits
  expected[2] += 1;
  table.add(1000, 300);
  expected[1000] += 300;
  for (std::size_t slot = 0; slot < kSlots; ++slot) ASSERT_EQ(table[slot], expected[slot]) << slot;
}

// A slot's steps outgrow 16 bits (a scan of most of the range adds its length): the table
// turns to whole values, which wrap at 2^32 as the kernel's u32 array does.
TEST(PerturbTable, StepsPastSixteenBitsKeepExactValues) {
  sim::RandomStream eager(3, 11);
  sim::RandomStream lazy(3, 11);
  std::vector<std::uint32_t> expected = filled(eager);
  PerturbTable table(lazy);
  table.add(9, 65'535);
  expected[9] += 65'535;
  table.add(10, 40'000);
  expected[10] += 40'000;
  for (std::size_t slot = 0; slot < kSlots; ++slot) ASSERT_EQ(table[slot], expected[slot]) << slot;
  table.add(10, 25'536);  // 65,536: past 16 bits
  expected[10] += 25'536;
  for (std::size_t slot = 0; slot < kSlots; ++slot) ASSERT_EQ(table[slot], expected[slot]) << slot;
  for (int i = 0; i < 150'000; ++i) {  // 4.5e9 in all: past 2^32
    table.add(7, 30'000);
    expected[7] += 30'000;
  }
  for (std::size_t slot = 0; slot < kSlots; ++slot) ASSERT_EQ(table[slot], expected[slot]) << slot;
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
