#include "sim/fifo_timer_list.h"

#include <stdexcept>

namespace tcpsim::sim {

FifoTimerList::FifoTimerList(Simulator& sim, Time duration, EventHandler& owner, std::uint16_t kind)
    : sim_(sim), duration_(duration), owner_(owner), kind_(kind), self_(sim.add_handler(*this)) {
  if (duration < 0) throw std::invalid_argument("FifoTimerList: negative duration");
  ring_.resize(16);
  mask_ = ring_.size() - 1;
}

FifoTimerList::Handle FifoTimerList::add(std::uint32_t target, std::uint32_t tag) {
  if (tail_ - head_ == ring_.size()) grow();
  const Handle h = tail_++;
  at(h) = Entry{sim_.now() + duration_, target, tag};
  ++live_;
  if (!head_scheduled_) schedule_head();
  return h;
}

void FifoTimerList::cancel(Handle handle) {
  if (handle < head_ || handle >= tail_) return;
  Entry& e = at(handle);
  if (e.target == kCancelled) return;
  e.target = kCancelled;
  --live_;
}

void FifoTimerList::handle(const Event& /*event*/) {
  head_scheduled_ = false;
  const Time now = sim_.now();
  while (head_ != tail_ && at(head_).expiry <= now) {
    const Entry e = at(head_);
    ++head_;
    if (e.target == kCancelled) continue;
    --live_;
    owner_.handle(Event{now, 0, e.target, 0, kind_, kNoTimer, 0, e.tag, 0});
  }
  if (head_ != tail_ && !head_scheduled_) schedule_head();
}

void FifoTimerList::schedule_head() {
  // Cancelled entries at the head are skipped here so that the queued event
  // lands on a live expiry whenever one exists.
  while (head_ != tail_ && at(head_).target == kCancelled) ++head_;
  if (head_ == tail_) return;
  sim_.schedule(at(head_).expiry, self_, 0, 0);
  head_scheduled_ = true;
}

void FifoTimerList::grow() {
  std::vector<Entry> bigger(ring_.size() * 2);
  const Handle new_mask = bigger.size() - 1;
  for (Handle h = head_; h != tail_; ++h) bigger[h & new_mask] = at(h);
  ring_.swap(bigger);
  mask_ = new_mask;
}

}  // namespace tcpsim::sim
