// Linux's table_perturb (net/ipv4/inet_hashtables.c): the counters that move the start of
// connect()'s port search on, one per slot of the destination's hash, here one table per host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "sim/random_stream.h"

namespace tcpsim::tcp {

// Slot k starts at the k-th next_u32() of the stream given at construction or reset(), which
// then moves past all kSlots draws, as filling the array there would. The array is allocated
// at the first add(), so that a host that never connects (a server) holds none of it.
class PerturbTable {
 public:
  static constexpr std::size_t kSlots = 1024;

  explicit PerturbTable(sim::RandomStream& rng) : origin_(rng) { rng.discard(kSlots); }

  // Every slot back to a fresh start drawn from `rng`.
  void reset(sim::RandomStream& rng) {
    origin_ = rng;
    rng.discard(kSlots);
    values_.reset();
  }

  [[nodiscard]] std::uint32_t operator[](std::size_t slot) const {
    return values_ ? values_[slot] : start(slot);
  }
  void add(std::size_t slot, std::uint32_t step) {
    if (!values_) [[unlikely]] {
      fill();
    }
    values_[slot] += step;
  }

  // Bytes held once a connect() has used the table.
  static constexpr std::size_t bytes() { return kSlots * sizeof(std::uint32_t); }

 private:
  [[nodiscard]] std::uint32_t start(std::size_t slot) const;
  void fill();

  sim::RandomStream origin_;
  std::unique_ptr<std::uint32_t[]> values_;
};

}  // namespace tcpsim::tcp
