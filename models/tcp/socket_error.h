// Errors the stack reports to applications, named as Linux's errno values so
// that results read like strace output.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tcpsim::tcp {

enum class SocketError : std::uint8_t {
  kOk,
  kEaddrnotavail,  // connect(): no free local port for this destination
  kEaddrinuse,     // bind(): the port is taken
  kEconnrefused,   // RST in answer to our SYN
  kEtimedout,      // handshake or retransmissions gave up
  kEconnreset,     // RST on a synchronized connection
  kEmfile,         // open-files limit reached
  kEagain,         // accept() on an empty queue
  kEinval,         // operation not valid in the socket's state
  kEisconn,        // connect() on a connected socket
  kEpipe,          // send() after shutdown(SHUT_WR) or on a reset socket
};

inline constexpr std::size_t kSocketErrorCount = 11;

inline constexpr std::array<std::string_view, kSocketErrorCount> kSocketErrorNames = {
    "OK",     "EADDRNOTAVAIL", "EADDRINUSE", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET",
    "EMFILE", "EAGAIN",        "EINVAL",     "EISCONN",      "EPIPE"};

constexpr std::string_view name(SocketError e) {
  return kSocketErrorNames[static_cast<std::size_t>(e)];
}

}  // namespace tcpsim::tcp
