// Linux's table_perturb (net/ipv4/inet_hashtables.c): the counters that move the start of
// connect()'s port search on, one per slot of the destination's hash, here one table per host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "sim/random_stream.h"

namespace tcpsim::tcp {

// Slot k starts at the k-th next_u32() of the stream given at construction or reset(), which
// then moves past all kSlots draws, as filling the array there would. A slot's value is that
// start plus the steps added to it: the steps are kept in 8 bits each, allocated at the first
// add() (a host that never connects, a server, holds none); the table widens them to 16 bits
// once a slot's steps pass 8, and switches to whole 32-bit values for good once they pass 16.
// A client's slots gather a few steps per connection, so a run of minutes stays in 8 bits.
class PerturbTable {
 public:
  static constexpr std::size_t kSlots = 1024;

  explicit PerturbTable(sim::RandomStream& rng) : origin_(rng) { rng.discard(kSlots); }

  // Every slot back to a fresh start drawn from `rng`.
  void reset(sim::RandomStream& rng) {
    origin_ = rng;
    rng.discard(kSlots);
    steps8_.reset();
    steps_.reset();
    values_.reset();
  }

  [[nodiscard]] std::uint32_t operator[](std::size_t slot) const {
    if (values_) return values_[slot];
    if (steps_) return start(slot) + steps_[slot];
    return start(slot) + (steps8_ ? steps8_[slot] : 0U);
  }
  void add(std::size_t slot, std::uint32_t step) {
    if (values_) {
      values_[slot] += step;
      return;
    }
    if (!steps_) {
      if (!steps8_) [[unlikely]] {
        steps8_ = std::make_unique<std::uint8_t[]>(kSlots);
      }
      if (const std::uint32_t sum = steps8_[slot] + step; sum <= 0xffU) [[likely]] {
        steps8_[slot] = static_cast<std::uint8_t>(sum);
        return;
      }
      widen_steps();
    }
    if (const std::uint32_t sum = steps_[slot] + step; sum <= 0xffffU) [[likely]] {
      steps_[slot] = static_cast<std::uint16_t>(sum);
      return;
    }
    widen();
    values_[slot] += step;
  }

  // Bytes held once a connect() has used the table, while its steps fit in 8 bits.
  static constexpr std::size_t bytes() { return kSlots * sizeof(std::uint8_t); }

 private:
  [[nodiscard]] std::uint32_t start(std::size_t slot) const;
  void widen_steps();
  void widen();

  sim::RandomStream origin_;
  std::unique_ptr<std::uint8_t[]> steps8_;  // until steps_
  std::unique_ptr<std::uint16_t[]> steps_;  // until values_
  std::unique_ptr<std::uint32_t[]> values_;
};

}  // namespace tcpsim::tcp
