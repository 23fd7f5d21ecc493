// A client's connection pool: requests borrow a connection (or a stream of a
// multiplexed one) per destination and return it; none, keep-alive, bounded, HTTP/2.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "models/app/app_memory.h"
#include "models/app/client_latencies.h"
#include "models/app/client_socket.h"
#include "models/app/index_list.h"
#include "models/app/source_port_range.h"
#include "models/net/address.h"
#include "models/tcp/tcp_stack.h"
#include "sim/fifo_timer_list.h"
#include "sim/histogram.h"
#include "sim/random_stream.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"

namespace tcpsim::app {

using ConnId = std::uint32_t;

inline constexpr std::uint32_t kUnlimited = ~std::uint32_t{0};

enum class PoolKind : std::uint8_t {
  kNone,         // a connection per request, closed after the response
  kKeepAlive,    // idle connections are reused
  kBounded,      // keep-alive with limits and a wait queue
  kMultiplexed,  // one connection per destination carrying several requests at once
};

enum class ReuseOrder : std::uint8_t {
  kLifo,  // the most recently used idle connection first
  kFifo,  // the least recently used idle connection first
};

enum class AcquireFailure : std::uint8_t {
  kConnect,      // opening a connection for the request failed
  kPoolTimeout,  // waited wait_timeout without getting a connection
  kPoolFull,     // max_waiting requests were already waiting
};

// Keep-alive and bounded pools share one mechanism; the kind names the intent.
// Limits are kUnlimited, and durations 0, when off.
struct PoolConfig {
  PoolKind kind = PoolKind::kNone;
  std::uint32_t max_total = kUnlimited;  // open and opening connections
  // kMultiplexed treats kUnlimited as 1.
  std::uint32_t max_per_destination = kUnlimited;
  std::uint32_t max_idle = kUnlimited;  // beyond it the least recently used idle one closes
  std::uint32_t max_idle_per_destination = kUnlimited;  // beyond it a returned one closes
  // Per destination: opened at start and kept; the idle timeout closes only
  // idle connections beyond this many.
  std::uint32_t min_idle = 0;
  sim::Time idle_timeout = 0;
  sim::Time max_lifetime = 0;  // from ESTABLISHED; a busy connection closes when returned
  std::uint32_t max_requests_per_connection = 0;  // 0: no limit
  ReuseOrder reuse = ReuseOrder::kLifo;
  // A request that finds no connection and no room to open one is turned
  // away when this many requests already wait.
  std::uint32_t max_waiting = kUnlimited;
  sim::Time wait_timeout = 0;                // 0: wait for ever
  std::uint32_t streams_per_connection = 1;  // kMultiplexed only
  // After a failed attempt to open a min_idle connection.
  sim::Time warmup_retry_delay = sim::kSecond;

