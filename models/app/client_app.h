// A client application on one host: issues requests open-loop (an arrival
// process) or closed-loop (users who think), through a connection pool.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/app/arrival_process.h"
#include "models/app/client_counters.h"
#include "models/app/client_socket.h"
#include "models/app/connection_pool.h"
#include "models/app/message_sizes.h"
#include "models/app/response_streams.h"
#include "models/net/address.h"
#include "models/tcp/tcp_stack.h"
#include "sim/distribution.h"
#include "sim/fifo_timer_list.h"
#include "sim/histogram.h"
#include "sim/random_stream.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"

namespace tcpsim::app {

enum class LoadModel : std::uint8_t { kOpenLoop, kClosedLoop };
enum class DestinationPolicy : std::uint8_t { kUniform, kRoundRobin };

// A request whose connection could not be opened, or broke before the
// response, is tried again after a backoff, at most max_retries times.
struct RetryPolicy {
  std::uint32_t max_retries = 0;
  sim::Distribution backoff;  // seconds
  // A request that reaches ClientConfig::request_timeout is retried too. The timeout then
  // runs per attempt, from its start: it is stopped during each backoff.
  bool on_timeout = false;
};

// Why a request failed.
enum class RequestFailure : std::uint8_t {
  kConnect,      // no connection could be opened, retries spent
  kConnection,   // reset or closed before the response, retries spent
  kPoolTimeout,  // waited wait_timeout for a pooled connection
  kPoolFull,     // the pool's wait queue was full
  kTimeout,      // no full response within ClientConfig::request_timeout
};

// Issues a ClientApp's requests in place of its load model (a proxy forwarding its own
// requests) and hears how each ends. Calls come from inside the client's event processing
// and must not submit() again from there.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void on_request_completed(std::uint32_t tag) = 0;
  virtual void on_request_failed(std::uint32_t tag, RequestFailure failure) = 0;
};

// The least time from one of a closed-loop user's requests to its next: what the system
// calls of a request cost a real client (socket, connect, send, recv, close: a few
// microseconds). It keeps a loop whose requests take no simulated time (ideal links, no
// think time, a pool that refuses at once) moving forward.
inline constexpr sim::Time kMinUserCycle = sim::kMicrosecond;

struct ClientConfig {
  LoadModel load = LoadModel::kOpenLoop;
  ArrivalProcess arrivals;  // kOpenLoop
  std::uint32_t users = 1;  // kClosedLoop
  // kClosedLoop, seconds: before each user's first request and after each
  // completed or failed one. A user's requests start kMinUserCycle apart at least.
  sim::Distribution think_time;
  std::vector<net::Endpoint> destinations;
  DestinationPolicy destination_policy = DestinationPolicy::kRoundRobin;
  // One per destination, or empty: 100-byte requests and responses everywhere. They must
  // be the server's model that size_tags names. With size_of, one per distinct model.
  std::vector<MessageSizes> sizes;
  // One per destination, or empty: its model in `sizes`, so that a group of a million
  // backends sharing one model holds one copy of it.
  std::vector<std::uint32_t> size_of;
  // One per destination, or empty (all 0): the server's size model the connections to it
  // follow, told to the server in their SYNs (ServerConfig::sizes).
  std::vector<std::uint32_t> size_tags;
  PoolConfig pool;
  ConnectOptions connect;
  RetryPolicy retry;
  // A request without its full response this long after it was issued fails (retries,
  // pool waits and connects included); one still on a connection closes it, or, on a
  // multiplexed one, leaves its stream to read the response and drop it. 0: never.
  sim::Time request_timeout = 0;
  // Each request is a connect() and a close() once ESTABLISHED, nothing sent (health
  // checks, port scanners): it completes when the connection is established. Needs a pool
  // of kind kNone; the close follows ConnectOptions as after a response.
  bool connect_only = false;
  sim::Time start = 0;  // requests are issued in [start, stop)
  sim::Time stop = sim::kTimeMax;
  std::uint64_t max_requests = 0;  // 0: no limit on the requests issued
};

// What an application holds in memory, in bytes, for predicting a scenario's peak.

class ClientApp final : public sim::EventHandler, private PoolUser {
 public:
  static AppMemory memory(const ClientConfig& config);

  // Throws std::invalid_argument for an invalid config. `seed` is the run's, the same for
  // every application (request sizes are drawn from it); `entity` names this one's stream.
  // With an `observer`, requests come only from submit() and the load fields (load,
  // arrivals, users, think_time, start, stop, max_requests) are unused. With `streams`, a
  // multiplexed pool's responses go to their own streams; without, to the oldest request.
  ClientApp(sim::Simulator& sim, tcp::TcpStack& stack, ClientConfig config, std::uint64_t seed,
            std::uint64_t entity, RequestObserver* observer = nullptr,
            ResponseStreams* streams = nullptr);
  // The same, with a config shared by the clients of a host group.
  ClientApp(sim::Simulator& sim, tcp::TcpStack& stack, std::shared_ptr<const ClientConfig> config,
            std::uint64_t seed, std::uint64_t entity, RequestObserver* observer = nullptr,
            ResponseStreams* streams = nullptr);
  ClientApp(const ClientApp&) = delete;
  ClientApp& operator=(const ClientApp&) = delete;

