// The socket calls applications make, and the bookkeeping they share with the
// state machine: socket slots, the hash tables, port holding, closing.
#include "models/tcp/tcp_stack.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace tcpsim::tcp {

TcpStack::TcpStack(sim::Simulator& sim, const KernelSettings& settings,
                   std::vector<net::Ipv4> addresses, SegmentOutput& output, std::uint64_t seed,
                   std::uint64_t host_id)
    : TcpStack(sim, std::make_shared<const KernelSettings>(settings), std::move(addresses), output,
               seed, host_id) {}

TcpStack::TcpStack(sim::Simulator& sim, std::shared_ptr<const KernelSettings> shared,
                   std::vector<net::Ipv4> addresses, SegmentOutput& output, std::uint64_t seed,
                   std::uint64_t host_id)
    : sim_(sim),
      settings_(std::move(shared)),
      host_addresses_(std::move(addresses)),
      addresses_(host_addresses_),
      output_(output),
      self_(sim.add_handler(*this)),
      rng_(seed, host_id),
      secret_(rng_.next_u64()),
      tws_(sim, settings_->time_wait_length, self_, kTimeWaitExpired, wheel_),
      connections_(sockets_, tws_, addresses_, settings_->ip_local_port_range),
      binds_(settings_->ip_local_port_range),
      fin_wait2_timers_(sim, std::min(settings_->tcp_fin_timeout, kTimeWaitLen), *this,
                        kFinWait2Expired) {
  if (host_addresses_.empty() || host_addresses_.size() > 255) {
    throw std::invalid_argument("TcpStack: a host needs 1 to 255 addresses");
  }
  if (!settings_->ip_local_reserved_ports.empty()) reserved_.assign(65536, false);
  for (const PortRange& r : settings_->ip_local_reserved_ports) {
    for (std::uint32_t p = r.low; p <= r.high; ++p) reserved_[p] = true;
  }
}

StackMemory TcpStack::memory(const KernelSettings& settings, std::size_t addresses) {
  // A hash-table entry (a 4-byte id or an 8-byte key and value, and its control byte) at a
  // boost::unordered_flat_map's mean load: 0.875 before it doubles, half that after.
  constexpr double kMeanLoad = 0.66;
  const auto entry = [](std::size_t bytes) {
    return static_cast<std::size_t>(static_cast<double>(bytes + 1) / kMeanLoad);
  };
  const std::uint32_t range = settings.ip_local_port_range.size();
  StackMemory m;
  m.fixed = sizeof(TcpStack) + PerturbTable::bytes() + 2 * addresses * sizeof(net::Ipv4) +
            (settings.ip_local_reserved_ports.empty() ? 0 : 65536 / 8);
  m.per_socket = sizeof(TcpSocket) + sim::Simulator::bytes_per_timer() + entry(sizeof(SocketId));
  m.per_record = TimeWaitRing::bytes_per_record() + entry(sizeof(std::uint32_t));
  m.per_ring = TimeWaitRing::bytes_per_ring();
  // A destination's set of ports, empty, in its entry of the destination table.
  m.per_destination = entry(sizeof(std::uint64_t) + sizeof(DestinationPorts));
  m.range = range > 1 ? range & ~1U : range;
  return m;
}

std::size_t StackMemory::source_ports(std::uint32_t ports) const {
  return BindTable::bytes_for(range, ports);
}

std::size_t StackMemory::destination_ports(std::uint32_t ports) const {
  return DestinationPorts::bytes_for(range, ports);
}

// ---------------------------------------------------------------------------
// Socket slots and tables

SocketId TcpStack::allocate_socket(TcpState initial) {
  const std::size_t slots = sockets_.size();
  const SocketId s = sockets_.allocate();
  if (s == slots) sockets_[s].timer = sim_.create_timer();  // a new slot
  TcpSocket& sk = sockets_[s];
  const sim::TimerId timer = sk.timer;
  const sim::TimerId keepalive_timer = sk.keepalive_timer;
  const std::uint32_t generation = sk.generation;
  static constexpr TcpSocket kFresh{};
  sk = kFresh;
  sk.timer = timer;
  sk.keepalive_timer = keepalive_timer;
  sk.generation = generation;
  sk.in_use = true;
  sk.state = kNoState;
  set_state(s, initial, false);
  ++sockets_alive_;
  return s;
}

