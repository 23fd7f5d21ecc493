// A monotone event counter (connects attempted, segments sent, errors by kind).
// Counters of several hosts or runs combine with merge().
#pragma once

#include <cstdint>

namespace tcpsim::sim {

class Counter {
 public:
  void add(std::uint64_t n = 1) { value_ += n; }
  [[nodiscard]] std::uint64_t value() const { return value_; }
  void merge(const Counter& other) { value_ += other.value_; }
  void reset() { value_ = 0; }

 private:
  std::uint64_t value_ = 0;
};

}  // namespace tcpsim::sim
