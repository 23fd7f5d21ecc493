// Port selection, after Linux: connect()'s __inet_hash_connect() scan with
// TIME_WAIT reuse, and bind()'s inet_csk_get_port() with its conflict rules.
#include <algorithm>

#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {
namespace {

// secure_ipv4_port_ephemeral() mixes in jiffies / (10 * HZ): the start of
// the port scan for a destination moves every 10 s.
constexpr sim::Time kPortRekeyInterval = 10 * sim::kSecond;

std::uint64_t mix(std::uint64_t a, std::uint64_t b) { return sim::mix64(a ^ sim::mix64(b)); }

}  // namespace

bool TcpStack::port_reserved(std::uint16_t port) const {
  return !reserved_.empty() && reserved_[port];
}

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

// inet_csk_find_open_port(): a random odd offset first, the opposite parity to
// connect(), then the other parity; any holder of a port conflicts.
SocketError TcpStack::pick_bind_port(SocketId s, net::Ipv4 addr) {
  TcpSocket& sk = sockets_[s];
  const std::uint32_t low = settings_->ip_local_port_range.low;
  const std::uint32_t high = settings_->ip_local_port_range.high + 1U;
  std::uint32_t remaining = high - low;
  if (remaining > 1) remaining &= ~1U;
  std::uint32_t offset = static_cast<std::uint32_t>(rng_.below(remaining)) | 1U;
  // Not Linux: a search of the whole range that failed fails again, without scanning, while
  // no port has been given back since (the outcome does not depend on the offset).
  const bool known_full = bind_search_failed_ && bind_search_addr_ == addr &&
                          bind_search_removals_ == binds_.removals();
  while (!known_full) {
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
  bind_search_failed_ = true;
  bind_search_addr_ = addr;
  bind_search_removals_ = binds_.removals();
  ++counters_.bind_eaddrinuse;
  return SocketError::kEaddrinuse;
}

// tcp_twsk_unique(): may connect() take over this TIME_WAIT's 4-tuple?
bool TcpStack::tw_reusable(std::uint32_t tw_id, bool port_preset) const {
  const TimeWaitSock& tw = tws_[tw_id];
  if (tw.fin_wait2 || !tw.has_ts) return false;
  if (port_preset) return true;  // bind() chose the port: twp == NULL branch
  return tw_reuse_.allows(tw, tws_.entered_ms(tw_id), addresses_, now_ms());
}

TimeWaitReuse TcpStack::track_time_wait_reuse() {
  const TimeWaitReuse reuse = TimeWaitReuse::from(*settings_);
  if (reuse.timestamps && reuse.mode != 0) connections_.track_reuse(reuse, sim_);
  return reuse;
}

void TcpStack::reuse_time_wait(SocketId s, std::uint32_t tw_id) {
  TcpSocket& sk = sockets_[s];
  const TimeWaitSock& tw = tws_[tw_id];
  sk.iss = tw.snd_nxt + 65535U + 2U;
  if (sk.iss == 0) sk.iss = 1;
  sk.iss_set = true;
  sk.ts_recent = tw.ts_recent;
  free_minisocket(tw_id);
  ++counters_.tw_recycled;
}

// __inet_hash_connect(): Linux's RFC 6056 double-hash scan, same parity as the
// low end of the range first, uniqueness per 4-tuple.
SocketError TcpStack::pick_connect_port(SocketId s, net::Ipv4 saddr, net::Endpoint remote) {
  if (tw_reuse_.possible(saddr, remote.address)) connections_.release_reusable();
  const ConnectScan scan = scan_connect_ports(saddr, remote, false);
  if (!scan.found) {
    note_eaddrnotavail();
    return SocketError::kEaddrnotavail;
  }
  if (scan.time_wait != kNotFound) reuse_time_wait(s, scan.time_wait);
  TcpSocket& sk = sockets_[s];
  sk.tuple.local = {saddr, scan.port};
  hold_port(s, PortHold::kConnect);
  const std::uint32_t stride =
      std::max<std::uint32_t>(scan.position, static_cast<std::uint32_t>(rng_.below(8)) * 2U);
  perturb_.add(scan.perturb_slot, stride + 2U);
  return SocketError::kOk;
}

TcpStack::ConnectScan TcpStack::scan_connect_ports(net::Ipv4 saddr, net::Endpoint remote,
                                                   bool probe_each) const {
  const std::uint32_t low = settings_->ip_local_port_range.low;
  const std::uint32_t high = settings_->ip_local_port_range.high + 1U;
  std::uint32_t remaining = high - low;
  if (remaining > 1) remaining &= ~1U;
  const std::uint64_t port_offset =
      mix(mix(secret_, (std::uint64_t{saddr.value} << 32U) | remote.address.value),
          (std::uint64_t{remote.port} << 48U) ^
              static_cast<std::uint64_t>(sim_.now() / kPortRekeyInterval));
  ConnectScan scan;
  scan.perturb_slot = port_offset & (PerturbTable::kSlots - 1);
  std::uint32_t offset =
      static_cast<std::uint32_t>((perturb_[scan.perturb_slot] + (port_offset >> 32U)) % remaining);
  offset &= ~1U;
  // The ports connect() cannot take toward this destination are skipped a bitmap word at a
  // time: those with a connection to it, or with TIME_WAIT reuse those whose connection is
  // not a reusable TIME_WAIT. The port found is the one the probe of each port would find.
  const bool reuse_possible = tw_reuse_.possible(saddr, remote.address);
  const bool by_bitmap = !probe_each && remaining == high - low && remaining > 1;
  const DestinationPorts* skip = nullptr;
  if (by_bitmap) {
    skip = reuse_possible ? connections_.ports_blocked_toward(saddr, remote)
                          : connections_.ports_toward(saddr, remote);
  }
  const bool check_each = !by_bitmap || reuse_possible;
  while (true) {
    std::uint32_t port = low + offset;
    for (std::uint32_t i = 0; i < remaining; i += 2, port += 2) {
      if (skip != nullptr) {
        const std::uint32_t free = skip->next_free((offset + i) % remaining);
        if (free == DestinationPorts::kNone) break;
        const std::uint32_t step = (free + remaining - (offset + i) % remaining) % remaining;
        if (i + step >= remaining) break;  // wrapped past the start of the pass
        i += step;
        port = low + free;
      } else if (port >= high) {
        port -= remaining;
      }
      const auto p = static_cast<std::uint16_t>(port);
      if (port_reserved(p)) continue;
      if (binds_.bound(saddr, p)) continue;  // bucket made by bind(): invisible to connect()
      if (check_each && binds_.connect_users(saddr, p) > 0) {
        const std::uint32_t id = connections_.find({{saddr, p}, remote});
        if (id != kNotFound) {
          if ((id & kTimeWaitBit) == 0 || !tw_reusable(id & ~kTimeWaitBit, false)) continue;
          scan.time_wait = id & ~kTimeWaitBit;
        }
      }
      scan.found = true;
      scan.port = p;
      scan.position = i;
      return scan;
    }
    ++offset;
    if ((offset & 1U) == 0 || remaining <= 1) break;
  }
  return scan;
}
}  // namespace tcpsim::tcp
