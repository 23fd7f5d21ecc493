// Which stream each response on a multiplexed connection belongs to: what an HTTP/2 frame
// header tells the client. The model carries payload as byte counts, so it travels here.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>

#include "sim/slot_pool.h"

namespace tcpsim::app {

// Shared by the clients and servers of one world, keyed by tcp::TcpStack::connection_key
// (the same at both ends). A client opens a connection's entry while requests are in flight
// on it; the server records the stream of each response it writes there, in write order;
// TCP delivers bytes in order, so the client takes them in that order as the bytes arrive.
// Connections without an entry (one request at a time) cost the server one lookup.
class ResponseStreams {
 public:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  void open(std::uint64_t connection);
  // Drops the entry and the streams still recorded in it.
  void close(std::uint64_t connection);
  [[nodiscard]] bool empty() const { return queues_.empty(); }
  [[nodiscard]] bool contains(std::uint64_t connection) const {
    return queues_.contains(connection);
  }
  // After open(connection).
  void record(std::uint64_t connection, std::uint32_t stream);
  // The stream of the response being received, or kNone.
  [[nodiscard]] std::uint32_t front(std::uint64_t connection) const;
  void pop(std::uint64_t connection);

 private:
  struct Node {
    std::uint32_t stream = 0;
    std::uint32_t next = kNone;
  };
  struct Queue {
    std::uint32_t head = kNone;
    std::uint32_t tail = kNone;
  };

  boost::unordered_flat_map<std::uint64_t, Queue> queues_;
  sim::SlotPool<Node> nodes_;
};

}  // namespace tcpsim::app
