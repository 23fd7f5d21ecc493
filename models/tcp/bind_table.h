// Which local (address, port) pairs are held, by whom: Linux's bind buckets,
// reduced to the counts that decide port choice and bind() conflicts.
#pragma once

#include <algorithm>
#include <bit>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/kernel_settings.h"
#include "models/tcp/port_offset_set.h"
#include "models/tcp/tcp_socket.h"

namespace tcpsim::tcp {

// Holders of a port that called bind() (explicitly or for port 0).
struct BindBucket {
  std::uint32_t bind_users = 0;       // sockets and TIME_WAITs; connect() skips these ports
  std::uint32_t non_reuse_users = 0;  // ... of which without SO_REUSEADDR
  std::uint32_t listeners = 0;
};

// Ports chosen by connect() are marked for each local address in a small hash
// set while it holds few, then in a bitmap over the ephemeral range (a client may
// hold every port of it, each in TIME_WAIT); the counts of ports shared by two
// or more connections (to as many destinations) sit in a hash map, and so do
// bind() holders, rarer. Address 0.0.0.0 holds wildcard binds. Linux keys
// buckets by port alone and lists the owners; per-address counts give the same
// answers for the hosts modelled here.
class BindTable {
 public:
  explicit BindTable(PortRange ephemeral) : ephemeral_(ephemeral) {}

  [[nodiscard]] std::uint32_t connect_users(net::Ipv4 addr, std::uint16_t port) const {
    if (!ephemeral_.contains(port)) return 0;
    for (const Address& a : connect_) {
      if (a.address != addr.value) continue;
      if (!a.test(static_cast<std::uint16_t>(port - ephemeral_.low))) return 0;
      if (shared_.empty()) return 1;
      const auto it = shared_.find(key(addr, port));
      return it == shared_.end() ? 1 : it->second;
    }
    return 0;
  }
  [[nodiscard]] const BindBucket* bucket(net::Ipv4 addr, std::uint16_t port) const {
    if (buckets_.empty()) return nullptr;
    auto it = buckets_.find(key(addr, port));
    return it == buckets_.end() ? nullptr : &it->second;
  }
  // Did a socket bind() to this port on `addr` or on the wildcard address?
  [[nodiscard]] bool bound(net::Ipv4 addr, std::uint16_t port) const {
    return bucket(addr, port) != nullptr || bucket(net::Ipv4{0}, port) != nullptr;
  }

  void add(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr);
  void remove(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr);
  void add_listener(net::Ipv4 addr, std::uint16_t port);
  void remove_listener(net::Ipv4 addr, std::uint16_t port);

  // Local (address, port) pairs held by at least one socket or TIME_WAIT.
  [[nodiscard]] std::size_t ports_in_use() const { return connect_ports_ + buckets_.size(); }
  // Heap bytes of one local address's counts with `ports` ports held in a range of `range`.
  static std::size_t bytes_for(std::uint32_t range, std::uint32_t ports) {
    return ports <= max_in_set(range) ? set_capacity(range, ports) * sizeof(std::uint16_t)
                                      : words(range) * sizeof(std::uint64_t);
  }
  // Counts remove() and remove_listener() calls: a port search that found nothing finds
  // nothing again until it changes.
  [[nodiscard]] std::uint64_t removals() const { return removals_; }

 private:
  // One local address's ports.
  struct Address {
    std::uint32_t address;
    PortOffsetSet set;                      // while bits is null
    std::unique_ptr<std::uint64_t[]> bits;  // by offset

    [[nodiscard]] bool test(std::uint16_t offset) const {
      if (bits) return ((bits[offset >> 6U] >> (offset & 63U)) & 1U) != 0;
      return set.contains(offset);
    }
    void flip(std::uint16_t offset) { bits[offset >> 6U] ^= std::uint64_t{1} << (offset & 63U); }
  };
  static constexpr std::size_t words(std::uint32_t range) { return (range + 63) / 64; }
  // An address's set has at most as many slots as its bitmap's bytes would hold 16-bit
  // offsets, rounded down to a power of two.
  static constexpr std::size_t set_max(std::uint32_t range) {
    return std::bit_floor(words(range) * sizeof(std::uint64_t) / sizeof(std::uint16_t));
  }
  static constexpr std::size_t max_in_set(std::uint32_t range) {
    return PortOffsetSet::max_size(set_max(range));
  }
  // The set's slots for `ports` in a range of `range`: whole 16-slot steps up to kSmallSet; past
  // it, at least kLargeSet and then whole steps of kSetStep. Each step leaves the old array
  // behind as a hole in the heap. While a client's TIME_WAITs build up, the ring's new chunks
  // fill those holes; once they level off, a set still grows at each new peak of its count, and
  // what it leaves is rarely reused. Few large steps leave fewer holes than many close fits.
  static constexpr std::size_t kSmallSet = 128;
  static constexpr std::size_t kLargeSet = 512;
  static constexpr std::size_t kSetStep = 256;
  static constexpr std::size_t set_capacity(std::uint32_t range, std::size_t ports) {
    const std::size_t need = PortOffsetSet::slots_for(ports);
    const std::size_t slots =
        need <= kSmallSet ? std::max<std::size_t>(16, (need + 15) / 16 * 16)
                          : std::max(kLargeSet, (need + kSetStep - 1) / kSetStep * kSetStep);
    return std::min(set_max(range), slots);
  }
  static std::uint64_t key(net::Ipv4 addr, std::uint16_t port) {
    return net::Endpoint{addr, port}.key();
  }
  Address& address(net::Ipv4 addr);
  // The address's ports move from its set to its bitmap.
  void to_bitmap(Address& a);
  void add_connect(net::Ipv4 addr, std::uint16_t port);
  void remove_connect(net::Ipv4 addr, std::uint16_t port);
  void erase_if_unused(boost::unordered_flat_map<std::uint64_t, BindBucket>::iterator it);

  PortRange ephemeral_;
  std::vector<Address> connect_;
  std::size_t connect_ports_ = 0;
  std::uint64_t removals_ = 0;
  // (address, port) -> holders, for ports held two or more times.
  boost::unordered_flat_map<std::uint64_t, std::uint32_t> shared_;
  boost::unordered_flat_map<std::uint64_t, BindBucket> buckets_;
};

}  // namespace tcpsim::tcp
