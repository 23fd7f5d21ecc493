// The free ports of one range [0, size), as indices, taken in order or at random in O(1)
// with memory for the ports touched only: one per (destination, public address) of a NAT.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <vector>

#include "sim/random_stream.h"

namespace tcpsim::net {

// In order: never-used indices in turn, then released ones, the longest released first (as a
// cursor that wraps around the range). At random: uniform among the free indices, by a lazy
// Fisher-Yates shuffle whose moved positions live in a hash map, or in an array of every
// position (two bytes each) once an eighth of them have moved: the array is then at most 1.6
// times the map's memory, and costs no hashing. A pool is one or the other. Sizes are at most
// 65,536, the port range.
class PortPool {
 public:
  static constexpr std::uint32_t kMaxSize = 65'536;

  // std::invalid_argument for a size above kMaxSize.
  PortPool(std::uint32_t size, bool random);

  [[nodiscard]] std::uint32_t size() const { return size_; }
  [[nodiscard]] std::uint32_t free() const { return free_; }
  [[nodiscard]] bool random() const { return random_; }

  // Adds [size(), new_size) to the free indices (O(new_size - size()) when random); at most
  // kMaxSize.
  void grow(std::uint32_t new_size);
  // Requires free() > 0.
  std::uint32_t take(sim::RandomStream& rng);
  // `index` must have been taken and not put back since.
  void put_back(std::uint32_t index);

 private:
  std::uint32_t at(std::uint32_t position) const;
  void set(std::uint32_t position, std::uint32_t index);
  void make_dense();

  std::uint32_t size_;
  std::uint32_t free_;
  bool random_;
  // In order.
  std::uint32_t fresh_ = 0;              // the first index never taken
  std::vector<std::uint32_t> released_;  // ring, capacity a power of two
  std::uint32_t head_ = 0;
  std::uint32_t count_ = 0;
  // At random: positions [0, free_) hold the free indices; a position not in the map holds
  // its own number. Once dense_ is in use (size_ entries) the map is empty.
  boost::unordered_flat_map<std::uint32_t, std::uint32_t> moved_;
  std::vector<std::uint16_t> dense_;
};

}  // namespace tcpsim::net
