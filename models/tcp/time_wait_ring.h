// A host's TIME_WAIT records in expiry order: all share one length, so the
// ring is its own timer, with one queued event for its head (no entry each).
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <vector>

#include "models/tcp/time_wait_sock.h"
#include "models/tcp/timer_wheel.h"
#include "sim/simulator.h"
#include "sim/time.h"

namespace tcpsim::tcp {

// Records are appended at now + duration and named by ids below 2^30 that
// hold until erase(). A record with in_use false is a hole: erase() makes
// one, and a record whose period restarts is pushed again under a new id
// while its old place stays a hole. Holes keep their expiry and the head's
// event still fires at it, as a timer list's stale entries do, so the event
// sequence is that of sim::FifoTimerList over the same entries.
class TimeWaitRing {
 public:
  static constexpr unsigned kIdBits = 30;
  class ChunkCache;

  // Due records are announced by an event of `kind` to `owner` at their
  // expiry; the owner then calls expire(). Records store the end of their period; `wheel`
  // rounds it to their expiry, which keeps their order.
  TimeWaitRing(sim::Simulator& sim, sim::Time duration, sim::HandlerId owner, sim::EventKind kind,
               TimerWheel wheel = TimerWheel(0));
  TimeWaitRing(const TimeWaitRing&) = delete;
  TimeWaitRing& operator=(const TimeWaitRing&) = delete;

  // Appends a copy of `record` whose period ends at now + duration, which the wheel's
  // rounding makes its expiry; returns its id.
  std::uint32_t push(const TimeWaitSock& record) {
    const sim::Time expiry = sim_.now() + duration_;
    if ((tail_ & kInChunk) == 0 || expiry - chunk_at(tail_).base > kMaxOffset) [[unlikely]] {
      start_chunk(expiry);
    }
    const Position p = tail_++;
    Chunk& c = chunk_at(p);
    TimeWaitSock& r = c.records[p & kInChunk];
    r = record;
    const auto offset = static_cast<std::uint64_t>(expiry - c.base);
    r.expiry_offset = static_cast<std::uint32_t>(offset);
    r.expiry_offset_high = static_cast<std::uint8_t>(offset >> 32U);
    ++live_;
    if (!head_scheduled_) [[unlikely]]
      schedule_head();
    return id_of(p);
  }
  // Makes the live record `id` a hole.
  void erase(std::uint32_t id) {
    TimeWaitSock& r = (*this)[id];
    assert(live_ > 0);
    r.in_use = false;
    --live_;
  }

  TimeWaitSock& operator[](std::uint32_t id) {
    return chunks_[(id >> kChunkBits) & chunk_mask_]->records[id & kInChunk];
  }
  const TimeWaitSock& operator[](std::uint32_t id) const {
    return chunks_[(id >> kChunkBits) & chunk_mask_]->records[id & kInChunk];
  }
  [[nodiscard]] sim::Time expiry(std::uint32_t id) const { return due(period_end(id)); }
  // When record `id` was pushed.
  [[nodiscard]] sim::Time pushed_at(std::uint32_t id) const { return period_end(id) - duration_; }
  [[nodiscard]] sim::Time duration() const { return duration_; }
  // Whether `id` names a record pushed, neither erased nor expired yet.
  [[nodiscard]] bool holds(std::uint32_t id) const {
    const Position p = head_ + ((id - id_of(head_)) & ((Position{1} << kIdBits) - 1));
    return p < tail_ && chunk_at(p).records[p & kInChunk].in_use;
  }
  // Heap bytes a record takes in a full chunk, its share of the chunk's
  // header and pointer included.
  static constexpr std::size_t bytes_per_record();
  // What a ring that holds records keeps besides them: on average one chunk's room in the
  // partly filled chunks at its two ends, and its spare chunk.
  static constexpr std::size_t bytes_per_ring();
  // From now on passed chunks go to `cache` and new ones come from it first, in place of
  // the ring's own spare. The cache must outlive the ring.
  void share_chunks(ChunkCache& cache);

  // Records pushed and not erased.
  [[nodiscard]] std::size_t live() const { return live_; }
  // Chunks allocated, the spare included.
  [[nodiscard]] std::size_t chunks_allocated() const { return allocated_; }
  // Heap bytes held: chunks and the ring of chunk pointers.
  [[nodiscard]] std::size_t bytes() const {
    return allocated_ * sizeof(Chunk) + chunks_.capacity() * sizeof(chunks_[0]);
  }

  // On the owner's event: fn(id) for each live record due by now, oldest
  // first; fn must erase it.
  template <class Fn>
  void expire(Fn&& fn) {
    head_scheduled_ = false;
    const sim::Time now = sim_.now();
    while (head_ != tail_ && due(expiry_at(head_)) <= now) {
      if (at(head_).in_use) {
        fn(id_of(head_));
        assert(!at(head_).in_use);
      }
      advance_head();
    }
    if (head_ != tail_ && !head_scheduled_) schedule_head();
  }

