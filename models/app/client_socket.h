// How a client opens a connection: bind mode, socket options and who closes
// first, then socket(), setsockopt(), bind() and connect() in that order.
#pragma once

#include <cstdint>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/kernel_settings.h"
#include "models/tcp/tcp_stack.h"
#include "sim/time.h"

namespace tcpsim::app {

enum class BindMode : std::uint8_t {
  kConnect,            // connect() alone: the port is unique per 4-tuple
  kBindZero,           // bind(0.0.0.0:0) first: the port is taken for every destination
  kBindAddressNoPort,  // IP_BIND_ADDRESS_NO_PORT, bind(source:0), then connect()
};

struct ConnectOptions {
  BindMode bind_mode = BindMode::kConnect;
  // The address bound in kBindZero and kBindAddressNoPort (such as Envoy's 127.0.0.6);
  // 0.0.0.0: the host's choice (kBindZero binds the wildcard address, kBindAddressNoPort
  // takes the host's addresses in turn). Must be 0.0.0.0 with kConnect.
  net::Ipv4 source_address;
  // HAProxy's `source <addr>:<low>-<high>` on a server line ({0, 0}: none). The application
  // picks every connection's port itself from a range of its own for each destination and
  // binds (source_address, port) explicitly with SO_REUSEADDR: see SourcePortRange. Needs
  // bind_mode kConnect; the kernel's ip_local_port_range does not apply to these ports.
  // With 0.0.0.0 the wildcard address is bound as documented (some HAProxy versions skip
  // that bind() and so the range, haproxy/haproxy#2204).
  tcp::PortRange source_ports;
  // The same with a list of ports, taken in the listed order, instead of a range.
  std::vector<std::uint16_t> source_port_list;
  // Whether those binds set SO_REUSEADDR first, as HAProxy does. Without it a port that a
  // TIME_WAIT still holds is refused with EADDRINUSE (inet_csk_bind_conflict()).
  bool source_port_reuseaddr = true;
  // Connections closed with SO_LINGER {1, 0} (a RST, no TIME_WAIT), in [0, 1]: one draw
  // from the client's stream per connection opened; 0 and 1 take no draw.
  double linger_zero_fraction = 0;
  std::uint8_t syncnt = 0;            // TCP_SYNCNT; 0 = the host's tcp_syn_retries
  tcp::Keepalive keepalive;           // SO_KEEPALIVE and TCP_KEEP*
  std::uint32_t user_timeout_ms = 0;  // TCP_USER_TIMEOUT; 0 = off
  // When the client is done with a connection it waits for the server's FIN
  // and closes only then, so that the TIME_WAIT lands on the server.
  bool await_server_close = false;
  // A connection the pool does not keep after a completed response (kNone's one request,
  // max_requests_per_connection, max_lifetime, max_idle_per_destination) is closed this long
  // after the response was read. Closes that follow no response (idle timeout, eviction to
  // make room, a broken connection, the server's FIN) are immediate. >= 0.
  sim::Time close_delay = 0;
  // Such a connection is first shut down for writing, shutdown(SHUT_WR), when close_delay
  // is over, and closed this long after. Meanwhile it is a FIN_WAIT_2 socket with its
  // descriptor, which no timer ends (Linux's tcp_fin_timeout applies to orphans only), and
  // the server's FIN, data or reset do not end the hold. 0: close() at once. >= 0; not with
  // await_server_close.
  sim::Time half_close_hold = 0;
};

// Creates a socket owned by `owner` (with `user` as its tag) and starts
// connecting to `remote`; `source` is the address bound in kBindAddressNoPort when
// options.source_address is 0.0.0.0, `syn_tag` what its SYN tells the server
// (tcp::SocketOptions::syn_tag). A `source_port` other than 0 is bound explicitly, with
// SO_REUSEADDR, at options.source_address. On error the socket is already closed and
// `socket` is kNoSocket.
tcp::Opened start_connect(tcp::TcpStack& stack, tcp::SocketOwner& owner, std::uint64_t user,
                          net::Endpoint remote, net::Ipv4 source, const ConnectOptions& options,
                          bool linger_zero, std::uint32_t syn_tag = 0,
                          std::uint16_t source_port = 0);

}  // namespace tcpsim::app
