// The eleven connection states of RFC 9293 section 3.3.2, with the names the
// RFC uses and the names `ss -tan` prints.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tcpsim::tcp {

enum class TcpState : std::uint8_t {
  kClosed,
  kListen,
  kSynSent,
  kSynReceived,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kCloseWait,
  kClosing,
  kLastAck,
  kTimeWait,
};

inline constexpr std::size_t kStateCount = 11;

inline constexpr std::array<std::string_view, kStateCount> kStateNames = {
    "CLOSED",     "LISTEN",     "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",  "LAST_ACK",     "TIME_WAIT"};

inline constexpr std::array<std::string_view, kStateCount> kSsStateNames = {
    "UNCONN",     "LISTEN",     "SYN-SENT", "SYN-RECV", "ESTAB",    "FIN-WAIT-1",
    "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",  "LAST-ACK", "TIME-WAIT"};

constexpr std::string_view name(TcpState s) { return kStateNames[static_cast<std::size_t>(s)]; }
constexpr std::string_view ss_name(TcpState s) {
  return kSsStateNames[static_cast<std::size_t>(s)];
}

}  // namespace tcpsim::tcp