void TcpStack::free_socket(SocketId s) {
  TcpSocket& sk = sockets_[s];
  assert(sk.in_use && !sk.has_fd && sk.state == TcpState::kClosed);
  sim_.cancel(sk.timer);
  if (sk.keepalive_timer != sim::kNoTimer) [[unlikely]]
    sim_.cancel(sk.keepalive_timer);
  unlink_from_listener(s);
  unhash(s);
  if (sk.listening) {
    listeners_.erase(sk.tuple.local.key());
    binds_.remove_listener(sk.tuple.local.address, sk.tuple.local.port);
    sk.listening = false;
  }
  release_port(s);
  set_state(s, kNoState, false);
  --sockets_alive_;
  sk.in_use = false;
  sockets_.free(s);
}

void TcpStack::hash(SocketId s) {
  TcpSocket& sk = sockets_[s];
  if (sk.hashed) return;
  const bool inserted = connections_.insert(s);
  assert(inserted);
  (void)inserted;
  sk.hashed = true;
}

void TcpStack::unhash(SocketId s) {
  TcpSocket& sk = sockets_[s];
  if (!sk.hashed) return;
  connections_.erase(s);
  sk.hashed = false;
}

void TcpStack::hold_port(SocketId s, PortHold hold) {
  TcpSocket& sk = sockets_[s];
  assert(sk.port_hold == PortHold::kNone);
  binds_.add(sk.tuple.local.address, sk.tuple.local.port, hold, sk.options.reuseaddr);
  sk.port_hold = hold;
}

void TcpStack::release_port(SocketId s) {
  TcpSocket& sk = sockets_[s];
  if (sk.port_hold == PortHold::kNone) return;
  binds_.remove(sk.tuple.local.address, sk.tuple.local.port, sk.port_hold, sk.options.reuseaddr);
  sk.port_hold = PortHold::kNone;
}

// The bound address, else the route's: 127.0.0.1 toward 127/8 (Linux's lo route has
// src 127.0.0.1), the host's first address otherwise.
net::Ipv4 TcpStack::source_address(const TcpSocket& sk, net::Endpoint remote) const {
  if (sk.addr_bound && sk.tuple.local.address.value != 0) return sk.tuple.local.address;
  return remote.address.is_loopback() ? kLoopbackSource : host_addresses_.front();
}

// Any 127/8 address is local (the lo device owns 127.0.0.0/8); it joins addresses_ when
// first used. False for an address that is not local, or when 255 are in use.
bool TcpStack::add_local_address(net::Ipv4 address) {
  if (std::find(addresses_.begin(), addresses_.end(), address) != addresses_.end()) return true;
  if (!address.is_loopback() || addresses_.size() >= 255) return false;
  addresses_.push_back(address);
  return true;
}

// ---------------------------------------------------------------------------
// Socket calls

Opened TcpStack::socket(SocketOwner& owner, std::uint64_t user) {
  if (fds_ >= settings_->nofile) {
    ++counters_.emfile;
    return {kNoSocket, SocketError::kEmfile};
  }
  const SocketId s = allocate_socket(TcpState::kClosed);
  TcpSocket& sk = sockets_[s];
  sk.has_fd = true;
  sk.owner = &owner;
  sk.user = user;
  ++fds_;
  return {s, SocketError::kOk};
}

