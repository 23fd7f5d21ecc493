#include "models/net/port_pool.h"

#include <algorithm>
#include <cassert>
#include <numeric>
#include <stdexcept>
#include <string>

namespace tcpsim::net {

namespace {

void check_size(std::uint32_t size) {
  if (size > PortPool::kMaxSize) {
    throw std::invalid_argument("port pool of " + std::to_string(size) + " ports, above " +
                                std::to_string(PortPool::kMaxSize));
  }
}

}  // namespace

PortPool::PortPool(std::uint32_t size, bool random) : size_(size), free_(size), random_(random) {
  check_size(size);
}

std::uint32_t PortPool::at(std::uint32_t position) const {
  if (!dense_.empty()) return dense_[position];
  const auto it = moved_.find(position);
  return it == moved_.end() ? position : it->second;
}

void PortPool::set(std::uint32_t position, std::uint32_t index) {
  if (!dense_.empty()) {
    dense_[position] = static_cast<std::uint16_t>(index);
  } else if (position == index) {
    moved_.erase(position);
  } else {
    moved_.insert_or_assign(position, index);
    if (moved_.size() >= std::max<std::size_t>(size_ / 8, 16)) make_dense();
  }
}

void PortPool::make_dense() {
  dense_.resize(size_);
  std::iota(dense_.begin(), dense_.end(), std::uint16_t{0});
  for (const auto& [position, index] : moved_) dense_[position] = static_cast<std::uint16_t>(index);
  moved_ = {};
}

void PortPool::grow(std::uint32_t new_size) {
  if (new_size <= size_) return;
  check_size(new_size);
  const std::uint32_t old_size = size_;
  size_ = new_size;
  if (random_) {
    if (!dense_.empty()) dense_.resize(new_size);
    for (std::uint32_t index = old_size; index < new_size; ++index) set(free_++, index);
  } else {
    free_ += new_size - old_size;
  }
}

std::uint32_t PortPool::take(sim::RandomStream& rng) {
  assert(free_ > 0);
  if (random_) {
    const auto position = static_cast<std::uint32_t>(rng.below(free_));
    const std::uint32_t index = at(position);
    --free_;
    set(position, at(free_));
    if (dense_.empty()) moved_.erase(free_);
    return index;
  }
  --free_;
  if (fresh_ < size_) return fresh_++;
  const std::uint32_t index = released_[head_];
  head_ = (head_ + 1) & static_cast<std::uint32_t>(released_.size() - 1);
  --count_;
  return index;
}

void PortPool::put_back(std::uint32_t index) {
  if (random_) {
    set(free_++, index);
    return;
  }
  ++free_;
  if (count_ == released_.size()) {
    std::vector<std::uint32_t> bigger(released_.empty() ? 64 : released_.size() * 2);
    for (std::uint32_t i = 0; i < count_; ++i) {
      bigger[i] = released_[(head_ + i) & (released_.size() - 1)];
    }
    released_.swap(bigger);
    head_ = 0;
  }
  released_[(head_ + count_) & (released_.size() - 1)] = index;
  ++count_;
}

}  // namespace tcpsim::net
