// Which local (address, port) pairs are held, by whom: Linux's bind buckets,
// reduced to the counts that decide port choice and bind() conflicts.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>

#include "models/net/address.h"
#include "models/tcp/tcp_socket.h"

namespace tcpsim::tcp {

struct BindBucket {
  std::uint32_t connect_users = 0;    // sockets and TIME_WAITs whose port connect() chose
  std::uint32_t bind_users = 0;       // ... that called bind(); connect() skips these ports
  std::uint32_t non_reuse_users = 0;  // users without SO_REUSEADDR
  std::uint32_t listeners = 0;
  [[nodiscard]] std::uint32_t users() const { return connect_users + bind_users; }
};

// Buckets are per (local address, port); address 0.0.0.0 holds wildcard binds.
// (Linux keys buckets by port alone and lists owners; per-address buckets give
// the same answers for the hosts modelled here.)
class BindTable {
 public:
  [[nodiscard]] const BindBucket* find(net::Ipv4 addr, std::uint16_t port) const {
    auto it = buckets_.find(key(addr, port));
    return it == buckets_.end() ? nullptr : &it->second;
  }
  void add(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr);
  void remove(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr);
  void add_listener(net::Ipv4 addr, std::uint16_t port);
  void remove_listener(net::Ipv4 addr, std::uint16_t port);

  // Local (address, port) pairs held by at least one socket or TIME_WAIT.
  [[nodiscard]] std::size_t ports_in_use() const { return buckets_.size(); }

 private:
  static std::uint64_t key(net::Ipv4 addr, std::uint16_t port) {
    return (std::uint64_t{addr.value} << 16U) | port;
  }
  boost::unordered_flat_map<std::uint64_t, BindBucket> buckets_;
};

}  // namespace tcpsim::tcp