SocketError TcpStack::bind(SocketId s, net::Endpoint local) {
  TcpSocket& sk = sockets_[s];
  if (sk.state != TcpState::kClosed || sk.addr_bound || sk.port_hold != PortHold::kNone ||
      sk.tuple.remote.port != 0) {
    return SocketError::kEinval;
  }
  if (local.address.value != 0 && !add_local_address(local.address)) {
    return SocketError::kEaddrnotavail;
  }
  sk.tuple.local.address = local.address;
  sk.addr_bound = true;
  if (local.port == 0) {
    if (sk.options.bind_address_no_port) return SocketError::kOk;
    const SocketError e = pick_bind_port(s, local.address);
    if (e != SocketError::kOk) {
      sk.addr_bound = false;
      sk.tuple.local = {};
    }
    return e;
  }
  if (bind_conflict(local.address, local.port, sk.options.reuseaddr, true)) {
    sk.addr_bound = false;
    sk.tuple.local = {};
    ++counters_.bind_eaddrinuse;
    return SocketError::kEaddrinuse;
  }
  sk.tuple.local.port = local.port;
  hold_port(s, PortHold::kBind);
  return SocketError::kOk;
}

SocketError TcpStack::listen(SocketId s, int backlog) {
  TcpSocket& sk = sockets_[s];
  if (sk.state == TcpState::kListen) {
    sk.backlog = std::min<std::uint32_t>(static_cast<std::uint32_t>(std::max(backlog, 0)),
                                         settings_->somaxconn);
    return SocketError::kOk;
  }
  if (sk.state != TcpState::kClosed || sk.tuple.remote.port != 0) return SocketError::kEinval;
  if (sk.port_hold == PortHold::kNone) {
    const SocketError e = pick_bind_port(s, sk.tuple.local.address);
    if (e != SocketError::kOk) return e;
  }
  const std::uint64_t key = sk.tuple.local.key();
  if (listeners_.contains(key)) return SocketError::kEaddrinuse;
  listeners_.emplace(key, s);
  binds_.add_listener(sk.tuple.local.address, sk.tuple.local.port);
  sk.listening = true;
  sk.backlog = std::min<std::uint32_t>(static_cast<std::uint32_t>(std::max(backlog, 0)),
                                       settings_->somaxconn);
  set_state(s, TcpState::kListen);
  return SocketError::kOk;
}

SocketId TcpStack::find_listener(net::Endpoint local) const {
  auto it = listeners_.find(local.key());
  if (it != listeners_.end()) return it->second;
  it = listeners_.find(net::Endpoint{net::Ipv4{0}, local.port}.key());
  return it == listeners_.end() ? kNoSocket : it->second;
}

SocketError TcpStack::connect(SocketId s, net::Endpoint remote) {
  TcpSocket& sk = sockets_[s];
  if (sk.state != TcpState::kClosed) {
    return sk.state == TcpState::kListen ? SocketError::kEinval : SocketError::kEisconn;
  }
  if (sk.tuple.remote.port != 0) return SocketError::kEisconn;  // reset earlier
  const net::Ipv4 source = source_address(sk, remote);
  if (source.is_loopback() || remote.address.is_loopback()) [[unlikely]] {
    // Loopback connections stay on lo: both ends in 127/8. Linux refuses a 127/8 source
    // toward another address (EINVAL from the route lookup) but lets a host address reach
    // 127/8; the model refuses both, since its network carries 127/8 only within a host.
    if (source.is_loopback() != remote.address.is_loopback()) return SocketError::kEinval;
    if (!add_local_address(source)) return SocketError::kEaddrnotavail;
  }
  if (sk.port_hold != PortHold::kNone) {
    // The port was bound: only this 4-tuple can be tried.
    if (sk.tuple.local.address.value == 0) {
      // A wildcard bind takes the source address at connect time.
      release_port(s);
      sk.tuple.local.address = source;
      hold_port(s, PortHold::kBind);
    }
    const std::uint32_t id = connections_.find({sk.tuple.local, remote});
    if (id != kNotFound) {
      if ((id & kTimeWaitBit) == 0 || !tw_reusable(id & ~kTimeWaitBit, true)) {
        note_eaddrnotavail();
        return SocketError::kEaddrnotavail;
      }
      reuse_time_wait(s, id & ~kTimeWaitBit);
    }
  } else {
    const SocketError e = pick_connect_port(s, source, remote);
    if (e != SocketError::kOk) return e;
  }
  sk.tuple.remote = remote;
  start_active_open(s);
  return SocketError::kOk;
}

