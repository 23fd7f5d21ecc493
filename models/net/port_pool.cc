#include "models/net/port_pool.h"

#include <cassert>

namespace tcpsim::net {

std::uint32_t PortPool::at(std::uint32_t position) const {
  const auto it = moved_.find(position);
  return it == moved_.end() ? position : it->second;
}

void PortPool::set(std::uint32_t position, std::uint32_t index) {
  if (position == index) {
    moved_.erase(position);
  } else {
    moved_.insert_or_assign(position, index);
  }
}

void PortPool::grow(std::uint32_t new_size) {
  if (new_size <= size_) return;
  if (random_) {
    for (std::uint32_t index = size_; index < new_size; ++index) set(free_++, index);
  } else {
    free_ += new_size - size_;
  }
  size_ = new_size;
}

std::uint32_t PortPool::take(sim::RandomStream& rng) {
  assert(free_ > 0);
  if (random_) {
    const auto position = static_cast<std::uint32_t>(rng.below(free_));
    const std::uint32_t index = at(position);
    --free_;
    set(position, at(free_));
    moved_.erase(free_);
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
