// A server application on one host: listens, accepts everything, answers each
// request after a service time, and closes as configured (or leaks the socket).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "models/app/app_memory.h"
#include "models/app/message_sizes.h"
#include "models/app/response_streams.h"
#include "models/net/address.h"
#include "models/tcp/tcp_stack.h"
#include "sim/distribution.h"
#include "sim/fifo_timer_list.h"
#include "sim/random_stream.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"

namespace tcpsim::app {

enum class Closer : std::uint8_t {
  kClient,  // the server closes when it reads EOF
  kServer,  // the server closes after its last response (plus close_delay)
};

struct ServerConfig {
  std::vector<net::Endpoint> listen;  // address 0.0.0.0 listens on every address
  // Size models, or empty: 100-byte requests and responses. A connection follows the model
  // its SYN names (ClientConfig::size_tags); model 0 where that names none of these.
  std::vector<MessageSizes> sizes;
  int backlog = 4096;
  sim::Distribution service_time;  // seconds; requests on one connection are served concurrently
  Closer closer = Closer::kClient;
  std::uint32_t requests_per_connection = 1;  // kServer: responses before closing, >= 1
  sim::Time close_delay = 0;                  // kServer
  // Connections the server never closes: on EOF it does nothing, so they stay
  // in CLOSE_WAIT with their descriptor. One draw per accepted connection.
  double leak_fraction = 0;
  // Accepted connections closed with SO_LINGER {1, 0} (a RST, no TIME_WAIT), in [0, 1]; one
  // draw per accepted connection.
  double linger_zero_fraction = 0;
  // accept() calls per second on this host, > 0; 0: unlimited. Connections wait in the
  // listeners' accept queues meanwhile, and SYNs are dropped once a queue is full.
  double max_accept_rate = 0;
  // The server closes a connection (first, so TIME_WAIT lands on it) once no request has
  // been read or served on it for this long (nginx's keepalive_timeout); 0: never.
  // Leaking connections are never closed.
  sim::Time idle_timeout = 0;
  // The server reads requests and never answers them (a hung backend): they count in
  // ServerCounters::requests and stay in service, so idle_timeout and close_first kServer
  // never close the connection; the client's FIN still does, unless it leaks.
  bool never_respond = false;
  // SO_KEEPALIVE on the listeners, which accepted connections inherit.
  tcp::Keepalive keepalive;
};

struct ServerCounters {
  std::uint64_t accepted = 0;
  std::uint64_t accept_emfile = 0;  // accept() failed with EMFILE (the connection stays queued)
  // accept() failures by errno (an empty queue's EAGAIN aside), and the simulated time of
  // each errno's first, -1 if none.
  std::array<std::uint64_t, tcp::kSocketErrorCount> accept_errors{};
  std::array<sim::Time, tcp::kSocketErrorCount> first_accept_error = [] {
    std::array<sim::Time, tcp::kSocketErrorCount> never{};
    never.fill(-1);
    return never;
  }();
  // Accepted connections that ended in an error, by errno: ECONNRESET (a reset received),
  // ETIMEDOUT (retransmissions given up).
  std::array<std::uint64_t, tcp::kSocketErrorCount> connection_errors{};
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t closed = 0;          // close() called by the server
  std::uint64_t leaked = 0;          // EOF read on a leaking connection and ignored
  std::uint64_t errors = 0;          // connections reset or timed out
  std::uint64_t closed_idle = 0;     // closed by idle_timeout
  std::uint64_t request_bytes = 0;   // of the requests counted
  std::uint64_t response_bytes = 0;  // of the responses sent
};

// A request a ServerApp has read and served, waiting for RequestHandler's answer.
struct ServerRequest {
  std::uint32_t conn = 0;
  std::uint32_t generation = 0;
  std::uint32_t stream = 0;  // the request's index on its connection
};

// Takes a ServerApp's requests once their service time is over, in place of answering
// them at once (a proxy forwards them), and answers later through ServerApp::respond().
// Calls come from inside the server's event processing.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void on_request(ServerRequest request) = 0;
};

