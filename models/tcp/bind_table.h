// Which local (address, port) pairs are held, by whom: Linux's bind buckets,
// reduced to the counts that decide port choice and bind() conflicts.
#pragma once

#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/kernel_settings.h"
#include "models/tcp/tcp_socket.h"

namespace tcpsim::tcp {

// Holders of a port that called bind() (explicitly or for port 0).
struct BindBucket {
  std::uint32_t bind_users = 0;       // sockets and TIME_WAITs; connect() skips these ports
  std::uint32_t non_reuse_users = 0;  // ... of which without SO_REUSEADDR
  std::uint32_t listeners = 0;
};

// Ports chosen by connect() are counted for each local address in a short
// sorted list while it holds few, then in a dense array over the ephemeral
// range (a client may hold every port of it, each in TIME_WAIT); bind()
// holders, rarer, sit in a hash map. Address 0.0.0.0 holds wildcard binds. Linux keys buckets by
// port alone and lists the owners; per-address counts give the same answers for the hosts modelled
// here.
class BindTable {
 public:
  explicit BindTable(PortRange ephemeral) : ephemeral_(ephemeral) {}

  [[nodiscard]] std::uint32_t connect_users(net::Ipv4 addr, std::uint16_t port) const {
    if (!ephemeral_.contains(port)) return 0;
    for (const auto& a : dense_) {
      if (a.address != addr.value) continue;
      const std::uint8_t n = a.count(static_cast<std::uint16_t>(port - ephemeral_.low));
      return n == kSpilled ? overflow_.at(key(addr, port)) : n;
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
    return ports <= kSparseMax ? ports * sizeof(Held) : range;
  }
  // Counts remove() and remove_listener() calls: a port search that found nothing finds
  // nothing again until it changes.
  [[nodiscard]] std::uint64_t removals() const { return removals_; }

 private:
  // One byte a port; a port shared by 255 or more connections (to as many
  // destinations) keeps its count in overflow_ instead.
  static constexpr std::uint8_t kSpilled = 0xff;
  // Past this many ports held, an address counts them in the array for good.
  static constexpr std::size_t kSparseMax = 256;
  struct Held {
    std::uint16_t offset;  // from the low end of the range
    std::uint8_t users;
    bool operator<(std::uint16_t o) const { return offset < o; }
  };
  struct Dense {
    std::uint32_t address;
    std::vector<Held> sparse;         // sorted by offset, while users is empty
    std::vector<std::uint8_t> users;  // by offset

    [[nodiscard]] std::uint8_t count(std::uint16_t offset) const {
      if (!users.empty()) return users[offset];
      const auto it = std::lower_bound(sparse.begin(), sparse.end(), offset);
      return it != sparse.end() && it->offset == offset ? it->users : 0;
    }
  };
  static std::uint64_t key(net::Ipv4 addr, std::uint16_t port) {
    return net::Endpoint{addr, port}.key();
  }
  // The count of a port, listed (at 0) if it was not.
  std::uint8_t& connect_slot(net::Ipv4 addr, std::uint16_t port);
  // After a count fell to 0: a listed port leaves the list.
  void unlist(net::Ipv4 addr, std::uint16_t port);
  void erase_if_unused(boost::unordered_flat_map<std::uint64_t, BindBucket>::iterator it);

  PortRange ephemeral_;
  std::vector<Dense> dense_;
  std::size_t connect_ports_ = 0;
  std::uint64_t removals_ = 0;
  boost::unordered_flat_map<std::uint64_t, std::uint32_t> overflow_;
  boost::unordered_flat_map<std::uint64_t, BindBucket> buckets_;
};

}  // namespace tcpsim::tcp