void TcpStack::start_active_open(SocketId s) {
  TcpSocket& sk = sockets_[s];
  hash(s);
  if (!sk.iss_set) sk.iss = isn_for(sk.tuple);
  sk.ts_offset = ts_offset_for(sk.tuple);
  sk.snd_una = sk.iss;
  sk.snd_nxt = sk.iss + 1;
  sk.retransmits = 0;
  sk.rto = settings_->tcp_timeout_init;
  sk.first_sent = sim_.now();
  ++counters_.active_opens;
  set_state(s, TcpState::kSynSent);
  send_syn(s);
  arm_retransmit(s);
}

Opened TcpStack::accept(SocketId listener, SocketOwner& owner, std::uint64_t user) {
  TcpSocket& l = sockets_[listener];
  if (l.state != TcpState::kListen) return {kNoSocket, SocketError::kEinval};
  if (l.accept_head == kNoSocket) return {kNoSocket, SocketError::kEagain};
  if (fds_ >= settings_->nofile) {
    ++counters_.emfile;
    return {kNoSocket, SocketError::kEmfile};  // the connection stays queued
  }
  const SocketId c = l.accept_head;
  unlink_from_listener(c);
  TcpSocket& child = sockets_[c];
  child.has_fd = true;
  child.owner = &owner;
  child.user = user;
  ++fds_;
  if (child.unread > 0 || child.peer_fin) {
    // Told in an event of its own, not from inside accept(); until then what
    // arrives keeps queueing behind it.
    child.notify_pending = true;
    sim_.schedule(sim_.now(), self_, kNotify, c, child.generation);
  }
  return {c, SocketError::kOk};
}

SocketError TcpStack::send(SocketId s, std::uint32_t bytes) {
  TcpSocket& sk = sockets_[s];
  if (!sk.has_fd || sk.shut_wr) return SocketError::kEpipe;
  switch (sk.state) {
    case TcpState::kSynSent:
    case TcpState::kSynReceived:
      sk.pending_send += bytes;
      return SocketError::kOk;
    case TcpState::kEstablished:
    case TcpState::kCloseWait:
      sk.pending_send += bytes;
      send_data_and_fin(s);
      return SocketError::kOk;
    default:
      return SocketError::kEpipe;
  }
}

SocketError TcpStack::shutdown_write(SocketId s) {
  TcpSocket& sk = sockets_[s];
  if (sk.shut_wr) return SocketError::kOk;
  switch (sk.state) {
    case TcpState::kEstablished:
    case TcpState::kSynReceived:
      sk.shut_wr = true;
      set_state(s, TcpState::kFinWait1);
      send_data_and_fin(s);
      return SocketError::kOk;
    case TcpState::kCloseWait:
      sk.shut_wr = true;
      set_state(s, TcpState::kLastAck);
      send_data_and_fin(s);
      return SocketError::kOk;
    default:
      return SocketError::kEinval;
  }
}

// __tcp_close(): unread data or SO_LINGER {1, 0} reset the connection;
// otherwise a FIN is queued and the socket lives on as an orphan.
void TcpStack::close(SocketId s) {
  TcpSocket& sk = sockets_[s];
  if (!sk.in_use || !sk.has_fd) return;
  sk.has_fd = false;
  sk.owner = nullptr;
  --fds_;
  const TcpState st = sk.state;
  if (st == TcpState::kListen) {
    close_listener(s);
    return;
  }
  if (st == TcpState::kClosed || st == TcpState::kSynSent) {
    if (st == TcpState::kSynSent) set_state(s, TcpState::kClosed);
    counters_.abort_on_data += st == TcpState::kSynSent && sk.options.linger_zero;
    free_socket(s);
    return;
  }
  const bool resettable = st == TcpState::kEstablished || st == TcpState::kCloseWait ||
                          st == TcpState::kFinWait1 || st == TcpState::kFinWait2 ||
                          st == TcpState::kSynReceived;
  if (sk.unread > 0 && resettable) {
    ++counters_.abort_on_close;
    abort(s, SocketError::kOk, true);
    return;
  }
  if (sk.options.linger_zero) {
    ++counters_.abort_on_data;  // Linux's name for a SO_LINGER {1, 0} close()
    abort(s, SocketError::kOk, resettable);
    return;
  }
  switch (st) {
    case TcpState::kEstablished:
    case TcpState::kSynReceived:
      sk.shut_wr = true;
      set_state(s, TcpState::kFinWait1);
      send_data_and_fin(s);
      break;
    case TcpState::kCloseWait:
      sk.shut_wr = true;
      set_state(s, TcpState::kLastAck);
      send_data_and_fin(s);
      break;
    case TcpState::kFinWait2:
      orphan_fin_wait2(s);
      break;
    default:  // FIN_WAIT_1, CLOSING, LAST_ACK: the orphan finishes by itself
      break;
  }
}

