// Test harness for the TCP stack: a wire that carries segments between stacks
// with a fixed delay, a recorder of state sequences, and scriptable apps.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "models/net/address.h"
#include "models/net/segment.h"
#include "models/tcp/tcp_stack.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"

namespace tcpsim::tcp::testing {

inline net::Ipv4 ip(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return net::Ipv4{(a << 24U) | (b << 16U) | (c << 8U) | d};
}

class Wire final : public SegmentOutput, public sim::EventHandler {
 public:
  Wire(sim::Simulator& sim, sim::Time latency)
      : sim_(sim), latency_(latency), self_(sim.add_handler(*this)) {}

  void attach(net::Ipv4 address, TcpStack& stack) { stacks_[address.value] = &stack; }

  void transmit(const net::Segment& seg) override {
    log.emplace_back(sim_.now(), seg);
    if (drop && drop(seg)) {
      ++dropped;
      return;
    }
    const std::uint32_t slot = in_flight_.allocate();
    in_flight_[slot] = seg;
    sim_.schedule_after(latency_, self_, 0, slot);
  }

  void handle(const sim::Event& e) override {
    const net::Segment seg = in_flight_[e.target];
    in_flight_.free(e.target);
    auto it = stacks_.find(seg.dst.address.value);
    if (it != stacks_.end()) it->second->receive(seg);
  }

  // Segments sent from `from`, in order.
  [[nodiscard]] std::vector<net::Segment> sent_by(net::Endpoint from) const {
    std::vector<net::Segment> out;
    for (const auto& [t, s] : log) {
      if (s.src == from) out.push_back(s);
    }
    return out;
  }

  // When `from` sent the segments `match` picks, in order.
  [[nodiscard]] std::vector<sim::Time> times_sent(
      net::Endpoint from, const std::function<bool(const net::Segment&)>& match) const {
    std::vector<sim::Time> out;
    for (const auto& [t, s] : log) {
      if (s.src == from && match(s)) out.push_back(t);
    }
    return out;
  }

  std::function<bool(const net::Segment&)> drop;
  std::vector<std::pair<sim::Time, net::Segment>> log;
  std::size_t dropped = 0;

 private:
  sim::Simulator& sim_;
  sim::Time latency_;
  sim::HandlerId self_;
  std::map<std::uint32_t, TcpStack*> stacks_;
  sim::SlotPool<net::Segment> in_flight_;
};

// Records, per connection, the states it passed through.
class StateLog {
 public:
  void subscribe(TcpStack& stack) {
    stack.on_state_change().connect(
        [this](const net::FourTuple& t, TcpState from, TcpState to) { record(t, from, to); });
  }
  void record(const net::FourTuple& t, TcpState from, TcpState to) {
    auto& seq = states[t];
    if (seq.empty()) seq.push_back(from);
    seq.push_back(to);
    changes.push_back({sim_time ? *sim_time : 0, t, from, to});
  }
  // The one connection whose local endpoint has this port (or the only one).
  [[nodiscard]] std::vector<TcpState> of(const net::FourTuple& t) const {
    auto it = states.find(t);
    return it == states.end() ? std::vector<TcpState>{} : it->second;
  }
  struct Change {
    sim::Time time;
    net::FourTuple tuple;
    TcpState from;
    TcpState to;
  };
  std::map<net::FourTuple, std::vector<TcpState>> states;
  std::vector<Change> changes;
  const sim::Time* sim_time = nullptr;
};

// An application whose reactions are set per test.
struct App final : SocketOwner {
  TcpStack* stack = nullptr;
  std::vector<std::pair<SocketId, SocketError>> connected;
  std::vector<std::pair<SocketId, SocketError>> errors;
  std::vector<SocketId> accepted;
  std::vector<SocketId> peer_closed;
  std::uint64_t bytes_received = 0;
  std::function<void(SocketId, SocketError)> then_on_connected;
  std::function<void(SocketId)> then_on_accepted;
  std::function<void(SocketId, std::uint32_t)> then_on_data;
  std::function<void(SocketId)> then_on_peer_closed;
  bool auto_accept = true;

  void on_connected(SocketId s, SocketError e) override {
    connected.emplace_back(s, e);
    if (then_on_connected) then_on_connected(s, e);
  }
  void on_acceptable(SocketId listener) override {
    if (!auto_accept) return;
    while (true) {
      const Opened o = stack->accept(listener, *this);
      if (o.error != SocketError::kOk) break;
      accepted.push_back(o.socket);
      if (then_on_accepted) then_on_accepted(o.socket);
    }
  }
  void on_data(SocketId s, std::uint32_t bytes) override {
    bytes_received += bytes;
    if (then_on_data) then_on_data(s, bytes);
  }
  void on_peer_closed(SocketId s) override {
    peer_closed.push_back(s);
    if (then_on_peer_closed) then_on_peer_closed(s);
  }
  void on_error(SocketId s, SocketError e) override { errors.emplace_back(s, e); }
};

// Two hosts on one wire: a client at 10.0.0.1 and a server at 10.0.0.2.
struct TwoHosts {
  explicit TwoHosts(const KernelSettings& client_settings = KernelSettings::linux_defaults(),
                    const KernelSettings& server_settings = KernelSettings::linux_defaults(),
                    sim::Time latency = 50 * sim::kMicrosecond)
      : wire(sim, latency),
        client(sim, client_settings, {ip(10, 0, 0, 1)}, wire, 7, 1),
        server(sim, server_settings, {ip(10, 0, 0, 2)}, wire, 7, 2) {
    wire.attach(ip(10, 0, 0, 1), client);
    wire.attach(ip(10, 0, 0, 2), server);
    client_log.subscribe(client);
    server_log.subscribe(server);
    client_app.stack = &client;
    server_app.stack = &server;
  }

  SocketId listen(std::uint16_t port, int backlog = 128) {
    const SocketId l = server.socket(server_app).socket;
    EXPECT_EQ(server.bind(l, {ip(10, 0, 0, 2), port}), SocketError::kOk);
    EXPECT_EQ(server.listen(l, backlog), SocketError::kOk);
    return l;
  }
  SocketId connect(std::uint16_t port) {
    const Opened o = client.socket(client_app);
    EXPECT_EQ(o.error, SocketError::kOk);
    EXPECT_EQ(client.connect(o.socket, {ip(10, 0, 0, 2), port}), SocketError::kOk);
    return o.socket;
  }
  void run_for(sim::Time d) { sim.run_until(sim.now() + d); }

  sim::Simulator sim;
  Wire wire;
  TcpStack client;
  TcpStack server;
  StateLog client_log;
  StateLog server_log;
  App client_app;
  App server_app;
};

}  // namespace tcpsim::tcp::testing
