#include "models/app/server_app.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace tcpsim::app {
namespace {

constexpr std::uint64_t kListenerTag = ~std::uint64_t{0};

}  // namespace

ServerApp::ServerApp(sim::Simulator& sim, tcp::TcpStack& stack, ServerConfig config,
                     std::uint64_t seed, std::uint64_t entity)
    : sim_(sim),
      stack_(stack),
      config_(std::move(config)),
      rng_(seed, entity),
      self_(sim.add_handler(*this)) {
  if (config_.listen.empty()) throw std::invalid_argument("server: nothing to listen on");
  if (config_.request_size == 0) throw std::invalid_argument("server: request_size must be > 0");
  if (config_.response_size == 0) {
    throw std::invalid_argument("server: response_size must be > 0");
  }
  if (config_.requests_per_connection == 0) {
    throw std::invalid_argument("server: requests_per_connection must be > 0");
  }
  if (config_.close_delay < 0) throw std::invalid_argument("server: close_delay must be >= 0");
  if (!std::isfinite(config_.leak_fraction) || config_.leak_fraction < 0 ||
      config_.leak_fraction > 1) {
    throw std::invalid_argument("server: leak_fraction must be in [0, 1]");
  }
  if (config_.close_delay > 0) {
    close_timers_.emplace(sim, config_.close_delay, *this, kCloseDelayOver);
  }
}

tcp::SocketError ServerApp::start() {
  for (const net::Endpoint& ep : config_.listen) {
    const tcp::Opened o = stack_.socket(*this, kListenerTag);
    if (o.error != tcp::SocketError::kOk) return o.error;
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

void ServerApp::on_acceptable(tcp::SocketId listener) { accept_all(listener); }

void ServerApp::accept_all(tcp::SocketId listener) {
  while (true) {
    const std::uint32_t c =
        free_conns_.empty() ? static_cast<std::uint32_t>(conns_.size()) : free_conns_.back();
    const tcp::Opened o = stack_.accept(listener, *this, c);
    if (o.error == tcp::SocketError::kEmfile) {
      ++counters_.accept_emfile;
      accept_blocked_ = true;
      return;
    }
    if (o.error != tcp::SocketError::kOk) return;
    if (free_conns_.empty()) {
      conns_.emplace_back();
    } else {
      free_conns_.pop_back();
    }
    Conn& conn = conns_[c];
    conn.socket = o.socket;
    conn.in_use = true;
    conn.received = 0;
    conn.in_service = 0;
    conn.answered = 0;
    conn.peer_closed = false;
    conn.closing = false;
    conn.leak = config_.leak_fraction > 0 && rng_.uniform01() < config_.leak_fraction;
    if (config_.linger_zero) stack_.options(o.socket).linger_zero = true;
    ++counters_.accepted;
    ++connections_;
  }
}

void ServerApp::on_data(tcp::SocketId socket, std::uint32_t bytes) {
  const std::uint32_t c = conn_of(socket);
  if (c == ~std::uint32_t{0}) return;
  Conn& conn = conns_[c];
  conn.received += bytes;
  while (conn.received >= config_.request_size) {
    conn.received -= config_.request_size;
    ++conn.in_service;
    ++counters_.requests;
    const sim::Time service = sim::from_seconds(std::max(config_.service_time.sample(rng_), 0.0));
    sim_.schedule_after(service, self_, kServiceDone, c, conn.generation);
  }
}

void ServerApp::answer(std::uint32_t c) {
  Conn& conn = conns_[c];
  --conn.in_service;
  if (stack_.send(conn.socket, config_.response_size) == tcp::SocketError::kOk) {
    ++counters_.responses;
  }
  ++conn.answered;
  maybe_close(c);
}

void ServerApp::maybe_close(std::uint32_t c) {
  Conn& conn = conns_[c];
  if (conn.leak || conn.in_service > 0) return;
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
  if (c == ~std::uint32_t{0}) return;
  Conn& conn = conns_[c];
  conn.peer_closed = true;
  if (conn.leak) {
    ++counters_.leaked;
    return;
  }
  maybe_close(c);
}

void ServerApp::on_error(tcp::SocketId socket, tcp::SocketError /*error*/) {
  const std::uint32_t c = conn_of(socket);
  if (c == ~std::uint32_t{0}) return;
  ++counters_.errors;
  if (!conns_[c].leak) close_conn(c);
}

void ServerApp::close_conn(std::uint32_t c) {
  Conn& conn = conns_[c];
  stack_.close(conn.socket);
  conn.in_use = false;
  conn.socket = tcp::kNoSocket;
  ++conn.generation;
  free_conns_.push_back(c);
  --connections_;
  ++counters_.closed;
  if (accept_blocked_) {
    // A descriptor is free again: what EMFILE left in the accept queues is taken now.
    accept_blocked_ = false;
    for (const tcp::SocketId l : listeners_) accept_all(l);
  }
}

void ServerApp::handle(const sim::Event& event) {
  const std::uint32_t c = event.target;
  if (c >= conns_.size() || !conns_[c].in_use || conns_[c].generation != event.a) return;
  switch (event.kind) {
    case kServiceDone:
      answer(c);
      return;
    case kCloseDelayOver:
      close_conn(c);
      return;
    default:
      return;
  }
}

std::uint32_t ServerApp::conn_of(tcp::SocketId socket) const {
  const std::uint64_t tag = stack_.user(socket);
  if (tag >= conns_.size()) return ~std::uint32_t{0};
  const auto c = static_cast<std::uint32_t>(tag);
  return conns_[c].in_use && conns_[c].socket == socket ? c : ~std::uint32_t{0};
}

}  // namespace tcpsim::app
