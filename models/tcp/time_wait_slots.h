// A host's TIME_WAIT and orphaned FIN_WAIT_2 records by id: TIME_WAIT ones in
// their expiry-ordered ring, the short-lived FIN_WAIT_2 ones in a slot pool.
#pragma once

#include <cstdint>

#include "models/tcp/time_wait_ring.h"
#include "models/tcp/time_wait_sock.h"
#include "sim/slot_pool.h"

namespace tcpsim::tcp {

// An orphaned FIN_WAIT_2 record, timed by a sim::FifoTimerList entry tagged
// with its generation. Most become TIME_WAIT within a round trip.
struct FinWait2Record {
  TimeWaitSock sock;
  std::uint32_t entered_ms = 0;  // tw_entry_stamp
  std::uint32_t generation = 0;
};

// Ids of FIN_WAIT_2 records carry this bit; the others are ring ids.
inline constexpr std::uint32_t kFinWait2Bit = 1U << TimeWaitRing::kIdBits;

class TimeWaitSlots {
 public:
  TimeWaitSlots(sim::Simulator& sim, sim::Time time_wait_length, sim::HandlerId owner,
                sim::EventKind kind)
      : ring(sim, time_wait_length, owner, kind) {}

  TimeWaitSock& operator[](std::uint32_t id) {
    return (id & kFinWait2Bit) != 0 ? fin_wait2[id & ~kFinWait2Bit].sock : ring[id];
  }
  const TimeWaitSock& operator[](std::uint32_t id) const {
    return (id & kFinWait2Bit) != 0 ? fin_wait2[id & ~kFinWait2Bit].sock : ring[id];
  }
  // Frees record `id`, a hole in the ring or a free slot from now on.
  void release(std::uint32_t id) {
    if ((id & kFinWait2Bit) != 0) {
      fin_wait2[id & ~kFinWait2Bit].sock.in_use = false;
      fin_wait2.free(id & ~kFinWait2Bit);
    } else {
      ring.erase(id);
    }
  }

  TimeWaitRing ring;
  sim::SlotPool<FinWait2Record, &FinWait2Record::generation> fin_wait2;
};

}  // namespace tcpsim::tcp
