// The compact record left behind by a closed connection in TIME_WAIT, or by
// an orphaned FIN_WAIT_2 (Linux's 256-byte inet_timewait_sock): 28 bytes here.
#pragma once

#include <cstdint>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/tcp_socket.h"

namespace tcpsim::tcp {

struct TimeWaitSock {
  // entered_age_ms when the age does not fit; the stamp is then kept aside.
  static constexpr std::uint8_t kLongAge = 0xff;

  std::uint32_t remote_addr = 0;
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
  std::uint32_t snd_nxt = 0;
  std::uint32_t rcv_nxt = 0;
  std::uint32_t ts_recent = 0;
  // ns from its ring chunk's base time to its expiry: 40 bits, so that a chunk spans 18
  // minutes and a host closing a connection a second fills its chunks.
  std::uint32_t expiry_offset = 0;      // low 32 bits
  std::uint8_t expiry_offset_high = 0;  // high 8 bits
  std::uint8_t entered_age_ms = 0;      // from tw_entry_stamp to the start of this period
  std::uint8_t local_index = 0;         // of the local address among the host's addresses
  bool in_use : 1 = false;              // false: a hole in the ring, or a free slot
  bool fin_wait2 : 1 = false;           // orphaned FIN_WAIT_2 substate, not yet TIME_WAIT
  bool has_ts : 1 = false;              // a peer timestamp was recorded
  bool reuseaddr : 1 = false;
  PortHold port_hold : 2 = PortHold::kNone;

  [[nodiscard]] net::Endpoint local(const std::vector<net::Ipv4>& host_addresses) const {
    return {host_addresses[local_index], local_port};
  }
  [[nodiscard]] net::FourTuple tuple(const std::vector<net::Ipv4>& host_addresses) const {
    return {local(host_addresses), {net::Ipv4{remote_addr}, remote_port}};
  }
};

static_assert(sizeof(TimeWaitSock) <= 28, "TIME_WAIT records must stay compact");

}  // namespace tcpsim::tcp
