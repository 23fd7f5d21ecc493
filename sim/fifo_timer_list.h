// Timers that all share one duration (TIME_WAIT, FIN_WAIT_2 timeout, idle
// timeouts): expiries are in insertion order, so a FIFO with one queued event
// for its head replaces one queue entry per timer.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/event.h"
#include "sim/simulator.h"
#include "sim/time.h"

namespace tcpsim::sim {

// On expiry the owner's handler receives an Event of the list's `kind` with
// `target` and `a` = the tag given to add(), as if it had been queued itself.
// Targets must be below 2^32 - 1.
class FifoTimerList final : public EventHandler {
 public:
  using Handle = std::uint64_t;

  // Told of a live timer that compaction moved: its handle is now `to`.
  class Relocation {
   public:
    virtual ~Relocation() = default;
    virtual void timer_moved(std::uint32_t target, std::uint32_t tag, Handle to) = 0;
  };

  FifoTimerList(Simulator& sim, Time duration, EventHandler& owner, EventKind kind);
  FifoTimerList(const FifoTimerList&) = delete;
  FifoTimerList& operator=(const FifoTimerList&) = delete;
  ~FifoTimerList() override;

  // Starts a timer expiring at now + duration.
  Handle add(std::uint32_t target, std::uint32_t tag = 0) {
    return add_at(target, tag, sim_.now() + duration_);
  }
  // Starts one expiring at `expiry`, not before the newest timer's.
  Handle add_at(std::uint32_t target, std::uint32_t tag, Time expiry);
  // O(1); a handle that already fired or was cancelled is ignored, except under
  // compaction, where a cancelled handle may name another timer by then.
  void cancel(Handle handle) {
    if (handle < head_ || handle >= tail_) return;
    Entry& e = at(handle);
    if (e.target == kCancelled) return;
    e.target = kCancelled;
    --live_;
    if (handle >= mark_) ++dead_since_mark_;
  }
  // Lets the list reclaim the places of timers cancelled soon after they were added (a flow
  // that passes through a state with a long timeout): once half of the newest places are
  // cancelled, the live ones among them move down, in order, and `relocation` hears of each.
  void compact_with(Relocation& relocation) { relocation_ = &relocation; }

  [[nodiscard]] Time duration() const { return duration_; }
  static constexpr std::size_t bytes_per_entry() { return sizeof(Entry); }
  // Timers started and neither fired nor cancelled.
  [[nodiscard]] std::size_t live() const { return live_; }
  // Places held, cancelled ones included until the head passes them or compaction.
  [[nodiscard]] std::size_t places() const { return tail_ - head_; }
  // The target of the timer `ahead` places behind the oldest one queued, fired or cancelled
  // ones aside, or ~0 when there are fewer or that one was cancelled: an owner may start
  // loading the records it will be handed next.
  [[nodiscard]] std::uint32_t target_ahead(Handle ahead) const {
    const Handle h = head_ + ahead;
    return h < tail_ ? at(h).target : kCancelled;
  }
  // Calls fn(target, tag, expiry) for each live timer, oldest first. O(entries
  // queued); for inspection (socket tables), not for the event path.
  template <class Fn>
  void for_each_live(Fn&& fn) const {
    for (Handle h = head_; h != tail_; ++h) {
      const Entry& e = at(h);
      if (e.target != kCancelled) fn(e.target, e.tag, e.expiry);
    }
  }

  void handle(const Event& event) override;

 private:
  // 16 bytes: lists may hold millions of entries (one per TIME_WAIT socket).
  struct Entry {
    Time expiry;
    std::uint32_t target;  // kCancelled once cancelled
    std::uint32_t tag;
  };
  static constexpr std::uint32_t kCancelled = ~std::uint32_t{0};

  // Entries live in fixed-size chunks reached through a ring of chunk pointers,
  // so memory follows the live count and growing never copies entries. Chunks
  // are small (1 KiB) because every host keeps lists, most of them short.
  static constexpr unsigned kChunkBits = 6;
  static constexpr Handle kChunkSize = Handle{1} << kChunkBits;
  static constexpr std::size_t kMaxSpareChunks = 16;
  static constexpr std::size_t kInitialChunks = 4;

  Entry& at(Handle h) { return chunks_[(h >> kChunkBits) & chunk_mask_][h & (kChunkSize - 1)]; }
  const Entry& at(Handle h) const {
    return chunks_[(h >> kChunkBits) & chunk_mask_][h & (kChunkSize - 1)];
  }
  // Places added since the mark that compaction looks at together.
  static constexpr Handle kCompactWindow = 4 * kChunkSize;

  void add_tail_chunk();
  // At a chunk boundary: compacts the places past the mark when half are cancelled, so that
  // the tail moves back; else moves the mark up once the window is full.
  void consider_compaction();
  void compact();
  void advance_head();
  void schedule_head();

  Simulator& sim_;
  Time duration_;
  EventHandler& owner_;
  EventKind kind_;
  HandlerId self_;
  std::vector<Entry*> chunks_;  // ring, indexed by chunk number & chunk_mask_; owned
  Handle chunk_mask_ = 0;
  std::vector<Entry*> spare_;  // owned
  Handle head_ = 0;            // absolute position of the oldest entry
  Handle tail_ = 0;            // absolute position one past the newest entry
  std::size_t live_ = 0;
  bool head_scheduled_ = false;
  Relocation* relocation_ = nullptr;
  Handle mark_ = 0;             // compaction looks at places from here to the tail
  Handle dead_since_mark_ = 0;  // cancelled places among them
};

}  // namespace tcpsim::sim
