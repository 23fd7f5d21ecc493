#include "sim/fifo_timer_list.h"

#include <cstddef>
#include <stdexcept>
#include <vector>

namespace tcpsim::sim {

namespace {

// A chunk no longer in use goes to the spare pool, or back to the heap when that is full.
template <class Entry>
void release_chunk(Entry*& chunk, std::vector<Entry*>& spare, std::size_t max_spare) {
  if (spare.size() < max_spare) {
    spare.push_back(chunk);
  } else {
    delete[] chunk;
  }
  chunk = nullptr;
}

}  // namespace

FifoTimerList::FifoTimerList(Simulator& sim, Time duration, EventHandler& owner, EventKind kind)
    : sim_(sim),
      duration_(duration),
      owner_(owner),
      kind_(kind),
      self_(sim.add_handler(*this)),
      chunks_(kInitialChunks, nullptr),
      chunk_mask_(kInitialChunks - 1) {
  if (duration < 0) throw std::invalid_argument("FifoTimerList: negative duration");
}

FifoTimerList::~FifoTimerList() {
  for (Entry* c : chunks_) delete[] c;
  for (Entry* c : spare_) delete[] c;
}

FifoTimerList::Handle FifoTimerList::add_at(std::uint32_t target, std::uint32_t tag, Time expiry) {
  if ((tail_ & (kChunkSize - 1)) == 0) {
    if (relocation_ != nullptr) consider_compaction();
    if ((tail_ & (kChunkSize - 1)) == 0) add_tail_chunk();
  }
  const Handle h = tail_++;
  at(h) = Entry{expiry, target, tag};
  ++live_;
  if (!head_scheduled_) schedule_head();
  return h;
}

void FifoTimerList::handle(const Event& /*event*/) {
  head_scheduled_ = false;
  const Time now = sim_.now();
  while (head_ != tail_ && at(head_).expiry <= now) {
    const Entry e = at(head_);
    advance_head();
    if (e.target == kCancelled) continue;
    --live_;
    owner_.handle(Event{now, 0, e.target, 0, kind_, kNoTimer, 0, e.tag, 0});
  }
  if (head_ != tail_ && !head_scheduled_) schedule_head();
}

void FifoTimerList::schedule_head() {
  // Cancelled entries at the head are skipped here so that the queued event
  // lands on a live expiry whenever one exists.
  while (head_ != tail_ && at(head_).target == kCancelled) advance_head();
  if (head_ == tail_) return;
  sim_.schedule(at(head_).expiry, self_, 0, 0);
  head_scheduled_ = true;
}

void FifoTimerList::consider_compaction() {
  // The queued event names the head's expiry: the head itself never moves.
  if (mark_ <= head_) {
    mark_ = tail_;
    dead_since_mark_ = 0;
    return;
  }
  const Handle window = tail_ - mark_;
  if (dead_since_mark_ > 0 && 2 * dead_since_mark_ >= window) {
    compact();  // the mark stays: the survivors are young and may be cancelled soon
    return;
  }
  if (window >= kCompactWindow) {
    if (4 * dead_since_mark_ >= window) compact();
    mark_ = tail_;
    dead_since_mark_ = 0;
  }
}

void FifoTimerList::compact() {
  Handle to = mark_;
  for (Handle from = mark_; from != tail_; ++from) {
    const Entry e = at(from);
    if (e.target == kCancelled) continue;
    if (from != to) {
      at(to) = e;
      relocation_->timer_moved(e.target, e.tag, to);
    }
    ++to;
  }
  // Chunks wholly past the new tail go back; a tail on a boundary has no chunk yet.
  const Handle first_free = (to + kChunkSize - 1) >> kChunkBits;
  for (Handle c = first_free; c <= (tail_ - 1) >> kChunkBits; ++c) {
    release_chunk(chunks_[c & chunk_mask_], spare_, kMaxSpareChunks);
  }
  tail_ = to;
  dead_since_mark_ = 0;
}

void FifoTimerList::add_tail_chunk() {
  const Handle chunk = tail_ >> kChunkBits;
  const Handle in_use = chunk - (head_ >> kChunkBits);  // chunks holding live entries
  if (in_use + 1 > chunks_.size()) {
    std::vector<Entry*> bigger(chunks_.size() * 2, nullptr);
    const Handle new_mask = bigger.size() - 1;
    for (Handle c = head_ >> kChunkBits; c < chunk; ++c)
      bigger[c & new_mask] = chunks_[c & chunk_mask_];
    chunks_.swap(bigger);
    chunk_mask_ = new_mask;
  }
  Entry* storage;
  if (!spare_.empty()) {
    storage = spare_.back();
    spare_.pop_back();
  } else {
    storage = new Entry[kChunkSize];
  }
  chunks_[chunk & chunk_mask_] = storage;
}

// Moves past the head entry, handing its chunk back once it is used up.
void FifoTimerList::advance_head() {
  ++head_;
  if ((head_ & (kChunkSize - 1)) != 0) return;
  release_chunk(chunks_[((head_ - 1) >> kChunkBits) & chunk_mask_], spare_, kMaxSpareChunks);
}

}  // namespace tcpsim::sim
