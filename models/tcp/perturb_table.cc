#include "models/tcp/perturb_table.h"

namespace tcpsim::tcp {

std::uint32_t PerturbTable::start(std::size_t slot) const {
  sim::RandomStream draws = origin_;
  draws.discard(slot);
  return draws.next_u32();
}

void PerturbTable::fill() {
  values_ = std::make_unique_for_overwrite<std::uint32_t[]>(kSlots);
  sim::RandomStream draws = origin_;
  for (std::size_t slot = 0; slot < kSlots; ++slot) values_[slot] = draws.next_u32();
}

}  // namespace tcpsim::tcp
