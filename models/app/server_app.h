// A server application on one host: listens, accepts everything, answers each
// request after a service time, and closes as configured (or leaks the socket).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/tcp_stack.h"
#include "sim/distribution.h"
#include "sim/fifo_timer_list.h"
#include "sim/random_stream.h"
#include "sim/simulator.h"

namespace tcpsim::app {

enum class Closer : std::uint8_t {
  kClient,  // the server closes when it reads EOF
  kServer,  // the server closes after its last response (plus close_delay)
};

struct ServerConfig {
  std::vector<net::Endpoint> listen;  // address 0.0.0.0 listens on every address
  int backlog = 4096;
  std::uint32_t request_size = 100;   // bytes, >= 1
  std::uint32_t response_size = 100;  // bytes, >= 1
  sim::Distribution service_time;     // seconds; requests on one connection are served concurrently
  Closer closer = Closer::kClient;
  std::uint32_t requests_per_connection = 1;  // kServer: responses before closing, >= 1
  sim::Time close_delay = 0;                  // kServer
  // Connections the server never closes: on EOF it does nothing, so they stay
  // in CLOSE_WAIT with their descriptor.
  double leak_fraction = 0;
  bool linger_zero = false;  // SO_LINGER {1, 0} on accepted sockets
};

struct ServerCounters {
  std::uint64_t accepted = 0;
  std::uint64_t accept_emfile = 0;  // accept() failed with EMFILE (the connection stays queued)
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t closed = 0;  // close() called by the server
  std::uint64_t leaked = 0;  // EOF read on a leaking connection and ignored
  std::uint64_t errors = 0;  // connections reset or timed out
};

class ServerApp final : public tcp::SocketOwner, public sim::EventHandler {
 public:
  // Throws std::invalid_argument for an invalid config.
  ServerApp(sim::Simulator& sim, tcp::TcpStack& stack, ServerConfig config, std::uint64_t seed,
            std::uint64_t entity);
  ServerApp(const ServerApp&) = delete;
  ServerApp& operator=(const ServerApp&) = delete;

  // Binds and listens on every endpoint; the first error, or kOk.
  tcp::SocketError start();

  [[nodiscard]] const ServerCounters& counters() const { return counters_; }
  // Accepted and not closed by the server (leaked ones included).
  [[nodiscard]] std::uint32_t connections() const { return connections_; }

  void on_connected(tcp::SocketId socket, tcp::SocketError result) override;
  void on_acceptable(tcp::SocketId listener) override;
  void on_data(tcp::SocketId socket, std::uint32_t bytes) override;
  void on_peer_closed(tcp::SocketId socket) override;
  void on_error(tcp::SocketId socket, tcp::SocketError error) override;
  void handle(const sim::Event& event) override;

 private:
  enum EventKind : std::uint16_t { kServiceDone, kCloseDelayOver };

  struct Conn {
    tcp::SocketId socket = tcp::kNoSocket;
    std::uint32_t generation = 0;
    std::uint32_t received = 0;    // bytes of the request being read
    std::uint32_t in_service = 0;  // requests read and not answered yet
    std::uint32_t answered = 0;
    bool in_use = false;
    bool leak = false;
    bool peer_closed = false;
    bool closing = false;  // close_delay running
  };

  void accept_all(tcp::SocketId listener);
  void answer(std::uint32_t c);
  void maybe_close(std::uint32_t c);
  void close_conn(std::uint32_t c);
  std::uint32_t conn_of(tcp::SocketId socket) const;

  sim::Simulator& sim_;
  tcp::TcpStack& stack_;
  ServerConfig config_;
  sim::RandomStream rng_;
  sim::HandlerId self_;
  std::optional<sim::FifoTimerList> close_timers_;
  std::vector<tcp::SocketId> listeners_;
  bool accept_blocked_ = false;  // an accept() failed with EMFILE
  std::vector<Conn> conns_;
  std::vector<std::uint32_t> free_conns_;
  std::uint32_t connections_ = 0;
  ServerCounters counters_;
};

}  // namespace tcpsim::app
