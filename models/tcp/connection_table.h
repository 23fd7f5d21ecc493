// The established hash: finds the socket or TIME_WAIT record that owns a
// 4-tuple. Stores only 32-bit ids; tuples are read from the records.
#pragma once

#include <boost/unordered/unordered_flat_set.hpp>
#include <cstdint>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/tcp_socket.h"
#include "models/tcp/time_wait_sock.h"

namespace tcpsim::tcp {

// Ids of TIME_WAIT records carry this bit; other ids are full sockets.
inline constexpr std::uint32_t kTimeWaitBit = 1U << 31U;
inline constexpr std::uint32_t kNotFound = ~std::uint32_t{0};

class ConnectionTable {
 public:
  ConnectionTable(const std::vector<TcpSocket>& sockets, const std::vector<TimeWaitSock>& tws,
                  const std::vector<net::Ipv4>& host_addresses)
      : source_{&sockets, &tws, &host_addresses}, set_(0, Hash{&source_}, Equal{&source_}) {}
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  [[nodiscard]] std::uint32_t find(const net::FourTuple& t) const {
    auto it = set_.find(t);
    return it == set_.end() ? kNotFound : *it;
  }
  // The record's tuple must be set and stay unchanged until erase().
  bool insert(std::uint32_t id) { return set_.insert(id).second; }
  void erase(std::uint32_t id) { set_.erase(id); }
  [[nodiscard]] std::size_t size() const { return set_.size(); }

 private:
  struct Source {
    const std::vector<TcpSocket>* sockets;
    const std::vector<TimeWaitSock>* tws;
    const std::vector<net::Ipv4>* addresses;
    [[nodiscard]] net::FourTuple tuple(std::uint32_t id) const {
      return (id & kTimeWaitBit) != 0 ? (*tws)[id & ~kTimeWaitBit].tuple(*addresses)
                                      : (*sockets)[id].tuple;
    }
  };
  struct Hash {
    using is_transparent = void;
    const Source* source;
    std::size_t operator()(const net::FourTuple& t) const { return net::hash_value(t); }
    std::size_t operator()(std::uint32_t id) const { return net::hash_value(source->tuple(id)); }
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

  Source source_;
  boost::unordered_flat_set<std::uint32_t, Hash, Equal> set_;
};

}  // namespace tcpsim::tcp