class ServerApp final : public tcp::SocketOwner, public sim::EventHandler {
 public:
  // Throws std::invalid_argument for an invalid config. `seed` is the run's, the same for
  // every application (request sizes are drawn from it); `entity` names this one's stream.
  // With a `handler`, requests are answered when it says so. With `streams`, the responses
  // on a connection its client multiplexes are told apart by stream (ResponseStreams).
  ServerApp(sim::Simulator& sim, tcp::TcpStack& stack, ServerConfig config, std::uint64_t seed,
            std::uint64_t entity, RequestHandler* handler = nullptr,
            ResponseStreams* streams = nullptr);
  ServerApp(const ServerApp&) = delete;
  static AppMemory memory(const ServerConfig& config);
  ServerApp& operator=(const ServerApp&) = delete;

  // Binds and listens on every endpoint; the first error, or kOk.
  tcp::SocketError start();
  // The host crashed (server_crash.cc): every connection and listener is forgotten without a
  // call to the stack, which loses them itself. start() listens again after the restart.
  void crash();

  // Answers a request given to the handler: with the response its size model gives or,
  // with `error_bytes` > 0, with an error response of that size, after which the server
  // closes the connection (its client, which frames responses by their sizes, could not
  // tell where a response of another size ends). False when the connection was closed or
  // reset meanwhile.
  bool respond(ServerRequest request, std::uint32_t error_bytes = 0);

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
  enum EventKind : sim::EventKind { kServiceDone, kCloseDelayOver, kIdleExpired, kAcceptTick };

  struct Conn {
    tcp::SocketId socket = tcp::kNoSocket;
    std::uint32_t generation = 0;
    std::uint32_t model = 0;         // of sizes_, as its SYN named it
    std::uint64_t key = 0;           // TcpStack::connection_key, when its sizes are drawn
    std::uint32_t received = 0;      // bytes of the request being read
    std::uint32_t request_size = 0;  // of the request being read
    std::uint32_t requests = 0;      // read so far
    std::uint32_t in_service = 0;    // requests read and not answered yet
    std::uint32_t answered = 0;
    sim::Time idle_since = 0;  // when it last became idle
    bool in_use = false;
    bool leak = false;
    bool peer_closed = false;
    bool closing = false;     // close_delay running
    bool idle_armed = false;  // an idle check is queued for it
  };

  tcp::SocketError accept_one_from(tcp::SocketId listener);
  void accept_all(std::uint32_t port);
  void pace_accepts();
  bool accept_next();
  void next_request(Conn& conn);
  void on_idle(std::uint32_t c);
  void went_idle(std::uint32_t c);
  void answer(std::uint32_t c, std::uint32_t stream, std::uint32_t error_bytes);
  void serve(std::uint32_t c, std::uint32_t stream);
  void maybe_close(std::uint32_t c);
  void close_conn(std::uint32_t c);
  std::uint32_t conn_of(tcp::SocketId socket) const;
  bool draw(double fraction);

  sim::Simulator& sim_;
  tcp::TcpStack& stack_;
  ServerConfig config_;
  sim::RandomStream rng_;
  sim::HandlerId self_;
  RequestHandler* handler_;
  ResponseStreams* streams_;
  std::vector<SizeModel> sizes_;
  std::unique_ptr<sim::FifoTimerList> close_timers_;
  std::unique_ptr<sim::FifoTimerList> idle_timers_;
  std::vector<tcp::SocketId> listeners_;
  bool accept_blocked_ = false;    // an accept() failed with EMFILE
  sim::Time accept_interval_ = 0;  // 0: accept() as fast as connections come
  sim::Time next_accept_ = 0;      // the earliest time of the next paced accept()
  bool accept_tick_pending_ = false;
  std::uint32_t next_listener_ = 0;  // where the next paced accept() starts looking
  std::uint64_t seed_;
  sim::SlotPool<Conn, &Conn::generation> conns_;
  std::uint32_t connections_ = 0;
  ServerCounters counters_;
};

}  // namespace tcpsim::app
