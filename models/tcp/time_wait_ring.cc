#include "models/tcp/time_wait_ring.h"

#include <stdexcept>

namespace tcpsim::tcp {

TimeWaitRing::TimeWaitRing(sim::Simulator& sim, sim::Time duration, sim::HandlerId owner,
                           sim::EventKind kind, TimerWheel wheel)
    : sim_(sim),
      duration_(duration),
      wheel_(wheel),
      owner_(owner),
      kind_(kind),
      chunks_(kInitialChunks),
      chunk_mask_(kInitialChunks - 1) {
  if (duration < 0) throw std::invalid_argument("TimeWaitRing: negative duration");
}

void TimeWaitRing::schedule_head() {
  if (head_ == tail_) return;
  sim_.schedule(due(expiry_at(head_)), owner_, kind_, 0);
  head_scheduled_ = true;
}

// A chunk for records expiring from `base` on: the next one, or, when the
// tail's chunk cannot hold an offset from its base that large, a new one
// while the tail's ends early.
void TimeWaitRing::start_chunk(sim::Time base) {
  if ((tail_ & kInChunk) != 0) {
    chunk_at(tail_).end = static_cast<std::uint32_t>(tail_ & kInChunk);
    const Position old_tail = tail_;
    tail_ = next_chunk(tail_);
    if (head_ == old_tail) {
      release_chunk(old_tail);
      head_ = tail_;
    }
  }
  const Position chunk = tail_ >> kChunkBits;
  const Position in_use = chunk - (head_ >> kChunkBits);
  if (in_use + 1 > chunks_.size()) {
    if (chunks_.size() << (kChunkBits + 1) > (Position{1} << kIdBits)) {
      throw std::length_error("TimeWaitRing: more than 2^30 records and holes");
    }
    std::vector<std::unique_ptr<Chunk>> bigger(chunks_.size() * 2);
    const Position new_mask = bigger.size() - 1;
    for (Position c = head_ >> kChunkBits; c < chunk; ++c) {
      bigger[c & new_mask] = std::move(chunks_[c & chunk_mask_]);
    }
    chunks_.swap(bigger);
    chunk_mask_ = new_mask;
  }
  std::unique_ptr<Chunk>& slot = chunks_[chunk & chunk_mask_];
  if (spare_) {
    slot = std::move(spare_);
  } else if (cache_ != nullptr && !cache_->free_.empty()) {
    slot = std::move(cache_->free_.back());
    cache_->free_.pop_back();
    ++allocated_;
  } else {
    slot = std::make_unique<Chunk>();
    ++allocated_;
  }
  slot->base = base;
  slot->end = kChunkSize;
}

// Hands back the chunk holding position p, which the head has passed.
void TimeWaitRing::release_chunk(Position p) {
  std::unique_ptr<Chunk>& done = chunks_[(p >> kChunkBits) & chunk_mask_];
  if (cache_ == nullptr && !spare_) {
    spare_ = std::move(done);
    return;
  }
  let_go(std::move(done));
}

void TimeWaitRing::share_chunks(ChunkCache& cache) {
  cache_ = &cache;
  if (spare_) let_go(std::move(spare_));
}

void TimeWaitRing::let_go(std::unique_ptr<Chunk> chunk) {
  if (cache_ != nullptr && cache_->free_.size() < ChunkCache::kLimit) {
    cache_->free_.push_back(std::move(chunk));
  }
  --allocated_;
}

void TimeWaitRing::advance_head() {
  const Position passed = head_++;
  const Position in_chunk = head_ & kInChunk;
  if (in_chunk != 0) {
    // Within a chunk unless it ended early and more follows.
    if (head_ == tail_ || in_chunk != chunk_at(passed).end) return;
    head_ = next_chunk(passed);
  }
  release_chunk(passed);
}

}  // namespace tcpsim::tcp
