#include "models/tcp/perturb_table.h"

#include <algorithm>

namespace tcpsim::tcp {

std::uint32_t PerturbTable::start(std::size_t slot) const {
  static_assert(kSlots <= sim::RandomStream::kPeekRange);
  return origin_.peek_u32(slot);
}

void PerturbTable::widen_steps() {
  steps_ = std::make_unique_for_overwrite<std::uint16_t[]>(kSlots);
  std::copy_n(steps8_.get(), kSlots, steps_.get());
  steps8_.reset();
}

void PerturbTable::widen() {
  values_ = std::make_unique_for_overwrite<std::uint32_t[]>(kSlots);
  sim::RandomStream draws = origin_;
  for (std::size_t slot = 0; slot < kSlots; ++slot) values_[slot] = draws.next_u32() + steps_[slot];
  steps_.reset();
}

}  // namespace tcpsim::tcp
