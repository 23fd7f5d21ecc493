// What an application hears from its sockets: callbacks the stack makes, in
// simulated time, when a connection completes, data or a FIN arrives, or fails.
#pragma once

#include <cstdint>

#include "models/tcp/socket_error.h"

namespace tcpsim::tcp {

using SocketId = std::uint32_t;
inline constexpr SocketId kNoSocket = ~SocketId{0};

// Callbacks run inside the stack's event processing; they may call back into
// the stack (send, close, connect ...).
class SocketOwner {
 public:
  virtual ~SocketOwner() = default;
  // connect() finished: kOk once ESTABLISHED, else ECONNREFUSED, ETIMEDOUT or
  // ECONNRESET. The socket stays open until the application closes it.
  virtual void on_connected(SocketId socket, SocketError result) = 0;
  // A connection entered the listener's accept queue (one call per connection;
  // the application accepts until EAGAIN).
  virtual void on_acceptable(SocketId listener) { (void)listener; }
  virtual void on_data(SocketId socket, std::uint32_t bytes) { (void)socket, (void)bytes; }
  // The peer's FIN arrived (read() would return 0).
  virtual void on_peer_closed(SocketId socket) { (void)socket; }
  // An established connection failed (ECONNRESET, ETIMEDOUT).
  virtual void on_error(SocketId socket, SocketError error) { (void)socket, (void)error; }
};

}  // namespace tcpsim::tcp
