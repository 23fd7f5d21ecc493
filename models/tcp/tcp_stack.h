// One host's TCP: sockets and their state machine (RFC 9293 with Linux's
// choices), ports, TIME_WAIT, timers, and the socket calls applications make.
#pragma once

#include <array>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cassert>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "models/net/address.h"
#include "models/net/segment.h"
#include "models/tcp/bind_table.h"
#include "models/tcp/connection_table.h"
#include "models/tcp/kernel_settings.h"
#include "models/tcp/perturb_table.h"
#include "models/tcp/segment_output.h"
#include "models/tcp/socket_error.h"
#include "models/tcp/socket_owner.h"
#include "models/tcp/tcp_counters.h"
#include "models/tcp/tcp_socket.h"
#include "models/tcp/tcp_state.h"
#include "models/tcp/time_wait_reuse.h"
#include "models/tcp/time_wait_slots.h"
#include "models/tcp/time_wait_sock.h"
#include "models/tcp/timer_wheel.h"
#include "sim/fifo_timer_list.h"
#include "sim/random_stream.h"
#include "sim/signal.h"
#include "sim/simulator.h"

namespace tcpsim::tcp {

// What a stack holds in memory, in bytes, for predicting a scenario's peak before it runs.
struct StackMemory {
  std::size_t fixed = 0;       // the stack with no socket: object, perturb table, reserved ports
  std::size_t per_socket = 0;  // a full socket: slot, timer, hash-table share
  std::size_t per_record = 0;  // a TIME_WAIT record: its place in the ring, hash-table share
  std::size_t per_ring = 0;    // the ring's chunks beyond its records', once it holds any
  std::size_t per_destination = 0;  // a destination's set of ports taken, empty
  std::uint32_t range = 0;          // ports in the ephemeral range

  // What connect()'s port counts of a local address take with `ports` ports held.
  [[nodiscard]] std::size_t source_ports(std::uint32_t ports) const;
  // What a destination's set adds for `ports` ports taken toward it.
  [[nodiscard]] std::size_t destination_ports(std::uint32_t ports) const;
};

struct Opened {
  SocketId socket = kNoSocket;
  SocketError error = SocketError::kOk;
};

// The timer `ss -tano` names for a socket.
enum class SocketTimer : std::uint8_t {
  kNone,
  kRetransmit,  // "on": SYN, SYN-ACK, data or FIN retransmission
  kKeepalive,   // SO_KEEPALIVE's next probe, or a full socket's FIN_WAIT_2 timeout (Linux
                // runs both on the keepalive timer)
  kTimeWait,    // a TIME_WAIT or orphaned FIN_WAIT_2 record's expiry
};

// A row of `ss -tan`: one socket or TIME_WAIT / FIN_WAIT_2 record.
struct SocketView {
  TcpState state;
  net::FourTuple tuple;
  bool has_fd;
  bool minisocket;       // a TIME_WAIT or orphaned FIN_WAIT_2 record
  sim::Time timer_left;  // until the timer fires; -1 when no timer runs
  SocketTimer timer;
  std::uint8_t retransmits;  // of the segment the retransmission timer covers
  // As ss shows them (inet_sk_diag_fill()): a listener's accept queue and backlog; bytes
  // received and not read, and sequence space sent or queued and not acknowledged, else.
  std::uint32_t recv_q;
  std::uint32_t send_q;
};

// Tells its subscribers of every state change of a connection: (tuple, from,
// to). TIME_WAIT and FIN_WAIT_2 records outlive their socket, so connections
// are named by their 4-tuple.
using StateSignal = sim::Signal<const net::FourTuple&, TcpState, TcpState>;

class TcpStack final : public sim::EventHandler {
  friend class PortScanPeer;  // tests: the reference scan

 public:
  TcpStack(sim::Simulator& sim, const KernelSettings& settings, std::vector<net::Ipv4> addresses,
           SegmentOutput& output, std::uint64_t seed, std::uint64_t host_id);
  // The same with settings shared by the hosts of a group.
  TcpStack(sim::Simulator& sim, std::shared_ptr<const KernelSettings> settings,
           std::vector<net::Ipv4> addresses, SegmentOutput& output, std::uint64_t seed,
           std::uint64_t host_id);
  TcpStack(const TcpStack&) = delete;
  TcpStack& operator=(const TcpStack&) = delete;

  // What a stack with these settings and this many addresses holds in memory.
  static StackMemory memory(const KernelSettings& settings, std::size_t addresses);

