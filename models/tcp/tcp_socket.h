// A full TCP socket (Linux's struct tcp_sock, reduced to what connection
// lifecycles need): its state, sequence space, timers and queue links.
#pragma once

#include <cstdint>

#include "models/net/address.h"
#include "models/tcp/socket_owner.h"
#include "models/tcp/tcp_state.h"
#include "sim/event.h"
#include "sim/slot_pool.h"
#include "sim/time.h"

namespace tcpsim::tcp {

// SO_KEEPALIVE and its per-socket overrides TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT, in
// setsockopt()'s units (seconds, probes); 0 takes the host's tcp_keepalive_* setting.
struct Keepalive {
  bool enabled = false;
  std::uint8_t probes = 0;    // TCP_KEEPCNT, 1..127
  std::uint16_t idle_s = 0;   // TCP_KEEPIDLE, 1..32767
  std::uint16_t intvl_s = 0;  // TCP_KEEPINTVL, 1..32767
};

inline constexpr std::uint32_t kMaxKeepaliveSeconds = 32767;  // MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL
inline constexpr std::uint32_t kMaxKeepaliveProbes = 127;     // MAX_TCP_KEEPCNT

struct SocketOptions {
  bool reuseaddr = false;             // SO_REUSEADDR
  bool bind_address_no_port = false;  // IP_BIND_ADDRESS_NO_PORT
  bool linger_zero = false;           // SO_LINGER {1, 0}
  std::uint8_t syncnt = 0;            // TCP_SYNCNT; 0 = tcp_syn_retries
  // Sent on the SYN (net::Segment::syn_tag); on a passive socket, what the peer's SYN carried.
  std::uint32_t syn_tag = 0;
  Keepalive keepalive;
  // TCP_USER_TIMEOUT: how long sent data (or keepalive probes) may go unacknowledged before
  // the connection is dropped with ETIMEDOUT, in ms; 0: tcp_retries2 (or TCP_KEEPCNT) decides.
  std::uint32_t user_timeout_ms = 0;
};

// How a socket holds its local port (linux-tcp.md 1.1 and 1.2).
enum class PortHold : std::uint8_t {
  kNone,
  kConnect,  // chosen by connect(): unique per 4-tuple
  kBind,     // bind(), explicit or port 0: blocks the port for connect()
};

struct TcpSocket {
  TcpState state = TcpState::kClosed;
  bool in_use = false;
  bool has_fd = false;      // the application has not closed it
  bool hashed = false;      // in the connection table
  bool listening = false;   // in the listener table
  bool addr_bound = false;  // bind() gave a local address
  bool shut_wr = false;     // shutdown(SHUT_WR) or close(): our FIN is queued
  bool fin_sent = false;
  bool peer_fin = false;
  bool ts_ok = false;        // both SYNs carried timestamps
  bool ack_pending = false;  // an ACK is owed for what arrived
  bool connect_reported = false;
  bool request_acked = false;   // passive: final ACK seen while the accept queue was full
  bool iss_set = false;         // iss inherited from a reused TIME_WAIT
  bool queued = false;          // in its listener's accept queue (else in the SYN queue)
  bool notify_pending = false;  // accept() owes the application what arrived before it
  PortHold port_hold = PortHold::kNone;
  SocketOptions options;
  std::uint8_t retransmits = 0;
  std::uint8_t probes_out = 0;  // keepalive probes sent since the peer last answered

  net::FourTuple tuple;
  std::uint32_t iss = 0;
  std::uint32_t snd_una = 0;
  std::uint32_t snd_nxt = 0;
  std::uint32_t irs = 0;
  std::uint32_t rcv_nxt = 0;
  std::uint32_t ts_recent = 0;
  std::uint32_t pending_send = 0;  // bytes written before the connection was established
  std::uint32_t unread = 0;        // bytes received while no application owned the socket
  std::uint32_t generation = 0;    // bumped when the slot is freed

  sim::TimerId timer = sim::kNoTimer;  // retransmission (SYN, SYN-ACK, data, FIN) or linger
  // SO_KEEPALIVE's probes, made for the slot the first time one of its sockets needs it.
  sim::TimerId keepalive_timer = sim::kNoTimer;
  sim::Time last_received = 0;  // of the last acceptable ACK: tcp_sock's rcv_tstamp
  sim::Time rto = 0;
  sim::Time first_sent = 0;  // of the segment being retransmitted: tcp's retrans_stamp
  sim::Time srtt = 0;
  sim::Time rttvar = 0;

  std::uint32_t peer_hint = ~std::uint32_t{0};  // the peer's id for this connection
  std::uint32_t ts_offset = 0;                  // added to the ms clock for TSval
  mutable std::uint64_t route_cache = 0;        // the output's, for this 4-tuple

  SocketOwner* owner = nullptr;
  std::uint64_t user = 0;

  // Passive children: their listener, and the accept-queue link.
  SocketId parent = kNoSocket;
  SocketId next_in_queue = kNoSocket;
  // Listeners.
  std::uint32_t backlog = 0;
  std::uint32_t syn_queue = 0;
  std::uint32_t accept_queue = 0;
  SocketId accept_head = kNoSocket;
  SocketId accept_tail = kNoSocket;
};

// A host's sockets by SocketId; freeing one bumps its generation.
using SocketSlots = sim::SlotPool<TcpSocket, &TcpSocket::generation>;

}  // namespace tcpsim::tcp
