#include "models/app/server_app.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace tcpsim::app {
namespace {

constexpr std::uint64_t kListenerTag = ~std::uint64_t{0};
constexpr std::uint32_t kNoConn = ~std::uint32_t{0};

bool is_fraction(double f) { return std::isfinite(f) && f >= 0 && f <= 1; }

}  // namespace

AppMemory ServerApp::memory(const ServerConfig& config) {
  AppMemory m;
  m.fixed = sizeof(ServerApp) + config.listen.size() * sizeof(tcp::SocketId) +
            config.sizes.size() * (sizeof(MessageSizes) + sizeof(SizeModel)) +
            ((config.close_delay > 0 ? 1 : 0) + (config.idle_timeout > 0 ? 1 : 0)) *
                sizeof(sim::FifoTimerList);
  m.per_connection = sizeof(Conn) + sizeof(std::uint32_t);  // the slot and its socket's index
  return m;
}

ServerApp::ServerApp(sim::Simulator& sim, tcp::TcpStack& stack, ServerConfig config,
                     std::uint64_t seed, std::uint64_t entity, RequestHandler* handler,
                     ResponseStreams* streams)
    : sim_(sim),
      stack_(stack),
      config_(std::move(config)),
      rng_(seed, entity),
      self_(sim.add_handler(*this)),
      handler_(handler),
      streams_(streams),
      seed_(seed) {
  if (config_.listen.empty()) throw std::invalid_argument("server: nothing to listen on");
  if (config_.requests_per_connection == 0) {
    throw std::invalid_argument("server: requests_per_connection must be > 0");
  }
  if (config_.close_delay < 0) throw std::invalid_argument("server: close_delay must be >= 0");
  if (!is_fraction(config_.leak_fraction)) {
    throw std::invalid_argument("server: leak_fraction must be in [0, 1]");
  }
  if (!is_fraction(config_.linger_zero_fraction)) {
    throw std::invalid_argument("server: linger_zero_fraction must be in [0, 1]");
  }
  if (!std::isfinite(config_.max_accept_rate) || config_.max_accept_rate < 0) {
    throw std::invalid_argument("server: max_accept_rate must be >= 0");
  }
  if (config_.idle_timeout < 0) throw std::invalid_argument("server: idle_timeout must be >= 0");
  if (config_.sizes.empty()) config_.sizes.resize(1);
  for (const MessageSizes& s : config_.sizes) sizes_.emplace_back(s);
  if (config_.close_delay > 0) {
    close_timers_ =
        std::make_unique<sim::FifoTimerList>(sim, config_.close_delay, *this, kCloseDelayOver);
  }
  if (config_.idle_timeout > 0) {
    idle_timers_ =
        std::make_unique<sim::FifoTimerList>(sim, config_.idle_timeout, *this, kIdleExpired);
  }
  if (config_.max_accept_rate > 0) {
    accept_interval_ = std::max<sim::Time>(1, sim::from_seconds(1.0 / config_.max_accept_rate));
  }
}

tcp::SocketError ServerApp::start() {
  for (const net::Endpoint& ep : config_.listen) {
    const tcp::Opened o = stack_.socket(*this, kListenerTag);
    if (o.error != tcp::SocketError::kOk) return o.error;
    if (config_.keepalive.enabled) stack_.set_keepalive(o.socket, config_.keepalive);
    tcp::SocketError e = stack_.bind(o.socket, ep);
    if (e == tcp::SocketError::kOk) e = stack_.listen(o.socket, config_.backlog);
    if (e != tcp::SocketError::kOk) {
      stack_.close(o.socket);
      return e;
    }
    listeners_.push_back(o.socket);
  }
  return tcp::SocketError::kOk;
}

void ServerApp::on_connected(tcp::SocketId /*socket*/, tcp::SocketError /*result*/) {}

void ServerApp::on_acceptable(tcp::SocketId listener) {
  if (accept_interval_ > 0) {
    pace_accepts();
    return;
  }
  const auto it = std::find(listeners_.begin(), listeners_.end(), listener);
  if (it != listeners_.end()) accept_all(static_cast<std::uint32_t>(it - listeners_.begin()));
}

void ServerApp::accept_all(std::uint32_t port) {
  while (accept_one_from(listeners_[port]) == tcp::SocketError::kOk) {
  }
}