  // The socket calls. Errors come back as errno names; connect() completes
  // later through SocketOwner::on_connected.
  Opened socket(SocketOwner& owner, std::uint64_t user = 0);
  SocketOptions& options(SocketId s) { return sockets_[s].options; }
  SocketError bind(SocketId s, net::Endpoint local);
  SocketError listen(SocketId s, int backlog);
  SocketError connect(SocketId s, net::Endpoint remote);
  Opened accept(SocketId listener, SocketOwner& owner, std::uint64_t user = 0);
  SocketError send(SocketId s, std::uint32_t bytes);
  SocketError shutdown_write(SocketId s);
  void close(SocketId s);
  // setsockopt(SO_KEEPALIVE) with TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT: an established
  // socket starts its keepalive timer at once (tcp_set_keepalive()), another when it is
  // established; a listener's children inherit it.
  void set_keepalive(SocketId s, const Keepalive& keepalive);

  // The host loses power (a kernel panic, a hypervisor's kill): every socket, listener and
  // TIME_WAIT record vanishes without a segment sent, and until restart() what arrives is
  // dropped unanswered. Applications must forget their sockets: no callback is made. The
  // counters go on (a real host's would start from zero).
  void crash();
  // The host is up again, with a fresh ISN secret and port-selection table: segments of the
  // connections it lost meet no socket and are answered with resets.
  void restart();
  [[nodiscard]] bool down() const { return down_; }

  // A segment addressed to one of this host's addresses or to 127/8.
  void receive(const net::Segment& segment);
  void handle(const sim::Event& event) override;

  [[nodiscard]] TcpState state(SocketId s) const { return sockets_[s].state; }
  [[nodiscard]] const net::FourTuple& tuple(SocketId s) const { return sockets_[s].tuple; }
  [[nodiscard]] std::uint64_t user(SocketId s) const { return sockets_[s].user; }
  // The same value on both ends of a connection: a hash of its two endpoints and their
  // initial sequence numbers, each end taken in a fixed order (the lower endpoint first).
  [[nodiscard]] std::uint64_t connection_key(SocketId s) const {
    const TcpSocket& sk = sockets_[s];
    const bool local_first = sk.tuple.local < sk.tuple.remote;
    const net::FourTuple ordered = local_first ? sk.tuple : sk.tuple.reversed();
    const std::uint64_t isns = local_first ? (std::uint64_t{sk.iss} << 32U) | sk.irs
                                           : (std::uint64_t{sk.irs} << 32U) | sk.iss;
    return sim::mix64(net::hash_value(ordered) + sim::mix64(isns));
  }
  [[nodiscard]] std::span<const std::uint32_t, kStateCount> state_counts() const {
    return std::span<const std::uint32_t, kStateCount>(state_counts_.data(), kStateCount);
  }
  [[nodiscard]] std::uint32_t count(TcpState s) const {
    return state_counts_[static_cast<std::size_t>(s)];
  }
  [[nodiscard]] std::uint32_t fds_in_use() const { return fds_; }
  [[nodiscard]] std::size_t ports_in_use() const { return binds_.ports_in_use(); }
  // Connections and TIME_WAITs from ephemeral ports toward the destination holding the most.
  [[nodiscard]] std::uint32_t ports_toward_busiest_destination() const {
    return connections_.busiest_destination_ports();
  }
  [[nodiscard]] std::uint32_t sockets_alive() const { return sockets_alive_; }
  [[nodiscard]] std::uint32_t minisockets_alive() const { return tw_alive_; }
  [[nodiscard]] const TcpCounters& counters() const { return counters_; }
  [[nodiscard]] const KernelSettings& settings() const { return *settings_; }
  // The TIME_WAIT ring's passed chunks go to `cache`, shared with other hosts' rings, which
  // must outlive the stack.
  void share_time_wait_chunks(TimeWaitRing::ChunkCache& cache) { tws_.ring.share_chunks(cache); }
  // The host's own addresses, as configured; 127/8 is local besides them (loopback).
  [[nodiscard]] const std::vector<net::Ipv4>& addresses() const { return host_addresses_; }
  // Subscribers connect here, for metrics, tests and traces.
  StateSignal& on_state_change() { return on_state_change_; }

  // Every live socket and minisocket, in table order. Records' expiries are
  // looked up in their timer lists, O(records) once per call.
  void for_each_socket(const std::function<void(const SocketView&)>& fn) const;
  // Checks the invariants of the model; returns the first violation, or "".
  [[nodiscard]] std::string check_invariants() const;

 private:
  enum Kind : sim::EventKind {
    kRetransmit,
    kTimeWaitExpired,
    kFinWait2Expired,
    kNotify,
    kKeepaliveProbe
  };

  // Linux keeps TCP_TIMEWAIT_LEN at 60 s whatever else is configured; the
  // orphaned FIN_WAIT_2 record never lives longer than that.
  static constexpr sim::Time kTimeWaitLen = 60 * sim::kSecond;
  static constexpr net::Ipv4 kLoopbackSource{0x7f000001};  // 127.0.0.1
  // No socket or record: where a created one comes from, where a destroyed one goes.
  static constexpr TcpState kNoState = static_cast<TcpState>(kStateCount);

