// A host's TIME_WAIT and orphaned FIN_WAIT_2 records by id: TIME_WAIT ones in
// their expiry-ordered ring, the short-lived FIN_WAIT_2 ones in a slot pool.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
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
                sim::EventKind kind, TimerWheel wheel)
      : ring(sim, time_wait_length, owner, kind, wheel) {}

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
      if (ring[id].entered_age_ms == TimeWaitSock::kLongAge) long_entered_.erase(id);
      ring.erase(id);
    }
  }
  // Whether `id` names a live record; an id once released may name nothing or another.
  [[nodiscard]] bool holds(std::uint32_t id) const {
    if ((id & kFinWait2Bit) == 0) return ring.holds(id);
    const std::uint32_t slot = id & ~kFinWait2Bit;
    return slot < fin_wait2.size() && fin_wait2[slot].sock.in_use;
  }

  // tw_entry_stamp of record `id`, in ms of simulated time.
  [[nodiscard]] std::uint32_t entered_ms(std::uint32_t id) const {
    if ((id & kFinWait2Bit) != 0) return fin_wait2[id & ~kFinWait2Bit].entered_ms;
    const std::uint8_t age = ring[id].entered_age_ms;
    if (age == TimeWaitSock::kLongAge) return long_entered_.find(id)->second;
    const sim::Time pushed = ring.pushed_at(id);
    return static_cast<std::uint32_t>(pushed / sim::kMillisecond) - age;
  }
  // Stamps ring record `id`, pushed at `now_ms`.
  void set_entered_ms(std::uint32_t id, std::uint32_t entered, std::uint32_t now_ms) {
    const std::uint32_t age = now_ms - entered;
    if (age < TimeWaitSock::kLongAge) {
      ring[id].entered_age_ms = static_cast<std::uint8_t>(age);
      return;
    }
    ring[id].entered_age_ms = TimeWaitSock::kLongAge;
    long_entered_[id] = entered;
  }

  TimeWaitRing ring;
  sim::SlotPool<FinWait2Record, &FinWait2Record::generation> fin_wait2;

 private:
  // Stamps of ring records restarted 255 ms or more after them, by ring id.
  boost::unordered_flat_map<std::uint32_t, std::uint32_t> long_entered_;
};

}  // namespace tcpsim::tcp