// The slow accept loop: one accept() per accept_interval_ while a queue holds a connection.
void ServerApp::pace_accepts() {
  if (accept_tick_pending_ || accept_blocked_) return;
  if (sim_.now() >= next_accept_) {
    if (!accept_next()) return;
    next_accept_ = sim_.now() + accept_interval_;
  }
  accept_tick_pending_ = true;
  sim_.schedule(next_accept_, self_, kAcceptTick, 0);
}

// One connection from the listeners, taken in turn; false when none was accepted.
bool ServerApp::accept_next() {
  const auto n = static_cast<std::uint32_t>(listeners_.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t port = (next_listener_ + i) % n;
    const tcp::SocketError e = accept_one_from(listeners_[port]);
    if (e == tcp::SocketError::kOk) {
      next_listener_ = (port + 1) % n;
      return true;
    }
    if (e == tcp::SocketError::kEmfile) return false;
  }
  return false;
}

tcp::SocketError ServerApp::accept_one_from(tcp::SocketId listener) {
  const std::uint32_t c = conns_.next();
  const tcp::Opened o = stack_.accept(listener, *this, c);
  if (o.error == tcp::SocketError::kEmfile) {
    ++counters_.accept_emfile;
    accept_blocked_ = true;
  }
  if (o.error != tcp::SocketError::kOk && o.error != tcp::SocketError::kEagain) {
    const auto e = static_cast<std::size_t>(o.error);
    if (counters_.accept_errors[e]++ == 0) counters_.first_accept_error[e] = sim_.now();
  }
  if (o.error != tcp::SocketError::kOk) return o.error;
  conns_.allocate();
  Conn& conn = conns_[c];
  conn.socket = o.socket;
  const std::uint32_t tag = stack_.options(o.socket).syn_tag;
  conn.model = tag < sizes_.size() ? tag : 0;
  conn.key = sizes_[conn.model].constant() ? 0 : stack_.connection_key(o.socket);
  conn.in_use = true;
  conn.received = 0;
  conn.requests = 0;
  conn.in_service = 0;
  conn.answered = 0;
  conn.peer_closed = false;
  conn.closing = false;
  conn.idle_armed = false;
  next_request(conn);
  conn.leak = draw(config_.leak_fraction);
  if (draw(config_.linger_zero_fraction)) stack_.options(o.socket).linger_zero = true;
  ++counters_.accepted;
  ++connections_;
  went_idle(c);
  return tcp::SocketError::kOk;
}

// 0 and 1 take no draw.
bool ServerApp::draw(double fraction) {
  return fraction >= 1 || (fraction > 0 && rng_.uniform01() < fraction);
}

void ServerApp::next_request(Conn& conn) {
  conn.request_size = sizes_[conn.model].request(seed_, conn.key, conn.requests);
}

void ServerApp::on_data(tcp::SocketId socket, std::uint32_t bytes) {
  const std::uint32_t c = conn_of(socket);
  if (c == kNoConn) return;
  Conn& conn = conns_[c];
  conn.received += bytes;
  while (conn.received >= conn.request_size) {
    conn.received -= conn.request_size;
    counters_.request_bytes += conn.request_size;
    const std::uint32_t stream = conn.requests++;
    next_request(conn);
    ++conn.in_service;
    ++counters_.requests;
    if (config_.never_respond) [[unlikely]]
      continue;
    const sim::Time service = sim::from_seconds(std::max(config_.service_time.sample(rng_), 0.0));
    sim_.schedule_after(service, self_, kServiceDone, c, conn.generation, stream);
  }
}

// A request's service time is over.
void ServerApp::serve(std::uint32_t c, std::uint32_t stream) {
  if (handler_ != nullptr) [[unlikely]] {
    handler_->on_request({c, conns_[c].generation, stream});
    return;
  }
  answer(c, stream, 0);
}

bool ServerApp::respond(ServerRequest request, std::uint32_t error_bytes) {
  const std::uint32_t c = request.conn;
  if (c >= conns_.size() || !conns_[c].in_use || conns_[c].generation != request.generation) {
    return false;
  }
  answer(c, request.stream, error_bytes);
  return true;
}

