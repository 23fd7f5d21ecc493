// Doubly linked lists threaded by index through the elements of a vector:
// O(1) insertion at either end and removal anywhere, without allocating.
#pragma once

#include <cstdint>

namespace tcpsim::app {

inline constexpr std::uint32_t kNil = ~std::uint32_t{0};

// The links an element carries for one list it may belong to.
struct ListLinks {
  std::uint32_t prev = kNil;
  std::uint32_t next = kNil;
};

// An element is in at most one list per ListLinks member; the caller tracks
// membership.
class IndexList {
 public:
  [[nodiscard]] std::uint32_t front() const { return head_; }
  [[nodiscard]] std::uint32_t back() const { return tail_; }
  [[nodiscard]] std::uint32_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }

  // `items` is any indexable store of T (a vector, a sim::SlotPool).
  template <typename Items, typename T>
  void push_back(Items& items, ListLinks T::*links, std::uint32_t i) {
    ListLinks& l = items[i].*links;
    l.prev = tail_;
    l.next = kNil;
    if (tail_ == kNil) {
      head_ = i;
    } else {
      (items[tail_].*links).next = i;
    }
    tail_ = i;
    ++size_;
  }

  template <typename Items, typename T>
  void remove(Items& items, ListLinks T::*links, std::uint32_t i) {
    ListLinks& l = items[i].*links;
    if (l.prev == kNil) {
      head_ = l.next;
    } else {
      (items[l.prev].*links).next = l.next;
    }
    if (l.next == kNil) {
      tail_ = l.prev;
    } else {
      (items[l.next].*links).prev = l.prev;
    }
    l = ListLinks{};
    --size_;
  }

 private:
  std::uint32_t head_ = kNil;
  std::uint32_t tail_ = kNil;
  std::uint32_t size_ = 0;
};

}  // namespace tcpsim::app
