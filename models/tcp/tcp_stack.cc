// Socket calls, port choice and the bookkeeping shared by the state machine.
#include "models/tcp/tcp_stack.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "models/tcp/sequence.h"

namespace tcpsim::tcp {
namespace {

// Linux keeps TCP_TIMEWAIT_LEN at 60 s whatever else is configured; the
// orphaned FIN_WAIT_2 record never lives longer than that.
constexpr sim::Time kTimeWaitLen = 60 * sim::kSecond;
constexpr std::size_t kPerturbSlots = 1024;
// secure_ipv4_port_ephemeral() mixes in jiffies / (10 * HZ): the start of
// the port scan for a destination moves every 10 s.
constexpr sim::Time kPortRekeyInterval = 10 * sim::kSecond;

std::uint64_t mix(std::uint64_t a, std::uint64_t b) { return sim::mix64(a ^ sim::mix64(b)); }

}  // namespace

TcpStack::TcpStack(sim::Simulator& sim, const KernelSettings& settings,
                   std::vector<net::Ipv4> addresses, SegmentOutput& output, std::uint64_t seed,
                   std::uint64_t host_id)
    : sim_(sim),
      settings_(settings),
      addresses_(std::move(addresses)),
      output_(output),
      self_(sim.add_handler(*this)),
      rng_(seed, host_id),
      secret_(rng_.next_u64()),
      connections_(sockets_, tws_, addresses_, settings.ip_local_port_range),
      binds_(settings.ip_local_port_range),
      perturb_(kPerturbSlots),
      reserved_(65536, false),
      time_wait_timers_(sim, settings.time_wait_length, *this, kTimeWaitExpired),
      fin_wait2_timers_(sim, std::min(settings.tcp_fin_timeout, kTimeWaitLen), *this,
                        kFinWait2Expired) {
  if (addresses_.empty() || addresses_.size() > 255) {
    throw std::invalid_argument("TcpStack: a host needs 1 to 255 addresses");
  }
  for (auto& p : perturb_) p = rng_.next_u32();
  for (const PortRange& r : settings_.ip_local_reserved_ports) {
    for (std::uint32_t p = r.low; p <= r.high; ++p) reserved_[p] = true;
  }
}

// ---------------------------------------------------------------------------
// Socket slots

SocketId TcpStack::allocate_socket(TcpState initial) {
  SocketId s;
  if (!free_sockets_.empty()) {
    s = free_sockets_.back();
    free_sockets_.pop_back();
  } else {
    s = static_cast<SocketId>(sockets_.size());
    sockets_.emplace_back();
    sockets_.back().timer = sim_.create_timer();
  }
  TcpSocket& sk = sockets_[s];
  const sim::TimerId timer = sk.timer;
  const std::uint32_t generation = sk.generation;
  sk = TcpSocket{};
  sk.timer = timer;
  sk.generation = generation;
  sk.in_use = true;
  sk.state = initial;
  ++state_counts_[static_cast<std::size_t>(initial)];
  ++sockets_alive_;
  return s;
}

void TcpStack::free_socket(SocketId s) {
  TcpSocket& sk = sockets_[s];
  assert(sk.in_use && !sk.has_fd);
  sim_.cancel(sk.timer);
  unlink_from_listener(s);
  unhash(s);
  if (sk.listening) {
    listeners_.erase((std::uint64_t{sk.tuple.local.address.value} << 16U) | sk.tuple.local.port);
    binds_.remove_listener(sk.tuple.local.address, sk.tuple.local.port);
    sk.listening = false;
  }
  release_port(s);
  --state_counts_[static_cast<std::size_t>(sk.state)];
  --sockets_alive_;
  sk.in_use = false;
  ++sk.generation;
  free_sockets_.push_back(s);
}

void TcpStack::set_state(SocketId s, TcpState to) {
  TcpSocket& sk = sockets_[s];
  const TcpState from = sk.state;
  --state_counts_[static_cast<std::size_t>(from)];
  ++state_counts_[static_cast<std::size_t>(to)];
  sk.state = to;
  report(sk.tuple, from, to);
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

net::Ipv4 TcpStack::source_address(const TcpSocket& sk) const {
  return sk.addr_bound && sk.tuple.local.address.value != 0 ? sk.tuple.local.address
                                                            : addresses_.front();
}

// ---------------------------------------------------------------------------
// Socket calls

Opened TcpStack::socket(SocketOwner& owner, std::uint64_t user) {
  if (fds_ >= settings_.nofile) {
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

bool TcpStack::port_reserved(std::uint16_t port) const { return reserved_[port]; }

bool TcpStack::bind_conflict(net::Ipv4 addr, std::uint16_t port, bool reuseaddr,
                             bool explicit_port) const {
  auto conflicts = [&](net::Ipv4 a) {
    // Ports connect() chose are never shared with bind() (their holders'
    // SO_REUSEADDR is not tracked).
    if (a.value != 0 && binds_.connect_users(a, port) > 0) return true;
    const BindBucket* b = binds_.bucket(a, port);
    if (b == nullptr) return false;
    // An explicit bind may share a port whose every holder set SO_REUSEADDR
    // and none listens; port-0 autoselection never shares (relax = false).
    return !(explicit_port && reuseaddr && b->non_reuse_users == 0 && b->listeners == 0);
  };
  if (conflicts(net::Ipv4{0})) return true;
  if (addr.value != 0) return conflicts(addr);
  return std::any_of(addresses_.begin(), addresses_.end(), conflicts);
}

SocketError TcpStack::bind(SocketId s, net::Endpoint local) {
  TcpSocket& sk = sockets_[s];
  if (sk.state != TcpState::kClosed || sk.addr_bound || sk.port_hold != PortHold::kNone ||
      sk.tuple.remote.port != 0) {
    return SocketError::kEinval;
  }
  if (local.address.value != 0 &&
      std::find(addresses_.begin(), addresses_.end(), local.address) == addresses_.end()) {
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

// inet_csk_find_open_port(): a random odd offset first, the opposite parity to
// connect(), then the other parity; any holder of a port conflicts.
SocketError TcpStack::pick_bind_port(SocketId s, net::Ipv4 addr) {
  TcpSocket& sk = sockets_[s];
  const std::uint32_t low = settings_.ip_local_port_range.low;
  const std::uint32_t high = settings_.ip_local_port_range.high + 1U;
  std::uint32_t remaining = high - low;
  if (remaining > 1) remaining &= ~1U;
  std::uint32_t offset = static_cast<std::uint32_t>(rng_.below(remaining)) | 1U;
  while (true) {
    std::uint32_t port = low + offset;
    for (std::uint32_t i = 0; i < remaining; i += 2, port += 2) {
      if (port >= high) port -= remaining;
      const auto p = static_cast<std::uint16_t>(port);
      if (port_reserved(p) || bind_conflict(addr, p, sk.options.reuseaddr, false)) continue;
      sk.tuple.local.port = p;
      hold_port(s, PortHold::kBind);
      return SocketError::kOk;
    }
    --offset;
    if ((offset & 1U) != 0) break;
  }
  ++counters_.bind_eaddrinuse;
  return SocketError::kEaddrinuse;
}

SocketError TcpStack::listen(SocketId s, int backlog) {
  TcpSocket& sk = sockets_[s];
  if (sk.state == TcpState::kListen) {
    sk.backlog = std::min<std::uint32_t>(static_cast<std::uint32_t>(std::max(backlog, 0)),
                                         settings_.somaxconn);
    return SocketError::kOk;
  }
  if (sk.state != TcpState::kClosed || sk.tuple.remote.port != 0) return SocketError::kEinval;
  if (sk.port_hold == PortHold::kNone) {
    const SocketError e = pick_bind_port(s, sk.tuple.local.address);
    if (e != SocketError::kOk) return e;
  }
  const std::uint64_t key =
      (std::uint64_t{sk.tuple.local.address.value} << 16U) | sk.tuple.local.port;
  if (listeners_.contains(key)) return SocketError::kEaddrinuse;
  listeners_.emplace(key, s);
  binds_.add_listener(sk.tuple.local.address, sk.tuple.local.port);
  sk.listening = true;
  sk.backlog = std::min<std::uint32_t>(static_cast<std::uint32_t>(std::max(backlog, 0)),
                                       settings_.somaxconn);
  set_state(s, TcpState::kListen);
  return SocketError::kOk;
}

SocketId TcpStack::find_listener(net::Endpoint local) const {
  auto it = listeners_.find((std::uint64_t{local.address.value} << 16U) | local.port);
  if (it != listeners_.end()) return it->second;
  it = listeners_.find(local.port);  // bound to 0.0.0.0
  return it == listeners_.end() ? kNoSocket : it->second;
}

// tcp_twsk_unique(): may connect() take over this TIME_WAIT's 4-tuple?
bool TcpStack::tw_reusable(const TimeWaitSock& tw, bool port_preset) const {
  if (tw.fin_wait2 || !tw.has_ts) return false;
  if (port_preset) return true;  // bind() chose the port: twp == NULL branch
  const int reuse = settings_.tcp_tw_reuse;
  if (reuse == 0) return false;
  if (reuse == 2 && !tw.local(addresses_).address.is_loopback() &&
      !net::Ipv4{tw.remote_addr}.is_loopback()) {
    return false;
  }
  const auto delay_ms =
      static_cast<std::uint32_t>(settings_.tcp_tw_reuse_delay / sim::kMillisecond);
  return static_cast<std::int32_t>(now_ms() - (tw.entered_ms + delay_ms)) > 0;
}

void TcpStack::reuse_time_wait(SocketId s, std::uint32_t tw_id) {
  TcpSocket& sk = sockets_[s];
  const TimeWaitSock& tw = tws_[tw_id];
  sk.iss = tw.snd_nxt + 65535U + 2U;
  if (sk.iss == 0) sk.iss = 1;
  sk.iss_set = true;
  sk.ts_recent = tw.ts_recent;
  report(tuple_of(tw), TcpState::kTimeWait, TcpState::kClosed);
  free_minisocket(tw_id);
  ++counters_.tw_recycled;
}

// __inet_hash_connect(): Linux's RFC 6056 double-hash scan, same parity as the
// low end of the range first, uniqueness per 4-tuple.
SocketError TcpStack::pick_connect_port(SocketId s, net::Endpoint remote) {
  TcpSocket& sk = sockets_[s];
  const net::Ipv4 saddr = source_address(sk);
  const std::uint32_t low = settings_.ip_local_port_range.low;
  const std::uint32_t high = settings_.ip_local_port_range.high + 1U;
  std::uint32_t remaining = high - low;
  if (remaining > 1) remaining &= ~1U;
  const std::uint64_t port_offset =
      mix(mix(secret_, (std::uint64_t{saddr.value} << 32U) | remote.address.value),
          (std::uint64_t{remote.port} << 48U) ^
              static_cast<std::uint64_t>(sim_.now() / kPortRekeyInterval));
  const std::size_t index = port_offset & (kPerturbSlots - 1);
  std::uint32_t offset =
      static_cast<std::uint32_t>((perturb_[index] + (port_offset >> 32U)) % remaining);
  offset &= ~1U;
  // With no TIME_WAIT reuse possible toward this destination, the ports that
  // carry a connection to it are skipped a bitmap word at a time; the port
  // found is the one the probe loop below would find.
  const bool reuse_possible =
      settings_.tcp_timestamps &&
      (settings_.tcp_tw_reuse == 1 ||
       (settings_.tcp_tw_reuse == 2 && (saddr.is_loopback() || remote.address.is_loopback())));
  const bool by_bitmap = !reuse_possible && remaining == high - low && remaining > 1;
  const DestinationPorts* used = by_bitmap ? connections_.ports_toward(saddr, remote) : nullptr;
  while (true) {
    std::uint32_t port = low + offset;
    for (std::uint32_t i = 0; i < remaining; i += 2, port += 2) {
      if (used != nullptr) {
        const std::uint32_t free = used->next_free((offset + i) % remaining);
        if (free == DestinationPorts::kNone) break;
        const std::uint32_t skip = (free + remaining - (offset + i) % remaining) % remaining;
        if (i + skip >= remaining) break;  // wrapped past the start of the pass
        i += skip;
        port = low + free;
      } else if (port >= high) {
        port -= remaining;
      }
      const auto p = static_cast<std::uint16_t>(port);
      if (port_reserved(p)) continue;
      if (binds_.bound(saddr, p)) continue;  // bucket made by bind(): invisible to connect()
      if (!by_bitmap && binds_.connect_users(saddr, p) > 0) {
        const std::uint32_t id = connections_.find({{saddr, p}, remote});
        if (id != kNotFound) {
          if ((id & kTimeWaitBit) == 0 || !tw_reusable(tws_[id & ~kTimeWaitBit], false)) continue;
          reuse_time_wait(s, id & ~kTimeWaitBit);
        }
      }
      sk.tuple.local = {saddr, p};
      hold_port(s, PortHold::kConnect);
      const std::uint32_t stride =
          std::max<std::uint32_t>(i, static_cast<std::uint32_t>(rng_.below(8)) * 2U);
      perturb_[index] += stride + 2U;
      return SocketError::kOk;
    }
    ++offset;
    if ((offset & 1U) == 0 || remaining <= 1) break;
  }
  note_eaddrnotavail();
  return SocketError::kEaddrnotavail;
}

SocketError TcpStack::connect(SocketId s, net::Endpoint remote) {
  TcpSocket& sk = sockets_[s];
  if (sk.state != TcpState::kClosed) {
    return sk.state == TcpState::kListen ? SocketError::kEinval : SocketError::kEisconn;
  }
  if (sk.tuple.remote.port != 0) return SocketError::kEisconn;  // reset earlier
  if (sk.port_hold != PortHold::kNone) {
    // The port was bound: only this 4-tuple can be tried.
    if (sk.tuple.local.address.value == 0) {
      // A wildcard bind takes the source address at connect time.
      release_port(s);
      sk.tuple.local.address = addresses_.front();
      hold_port(s, PortHold::kBind);
    }
    const std::uint32_t id = connections_.find({sk.tuple.local, remote});
    if (id != kNotFound) {
      if ((id & kTimeWaitBit) == 0 || !tw_reusable(tws_[id & ~kTimeWaitBit], true)) {
        note_eaddrnotavail();
        return SocketError::kEaddrnotavail;
      }
      reuse_time_wait(s, id & ~kTimeWaitBit);
    }
  } else {
    const SocketError e = pick_connect_port(s, remote);
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
  sk.rto = settings_.tcp_timeout_init;
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
  if (fds_ >= settings_.nofile) {
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
    if (resettable) ++counters_.abort_on_data;
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
  unlink_from_listener(s);
  unhash(s);
  release_port(s);
  sk.unread = 0;  // a reset discards what the application has not read
  sk.peer_fin = false;
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
  if (settings_.tcp_fin_timeout > kTimeWaitLen) {
    sim_.arm(sk.timer, sim_.now() + settings_.tcp_fin_timeout - kTimeWaitLen, self_, kRetransmit,
             s);
    return;
  }
  make_minisocket(s, true);
}

// ---------------------------------------------------------------------------
// Timers

void TcpStack::handle(const sim::Event& event) {
  switch (event.kind) {
    case kRetransmit:
      on_retransmit_timer(event.target);
      break;
    case kTimeWaitExpired:
      on_minisocket_timer(event.target, static_cast<std::uint32_t>(event.a), false);
      break;
    case kFinWait2Expired:
      on_minisocket_timer(event.target, static_cast<std::uint32_t>(event.a), true);
      break;
    case kNotify: {
      const SocketId s = event.target;
      if (!alive(s, static_cast<std::uint32_t>(event.a))) break;
      TcpSocket& sk = sockets_[s];
      sk.notify_pending = false;
      if (!sk.has_fd || sk.owner == nullptr) break;
      const std::uint32_t gen = sk.generation;
      if (sk.unread > 0) {
        const std::uint32_t bytes = sk.unread;
        sk.unread = 0;
        sk.owner->on_data(s, bytes);
      }
      if (alive(s, gen) && sockets_[s].peer_fin && sockets_[s].owner != nullptr) {
        sockets_[s].owner->on_peer_closed(s);
      }
      break;
    }
    default:
      assert(false);
  }
}

// Linux's tcp_model_timeout(): the time N retransmissions take with
// exponential backoff from `base`, capped per step at tcp_rto_max.
static sim::Time model_timeout(int boundary, sim::Time base, sim::Time rto_max) {
  int linear_thresh = 0;
  while ((base << (linear_thresh + 1)) <= rto_max) ++linear_thresh;
  if (boundary <= linear_thresh) return ((sim::Time{2} << boundary) - 1) * base;
  return ((sim::Time{2} << linear_thresh) - 1) * base + (boundary - linear_thresh) * rto_max;
}

void TcpStack::on_retransmit_timer(SocketId s) {
  TcpSocket& sk = sockets_[s];
  const sim::Time now = sim_.now();
  switch (sk.state) {
    case TcpState::kSynSent: {
      // tcp_write_timeout(): give up on the count (syn retries plus the
      // linear ones) or on the time model, whichever comes first.
      const int retries = sk.options.syncnt != 0 ? sk.options.syncnt : settings_.tcp_syn_retries;
      const int max_retransmits = retries + settings_.tcp_syn_linear_timeouts;
      if (sk.retransmits >= max_retransmits ||
          now - sk.first_sent >=
              model_timeout(retries, settings_.tcp_timeout_init, settings_.tcp_rto_max)) {
        ++counters_.attempt_fails;
        abort(s, SocketError::kEtimedout, false);
        return;
      }
      ++sk.retransmits;
      ++counters_.retrans_segs;
      send_syn(s);
      // Linux 6.5+: the first tcp_syn_linear_timeouts retransmissions keep the
      // initial RTO; backoff doubles after that.
      if (sk.retransmits > settings_.tcp_syn_linear_timeouts) {
        sk.rto = std::min(sk.rto * 2, settings_.tcp_rto_max);
      }
      arm_retransmit(s);
      return;
    }
    case TcpState::kSynReceived: {
      const bool passive = sk.parent != kNoSocket;
      const int retries =
          passive ? settings_.tcp_synack_retries
                  : (sk.options.syncnt != 0 ? sk.options.syncnt : settings_.tcp_syn_retries);
      if (sk.retransmits >= retries) {
        if (passive) {
          set_state(s, TcpState::kClosed);
          free_socket(s);  // the request is dropped silently
        } else {
          ++counters_.attempt_fails;
          abort(s, SocketError::kEtimedout, false);
        }
        return;
      }
      ++sk.retransmits;
      ++counters_.retrans_segs;
      send_syn_ack(s);
      sk.rto = std::min(sk.rto * 2, settings_.tcp_rto_max);
      arm_retransmit(s);
      return;
    }
    case TcpState::kFinWait2:
      if (sk.has_fd) return;
      if (settings_.tcp_fin_timeout > kTimeWaitLen) {
        make_minisocket(s, true);  // the last 60 s of a long tcp_fin_timeout as a record
      } else {
        abort(s, SocketError::kOk, false);  // tcp_fin_timeout ran out on the full socket
      }
      return;
    default:
      break;
  }
  if (sk.snd_una == sk.snd_nxt) return;
  const bool orphan = !sk.has_fd;
  const int limit = orphan ? (settings_.tcp_orphan_retries == 0 ? 8 : settings_.tcp_orphan_retries)
                           : settings_.tcp_retries2;
  if (sk.retransmits >= limit) {
    ++counters_.abort_on_timeout;
    abort(s, SocketError::kEtimedout, false);
    return;
  }
  ++sk.retransmits;
  ++counters_.retrans_segs;
  // Go back to the oldest unacknowledged byte and resend one segment.
  const std::uint32_t outstanding = sk.snd_nxt - sk.snd_una - (sk.fin_sent ? 1U : 0U);
  if (outstanding > 0) {
    const std::uint32_t len = std::min(outstanding, settings_.mss);
    const bool with_fin = sk.fin_sent && len == outstanding;
    emit(sk, static_cast<std::uint8_t>(net::kAck | net::kPsh | (with_fin ? net::kFin : 0)),
         sk.snd_una, len);
  } else {
    emit(sk, net::kFin | net::kAck, sk.snd_una, 0);
  }
  sk.ack_pending = false;
  sk.rto = std::min(sk.rto * 2, settings_.tcp_rto_max);
  arm_retransmit(s);
}

void TcpStack::arm_retransmit(SocketId s) {
  TcpSocket& sk = sockets_[s];
  sim_.arm(sk.timer, sim_.now() + sk.rto, self_, kRetransmit, s);
}

// ---------------------------------------------------------------------------
// Inspection

void TcpStack::for_each_socket(const std::function<void(const SocketView&)>& fn) const {
  const sim::Time now = sim_.now();
  for (const TcpSocket& sk : sockets_) {
    if (!sk.in_use) continue;
    SocketView v{sk.state, sk.tuple, sk.has_fd, false, -1, SocketTimer::kNone, 0};
    if (sk.timer != sim::kNoTimer && sim_.armed(sk.timer)) {
      v.timer_left = std::max<sim::Time>(sim_.deadline(sk.timer) - now, 0);
      v.timer =
          sk.state == TcpState::kFinWait2 ? SocketTimer::kKeepalive : SocketTimer::kRetransmit;
      v.retransmits = sk.retransmits;
    }
    fn(v);
  }
  if (tw_alive_ == 0) return;
  // A record's live entry is the one tagged with its current generation;
  // earlier entries of a restarted record are stale.
  std::vector<sim::Time> expiry(tws_.size(), -1);
  auto collect = [&](const sim::FifoTimerList& list, bool fin_wait2) {
    list.for_each_live([&](std::uint32_t t, std::uint32_t tag, sim::Time at) {
      const TimeWaitSock& tw = tws_[t];
      if (tw.in_use && tw.fin_wait2 == fin_wait2 && tw.generation == tag) expiry[t] = at;
    });
  };
  collect(time_wait_timers_, false);
  collect(fin_wait2_timers_, true);
  for (std::uint32_t t = 0; t < tws_.size(); ++t) {
    const TimeWaitSock& tw = tws_[t];
    if (!tw.in_use) continue;
    SocketView v{tw.fin_wait2 ? TcpState::kFinWait2 : TcpState::kTimeWait,
                 tuple_of(tw),
                 false,
                 true,
                 -1,
                 SocketTimer::kNone,
                 0};
    if (expiry[t] >= 0) {
      v.timer_left = std::max<sim::Time>(expiry[t] - now, 0);
      v.timer = SocketTimer::kTimeWait;
    }
    fn(v);
  }
}

std::string TcpStack::check_invariants() const {
  std::array<std::uint32_t, kStateCount> counts{};
  std::uint32_t fds = 0;
  std::uint32_t alive = 0;
  std::uint32_t hashed = 0;
  struct Holders {
    std::uint32_t connect_users = 0;
    std::uint32_t bind_users = 0;
  };
  boost::unordered_flat_map<std::uint64_t, Holders> ports;
  auto port_key = [](std::uint32_t addr, std::uint16_t port) {
    return (std::uint64_t{addr} << 16U) | port;
  };
  for (SocketId s = 0; s < sockets_.size(); ++s) {
    const TcpSocket& sk = sockets_[s];
    if (!sk.in_use) continue;
    ++alive;
    ++counts[static_cast<std::size_t>(sk.state)];
    if (sk.has_fd) ++fds;
    if (sk.hashed) {
      ++hashed;
      if (connections_.find(sk.tuple) != s) {
        return fmt::format("socket {} is not the owner of its 4-tuple", s);
      }
    }
    if (sk.port_hold != PortHold::kNone) {
      Holders& b = ports[port_key(sk.tuple.local.address.value, sk.tuple.local.port)];
      (sk.port_hold == PortHold::kConnect ? b.connect_users : b.bind_users) += 1;
    }
  }
  std::uint32_t tw_alive = 0;
  for (std::uint32_t t = 0; t < tws_.size(); ++t) {
    const TimeWaitSock& tw = tws_[t];
    if (!tw.in_use) continue;
    ++tw_alive;
    ++hashed;
    ++counts[static_cast<std::size_t>(tw.fin_wait2 ? TcpState::kFinWait2 : TcpState::kTimeWait)];
    if (connections_.find(tuple_of(tw)) != (t | kTimeWaitBit)) {
      return fmt::format("TIME_WAIT record {} is not the owner of its 4-tuple", t);
    }
    Holders& b = ports[port_key(tw.local(addresses_).address.value, tw.local_port)];
    (tw.port_hold == PortHold::kConnect ? b.connect_users : b.bind_users) += 1;
  }
  if (counts != state_counts_) return "per-state counts differ from the sockets' states";
  if (alive != sockets_alive_ || tw_alive != tw_alive_) return "live socket count is off";
  if (fds != fds_) return fmt::format("{} descriptors counted, {} held", fds_, fds);
  if (hashed != connections_.size()) return "connection table holds stale entries";
  std::size_t listener_only = 0;
  for (const auto& [key, sock] : listeners_) {
    (void)sock;
    if (!ports.contains(key)) ++listener_only;
  }
  for (const auto& [key, b] : ports) {
    const net::Ipv4 addr{static_cast<std::uint32_t>(key >> 16U)};
    const auto port = static_cast<std::uint16_t>(key & 0xffffU);
    const BindBucket* bucket = binds_.bucket(addr, port);
    const std::uint32_t bind_users = bucket == nullptr ? 0 : bucket->bind_users;
    if (binds_.connect_users(addr, port) != b.connect_users || bind_users != b.bind_users) {
      return fmt::format("port {} holders differ from the bind table", port);
    }
  }
  if (binds_.ports_in_use() != ports.size() + listener_only) {
    return "the bind table holds ports nobody owns";
  }
  return "";
}

}  // namespace tcpsim::tcp
