#include "models/app/connection_pool.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <utility>

namespace tcpsim::app {

std::vector<std::string> PoolConfig::validate() const {
  std::vector<std::string> problems;
  if (max_total == 0) problems.emplace_back("max_total: must be > 0");
  if (max_per_destination == 0) problems.emplace_back("max_per_destination: must be > 0");
  if (streams_per_connection == 0) problems.emplace_back("streams_per_connection: must be > 0");
  if (streams_per_connection > 1 && kind != PoolKind::kMultiplexed) {
    problems.emplace_back("streams_per_connection: only a multiplexed pool carries more than 1");
  }
  if (kind == PoolKind::kNone && min_idle > 0) {
    problems.emplace_back("min_idle: a pool of kind none keeps no idle connection");
  }
  if (min_idle > max_idle_per_destination || min_idle > max_idle) {
    problems.emplace_back("min_idle: must not exceed max_idle and max_idle_per_destination");
  }
  if (idle_timeout < 0) problems.emplace_back("idle_timeout: must be >= 0");
  if (max_lifetime < 0) problems.emplace_back("max_lifetime: must be >= 0");
  if (wait_timeout < 0) problems.emplace_back("wait_timeout: must be >= 0");
  if (warmup_retry_delay <= 0) problems.emplace_back("warmup_retry_delay: must be > 0");
  return problems;
}

AppMemory ConnectionPool::heap_memory(const PoolConfig& config, const ConnectOptions& options,
                                      std::size_t destinations) {
  const int timer_lists = (config.idle_timeout > 0 ? 1 : 0) + (config.max_lifetime > 0 ? 1 : 0) +
                          (config.wait_timeout > 0 ? 1 : 0) + (options.close_delay > 0 ? 1 : 0) +
                          (options.half_close_hold > 0 ? 1 : 0);
  AppMemory m;
  m.fixed = destinations * sizeof(Dest) + timer_lists * sizeof(sim::FifoTimerList);
  m.per_connection = sizeof(Conn) + sizeof(std::uint32_t);  // the slot and its idle-list link
  return m;
}

ConnectionPool::ConnectionPool(sim::Simulator& sim, tcp::TcpStack& stack, const PoolConfig& config,
                               const ConnectOptions& options,
                               std::vector<net::Endpoint> destinations, PoolUser& user,
                               sim::RandomStream* rng, const std::vector<std::uint32_t>& syn_tags)
    : ConnectionPool(sim, stack, config, options, std::span<const net::Endpoint>(destinations),
                     user, rng, std::span<const std::uint32_t>(syn_tags)) {
  owned_ = std::make_unique<Owned>(Owned{config, options, std::move(destinations), syn_tags});
  config_ = &owned_->config;
  options_ = &owned_->options;
  destinations_ = owned_->destinations;
  syn_tags_ = owned_->syn_tags;
}

ConnectionPool::ConnectionPool(sim::Simulator& sim, tcp::TcpStack& stack, const PoolConfig& config,
                               const ConnectOptions& options,
                               std::span<const net::Endpoint> destinations, PoolUser& user,
                               sim::RandomStream* rng, std::span<const std::uint32_t> syn_tags)
    : sim_(sim),
      stack_(stack),
      config_(&config),
      options_(&options),
      user_(user),
      self_(sim.add_handler(*this)),
      destinations_(destinations),
      syn_tags_(syn_tags),
      rng_(rng) {
  const std::vector<std::string> problems = config.validate();
  if (!problems.empty()) {
    throw std::invalid_argument(fmt::format("pool: {}", fmt::join(problems, "; ")));
  }
  if (destinations.empty()) throw std::invalid_argument("pool: no destination");
  if (!(options.linger_zero_fraction >= 0 && options.linger_zero_fraction <= 1)) {
    throw std::invalid_argument("pool: linger_zero_fraction must be in [0, 1]");
  }
  if (options.linger_zero_fraction > 0 && options.linger_zero_fraction < 1 && rng == nullptr) {
    throw std::invalid_argument("pool: a fractional linger_zero_fraction needs a stream");
  }
  if (options.close_delay < 0) throw std::invalid_argument("pool: close_delay must be >= 0");
  if (options.half_close_hold < 0) {
    throw std::invalid_argument("pool: half_close_hold must be >= 0");
  }
  if (options.half_close_hold > 0 && options.await_server_close) {
    throw std::invalid_argument("pool: half_close_hold and await_server_close exclude each other");
  }
  const bool listed = !options.source_port_list.empty();
  const bool explicit_ports = options.source_ports != tcp::PortRange{} || listed;
  if (options.source_address.value != 0 && options.bind_mode == BindMode::kConnect &&
      !explicit_ports) {
    throw std::invalid_argument("pool: a source address needs a bind mode that binds");
  }
  if (explicit_ports) {
    if (options.bind_mode != BindMode::kConnect) {
      throw std::invalid_argument("pool: source ports are bound explicitly, without a bind mode");
    }
    if (listed) {
      if (options.source_ports != tcp::PortRange{}) {
        throw std::invalid_argument("pool: source ports are either a range or a list");
      }
      if (std::find(options.source_port_list.begin(), options.source_port_list.end(), 0) !=
          options.source_port_list.end()) {
        throw std::invalid_argument("pool: a listed source port must be > 0");
      }
      source_ports_.assign(destinations.size(), SourcePortRange::listed(options.source_port_list));
    } else {
      if (options.source_ports.low == 0 || options.source_ports.high < options.source_ports.low) {
        throw std::invalid_argument("pool: source ports must be low-high with 0 < low <= high");
      }
      source_ports_.assign(destinations.size(), SourcePortRange(options.source_ports));
    }
    ranged_ = true;
  }
  max_requests_ = config.max_requests_per_connection;
  max_idle_ = config.max_idle;
  max_idle_per_destination_ = config.max_idle_per_destination;
  per_destination_ = config.max_per_destination;
  switch (config.kind) {
    case PoolKind::kNone:
      max_requests_ = 1;
      max_idle_per_destination_ = 0;
      break;
    case PoolKind::kMultiplexed:
      streams_per_conn_ = config.streams_per_connection;
      if (per_destination_ == kUnlimited) per_destination_ = 1;
      break;
    case PoolKind::kKeepAlive:
    case PoolKind::kBounded:
      break;
  }
  dests_.resize(destinations.size());
  if (!syn_tags.empty() && syn_tags.size() != destinations.size()) {
    throw std::invalid_argument("pool: syn_tags must be empty or one per destination");
  }
  if (config.idle_timeout > 0)
    idle_timers_ =
        std::make_unique<sim::FifoTimerList>(sim, config.idle_timeout, *this, kIdleExpired);
  if (config.max_lifetime > 0) {
    lifetime_timers_ =
        std::make_unique<sim::FifoTimerList>(sim, config.max_lifetime, *this, kLifetimeExpired);
  }
  if (config.wait_timeout > 0)
    wait_timers_ =
        std::make_unique<sim::FifoTimerList>(sim, config.wait_timeout, *this, kWaitExpired);
  if (options.close_delay > 0) {
    close_timers_ =
        std::make_unique<sim::FifoTimerList>(sim, options.close_delay, *this, kCloseDelayOver);
  }
  if (options.half_close_hold > 0) {
    hold_timers_ =
        std::make_unique<sim::FifoTimerList>(sim, options.half_close_hold, *this, kHoldOver);
  }
}

void ConnectionPool::start() {
  for (std::uint32_t d = 0; d < dests_.size(); ++d) replenish(d);
}

// ---------------------------------------------------------------------------
// Borrowing and returning

Acquired ConnectionPool::acquire(std::uint32_t request, std::uint32_t destination) {
  Dest& dest = dests_[destination];
  if (dest.waiters.empty()) {
    const ConnId c = pick_available(dest);
    if (c != kNil) {
      assign(c);
      ++counters_.acquired_at_once;
      return {Acquired::Outcome::kReady, c, AcquireFailure::kConnect, tcp::SocketError::kOk};
    }
  }
  if (dest.waiters.size() + 1U > coming(dest)) {
    if (room_to_open(destination)) {
      const tcp::SocketError e = open(destination);
      if (e != tcp::SocketError::kOk) {
        return {Acquired::Outcome::kFailed, kNil, AcquireFailure::kConnect, e};
      }
    } else if (waiting_ >= config_->max_waiting) {
      ++counters_.rejected;
      return {Acquired::Outcome::kFailed, kNil, AcquireFailure::kPoolFull, tcp::SocketError::kOk};
    }
  }
  const std::uint32_t w = waiters_.allocate();
  Waiter& waiter = waiters_[w];
  waiter.request = request;
  waiter.dest = destination;
  waiter.in_use = true;
  waiter.since = sim_.now();
  dest.waiters.push_back(waiters_, &Waiter::links, w);
  if (wait_timers_) waiter.timer = wait_timers_->add(w, waiter.generation);
  ++waiting_;
  ++counters_.waited;
  Acquired waiting;
  waiting.waiter = w;
  return waiting;
}

void ConnectionPool::cancel_wait(std::uint32_t w) {
  Waiter& waiter = waiters_[w];
  assert(waiter.in_use);
  dests_[waiter.dest].waiters.remove(waiters_, &Waiter::links, w);
  if (wait_timers_) wait_timers_->cancel(waiter.timer);
  waiter.in_use = false;
  waiters_.free(w);
  --waiting_;
  ++counters_.wait_cancelled;
}

void ConnectionPool::release(ConnId c, bool reusable) {
  Conn& conn = conns_[c];
  assert(conn.state == ConnState::kOpen && conn.active > 0);
  --conn.active;
  --streams_;
  if (conn.active == 0) --busy_;
  // Not reusable (no response came, or it broke): closed at once even if it was retiring.
  if (!reusable || (!conn.retiring && stack_.state(conn.socket) != tcp::TcpState::kEstablished)) {
    conn.retiring = true;
    conn.broken = true;
  }
  if (conn.retiring) {
    settle(c);
    if (conn.active == 0) finish(c);
    return;
  }
  const std::uint32_t gen = conn.generation;
  if (conn.in_avail) {
    // Returned connections go to the back: the list runs from least to most recently used.
    Dest& dest = dests_[conn.dest];
    dest.avail.remove(conns_, &Conn::avail, c);
    dest.avail.push_back(conns_, &Conn::avail, c);
  }
  settle(c);
  serve(c);
  const Conn& after = conns_[c];
  if (after.generation == gen && after.state == ConnState::kOpen && !after.retiring &&
      after.active == 0) {
    become_idle(c, true);
    rebalance();
  }
}

ConnId ConnectionPool::pick_available(const Dest& d) const {
  return config_->reuse == ReuseOrder::kLifo ? d.avail.back() : d.avail.front();
}

void ConnectionPool::assign(ConnId c) {
  Conn& conn = conns_[c];
  if (conn.is_idle) leave_idle(c);
  if (conn.active == 0) ++busy_;
  ++conn.active;
  ++streams_;
  ++conn.assigned;
  if (max_requests_ != 0 && conn.assigned >= max_requests_) conn.retiring = true;
  settle(c);
}

// Hands streams of `c` to the waiters of its destination, oldest first.
void ConnectionPool::serve(ConnId c) {
  const std::uint32_t gen = conns_[c].generation;
  const std::uint32_t d = conns_[c].dest;
  while (true) {
    const Conn& conn = conns_[c];
    if (conn.generation != gen || conn.state != ConnState::kOpen || conn.retiring ||
        conn.active >= streams_per_conn_ || dests_[d].waiters.empty()) {
      return;
    }
    const sim::Time since = waiters_[dests_[d].waiters.front()].since;
    const std::uint32_t request = pop_waiter(d);
    latencies_->wait.record(sim_.now() - since);
    ++counters_.acquired_after_wait;
    assign(c);
    user_.on_acquired(request, c);
  }
}

// Keeps `c` in its destination's list exactly while it can take a request.
void ConnectionPool::settle(ConnId c) {
  Conn& conn = conns_[c];
  const bool available =
      conn.state == ConnState::kOpen && !conn.retiring && conn.active < streams_per_conn_;
  if (available == conn.in_avail) return;
  Dest& dest = dests_[conn.dest];
  if (available) {
    dest.avail.push_back(conns_, &Conn::avail, c);
  } else {
    dest.avail.remove(conns_, &Conn::avail, c);
  }
  conn.in_avail = available;
}

void ConnectionPool::become_idle(ConnId c, bool after_response) {
  Conn& conn = conns_[c];
  const std::uint32_t d = conn.dest;
  Dest& dest = dests_[d];
  if (dest.idle >= max_idle_per_destination_) {
    ++counters_.closed_excess_idle;
    if (after_response) {
      close_after_response(c);
    } else {
      close_conn(c);
    }
    after_close(d);
    return;
  }
  conn.is_idle = true;
  ++conn.epoch;
  ++dest.idle;
  ++idle_;
  idle_list_.push_back(conns_, &Conn::idle, c);
  if (idle_timers_) conn.idle_timer = idle_timers_->add(c, conn.epoch);
  if (idle_ > max_idle_) {
    const ConnId victim = idle_list_.front();
    const std::uint32_t vd = conns_[victim].dest;
    ++counters_.closed_excess_idle;
    close_conn(victim);
    after_close(vd);
  }
}

void ConnectionPool::leave_idle(ConnId c) {
  Conn& conn = conns_[c];
  conn.is_idle = false;
  --dests_[conn.dest].idle;
  --idle_;
  idle_list_.remove(conns_, &Conn::idle, c);
  if (idle_timers_) idle_timers_->cancel(conn.idle_timer);
}

// ---------------------------------------------------------------------------
// Opening and closing

tcp::SocketError ConnectionPool::open(std::uint32_t d) {
  const ConnId c = conns_.next();
  ++counters_.connects_attempted;
  const double f = options_->linger_zero_fraction;
  const bool linger_zero = f >= 1 || (f > 0 && rng_->uniform01() < f);
  std::uint16_t port = 0;
  const tcp::Opened o = start_socket(c, d, linger_zero, port);
  if (o.error != tcp::SocketError::kOk) {
    ++counters_.connects_failed[static_cast<std::size_t>(o.error)];
    return o.error;
  }
  conns_.allocate();
  Conn& conn = conns_[c];
  conn.socket = o.socket;
  conn.source_port = port;
  conn.dest = d;
  conn.state = ConnState::kConnecting;
  conn.active = 0;
  conn.assigned = 0;
  conn.retiring = false;
  conn.broken = false;
  conn.connect_started = sim_.now();
  Dest& dest = dests_[d];
  ++dest.total;
  ++dest.connecting;
  ++total_;
  ++connecting_;
  return tcp::SocketError::kOk;
}

// A connection's socket, bound and connecting; `port` is what it took of source_ports_.
// With a source port range, HAProxy's tcp_connect_server(): up to 10 ports are tried while
// bind() fails; a port goes back to the range when its connection's socket is closed, and
// none free in the range is reported as EADDRNOTAVAIL (HAProxy: "no free ports"). One call
// of start_connect() in all keeps it inline on the common path.
tcp::Opened ConnectionPool::start_socket(ConnId c, std::uint32_t d, bool linger_zero,
                                         std::uint16_t& port) {
  constexpr int kBindAttempts = 10;
  const net::Ipv4 source = ranged_ ? net::Ipv4{} : next_source();
  for (int attempt = 1;; ++attempt) {
    if (ranged_) [[unlikely]] {
      port = source_ports_[d].take();
      if (port == 0) return {tcp::kNoSocket, tcp::SocketError::kEaddrnotavail};
    }
    const tcp::Opened o = start_connect(stack_, *this, c, destinations_[d], source, *options_,
                                        linger_zero, syn_tags_.empty() ? 0 : syn_tags_[d], port);
    if (!ranged_ || o.error == tcp::SocketError::kOk) return o;
    source_ports_[d].give_back(port);
    port = 0;
    if (o.error != tcp::SocketError::kEaddrinuse || attempt == kBindAttempts) return o;
  }
}

// Room for one more connection to `d`; at the pool-wide limit the least
// recently used idle connection (of another destination) is closed to make it.
bool ConnectionPool::room_to_open(std::uint32_t d) {
  if (dests_[d].total >= per_destination_) return false;
  if (total_ < config_->max_total) return true;
  const ConnId victim = idle_list_.front();
  if (victim == kNil) return false;
  ++counters_.closed_excess_idle;
  close_conn(victim);
  return true;
}

// The last stream of a retiring connection was returned.
void ConnectionPool::finish(ConnId c) {
  Conn& conn = conns_[c];
  const std::uint32_t d = conn.dest;
  if (conn.broken) {
    ++counters_.closed_broken;
  } else if (conn.lifetime_over) {
    ++counters_.closed_lifetime;
  } else {
    ++counters_.closed_max_requests;
  }
  if (options_->await_server_close && !conn.broken &&
      stack_.state(conn.socket) == tcp::TcpState::kEstablished) {
    detach(c);
    conn.state = ConnState::kDraining;
    ++draining_;
  } else if (!conn.broken) {
    close_after_response(c);
  } else {
    close_conn(c);
  }
  after_close(d);
}

// Off its destination's available list and the idle list.
void ConnectionPool::leave_lists(ConnId c) {
  Conn& conn = conns_[c];
  if (conn.in_avail) {
    dests_[conn.dest].avail.remove(conns_, &Conn::avail, c);
    conn.in_avail = false;
  }
  if (conn.is_idle) leave_idle(c);
}

// Out of the pool's accounting, its socket still open.
void ConnectionPool::detach(ConnId c) {
  leave_lists(c);
  Conn& conn = conns_[c];
  Dest& dest = dests_[conn.dest];
  if (lifetime_timers_) lifetime_timers_->cancel(conn.lifetime_timer);
  --dest.total;
  --total_;
}

// A connection not kept after its response: closed (or held half-closed) now, or
// close_delay later.
void ConnectionPool::close_after_response(ConnId c) {
  if (!close_timers_) {
    if (hold_timers_) {
      hold(c);
    } else {
      close_conn(c);
    }
    return;
  }
  detach(c);
  Conn& conn = conns_[c];
  conn.state = ConnState::kClosing;
  ++closing_;
  close_timers_->add(c, conn.generation);
}

// shutdown(SHUT_WR) now, close() half_close_hold later.
void ConnectionPool::hold(ConnId c) {
  Conn& conn = conns_[c];
  if (conn.state == ConnState::kClosing) {
    --closing_;
  } else {
    detach(c);
  }
  conn.state = ConnState::kHolding;
  ++holding_;
  // EINVAL when it is no longer ESTABLISHED or CLOSE_WAIT (reset meanwhile): held all the same.
  (void)stack_.shutdown_write(conn.socket);
  hold_timers_->add(c, conn.generation);
}

// Closes the socket and forgets the connection; waiters are not looked at.
void ConnectionPool::close_conn(ConnId c) {
  leave_lists(c);
  Conn& conn = conns_[c];
  Dest& dest = dests_[conn.dest];
  if (conn.active > 0) {
    --busy_;
    streams_ -= conn.active;
    conn.active = 0;
  }
  switch (conn.state) {
    case ConnState::kConnecting:
      --dest.connecting;
      --connecting_;
      --dest.total;
      --total_;
      break;
    case ConnState::kOpen:
      if (lifetime_timers_) lifetime_timers_->cancel(conn.lifetime_timer);
      --dest.total;
      --total_;
      break;
    case ConnState::kDraining:
      --draining_;
      break;
    case ConnState::kClosing:
      --closing_;
      break;
    case ConnState::kHolding:
      --holding_;
      break;
    case ConnState::kFree:
      return;
  }
  stack_.close(conn.socket);
  free_conn(c);
}

void ConnectionPool::free_conn(ConnId c) {
  Conn& conn = conns_[c];
  if (conn.source_port != 0) {
    source_ports_[conn.dest].give_back(conn.source_port);
    conn.source_port = 0;
  }
  conn.state = ConnState::kFree;
  conn.socket = tcp::kNoSocket;
  conn.retiring = false;
  conn.broken = false;
  conn.lifetime_over = false;
  conns_.free(c);
}

void ConnectionPool::after_close(std::uint32_t d) {
  supply(d);
  replenish(d);
  rebalance();
}

// Opens connections for the waiters of `d` that no pending connect will serve.
void ConnectionPool::supply(std::uint32_t d) {
  while (uncovered(dests_[d]) && room_to_open(d)) {
    const tcp::SocketError e = open(d);
    if (e != tcp::SocketError::kOk) fail_head_waiter(d, e);
  }
}

// At the pool-wide limit, room (made by closing idle connections) goes to the
// destination whose oldest waiter has waited longest.
void ConnectionPool::rebalance() {
  if (waiting_ == 0 || config_->max_total == kUnlimited) return;
  while (true) {
    std::uint32_t best = kNil;
    sim::Time oldest = sim::kTimeMax;
    for (std::uint32_t d = 0; d < dests_.size(); ++d) {
      const Dest& dest = dests_[d];
      if (!uncovered(dest) || dest.total >= per_destination_) continue;
      const sim::Time since = waiters_[dest.waiters.front()].since;
      if (since < oldest) {
        oldest = since;
        best = d;
      }
    }
    if (best == kNil || !room_to_open(best)) return;
    const tcp::SocketError e = open(best);
    if (e != tcp::SocketError::kOk) fail_head_waiter(best, e);
  }
}

// Keeps min_idle connections idle (or on their way) beyond what waiters need.
void ConnectionPool::replenish(std::uint32_t d) {
  if (config_->min_idle == 0) return;
  while (true) {
    const Dest& dest = dests_[d];
    const std::uint32_t for_waiters =
        (dest.waiters.size() + streams_per_conn_ - 1) / streams_per_conn_;
    if (std::uint64_t{dest.idle} + dest.connecting >=
            std::uint64_t{config_->min_idle} + for_waiters ||
        !under_limits(dest)) {
      return;
    }
    if (open(d) != tcp::SocketError::kOk) {
      schedule_warmup();
      return;
    }
  }
}

void ConnectionPool::schedule_warmup() {
  if (warmup_scheduled_ || config_->min_idle == 0) return;
  warmup_scheduled_ = true;
  sim_.schedule_after(config_->warmup_retry_delay, self_, kWarmup, 0);
}

std::uint32_t ConnectionPool::pop_waiter(std::uint32_t d) {
  Dest& dest = dests_[d];
  const std::uint32_t w = dest.waiters.front();
  Waiter& waiter = waiters_[w];
  dest.waiters.remove(waiters_, &Waiter::links, w);
  if (wait_timers_) wait_timers_->cancel(waiter.timer);
  waiter.in_use = false;
  waiters_.free(w);
  --waiting_;
  return waiter.request;
}

void ConnectionPool::fail_head_waiter(std::uint32_t d, tcp::SocketError error) {
  const std::uint32_t request = pop_waiter(d);
  user_.on_acquire_failed(request, AcquireFailure::kConnect, error);
}

// The server closed or reset an open connection.
void ConnectionPool::lose(ConnId c, tcp::SocketError error) {
  const std::uint32_t gen = conns_[c].generation;
  const std::uint32_t d = conns_[c].dest;
  ++counters_.closed_by_peer;
  if (conns_[c].active > 0) user_.on_connection_lost(c, error);
  if (conns_[c].generation != gen) return;
  close_conn(c);
  after_close(d);
}

ConnId ConnectionPool::conn_of(tcp::SocketId socket) const {
  const auto c = static_cast<ConnId>(stack_.user(socket));
  return c < conns_.size() && conns_[c].socket == socket ? c : kNil;
}

net::Ipv4 ConnectionPool::next_source() {
  const std::vector<net::Ipv4>& addresses = stack_.addresses();
  const net::Ipv4 a = addresses[next_source_ % addresses.size()];
  ++next_source_;
  return a;
}

// ---------------------------------------------------------------------------
// Socket callbacks

void ConnectionPool::on_connected(tcp::SocketId socket, tcp::SocketError result) {
  const ConnId c = conn_of(socket);
  if (c == kNil || conns_[c].state != ConnState::kConnecting) return;
  const std::uint32_t d = conns_[c].dest;
  Dest& dest = dests_[d];
  --dest.connecting;
  --connecting_;
  if (result != tcp::SocketError::kOk) {
    ++counters_.connects_failed[static_cast<std::size_t>(result)];
    --dest.total;
    --total_;
    stack_.close(socket);
    free_conn(c);
    // The waiters this connection would have served fail (and may retry);
    // those queued behind the limits stay.
    const std::uint64_t waiting = dest.waiters.size();
    const std::uint64_t lost =
        std::min(waiting, coming(dest) + streams_per_conn_) - std::min(waiting, coming(dest));
    for (std::uint64_t n = 0; n < lost && !dest.waiters.empty(); ++n) fail_head_waiter(d, result);
    supply(d);
    rebalance();
    schedule_warmup();
    return;
  }
  ++counters_.connects_succeeded;
  Conn& conn = conns_[c];
  latencies_->connect.record(sim_.now() - conn.connect_started);
  conn.state = ConnState::kOpen;
  if (lifetime_timers_) conn.lifetime_timer = lifetime_timers_->add(c, conn.generation);
  const std::uint32_t gen = conn.generation;
  settle(c);
  serve(c);
  const Conn& after = conns_[c];
  if (after.generation == gen && after.state == ConnState::kOpen && !after.retiring &&
      after.active == 0) {
    become_idle(c, false);
  }
}

void ConnectionPool::on_data(tcp::SocketId socket, std::uint32_t bytes) {
  const ConnId c = conn_of(socket);
  if (c == kNil || conns_[c].state != ConnState::kOpen || conns_[c].active == 0) return;
  user_.on_response_bytes(c, bytes);
}

void ConnectionPool::on_peer_closed(tcp::SocketId socket) {
  peer_gone(socket, tcp::SocketError::kOk);
}

void ConnectionPool::on_error(tcp::SocketId socket, tcp::SocketError error) {
  peer_gone(socket, error);
}

// The server's FIN (error kOk) or a reset: the client closes its side.
void ConnectionPool::peer_gone(tcp::SocketId socket, tcp::SocketError error) {
  const ConnId c = conn_of(socket);
  if (c == kNil) return;
  switch (conns_[c].state) {
    case ConnState::kDraining:
    case ConnState::kClosing:
      close_conn(c);
      break;
    case ConnState::kOpen:
      lose(c, error);
      break;
    case ConnState::kHolding:  // the application is not reading: it closes when the hold ends
    case ConnState::kConnecting:
    case ConnState::kFree:
      break;
  }
}

// ---------------------------------------------------------------------------
// Timers

void ConnectionPool::handle(const sim::Event& event) {
  switch (event.kind) {
    case kIdleExpired: {
      const ConnId c = event.target;
      const Conn& conn = conns_[c];
      if (conn.state != ConnState::kOpen || !conn.is_idle || conn.epoch != event.a) return;
      const std::uint32_t d = conn.dest;
      if (dests_[d].idle <= config_->min_idle) return;
      ++counters_.closed_idle_timeout;
      close_conn(c);
      after_close(d);
      return;
    }
    case kLifetimeExpired: {
      const ConnId c = event.target;
      Conn& conn = conns_[c];
      if (conn.state != ConnState::kOpen || conn.generation != event.a) return;
      const std::uint32_t d = conn.dest;
      if (conn.active == 0) {
        ++counters_.closed_lifetime;
        close_conn(c);
        after_close(d);
        return;
      }
      if (!conn.retiring) conn.lifetime_over = true;
      conn.retiring = true;
      settle(c);
      return;
    }
    case kWaitExpired: {
      const std::uint32_t w = event.target;
      Waiter& waiter = waiters_[w];
      if (!waiter.in_use || waiter.generation != event.a) return;
      const std::uint32_t request = waiter.request;
      dests_[waiter.dest].waiters.remove(waiters_, &Waiter::links, w);
      waiter.in_use = false;
      waiters_.free(w);
      --waiting_;
      ++counters_.wait_timeouts;
      user_.on_acquire_failed(request, AcquireFailure::kPoolTimeout, tcp::SocketError::kOk);
      return;
    }
    case kWarmup:
      warmup_scheduled_ = false;
      for (std::uint32_t d = 0; d < dests_.size(); ++d) replenish(d);
      return;
    case kCloseDelayOver: {
      const ConnId c = event.target;
      if (conns_[c].state != ConnState::kClosing || conns_[c].generation != event.a) return;
      if (hold_timers_) {
        hold(c);
      } else {
        close_conn(c);
      }
      return;
    }
    case kHoldOver: {
      const ConnId c = event.target;
      if (conns_[c].state == ConnState::kHolding && conns_[c].generation == event.a) close_conn(c);
      return;
    }
    default:
      return;
  }
}

}  // namespace tcpsim::app