  // fn(id, record, expiry) for each live record, oldest first. O(records and
  // holes); for inspection, not for the event path.
  template <class Fn>
  void for_each_live(Fn&& fn) const {
    for (Position p = head_; p != tail_;) {
      const Chunk& c = chunk_at(p);
      const TimeWaitSock& r = c.records[p & kInChunk];
      if (r.in_use) fn(id_of(p), r, due(c.base + offset_of(r)));
      ++p;
      if ((p & kInChunk) == c.end && p != tail_) p = next_chunk(p - 1);
    }
  }

 private:
  using Position = std::uint64_t;  // absolute; ids are positions modulo 2^kIdBits

  // 32 records a chunk keep a nearly idle host's ring small and a busy one's partly filled
  // ends short. One passed chunk is kept for the next, so that steady churn allocates
  // nothing; more go back to the allocator. A chunk's records expire within 2^40 ns
  // (18 min) of its base; one that would not starts a new chunk and the old one ends early.
  static constexpr unsigned kChunkBits = 5;
  static constexpr std::uint32_t kChunkSize = 1U << kChunkBits;
  static constexpr Position kInChunk = kChunkSize - 1;
  static constexpr std::size_t kInitialChunks = 4;
  static constexpr sim::Time kMaxOffset = (sim::Time{1} << 40U) - 1;
  static sim::Time offset_of(const TimeWaitSock& r) {
    return static_cast<sim::Time>((std::uint64_t{r.expiry_offset_high} << 32U) | r.expiry_offset);
  }
  struct Chunk {
    sim::Time base = 0;              // expiry of its first record
    std::uint32_t end = kChunkSize;  // one past its last position
    TimeWaitSock records[kChunkSize];
  };

  static std::uint32_t id_of(Position p) {
    return static_cast<std::uint32_t>(p & ((Position{1} << kIdBits) - 1));
  }
  static Position next_chunk(Position p) { return (p | kInChunk) + 1; }
  Chunk& chunk_at(Position p) { return *chunks_[(p >> kChunkBits) & chunk_mask_]; }
  const Chunk& chunk_at(Position p) const { return *chunks_[(p >> kChunkBits) & chunk_mask_]; }
  TimeWaitSock& at(Position p) { return chunk_at(p).records[p & kInChunk]; }
  [[nodiscard]] sim::Time period_end(std::uint32_t id) const {
    const Chunk& c = *chunks_[(id >> kChunkBits) & chunk_mask_];
    return c.base + offset_of(c.records[id & kInChunk]);
  }
  // When a record whose period ends at `end` expires.
  [[nodiscard]] sim::Time due(sim::Time end) const {
    return wheel_.hz() == 0 ? end : wheel_.expiry(end - duration_, duration_);
  }
  sim::Time expiry_at(Position p) const {
    const Chunk& c = chunk_at(p);
    return c.base + offset_of(c.records[p & kInChunk]);
  }
  void start_chunk(sim::Time base);
  void release_chunk(Position p);
  // A chunk the ring holds no more goes to the cache, or, with none or a full one, back to
  // the allocator.
  void let_go(std::unique_ptr<Chunk> chunk);
  void advance_head();
  void schedule_head();

  sim::Simulator& sim_;
  sim::Time duration_;
  TimerWheel wheel_;
  sim::HandlerId owner_;
  sim::EventKind kind_;
  std::vector<std::unique_ptr<Chunk>> chunks_;  // ring, by chunk number & chunk_mask_
  Position chunk_mask_ = 0;
  std::unique_ptr<Chunk> spare_;
  ChunkCache* cache_ = nullptr;
  std::size_t allocated_ = 0;
  Position head_ = 0;  // the oldest record or hole
  Position tail_ = 0;  // one past the newest
  std::size_t live_ = 0;
  bool head_scheduled_ = false;
};

// Chunks that rings have passed, for any ring sharing the cache to take: among many hosts,
// each then keeps no spare of its own while churn still allocates next to nothing.
class TimeWaitRing::ChunkCache {
 public:
  ChunkCache() = default;
  ChunkCache(const ChunkCache&) = delete;
  ChunkCache& operator=(const ChunkCache&) = delete;

  // Chunks held for the next ring that needs one.
  [[nodiscard]] std::size_t size() const { return free_.size(); }

 private:
  friend class TimeWaitRing;
  // Beyond it, a passed chunk goes back to the allocator (0.9 MB of chunks at most).
  static constexpr std::size_t kLimit = 1024;
  std::vector<std::unique_ptr<Chunk>> free_;
};

constexpr std::size_t TimeWaitRing::bytes_per_record() {
  return (sizeof(Chunk) + sizeof(std::unique_ptr<Chunk>) + kChunkSize - 1) / kChunkSize;
}

constexpr std::size_t TimeWaitRing::bytes_per_ring() {
  return 2 * (sizeof(Chunk) + sizeof(std::unique_ptr<Chunk>));
}

}  // namespace tcpsim::tcp