void TcpStack::close_listener(SocketId s) {
  // inet_csk_listen_stop(): queued children are reset, requests dropped.
  for (SocketId c = 0; c < sockets_.size(); ++c) {
    TcpSocket& child = sockets_[c];
    if (!child.in_use || child.parent != s) continue;
    const bool queued = child.queued;
    unlink_from_listener(c);
    if (queued) send_rst(child, child.snd_nxt);
    set_state(c, TcpState::kClosed);
    free_socket(c);
  }
  set_state(s, TcpState::kClosed);
  free_socket(s);
}

void TcpStack::unlink_from_listener(SocketId s) {
  TcpSocket& sk = sockets_[s];
  if (sk.parent == kNoSocket) return;
  TcpSocket& l = sockets_[sk.parent];
  if (!sk.queued) {
    --l.syn_queue;
  } else {
    SocketId* link = &l.accept_head;
    SocketId prev = kNoSocket;
    while (*link != s) {
      prev = *link;
      link = &sockets_[*link].next_in_queue;
    }
    *link = sk.next_in_queue;
    if (l.accept_tail == s) l.accept_tail = prev;
    --l.accept_queue;
  }
  sk.parent = kNoSocket;
  sk.next_in_queue = kNoSocket;
  sk.queued = false;
}

// The connection is over without a FIN exchange (RST sent or received,
// retransmissions given up). An application still holding the socket keeps it,
// in CLOSED, and hears `error`.
void TcpStack::abort(SocketId s, SocketError error, bool send_reset) {
  TcpSocket& sk = sockets_[s];
  if (send_reset) send_rst(sk, sk.snd_nxt);
  sim_.cancel(sk.timer);
  if (sk.keepalive_timer != sim::kNoTimer) [[unlikely]]
    sim_.cancel(sk.keepalive_timer);
  unlink_from_listener(s);
  unhash(s);
  release_port(s);
  sk.unread = 0;  // a reset discards what the application has not read
  sk.peer_fin = false;
  // tcp_set_state(): every close from ESTABLISHED or CLOSE_WAIT, a reset or not.
  counters_.estab_resets += sk.state == TcpState::kEstablished || sk.state == TcpState::kCloseWait;
  set_state(s, TcpState::kClosed);
  if (!sk.has_fd) {
    free_socket(s);
    return;
  }
  if (error == SocketError::kOk || sk.owner == nullptr) return;
  if (!sk.connect_reported) {
    sk.connect_reported = true;
    sk.owner->on_connected(s, error);
  } else {
    sk.owner->on_error(s, error);
  }
}

// tcp_fin_time(): an orphan whose FIN is acked waits tcp_fin_timeout for the
// peer's FIN, as a compact record when that is at most 60 s.
void TcpStack::orphan_fin_wait2(SocketId s) {
  TcpSocket& sk = sockets_[s];
  if (settings_->tcp_fin_timeout > kTimeWaitLen) {
    sim_.arm(sk.timer, wheel_.expiry(sim_.now(), settings_->tcp_fin_timeout - kTimeWaitLen), self_,
             kRetransmit, s);
    return;
  }
  make_minisocket(s, true);
}

}  // namespace tcpsim::tcp