  // Every problem found, each naming the field; empty when valid.
  [[nodiscard]] std::vector<std::string> validate() const;
};

// What the pool tells the client. Calls come from inside the pool's and the
// stack's event processing: they may send on the connection handed over (or
// release it), but must not call acquire(); scheduling an event for that is fine.
class PoolUser {
 public:
  virtual ~PoolUser() = default;
  // `request` holds a stream on `conn` until release(conn).
  virtual void on_acquired(std::uint32_t request, ConnId conn) = 0;
  // A waiting request gets no connection; `error` is the errno of kConnect.
  virtual void on_acquire_failed(std::uint32_t request, AcquireFailure failure,
                                 tcp::SocketError error) = 0;
  virtual void on_response_bytes(ConnId conn, std::uint32_t bytes) = 0;
  // A busy connection broke: every request holding it is lost and must not be
  // released. kOk means the server closed it (EOF).
  virtual void on_connection_lost(ConnId conn, tcp::SocketError error) = 0;
};

struct Acquired {
  enum class Outcome : std::uint8_t { kReady, kWaiting, kFailed };
  Outcome outcome = Outcome::kWaiting;
  ConnId conn = kNil;                                 // kReady
  AcquireFailure failure = AcquireFailure::kConnect;  // kFailed
  tcp::SocketError error = tcp::SocketError::kOk;     // kFailed with kConnect
  std::uint32_t waiter = kNil;                        // kWaiting: for cancel_wait()
};

struct PoolCounters {
  std::uint64_t connects_attempted = 0;
  std::uint64_t connects_succeeded = 0;
  std::array<std::uint64_t, tcp::kSocketErrorCount> connects_failed{};  // by errno
  std::uint64_t acquired_at_once = 0;
  std::uint64_t acquired_after_wait = 0;
  std::uint64_t waited = 0;  // acquisitions that queued, for a connection opened or returned
  std::uint64_t wait_timeouts = 0;
  std::uint64_t wait_cancelled = 0;  // the request gave up waiting (cancel_wait)
  std::uint64_t rejected = 0;        // max_waiting reached
  // Connections closed by the client, by cause, and lost to the peer.
  std::uint64_t closed_idle_timeout = 0;
  std::uint64_t closed_excess_idle = 0;  // max_idle, max_idle_per_destination, eviction
  std::uint64_t closed_lifetime = 0;
  std::uint64_t closed_max_requests = 0;  // includes kNone's one request per connection
  std::uint64_t closed_broken = 0;        // returned as not reusable
  std::uint64_t closed_by_peer = 0;       // FIN or RST from the server while in the pool
};

class ConnectionPool final : public tcp::SocketOwner, public sim::EventHandler {
 public:
  // Throws std::invalid_argument when the config is invalid or there is no destination.
  // `rng` (the client's stream) draws options.linger_zero_fraction; it may be null when the
  // fraction is 0 or 1. `syn_tags`, empty or one per destination, are what the SYNs of the
  // connections to each destination tell the server (tcp::SocketOptions::syn_tag).
  // Heap bytes (the object itself aside) of a pool toward `destinations` destinations.
  static AppMemory heap_memory(const PoolConfig& config, const ConnectOptions& options,
                               std::size_t destinations);

  ConnectionPool(sim::Simulator& sim, tcp::TcpStack& stack, const PoolConfig& config,
                 const ConnectOptions& options, std::vector<net::Endpoint> destinations,
                 PoolUser& user, sim::RandomStream* rng = nullptr,
                 const std::vector<std::uint32_t>& syn_tags = {});
  // The same with a config, options, destinations and tags the pool reads in place, which
  // must outlive it (those of a config shared by a host group's clients).
  ConnectionPool(sim::Simulator& sim, tcp::TcpStack& stack, const PoolConfig& config,
                 const ConnectOptions& options, std::span<const net::Endpoint> destinations,
                 PoolUser& user, sim::RandomStream* rng, std::span<const std::uint32_t> syn_tags);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Opens the min_idle connections.
  void start();
  // A connection (stream) for `request` toward destinations[destination]: at
  // once, later through PoolUser::on_acquired (or on_acquire_failed), or a failure now.
  Acquired acquire(std::uint32_t request, std::uint32_t destination);
  // The request holding a stream of `conn` is done with it; a connection that
  // is not `reusable` is closed (at once, as broken) once its last stream is returned.
  void release(ConnId conn, bool reusable = true);
  // The request of this Acquired::waiter, still waiting, no longer wants a connection.
  void cancel_wait(std::uint32_t waiter);

  [[nodiscard]] tcp::SocketId socket(ConnId conn) const { return conns_[conn].socket; }
  [[nodiscard]] std::uint32_t destination_of(ConnId conn) const { return conns_[conn].dest; }
  // Requests handed to `conn` since it was opened: the one just handed over is number
  // assigned(conn) - 1, counting from 0.
  [[nodiscard]] std::uint32_t assigned(ConnId conn) const { return conns_[conn].assigned; }
  // Connection ids are below this.
  [[nodiscard]] std::uint32_t capacity() const { return static_cast<std::uint32_t>(conns_.size()); }
  [[nodiscard]] std::size_t destination_count() const { return dests_.size(); }
  // Free ports of destination `d`'s ConnectOptions::source_ports; 0 without one.
  [[nodiscard]] std::uint32_t free_source_ports(std::uint32_t d) const {
    return source_ports_.empty() ? 0 : source_ports_[d].free();
  }