  // Linux's tcp_set_state(), the one writer of TCP state: socket or record
  // `id` (a TIME_WAIT / FIN_WAIT_2 record when it has kTimeWaitBit) moves to
  // `to`. Creation moves a new one from kNoState, destruction to kNoState
  // (a socket must be CLOSED by then; it is left reading CLOSED). The
  // per-state counts follow; with `tell`, the subscribers hear of the
  // connection's change (a destroyed record's connection goes to CLOSED).
  [[gnu::always_inline]] inline void set_state(std::uint32_t id, TcpState to, bool tell = true);

  // Socket calls and their helpers (tcp_stack.cc).
  SocketId allocate_socket(TcpState initial);
  void free_socket(SocketId s);
  void hash(SocketId s);
  void unhash(SocketId s);
  void hold_port(SocketId s, PortHold hold);
  void release_port(SocketId s);
  net::Ipv4 source_address(const TcpSocket& sk, net::Endpoint remote) const;
  bool add_local_address(net::Ipv4 address);
  void start_active_open(SocketId s);
  void abort(SocketId s, SocketError error, bool send_rst);
  void orphan_fin_wait2(SocketId s);
  void unlink_from_listener(SocketId s);
  void close_listener(SocketId s);
  SocketId find_listener(net::Endpoint local) const;
  bool alive(SocketId s, std::uint32_t generation) const {
    return sockets_[s].in_use && sockets_[s].generation == generation;
  }

  // Port selection (tcp_port_selection.cc): inet_hash_connect() and
  // inet_csk_get_port().
  struct ConnectScan {
    bool found = false;
    std::uint16_t port = 0;
    std::uint32_t position = 0;           // steps of two from the scan's start
    std::uint32_t time_wait = kNotFound;  // the record to take over, if any
    std::size_t perturb_slot = 0;
  };
  SocketError pick_connect_port(SocketId s, net::Ipv4 saddr, net::Endpoint remote);
  // The port connect() takes; `probe_each` looks at every port in turn instead of skipping
  // taken ones by bitmap (the same answer: tests compare the two).
  ConnectScan scan_connect_ports(net::Ipv4 saddr, net::Endpoint remote, bool probe_each) const;
  TimeWaitReuse track_time_wait_reuse();
  SocketError pick_bind_port(SocketId s, net::Ipv4 addr);
  bool bind_conflict(net::Ipv4 addr, std::uint16_t port, bool reuseaddr, bool explicit_port) const;
  bool port_reserved(std::uint16_t port) const;
  void note_eaddrnotavail() {
    if (counters_.connect_eaddrnotavail++ == 0) counters_.first_eaddrnotavail_ns = sim_.now();
  }
  bool tw_reusable(std::uint32_t tw_id, bool explicit_bind) const;
  void reuse_time_wait(SocketId s, std::uint32_t tw_id);

  // Timers (tcp_timers.cc).
  void arm_retransmit(SocketId s);
  void on_retransmit_timer(SocketId s);
  // TCP_USER_TIMEOUT in ns; 0 when unset.
  [[nodiscard]] static sim::Time user_timeout(const TcpSocket& sk) {
    return sim::Time{sk.options.user_timeout_ms} * sim::kMillisecond;
  }
  // tcp_clamp_rto_to_user_timeout(): the RTO, cut to what is left of the user timeout.
  [[nodiscard]] sim::Time clamped_rto(const TcpSocket& sk) const;

  // SO_KEEPALIVE (tcp_keepalive.cc).
  void start_keepalive(SocketId s);
  void on_keepalive_timer(SocketId s);
  [[nodiscard]] sim::Time keepalive_idle(const TcpSocket& sk) const;
  [[nodiscard]] sim::Time keepalive_intvl(const TcpSocket& sk) const;
  [[nodiscard]] int keepalive_probes(const TcpSocket& sk) const;

  // Sending (tcp_output.cc).
  void send_syn(SocketId s);
  void send_syn_ack(SocketId s);
  void send_ack(SocketId s);
  void send_data_and_fin(SocketId s);
  void send_rst_for(const net::Segment& in);
  void send_rst(const TcpSocket& sk, std::uint32_t seq);
  void send_challenge_ack(SocketId s);
  void emit(SocketId s, std::uint8_t flags, std::uint32_t seq, std::uint32_t len);
  void send_time_wait_ack(const TimeWaitSock& tw);
  std::uint32_t isn_for(const net::FourTuple& t) const;
  std::uint32_t ts_offset_for(const net::FourTuple& t) const;
  std::uint32_t now_ms() const;

