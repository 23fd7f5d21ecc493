// Looking into a stack from outside: the socket table `ss` prints, and the
// model's invariants for tests.
#include <fmt/format.h>

#include <algorithm>

#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {

void TcpStack::for_each_socket(const std::function<void(const SocketView&)>& fn) const {
  const sim::Time now = sim_.now();
  for (const TcpSocket& sk : sockets_) {
    if (!sk.in_use) continue;
    SocketView v{sk.state, sk.tuple, sk.has_fd, false, -1, SocketTimer::kNone, 0, 0, 0};
    if (sk.state == TcpState::kListen) {
      v.recv_q = sk.accept_queue;
      v.send_q = sk.backlog;
    } else if (sk.state != TcpState::kClosed &&
               (sk.state != TcpState::kSynReceived || sk.parent == kNoSocket)) {  // not a request
      v.recv_q = sk.unread;
      v.send_q = sk.snd_nxt - sk.snd_una + sk.pending_send;
    }
    if (sk.timer != sim::kNoTimer && sim_.armed(sk.timer)) {
      v.timer_left = std::max<sim::Time>(sim_.deadline(sk.timer) - now, 0);
      v.timer =
          sk.state == TcpState::kFinWait2 ? SocketTimer::kKeepalive : SocketTimer::kRetransmit;
      v.retransmits = sk.retransmits;
    } else if (sk.keepalive_timer != sim::kNoTimer && sim_.armed(sk.keepalive_timer) && sk.has_fd) {
      v.timer_left = std::max<sim::Time>(sim_.deadline(sk.keepalive_timer) - now, 0);
      v.timer = SocketTimer::kKeepalive;
      v.retransmits = sk.probes_out;
    }
    fn(v);
  }
  if (tw_alive_ == 0) return;
  auto record_view = [&](const TimeWaitSock& tw, sim::Time expiry) {
    SocketView v{tw.fin_wait2 ? TcpState::kFinWait2 : TcpState::kTimeWait,
                 tuple_of(tw),
                 false,
                 true,
                 -1,
                 SocketTimer::kNone,
                 0,
                 0,
                 0};
    if (expiry >= 0) {
      v.timer_left = std::max<sim::Time>(expiry - now, 0);
      v.timer = SocketTimer::kTimeWait;
    }
    fn(v);
  };
  tws_.ring.for_each_live([&](std::uint32_t /*id*/, const TimeWaitSock& tw, sim::Time expiry) {
    record_view(tw, expiry);
  });
  if (tws_.fin_wait2.live() == 0) return;
  // A FIN_WAIT_2 record's entry is the one tagged with its slot's generation;
  // the others are stale.
  std::vector<sim::Time> expiry(tws_.fin_wait2.size(), -1);
  fin_wait2_timers_.for_each_live([&](std::uint32_t slot, std::uint32_t tag, sim::Time at) {
    const FinWait2Record& r = tws_.fin_wait2[slot];
    if (r.sock.in_use && r.sock.fin_wait2 && r.generation == tag) expiry[slot] = at;
  });
  for (std::uint32_t slot = 0; slot < tws_.fin_wait2.size(); ++slot) {
    if (tws_.fin_wait2[slot].sock.in_use) record_view(tws_.fin_wait2[slot].sock, expiry[slot]);
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
      Holders& b = ports[sk.tuple.local.key()];
      (sk.port_hold == PortHold::kConnect ? b.connect_users : b.bind_users) += 1;
    }
  }
  std::uint32_t tw_alive = 0;
  std::string wrong;
  auto check_record = [&](std::uint32_t t, const TimeWaitSock& tw) {
    ++tw_alive;
    ++hashed;
    ++counts[static_cast<std::size_t>(tw.fin_wait2 ? TcpState::kFinWait2 : TcpState::kTimeWait)];
    if (wrong.empty() && connections_.find(tuple_of(tw)) != (t | kTimeWaitBit)) {
      wrong = fmt::format("TIME_WAIT record {} is not the owner of its 4-tuple", t);
    }
    if (wrong.empty() && tw.fin_wait2 != ((t & kFinWait2Bit) != 0)) {
      wrong = fmt::format("record {} is kept with the wrong state's records", t);
    }
    Holders& b = ports[tw.local(addresses_).key()];
    (tw.port_hold == PortHold::kConnect ? b.connect_users : b.bind_users) += 1;
  };
  tws_.ring.for_each_live(
      [&](std::uint32_t t, const TimeWaitSock& tw, sim::Time /*expiry*/) { check_record(t, tw); });
  for (std::uint32_t slot = 0; slot < tws_.fin_wait2.size(); ++slot) {
    if (tws_.fin_wait2[slot].sock.in_use)
      check_record(slot | kFinWait2Bit, tws_.fin_wait2[slot].sock);
  }
  if (!wrong.empty()) return wrong;
  if (tws_.ring.live() + tws_.fin_wait2.live() != tw_alive) return "records are lost or leaked";
  if (!std::ranges::equal(counts, state_counts())) {
    return "per-state counts differ from the sockets' states";
  }
  if (alive != sockets_alive_ || tw_alive != tw_alive_) return "live socket count is off";
  if (fds != fds_) return fmt::format("{} descriptors counted, {} held", fds_, fds);
  if (hashed != connections_.size()) return "connection table holds stale entries";
  std::size_t listener_only = 0;
  for (const auto& [key, sock] : listeners_) {
    (void)sock;
    if (!ports.contains(key)) ++listener_only;
  }
  for (const auto& [key, b] : ports) {
    const net::Endpoint local = net::Endpoint::from_key(key);
    const BindBucket* bucket = binds_.bucket(local.address, local.port);
    const std::uint32_t bind_users = bucket == nullptr ? 0 : bucket->bind_users;
    if (binds_.connect_users(local.address, local.port) != b.connect_users ||
        bind_users != b.bind_users) {
      return fmt::format("port {} holders differ from the bind table", local.port);
    }
  }
  if (binds_.ports_in_use() != ports.size() + listener_only) {
    return "the bind table holds ports nobody owns";
  }
  return "";
}

}  // namespace tcpsim::tcp