  // Levels: connections in use (carrying a request), idle in the pool, being
  // opened, open in all; requests waiting; streams in use.
  [[nodiscard]] std::uint32_t busy() const { return busy_; }
  [[nodiscard]] std::uint32_t idle() const { return idle_; }
  [[nodiscard]] std::uint32_t connecting() const { return connecting_; }
  [[nodiscard]] std::uint32_t open() const { return total_ - connecting_; }
  [[nodiscard]] std::uint32_t waiting() const { return waiting_; }
  [[nodiscard]] std::uint32_t streams() const { return streams_; }
  // Done with but waiting for the server's FIN (await_server_close).
  [[nodiscard]] std::uint32_t draining() const { return draining_; }
  // Done with and to be closed when options.close_delay is over.
  [[nodiscard]] std::uint32_t closing() const { return closing_; }
  // Shut down for writing and held open for options.half_close_hold.
  [[nodiscard]] std::uint32_t holding() const { return holding_; }

  [[nodiscard]] const PoolCounters& counters() const { return counters_; }
  // ns, connect() to ESTABLISHED.
  [[nodiscard]] const sim::Histogram& connect_latency() const { return latencies_->connect; }
  // ns, of the acquisitions that waited and got a connection.
  [[nodiscard]] const sim::Histogram& wait_time() const { return latencies_->wait; }
  [[nodiscard]] ClientLatencies& latencies() { return *latencies_; }
  [[nodiscard]] const ClientLatencies& latencies() const { return *latencies_; }
  // Records into `shared` from now on, its own histograms dropped; before start().
  void record_latencies_in(ClientLatencies& shared) {
    latencies_ = &shared;
    own_latencies_.reset();
  }
  [[nodiscard]] const PoolConfig& config() const { return *config_; }

  void on_connected(tcp::SocketId socket, tcp::SocketError result) override;
  void on_data(tcp::SocketId socket, std::uint32_t bytes) override;
  void on_peer_closed(tcp::SocketId socket) override;
  void on_error(tcp::SocketId socket, tcp::SocketError error) override;
  void handle(const sim::Event& event) override;

 private:
  enum EventKind : sim::EventKind {
    kIdleExpired,
    kLifetimeExpired,
    kWaitExpired,
    kWarmup,
    kCloseDelayOver,
    kHoldOver,
  };
  enum class ConnState : std::uint8_t { kFree, kConnecting, kOpen, kDraining, kClosing, kHolding };

  struct Conn {
    tcp::SocketId socket = tcp::kNoSocket;
    std::uint32_t dest = 0;
    std::uint32_t generation = 0;  // bumped when the slot is freed
    std::uint32_t epoch = 0;       // bumped when it goes idle: the idle timer's tag
    std::uint32_t active = 0;      // streams in use
    std::uint32_t assigned = 0;    // requests ever given to it
    ConnState state = ConnState::kFree;
    bool retiring = false;  // takes no new request; closes when the last one is returned
    bool in_avail = false;
    bool is_idle = false;
    bool broken = false;            // returned as not reusable
    bool lifetime_over = false;     // retiring because max_lifetime passed
    std::uint16_t source_port = 0;  // taken from source_ports_[dest]; 0: none
    sim::Time connect_started = 0;
    sim::FifoTimerList::Handle idle_timer = 0;
    sim::FifoTimerList::Handle lifetime_timer = 0;
    ListLinks avail;  // in its destination's list of connections with a free stream
    ListLinks idle;   // in the pool-wide idle list, least recently used first
  };
  struct Waiter {
    std::uint32_t request = 0;
    std::uint32_t dest = 0;
    std::uint32_t generation = 0;
    bool in_use = false;
    sim::Time since = 0;
    sim::FifoTimerList::Handle timer = 0;
    ListLinks links;
  };
  struct Dest {
    std::uint32_t total = 0;  // open and opening, not draining
    std::uint32_t connecting = 0;
    std::uint32_t idle = 0;
    IndexList avail;
    IndexList waiters;
  };