  // Pre-warms the pool and schedules the first arrivals or users.
  void start();
  // With an observer: issues a request now, toward the destination the policy picks; its
  // end is told to the observer with `tag`, possibly before submit() returns.
  void submit(std::uint32_t tag);

  [[nodiscard]] ClientCounters counters() const;
  // ns, connect() to ESTABLISHED.
  [[nodiscard]] const sim::Histogram& connect_latency() const { return pool_.connect_latency(); }
  // ns, request issued to response complete: pool waits and retries included.
  [[nodiscard]] const sim::Histogram& request_latency() const { return pool_.latencies().request; }
  // Records into `shared` from now on (see ClientLatencies); before start().
  void record_latencies_in(ClientLatencies& shared) { pool_.record_latencies_in(shared); }
  [[nodiscard]] const ConnectionPool& pool() const { return pool_; }
  // Issued and neither completed nor failed yet.
  [[nodiscard]] std::uint64_t outstanding() const {
    return counters_.requests_issued - counters_.requests_completed - counters_.requests_failed;
  }

  void handle(const sim::Event& event) override;

 private:
  enum EventKind : sim::EventKind { kArrival, kThinkDone, kRetry, kTimedOut };
  static constexpr std::uint32_t kNoUser = ~std::uint32_t{0};

  // Where a request is: what request_timeout must undo.
  enum class Stage : std::uint8_t { kWaiting, kOnConnection, kBackoff };

  // Destinations need an index into the host's size models: the config has two distinct ones.
  static bool size_index_needed(const ClientConfig& config);

  struct Request {
    sim::Time issued = 0;
    std::uint32_t dest = 0;
    std::uint32_t user = kNoUser;     // the observer's tag when there is one
    std::uint32_t attempts = 0;       // retries made
    std::uint32_t received = 0;       // response bytes so far
    std::uint32_t response_size = 0;  // of its response, once sent
    std::uint32_t stream = 0;         // its index on its connection, once sent
    std::uint32_t generation = 0;
    std::uint32_t next_on_conn = kNil;
    std::uint32_t waiter_or_conn = kNil;  // the pool's waiter (kWaiting) or connection
    Stage stage = Stage::kWaiting;
    bool abandoned = false;  // failed already; it only reads its response and drops it
    sim::FifoTimerList::Handle timeout = 0;
  };
  // Requests carried by one connection, oldest first. Response bytes go to the stream
  // ResponseStreams names when the connection is `framed`, else to the oldest.
  struct InFlight {
    std::uint32_t head = kNil;
    std::uint32_t tail = kNil;
    std::uint32_t size = 0;
    bool framed = false;
    std::uint64_t connection = 0;  // TcpStack::connection_key, when framed
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
  void attempt_failed(std::uint32_t r, RequestFailure failure);
  void fail(std::uint32_t r, RequestFailure failure);
  void complete(std::uint32_t r);
  void finish(std::uint32_t r, const RequestFailure* failure);
  void time_out(std::uint32_t r);
  std::uint32_t pop_in_flight(ConnId conn);
  void unlink(ConnId conn, std::uint32_t r, std::uint32_t before);
  // The request the next response bytes on `conn` belong to.
  std::uint32_t receiving(ConnId conn);
  std::uint32_t pick_destination();
  sim::Time draw(const sim::Distribution& d);

  sim::Simulator& sim_;
  tcp::TcpStack& stack_;
  std::shared_ptr<const ClientConfig> config_;
  ArrivalProcess::Cursor arrivals_;
  sim::RandomStream rng_;
  sim::HandlerId self_;
  RequestObserver* observer_;
  ResponseStreams* streams_;  // null, or used by a multiplexed pool
  ConnectionPool pool_;
  std::unique_ptr<sim::FifoTimerList> timeouts_;
  std::vector<SizeModel> sizes_;              // distinct models
  std::vector<std::uint32_t> size_model_of_;  // by destination: its model in sizes_; empty
                                              // when sizes_ holds one
  sim::SlotPool<Request, &Request::generation> requests_;
  std::vector<InFlight> in_flight_;  // by connection id
  std::uint32_t next_destination_ = 0;
  std::uint64_t seed_;
  ClientCounters counters_;
};

}  // namespace tcpsim::app