// A response names its stream when the client multiplexes the connection, and then has the
// size of its own request's response. Otherwise the client takes responses in the order of
// its requests, so the j-th one sent has the size of response j, whichever request's service
// ended (with one request at a time, the same thing).
void ServerApp::answer(std::uint32_t c, std::uint32_t stream, std::uint32_t error_bytes) {
  Conn& conn = conns_[c];
  --conn.in_service;
  std::uint64_t connection = 0;
  const bool framed = streams_ != nullptr && !streams_->empty() &&
                      streams_->contains(connection = stack_.connection_key(conn.socket));
  const std::uint32_t size =
      error_bytes > 0
          ? error_bytes
          : sizes_[conn.model].response(seed_, conn.key, framed ? stream : conn.answered);
  if (stack_.send(conn.socket, size) == tcp::SocketError::kOk) {
    if (framed) streams_->record(connection, stream);
    ++counters_.responses;
    counters_.response_bytes += size;
  }
  ++conn.answered;
  if (error_bytes > 0) {
    close_conn(c);
    return;
  }
  const std::uint32_t generation = conn.generation;
  maybe_close(c);
  if (conns_[c].in_use && conns_[c].generation == generation) went_idle(c);
}

// Starts or moves the idle clock of `c` if nothing is being read or served on it.
void ServerApp::went_idle(std::uint32_t c) {
  Conn& conn = conns_[c];
  if (!idle_timers_ || conn.in_service > 0 || conn.received > 0 || conn.leak || conn.closing) {
    return;
  }
  conn.idle_since = sim_.now();
  if (conn.idle_armed) return;  // the queued check looks at idle_since when it fires
  conn.idle_armed = true;
  idle_timers_->add(c, conn.generation);
}

void ServerApp::on_idle(std::uint32_t c) {
  Conn& conn = conns_[c];
  conn.idle_armed = false;
  if (conn.in_service > 0 || conn.received > 0 || conn.leak || conn.closing) return;
  const sim::Time due = conn.idle_since + config_.idle_timeout;
  if (sim_.now() < due) {
    // Busy since the check was queued: look again when the remainder is over.
    conn.idle_armed = true;
    sim_.schedule(due, self_, kIdleExpired, c, conn.generation);
    return;
  }
  ++counters_.closed_idle;
  close_conn(c);
}

void ServerApp::maybe_close(std::uint32_t c) {
  Conn& conn = conns_[c];
  if (conn.leak || (conn.in_service > 0 && !config_.never_respond)) return;
  if (conn.peer_closed) {
    close_conn(c);
    return;
  }
  if (conn.closing || config_.closer != Closer::kServer ||
      conn.answered < config_.requests_per_connection) {
    return;
  }
  if (!close_timers_) {
    close_conn(c);
    return;
  }
  conn.closing = true;
  close_timers_->add(c, conn.generation);
}

void ServerApp::on_peer_closed(tcp::SocketId socket) {
  const std::uint32_t c = conn_of(socket);
  if (c == kNoConn) return;
  Conn& conn = conns_[c];
  conn.peer_closed = true;
  if (conn.leak) {
    ++counters_.leaked;
    return;
  }
  maybe_close(c);
}

void ServerApp::on_error(tcp::SocketId socket, tcp::SocketError error) {
  const std::uint32_t c = conn_of(socket);
  if (c == kNoConn) return;
  ++counters_.errors;
  ++counters_.connection_errors[static_cast<std::size_t>(error)];
  if (!conns_[c].leak) close_conn(c);
}

void ServerApp::close_conn(std::uint32_t c) {
  Conn& conn = conns_[c];
  stack_.close(conn.socket);
  conn.in_use = false;
  conn.socket = tcp::kNoSocket;
  conns_.free(c);
  --connections_;
  ++counters_.closed;
  if (accept_blocked_) {
    // A descriptor is free again: what EMFILE left in the accept queues is taken now.
    accept_blocked_ = false;
    if (accept_interval_ > 0) {
      pace_accepts();
    } else {
      for (std::uint32_t p = 0; p < listeners_.size(); ++p) accept_all(p);
    }
  }
}

void ServerApp::handle(const sim::Event& event) {
  if (event.kind == kAcceptTick) {
    accept_tick_pending_ = false;
    pace_accepts();
    return;
  }
  const std::uint32_t c = event.target;
  if (c >= conns_.size() || !conns_[c].in_use || conns_[c].generation != event.a) return;
  switch (event.kind) {
    case kServiceDone:
      serve(c, static_cast<std::uint32_t>(event.b));
      return;
    case kCloseDelayOver:
      close_conn(c);
      return;
    case kIdleExpired:
      on_idle(c);
      return;
    default:
      return;
  }
}

std::uint32_t ServerApp::conn_of(tcp::SocketId socket) const {
  const std::uint64_t tag = stack_.user(socket);
  if (tag >= conns_.size()) return kNoConn;
  const auto c = static_cast<std::uint32_t>(tag);
  return conns_[c].in_use && conns_[c].socket == socket ? c : kNoConn;
}

}  // namespace tcpsim::app
