// How a client opens a connection: bind mode, socket options and who closes
// first, then socket(), setsockopt(), bind() and connect() in that order.
#pragma once

#include <cstdint>

#include "models/net/address.h"
#include "models/tcp/tcp_stack.h"

namespace tcpsim::app {

enum class BindMode : std::uint8_t {
  kConnect,            // connect() alone: the port is unique per 4-tuple
  kBindZero,           // bind(0.0.0.0:0) first: the port is taken for every destination
  kBindAddressNoPort,  // IP_BIND_ADDRESS_NO_PORT, bind(source:0), then connect()
};

struct ConnectOptions {
  BindMode bind_mode = BindMode::kConnect;
  bool linger_zero = false;  // SO_LINGER {1, 0}: close() sends a RST
  std::uint8_t syncnt = 0;   // TCP_SYNCNT; 0 = the host's tcp_syn_retries
  // When the client is done with a connection it waits for the server's FIN
  // and closes only then, so that the TIME_WAIT lands on the server.
  bool await_server_close = false;
};

// Creates a socket owned by `owner` (with `user` as its tag) and starts
// connecting to `remote`; `source` is the address bound in kBindAddressNoPort.
// On error the socket is already closed and `socket` is kNoSocket.
tcp::Opened start_connect(tcp::TcpStack& stack, tcp::SocketOwner& owner, std::uint64_t user,
                          net::Endpoint remote, net::Ipv4 source, const ConnectOptions& options);

}  // namespace tcpsim::app
