// A client application on one host: issues requests open-loop (an arrival
// process) or closed-loop (users who think), through a connection pool.
#pragma once

#include <cstdint>
#include <vector>

#include "models/app/arrival_process.h"
#include "models/app/client_counters.h"
#include "models/app/client_socket.h"
#include "models/app/connection_pool.h"
#include "models/app/message_sizes.h"
#include "models/net/address.h"
#include "models/tcp/tcp_stack.h"
#include "sim/distribution.h"
#include "sim/histogram.h"
#include "sim/random_stream.h"
#include "sim/slot_pool.h"
#include "sim/simulator.h"

namespace tcpsim::app {

enum class LoadModel : std::uint8_t { kOpenLoop, kClosedLoop };
enum class DestinationPolicy : std::uint8_t { kUniform, kRoundRobin };

// A request whose connection could not be opened, or broke before the
// response, is tried again after a backoff, at most max_retries times.
struct RetryPolicy {
  std::uint32_t max_retries = 0;
  sim::Distribution backoff;  // seconds
};

struct ClientConfig {
  LoadModel load = LoadModel::kOpenLoop;
  ArrivalProcess arrivals;  // kOpenLoop
  std::uint32_t users = 1;  // kClosedLoop
  // kClosedLoop, seconds: before each user's first request and after each
  // completed or failed one.
  sim::Distribution think_time;
  std::vector<net::Endpoint> destinations;
  DestinationPolicy destination_policy = DestinationPolicy::kRoundRobin;
  // One per destination, or empty: 100-byte requests and responses everywhere. They must
  // be the server's model that size_tags names.
  std::vector<MessageSizes> sizes;
  // One per destination, or empty (all 0): the server's size model the connections to it
  // follow, told to the server in their SYNs (ServerConfig::sizes).
  std::vector<std::uint32_t> size_tags;
  PoolConfig pool;
  ConnectOptions connect;
  RetryPolicy retry;
  sim::Time start = 0;  // requests are issued in [start, stop)
  sim::Time stop = sim::kTimeMax;
  std::uint64_t max_requests = 0;  // 0: no limit on the requests issued
};

class ClientApp final : public sim::EventHandler, private PoolUser {
 public:
  // Throws std::invalid_argument for an invalid config. `seed` is the run's, the same for
  // every application (request sizes are drawn from it); `entity` names this one's stream.
  ClientApp(sim::Simulator& sim, tcp::TcpStack& stack, ClientConfig config, std::uint64_t seed,
            std::uint64_t entity);
  ClientApp(const ClientApp&) = delete;
  ClientApp& operator=(const ClientApp&) = delete;

  // Pre-warms the pool and schedules the first arrivals or users.
  void start();

  [[nodiscard]] ClientCounters counters() const;
  // ns, connect() to ESTABLISHED.
  [[nodiscard]] const sim::Histogram& connect_latency() const { return pool_.connect_latency(); }
  // ns, request issued to response complete: pool waits and retries included.
  [[nodiscard]] const sim::Histogram& request_latency() const { return request_latency_; }
  [[nodiscard]] const ConnectionPool& pool() const { return pool_; }
  // Issued and neither completed nor failed yet.
  [[nodiscard]] std::uint64_t outstanding() const {
    return counters_.requests_issued - counters_.requests_completed - counters_.requests_failed;
  }

  void handle(const sim::Event& event) override;

 private:
  enum EventKind : std::uint16_t { kArrival, kThinkDone, kRetry };
  enum class Failure : std::uint8_t { kConnect, kConnection, kPoolTimeout, kPoolFull };
  static constexpr std::uint32_t kNoUser = ~std::uint32_t{0};

  struct Request {
    sim::Time issued = 0;
    std::uint32_t dest = 0;
    std::uint32_t user = kNoUser;
    std::uint32_t attempts = 0;       // retries made
    std::uint32_t received = 0;       // response bytes so far
    std::uint32_t response_size = 0;  // of its response, once sent
    std::uint32_t generation = 0;
    std::uint32_t next_on_conn = kNil;
  };
  // Requests carried by one connection, oldest first: response bytes go to
  // the oldest (with several streams, responses are taken to come in order).
  struct InFlight {
    std::uint32_t head = kNil;
    std::uint32_t tail = kNil;
    std::uint32_t size = 0;
  };

  void on_acquired(std::uint32_t request, ConnId conn) override;
  void on_acquire_failed(std::uint32_t request, AcquireFailure failure,
                         tcp::SocketError error) override;
  void on_response_bytes(ConnId conn, std::uint32_t bytes) override;
  void on_connection_lost(ConnId conn, tcp::SocketError error) override;

  [[nodiscard]] bool may_issue() const;
  void issue(std::uint32_t user);
  void attempt(std::uint32_t r);
  void send_on(std::uint32_t r, ConnId conn);
  void attempt_failed(std::uint32_t r, Failure failure);
  void fail(std::uint32_t r, Failure failure);
  void complete(std::uint32_t r);
  void finish(std::uint32_t r);
  std::uint32_t pop_in_flight(ConnId conn);
  std::uint32_t pick_destination();
  sim::Time draw(const sim::Distribution& d);

  sim::Simulator& sim_;
  tcp::TcpStack& stack_;
  ClientConfig config_;
  sim::RandomStream rng_;
  sim::HandlerId self_;
  ConnectionPool pool_;
  std::vector<SizeModel> sizes_;  // by destination
  sim::SlotPool<Request, &Request::generation> requests_;
  std::vector<InFlight> in_flight_;  // by connection id
  std::uint32_t next_destination_ = 0;
  std::uint64_t seed_;
  ClientCounters counters_;
  sim::Histogram request_latency_;
};

}  // namespace tcpsim::app