  [[nodiscard]] bool under_limits(const Dest& d) const {
    return total_ < config_->max_total && d.total < per_destination_;
  }
  // Streams the connections being opened to `d` will bring.
  [[nodiscard]] std::uint64_t coming(const Dest& d) const {
    return std::uint64_t{d.connecting} * streams_per_conn_;
  }
  // Some waiters of `d` have no connection on its way for them.
  [[nodiscard]] bool uncovered(const Dest& d) const { return d.waiters.size() > coming(d); }
  ConnId pick_available(const Dest& d) const;
  bool room_to_open(std::uint32_t d);
  tcp::SocketError open(std::uint32_t d);
  tcp::Opened start_socket(ConnId c, std::uint32_t d, bool linger_zero, std::uint16_t& port);
  void assign(ConnId c);
  void serve(ConnId c);
  void settle(ConnId c);
  void become_idle(ConnId c, bool after_response);
  void leave_idle(ConnId c);
  void finish(ConnId c);
  void close_conn(ConnId c);
  void close_after_response(ConnId c);
  void hold(ConnId c);
  void detach(ConnId c);
  void leave_lists(ConnId c);
  void free_conn(ConnId c);
  void after_close(std::uint32_t d);
  void supply(std::uint32_t d);
  void rebalance();
  void replenish(std::uint32_t d);
  void schedule_warmup();
  void fail_head_waiter(std::uint32_t d, tcp::SocketError error);
  std::uint32_t pop_waiter(std::uint32_t d);
  void lose(ConnId c, tcp::SocketError error);
  void peer_gone(tcp::SocketId socket, tcp::SocketError error);
  ConnId conn_of(tcp::SocketId socket) const;
  net::Ipv4 next_source();

  sim::Simulator& sim_;
  tcp::TcpStack& stack_;
  const PoolConfig* config_;  // the caller's or owned_'s, as are the options and destinations
  const ConnectOptions* options_;
  PoolUser& user_;
  sim::HandlerId self_;
  // What the pool was given to keep.
  struct Owned {
    PoolConfig config;
    ConnectOptions options;
    std::vector<net::Endpoint> destinations;
    std::vector<std::uint32_t> syn_tags;
  };
  std::unique_ptr<Owned> owned_;
  std::span<const net::Endpoint> destinations_;
  std::span<const std::uint32_t> syn_tags_;  // empty, or one per destination
  std::uint32_t streams_per_conn_ = 1;
  std::uint32_t per_destination_ = kUnlimited;
  std::uint32_t max_requests_ = 0;
  std::uint32_t max_idle_ = kUnlimited;
  std::uint32_t max_idle_per_destination_ = kUnlimited;

  sim::SlotPool<Conn, &Conn::generation> conns_;
  sim::SlotPool<Waiter, &Waiter::generation> waiters_;
  std::vector<Dest> dests_;
  std::vector<SourcePortRange> source_ports_;  // by destination, when options_->source_ports
  bool ranged_ = false;                        // source_ports_ is in use
  IndexList idle_list_;
  std::unique_ptr<sim::FifoTimerList> idle_timers_;
  std::unique_ptr<sim::FifoTimerList> lifetime_timers_;
  std::unique_ptr<sim::FifoTimerList> wait_timers_;
  std::unique_ptr<sim::FifoTimerList> close_timers_;
  std::unique_ptr<sim::FifoTimerList> hold_timers_;
  sim::RandomStream* rng_;
  bool warmup_scheduled_ = false;
  std::size_t next_source_ = 0;

  std::uint32_t total_ = 0;
  std::uint32_t connecting_ = 0;
  std::uint32_t busy_ = 0;
  std::uint32_t idle_ = 0;
  std::uint32_t waiting_ = 0;
  std::uint32_t streams_ = 0;
  std::uint32_t draining_ = 0;
  std::uint32_t closing_ = 0;
  std::uint32_t holding_ = 0;
  PoolCounters counters_;
  std::unique_ptr<ClientLatencies> own_latencies_ = std::make_unique<ClientLatencies>();
  ClientLatencies* latencies_ = own_latencies_.get();
};

}  // namespace tcpsim::app
