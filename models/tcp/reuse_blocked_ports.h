// For connect() with TIME_WAIT reuse: per (local address, destination), the ephemeral ports
// it cannot take even by reuse, so that its scan skips them a bitmap word at a time.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/destination_ports.h"
#include "models/tcp/time_wait_reuse.h"
#include "models/tcp/time_wait_slots.h"
#include "sim/simulator.h"

namespace tcpsim::tcp {

// Names a (local address, destination) pair: the local address by its index among the
// host's, and the remote endpoint.
inline std::uint64_t destination_key(std::uint64_t local_index, const net::Endpoint& remote) {
  return (local_index << 48U) | remote.key();
}

// A port is blocked while its connection toward the destination is a full socket or a record
// that TimeWaitReuse::allows() refuses. A TIME_WAIT record that may become reusable is queued
// when it is made; they become reusable in the order they began (one delay for the host), so
// the queue releases them in order as time passes, each at most once. A record made with an
// older stamp (a restarted period, a FIN_WAIT_2 record turned TIME_WAIT: each comes under a
// new id) is released at once if due, or waits in a short side list. A FIN_WAIT_2 record is
// never reusable as such. Bitmaps exist only toward destinations where reuse is possible.
class ReuseBlockedPorts {
 public:
  // Tracks from an empty connection table on.
  ReuseBlockedPorts(const TimeWaitSlots& tws, const std::vector<net::Ipv4>& addresses,
                    std::uint16_t low, std::uint32_t remaining, const TimeWaitReuse& reuse,
                    const sim::Simulator& clock)
      : tws_(&tws),
        addresses_(&addresses),
        low_(low),
        remaining_(remaining),
        reuse_(reuse),
        clock_(&clock),
        toward_all_(reuse.possible(net::Ipv4{0}, net::Ipv4{0})),
        toward_loopback_(reuse.possible(net::Ipv4{0}, kLoopback)) {}

  // reuse.possible(local, remote).
  [[nodiscard]] bool tracks(net::Ipv4 local, net::Ipv4 remote) const {
    return toward_all_ || (toward_loopback_ && (local.is_loopback() || remote.is_loopback()));
  }

  // `destination` is destination_key()'s, `offset` the port's in the range.
  void block(std::uint64_t destination, std::uint32_t offset) {
    destinations_.try_emplace(destination, remaining_).first->second.set(offset);
  }
  // The connection on this port is gone; `last` when it was the last one toward `destination`.
  void remove(std::uint64_t destination, std::uint32_t offset, bool last) {
    const auto it = destinations_.find(destination);
    if (it == destinations_.end()) return;
    DestinationPorts& d = it->second;
    if (d.test(offset)) d.clear(offset);
    if (last) destinations_.erase(it);  // empty: a blocked port has a connection
  }
  // Record `tw_id` took over the 4-tuple of a full socket or of another record.
  void record_made(std::uint32_t tw_id) {
    if (destinations_.empty()) return;  // no tracked connection, so not this one's
    const TimeWaitSock& tw = (*tws_)[tw_id];
    if (tw.fin_wait2 || !tw.has_ts ||
        !tracks(tw.local(*addresses_).address, net::Ipv4{tw.remote_addr})) {
      return;
    }
    if (static_cast<std::uint32_t>(tw.local_port - low_) >= remaining_) return;
    release_due();  // keeps the queue as short as the delay allows, connect() or not
    const std::uint64_t now = now_ms();
    const std::uint32_t entered = tws_->entered_ms(tw_id);
    const std::uint64_t due = now - (static_cast<std::uint32_t>(now) - entered) + reuse_.delay_ms;
    if (due < now) {
      release(tw_id);
    } else if (pending_.size() == head_ || pending_.back().due_ms <= due) {
      pending_.push_back({due, tw_id, entered});
    } else {
      late_.push_back({due, tw_id, entered});
    }
  }
  // Unblocks the records that became reusable since the last call.
  void release_due() {
    const std::uint64_t now = now_ms();
    while (head_ != pending_.size() && pending_[head_].due_ms < now)
      release_if_there(pending_[head_++]);
    for (std::size_t i = 0; i < late_.size();) {
      if (late_[i].due_ms < now) {
        release_if_there(late_[i]);
        late_[i] = late_.back();
        late_.pop_back();
      } else {
        ++i;
      }
    }
    if (head_ == pending_.size()) {
      pending_.clear();
      head_ = 0;
    } else if (head_ >= kCompactAfter && head_ * 2 >= pending_.size()) {
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  [[nodiscard]] const DestinationPorts* toward(std::uint64_t destination) const {
    const auto it = destinations_.find(destination);
    return it == destinations_.end() ? nullptr : &it->second;
  }

 private:
  struct Pending {
    std::uint64_t due_ms;  // reusable once now_ms() passes it
    std::uint32_t tw_id;
    std::uint32_t entered_ms;  // with the slot's, tells whether the record is still there
  };
  static constexpr std::size_t kCompactAfter = 4096;
  static constexpr net::Ipv4 kLoopback{0x7f000001};

  // An id released and taken again may hold another record: the stamp tells. One as old
  // as the queued one is judged on its own state and destination, as its own entry would be.
  void release_if_there(const Pending& p) {
    if (tws_->holds(p.tw_id) && tws_->entered_ms(p.tw_id) == p.entered_ms) release(p.tw_id);
  }
  void release(std::uint32_t tw_id) {
    const TimeWaitSock& tw = (*tws_)[tw_id];
    const std::uint32_t offset = static_cast<std::uint32_t>(tw.local_port - low_);
    if (offset >= remaining_ || !reuse_.allows(tw, tws_->entered_ms(tw_id), *addresses_,
                                               static_cast<std::uint32_t>(now_ms()))) {
      return;
    }
    remove(destination_key(tw.local_index, {net::Ipv4{tw.remote_addr}, tw.remote_port}), offset,
           false);
  }

  [[nodiscard]] std::uint64_t now_ms() const {
    return static_cast<std::uint64_t>(clock_->now() / sim::kMillisecond);
  }

  const TimeWaitSlots* tws_;
  const std::vector<net::Ipv4>* addresses_;
  std::uint16_t low_;
  std::uint32_t remaining_;
  TimeWaitReuse reuse_;
  const sim::Simulator* clock_;
  bool toward_all_;
  bool toward_loopback_;
  boost::unordered_flat_map<std::uint64_t, DestinationPorts> destinations_;
  std::vector<Pending> pending_;
  std::size_t head_ = 0;
  std::vector<Pending> late_;  // made with an older stamp than the queue's tail, not yet due
};

}  // namespace tcpsim::tcp