  // Segment arrival (tcp_state_machine.cc), after RFC 9293 section 3.10.7.
  void segment_arrives_closed(const net::Segment& seg);
  void segment_arrives_listen(SocketId listener, const net::Segment& seg, std::uint32_t isn);
  void segment_arrives_syn_sent(SocketId s, const net::Segment& seg);
  void segment_arrives_synchronized(SocketId s, const net::Segment& seg);
  void segment_arrives_time_wait(std::uint32_t tw_id, const net::Segment& seg);
  bool acceptable(const TcpSocket& sk, const net::Segment& seg) const;
  bool process_rst(SocketId s, const net::Segment& seg);
  bool process_ack(SocketId s, const net::Segment& seg);
  void process_text_and_fin(SocketId s, const net::Segment& seg);
  bool complete_passive_open(SocketId s, const net::Segment& seg);
  void peer_fin(SocketId s);
  void enter_time_wait(SocketId s);
  void take_rtt_sample(TcpSocket& sk);

  // TIME_WAIT and FIN_WAIT_2 records (tcp_time_wait.cc).
  void make_minisocket(SocketId s, bool fin_wait2);
  [[nodiscard]] net::FourTuple tuple_of(const TimeWaitSock& tw) const {
    return tw.tuple(addresses_);
  }
  void free_minisocket(std::uint32_t tw_id);
  // A fresh TIME_WAIT period: the record moves to the ring's tail, under the id returned.
  std::uint32_t restart_time_wait(std::uint32_t tw_id);
  void on_fin_wait2_timer(std::uint32_t slot, std::uint32_t generation);

  sim::Simulator& sim_;
  std::shared_ptr<const KernelSettings> settings_;
  TimerWheel wheel_{static_cast<std::uint32_t>(settings_->hz)};
  std::vector<net::Ipv4> host_addresses_;
  // Every local address a socket or record uses: the host's, then the 127/8 ones in the
  // order they were first used. Records name theirs by index, so it only grows.
  std::vector<net::Ipv4> addresses_;
  SegmentOutput& output_;
  sim::HandlerId self_;
  sim::RandomStream rng_;
  std::uint64_t secret_;

  SocketSlots sockets_;
  TimeWaitSlots tws_;
  ConnectionTable connections_;
  // Initialised after connections_, which it sets up.
  TimeWaitReuse tw_reuse_ = track_time_wait_reuse();
  boost::unordered_flat_map<std::uint64_t, SocketId> listeners_;  // (addr, port) -> socket
  BindTable binds_;
  // The last bind(0) search that found no port: its address and binds_.removals() then.
  bool bind_search_failed_ = false;
  net::Ipv4 bind_search_addr_;
  std::uint64_t bind_search_removals_ = 0;
  PerturbTable perturb_{rng_};
  std::vector<bool> reserved_;  // ip_local_reserved_ports, by port; empty if none

  sim::FifoTimerList fin_wait2_timers_;

  // By state, and one more for kNoState so that set_state() needs no branch.
  std::array<std::uint32_t, kStateCount + 1> state_counts_{};
  std::uint32_t sockets_alive_ = 0;
  std::uint32_t tw_alive_ = 0;
  std::uint32_t fds_ = 0;
  bool down_ = false;  // crashed, not restarted yet
  TcpCounters counters_;
  StateSignal on_state_change_;
};

inline void TcpStack::set_state(std::uint32_t id, TcpState to, bool tell) {
  const bool record = (id & kTimeWaitBit) != 0;
  TcpState from;
  if (!record) {
    TcpSocket& sk = sockets_[id];
    from = sk.state;
    sk.state = to == kNoState ? TcpState::kClosed : to;
  } else {
    TimeWaitSock& tw = tws_[id & ~kTimeWaitBit];
    assert(to == TcpState::kTimeWait || to == TcpState::kFinWait2 || to == kNoState);
    from = !tw.in_use ? kNoState : tw.fin_wait2 ? TcpState::kFinWait2 : TcpState::kTimeWait;
    tw.in_use = to != kNoState;
    tw.fin_wait2 = to == TcpState::kFinWait2;
  }
  --state_counts_[static_cast<std::size_t>(from)];
  ++state_counts_[static_cast<std::size_t>(to)];
  if (!tell || on_state_change_.empty()) [[likely]]
    return;
  assert(from != kNoState);
  if (!record) {
    assert(to != kNoState);
    on_state_change_(sockets_[id].tuple, from, to);
  } else {
    on_state_change_(tuple_of(tws_[id & ~kTimeWaitBit]), from,
                     to == kNoState ? TcpState::kClosed : to);
  }
}

}  // namespace tcpsim::tcp
