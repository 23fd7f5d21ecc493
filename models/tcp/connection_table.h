// The established hash: finds the socket or TIME_WAIT record that owns a
// 4-tuple. Stores only 32-bit ids; tuples are read from the records. It also
// keeps, per (local address, destination), which ephemeral ports are taken and,
// with TIME_WAIT reuse, which of them connect() cannot take over.
#pragma once

#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/destination_ports.h"
#include "models/tcp/kernel_settings.h"
#include "models/tcp/reuse_blocked_ports.h"
#include "models/tcp/tcp_socket.h"
#include "models/tcp/time_wait_reuse.h"
#include "models/tcp/time_wait_slots.h"
#include "sim/simulator.h"

namespace tcpsim::tcp {

// Ids of TIME_WAIT records carry this bit; other ids are full sockets.
inline constexpr std::uint32_t kTimeWaitBit = 1U << 31U;
inline constexpr std::uint32_t kNotFound = ~std::uint32_t{0};

class ConnectionTable {
 public:
  ConnectionTable(const SocketSlots& sockets, const TimeWaitSlots& tws,
                  const std::vector<net::Ipv4>& host_addresses, PortRange ephemeral)
      : source_{&sockets, &tws, &host_addresses},
        set_(0, Hash{&source_}, Equal{&source_}),
        low_(ephemeral.low),
        remaining_(ephemeral.size() > 1 ? ephemeral.size() & ~1U : ephemeral.size()) {}
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  [[nodiscard]] std::uint32_t find(const net::FourTuple& t) const {
    auto it = set_.find(t);
    return it == set_.end() ? kNotFound : *it;
  }
  // The record's tuple must be set and stay unchanged until erase().
  bool insert(std::uint32_t id) {
    if (!set_.insert(id).second) return false;
    const net::FourTuple t = source_.tuple(id);
    const std::uint32_t offset = t.local.port - low_;
    if (t.local.port < low_ || offset >= remaining_) return true;
    const std::uint64_t key = destination_key(t);
    ports_for(key).set(offset);
    if (blocked_ && blocked_->tracks(t.local.address, t.remote.address)) {
      blocked_->block(key, offset);
    }
    return true;
  }
  void erase(std::uint32_t id) {
    const net::FourTuple t = source_.tuple(id);
    set_.erase(id);
    const std::uint32_t offset = t.local.port - low_;
    if (t.local.port < low_ || offset >= remaining_) return;
    const std::uint64_t key = destination_key(t);
    const auto it = destinations_.find(key);
    DestinationPorts& d = it->second;
    d.clear(offset);
    if (blocked_ && blocked_->tracks(t.local.address, t.remote.address)) {
      blocked_->remove(key, offset, d.count() == 0);
    }
    if (d.count() == 0) destinations_.erase(it);
  }
  // The most ports of the range that one destination holds; a walk over the destinations.
  [[nodiscard]] std::uint32_t busiest_destination_ports() const {
    std::uint32_t most = 0;
    for (const auto& [key, ports] : destinations_) most = std::max(most, ports.count());
    return most;
  }
  // Hands a 4-tuple from one record to another with the same tuple.
  void replace(std::uint32_t old_id, std::uint32_t new_id) {
    set_.erase(old_id);
    set_.insert(new_id);
    if (blocked_ && (new_id & kTimeWaitBit) != 0) {
      blocked_->record_made(new_id & ~kTimeWaitBit);
    }
  }
  [[nodiscard]] std::size_t size() const { return set_.size(); }

  // Ports of the ephemeral range that have a connection from `local` to
  // `remote`; nullptr when none has.
  [[nodiscard]] const DestinationPorts* ports_toward(net::Ipv4 local,
                                                     const net::Endpoint& remote) const {
    const auto it = destinations_.find(destination_key({{local, 0}, remote}));
    return it == destinations_.end() ? nullptr : &it->second;
  }

  // Keeps, from now on, the ports toward each destination that connect() cannot take even by
  // reusing a TIME_WAIT under `reuse`, with `clock` telling the time. The table must be empty.
  void track_reuse(const TimeWaitReuse& reuse, const sim::Simulator& clock) {
    blocked_ = std::make_unique<ReuseBlockedPorts>(*source_.tws, *source_.addresses,
                                                   static_cast<std::uint16_t>(low_), remaining_,
                                                   reuse, clock);
  }
  // Brings ports_blocked_toward() up to date: unblocks the TIME_WAITs that became reusable.
  void release_reusable() {
    if (blocked_) blocked_->release_due();
  }
  // Ports of the ephemeral range whose connection from `local` to `remote` connect() cannot
  // take over, as of the last release_reusable(); nullptr when none has one. Needs
  // track_reuse(), and reuse possible toward the destination.
  [[nodiscard]] const DestinationPorts* ports_blocked_toward(net::Ipv4 local,
                                                             const net::Endpoint& remote) const {
    return blocked_ ? blocked_->toward(destination_key({{local, 0}, remote})) : nullptr;
  }

 private:
  struct Source {
    const SocketSlots* sockets;
    const TimeWaitSlots* tws;
    const std::vector<net::Ipv4>* addresses;
    [[nodiscard]] net::FourTuple tuple(std::uint32_t id) const {
      return (id & kTimeWaitBit) != 0 ? (*tws)[id & ~kTimeWaitBit].tuple(*addresses)
                                      : (*sockets)[id].tuple;
    }
  };
  struct Hash {
    using is_transparent = void;
    using is_avalanching = std::true_type;  // net::table_hash ends in a full 64-bit mix
    const Source* source;
    std::size_t operator()(const net::FourTuple& t) const { return net::table_hash(t); }
    std::size_t operator()(std::uint32_t id) const { return net::table_hash(source->tuple(id)); }
  };
  struct Equal {
    using is_transparent = void;
    const Source* source;
    bool operator()(std::uint32_t a, std::uint32_t b) const { return a == b; }
    bool operator()(const net::FourTuple& t, std::uint32_t id) const {
      return t == source->tuple(id);
    }
    bool operator()(std::uint32_t id, const net::FourTuple& t) const {
      return t == source->tuple(id);
    }
  };

  std::uint64_t destination_key(const net::FourTuple& t) const {
    const auto& addrs = *source_.addresses;
    const auto local = static_cast<std::uint64_t>(
        std::find(addrs.begin(), addrs.end(), t.local.address) - addrs.begin());
    return tcp::destination_key(local, t.remote);
  }
  // A destination's entry goes when its last port does: a server listening inside the range
  // would otherwise keep one per client port it ever saw.
  DestinationPorts& ports_for(std::uint64_t key) {
    return destinations_.try_emplace(key, remaining_).first->second;
  }

  Source source_;
  boost::unordered_flat_set<std::uint32_t, Hash, Equal> set_;
  std::uint32_t low_;
  std::uint32_t remaining_;
  boost::unordered_flat_map<std::uint64_t, DestinationPorts> destinations_;
  std::unique_ptr<ReuseBlockedPorts> blocked_;  // with track_reuse()
};

}  // namespace tcpsim::tcp
