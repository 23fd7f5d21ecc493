// The compact record left behind by a closed connection in TIME_WAIT, or by
// an orphaned FIN_WAIT_2 (Linux's 256-byte inet_timewait_sock): 32 bytes here.
#pragma once

#include <cstdint>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/tcp_socket.h"
#include "sim/slot_pool.h"

namespace tcpsim::tcp {

struct TimeWaitSock {
  std::uint32_t remote_addr = 0;
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
  std::uint32_t snd_nxt = 0;
  std::uint32_t rcv_nxt = 0;
  std::uint32_t ts_recent = 0;
  std::uint32_t entered_ms = 0;  // tw_entry_stamp, in ms of simulated time
  std::uint32_t generation = 0;  // matches the tag of its live timer-list entry
  std::uint8_t local_index = 0;  // of the local address among the host's addresses
  bool in_use : 1 = false;
  bool fin_wait2 : 1 = false;  // orphaned FIN_WAIT_2 substate, not yet TIME_WAIT
  bool has_ts : 1 = false;     // a peer timestamp was recorded
  bool reuseaddr : 1 = false;
  PortHold port_hold : 2 = PortHold::kNone;

  [[nodiscard]] net::Endpoint local(const std::vector<net::Ipv4>& host_addresses) const {
    return {host_addresses[local_index], local_port};
  }
  [[nodiscard]] net::FourTuple tuple(const std::vector<net::Ipv4>& host_addresses) const {
    return {local(host_addresses), {net::Ipv4{remote_addr}, remote_port}};
  }
};

static_assert(sizeof(TimeWaitSock) <= 32, "TIME_WAIT records must stay compact");

// A host's records by id; freeing one bumps its generation.
using TimeWaitSlots = sim::SlotPool<TimeWaitSock, &TimeWaitSock::generation>;

}  // namespace tcpsim::tcp
