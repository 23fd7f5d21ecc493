#include "models/app/client_app.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <utility>

namespace tcpsim::app {

ClientApp::ClientApp(sim::Simulator& sim, tcp::TcpStack& stack, ClientConfig config,
                     std::uint64_t seed, std::uint64_t entity, RequestObserver* observer,
                     ResponseStreams* streams)
    : ClientApp(sim, stack, std::make_shared<const ClientConfig>(std::move(config)), seed, entity,
                observer, streams) {}

ClientApp::ClientApp(sim::Simulator& sim, tcp::TcpStack& stack,
                     std::shared_ptr<const ClientConfig> config, std::uint64_t seed,
                     std::uint64_t entity, RequestObserver* observer, ResponseStreams* streams)
    : sim_(sim),
      stack_(stack),
      config_(std::move(config)),
      rng_(seed, entity),
      self_(sim.add_handler(*this)),
      observer_(observer),
      streams_(config_->pool.kind == PoolKind::kMultiplexed ? streams : nullptr),
      pool_(sim, stack, config_->pool, config_->connect,
            std::span<const net::Endpoint>(config_->destinations), *this, &rng_,
            std::span<const std::uint32_t>(config_->size_tags)),
      seed_(seed) {
  const ClientConfig& c = *config_;
  if (!c.size_of.empty()) {
    if (c.size_of.size() != c.destinations.size()) {
      throw std::invalid_argument("client: size_of must be empty or one per destination");
    }
    for (const std::uint32_t model : c.size_of) {
      if (model >= c.sizes.size()) {
        throw std::invalid_argument("client: size_of names a model past sizes");
      }
    }
    for (const MessageSizes& s : c.sizes) sizes_.emplace_back(s);
    size_model_of_ = c.size_of;
  } else {
    if (!c.sizes.empty() && c.sizes.size() != c.destinations.size()) {
      throw std::invalid_argument("client: sizes must be empty or one per destination");
    }
    if (c.sizes.empty()) sizes_.emplace_back(MessageSizes{});  // every destination's
    // Destinations share their size model when they have the same one (every backend of a
    // group, as a rule): a host keeps one copy of each, not one per destination.
    std::vector<MessageSizes> unique;
    for (const MessageSizes& s : c.sizes) {
      auto it = std::find(unique.begin(), unique.end(), s);
      if (it == unique.end()) {
        unique.push_back(s);
        sizes_.emplace_back(s);
        it = unique.end() - 1;
      }
      size_model_of_.push_back(static_cast<std::uint32_t>(it - unique.begin()));
    }
  }
  if (!size_index_needed(c)) std::vector<std::uint32_t>().swap(size_model_of_);
  if (c.load == LoadModel::kClosedLoop && c.users == 0) {
    throw std::invalid_argument("client: a closed loop needs users > 0");
  }
  if (c.stop < c.start) throw std::invalid_argument("client: stop before start");
  if (c.request_timeout < 0) {
    throw std::invalid_argument("client: request_timeout must be >= 0");
  }
  if (c.request_timeout > 0) {
    timeouts_ = std::make_unique<sim::FifoTimerList>(sim, c.request_timeout, *this, kTimedOut);
  }
  if (c.connect_only && c.pool.kind != PoolKind::kNone) {
    throw std::invalid_argument("client: connect_only needs a pool of kind none");
  }
}

bool ClientApp::size_index_needed(const ClientConfig& config) {
  if (!config.size_of.empty()) return config.sizes.size() > 1;
  return std::any_of(config.sizes.begin(), config.sizes.end(),
                     [&](const MessageSizes& s) { return !(s == config.sizes.front()); });
}

AppMemory ClientApp::memory(const ClientConfig& config) {
  const std::size_t dests = config.destinations.size();
  AppMemory m;
  const AppMemory pool = ConnectionPool::heap_memory(config.pool, config.connect, dests);
  m.fixed = sizeof(ClientApp) + pool.fixed +
            (config.request_timeout > 0 ? sizeof(sim::FifoTimerList) : 0) + sizeof(SizeModel) +
            (size_index_needed(config) ? dests * sizeof(std::uint32_t) : 0);
  m.per_connection = pool.per_connection + sizeof(InFlight) + sizeof(Request);
  return m;
}

void ClientApp::start() {
  pool_.start();
  if (observer_ != nullptr) return;
  if (config_->load == LoadModel::kOpenLoop) {
    arrivals_ = ArrivalProcess::Cursor{.origin = config_->start};
    const sim::Time t = config_->arrivals.next(arrivals_, config_->start, rng_);
    if (t < config_->stop) sim_.schedule(t, self_, kArrival, 0);
    return;
  }
  for (std::uint32_t u = 0; u < config_->users; ++u) {
    sim_.schedule(config_->start + draw(config_->think_time), self_, kThinkDone, u);
  }
}

ClientCounters ClientApp::counters() const {
  ClientCounters c = counters_;
  const PoolCounters& p = pool_.counters();
  c.connects_attempted = p.connects_attempted;
  c.connects_succeeded = p.connects_succeeded;
  c.connects_failed = p.connects_failed;
  c.pool_busy = pool_.busy();
  c.pool_idle = pool_.idle();
  c.pool_waiting = pool_.waiting();
  c.pool_connecting = pool_.connecting();
  return c;
}

void ClientApp::handle(const sim::Event& event) {
  switch (event.kind) {
    case kArrival: {
      if (!may_issue()) return;
      issue(kNoUser);
      const sim::Time t = config_->arrivals.next(arrivals_, sim_.now(), rng_);
      if (t < config_->stop && may_issue()) sim_.schedule(t, self_, kArrival, 0);
      return;
    }
    case kThinkDone:
      if (may_issue()) issue(event.target);
      return;
    case kRetry:
      if (requests_[event.target].generation == event.a) attempt(event.target);
      return;
    case kTimedOut:
      if (requests_[event.target].generation == event.a) time_out(event.target);
      return;
    default:
      return;
  }
}

bool ClientApp::may_issue() const {
  return sim_.now() < config_->stop &&
         (config_->max_requests == 0 || counters_.requests_issued < config_->max_requests);
}

void ClientApp::submit(std::uint32_t tag) {
  assert(observer_ != nullptr);
  issue(tag);
}

void ClientApp::issue(std::uint32_t user) {
  const std::uint32_t r = requests_.allocate();
  Request& req = requests_[r];
  req.issued = sim_.now();
  req.dest = pick_destination();
  req.user = user;
  req.attempts = 0;
  req.received = 0;
  req.next_on_conn = kNil;
  if (timeouts_) {
    req.abandoned = false;  // never set without timeouts
    if (!config_->retry.on_timeout) req.timeout = timeouts_->add(r, req.generation);
  }
  ++counters_.requests_issued;
  attempt(r);
}

void ClientApp::attempt(std::uint32_t r) {
  if (timeouts_ && config_->retry.on_timeout) {
    requests_[r].timeout = timeouts_->add(r, requests_[r].generation);
  }
  const Acquired a = pool_.acquire(r, requests_[r].dest);
  switch (a.outcome) {
    case Acquired::Outcome::kReady:
      send_on(r, a.conn);
      return;
    case Acquired::Outcome::kWaiting:
      requests_[r].stage = Stage::kWaiting;
      requests_[r].waiter_or_conn = a.waiter;
      return;
    case Acquired::Outcome::kFailed:
      on_acquire_failed(r, a.failure, a.error);
      return;
  }
}

void ClientApp::send_on(std::uint32_t r, ConnId conn) {
  if (config_->connect_only) [[unlikely]] {
    pool_.release(conn);
    complete(r);
    return;
  }
  const tcp::SocketId socket = pool_.socket(conn);
  const SizeModel& sizes =
      size_model_of_.empty() ? sizes_[0] : sizes_[size_model_of_[pool_.destination_of(conn)]];
  const std::uint64_t key = sizes.constant() ? 0 : stack_.connection_key(socket);
  const std::uint32_t k = pool_.assigned(conn) - 1;
  const std::uint32_t size = sizes.request(seed_, key, k);
  if (stack_.send(socket, size) != tcp::SocketError::kOk) {
    pool_.release(conn, false);
    attempt_failed(r, RequestFailure::kConnection);
    return;
  }
  counters_.request_bytes += size;
  if (conn >= in_flight_.size()) in_flight_.resize(pool_.capacity());
  InFlight& f = in_flight_[conn];
  Request& req = requests_[r];
  req.received = 0;
  req.response_size = sizes.response(seed_, key, k);
  req.stream = k;
  req.next_on_conn = kNil;
  req.stage = Stage::kOnConnection;
  req.waiter_or_conn = conn;
  if (f.tail == kNil) {
    f.head = r;
    if (streams_ != nullptr) {
      f.framed = true;
      f.connection = stack_.connection_key(socket);
      streams_->open(f.connection);
    }
  } else {
    requests_[f.tail].next_on_conn = r;
  }
  f.tail = r;
  ++f.size;
}

std::uint32_t ClientApp::pop_in_flight(ConnId conn) {
  const std::uint32_t r = in_flight_[conn].head;
  unlink(conn, r, kNil);
  return r;
}

// Takes `r` off its connection's list, where `before` precedes it (kNil: r is the head).
void ClientApp::unlink(ConnId conn, std::uint32_t r, std::uint32_t before) {
  InFlight& f = in_flight_[conn];
  const std::uint32_t after = requests_[r].next_on_conn;
  if (before == kNil) {
    f.head = after;
  } else {
    requests_[before].next_on_conn = after;
  }
  if (f.tail == r) f.tail = before;
  --f.size;
  requests_[r].next_on_conn = kNil;
  if (f.size == 0 && f.framed) {
    streams_->close(f.connection);
    f.framed = false;
  }
}

std::uint32_t ClientApp::receiving(ConnId conn) {
  const InFlight& f = in_flight_[conn];
  if (!f.framed) return f.head;
  const std::uint32_t stream = streams_->front(f.connection);
  for (std::uint32_t r = f.head; r != kNil; r = requests_[r].next_on_conn) {
    if (requests_[r].stream == stream) return r;
  }
  assert(false && "a response for a stream not in flight");
  return f.head;
}

void ClientApp::on_acquired(std::uint32_t request, ConnId conn) { send_on(request, conn); }

void ClientApp::on_acquire_failed(std::uint32_t request, AcquireFailure failure,
                                  tcp::SocketError /*error*/) {
  switch (failure) {
    case AcquireFailure::kConnect:
      attempt_failed(request, RequestFailure::kConnect);
      return;
    case AcquireFailure::kPoolTimeout:
      fail(request, RequestFailure::kPoolTimeout);
      return;
    case AcquireFailure::kPoolFull:
      fail(request, RequestFailure::kPoolFull);
      return;
  }
}

void ClientApp::on_response_bytes(ConnId conn, std::uint32_t bytes) {
  if (conn >= in_flight_.size()) return;
  // Only the requests on the connection now can own these bytes; releasing
  // the connection may put a new one on it.
  std::uint32_t pending = in_flight_[conn].size;
  while (bytes > 0 && pending > 0) {
    const std::uint32_t r = receiving(conn);
    Request& req = requests_[r];
    const std::uint32_t take = std::min(bytes, req.response_size - req.received);
    req.received += take;
    bytes -= take;
    if (req.received < req.response_size) return;
    InFlight& f = in_flight_[conn];
    if (f.framed) streams_->pop(f.connection);
    std::uint32_t before = kNil;
    for (std::uint32_t i = f.head; i != r; i = requests_[i].next_on_conn) before = i;
    unlink(conn, r, before);
    --pending;
    if (req.abandoned) [[unlikely]] {
      requests_.free(r);
    } else {
      counters_.response_bytes += req.response_size;
      complete(r);
    }
    pool_.release(conn);
  }
}

void ClientApp::on_connection_lost(ConnId conn, tcp::SocketError /*error*/) {
  if (conn >= in_flight_.size()) return;
  while (in_flight_[conn].size > 0) {
    const std::uint32_t r = pop_in_flight(conn);
    if (requests_[r].abandoned) {
      requests_.free(r);
    } else {
      attempt_failed(r, RequestFailure::kConnection);
    }
  }
}

void ClientApp::attempt_failed(std::uint32_t r, RequestFailure failure) {
  Request& req = requests_[r];
  if (req.attempts < config_->retry.max_retries) {
    ++req.attempts;
    ++counters_.retries;
    req.stage = Stage::kBackoff;
    if (timeouts_ && config_->retry.on_timeout) timeouts_->cancel(req.timeout);
    sim_.schedule_after(draw(config_->retry.backoff), self_, kRetry, r, req.generation);
    return;
  }
  fail(r, failure);
}

void ClientApp::fail(std::uint32_t r, RequestFailure failure) {
  ++counters_.requests_failed;
  switch (failure) {
    case RequestFailure::kConnect:
      ++counters_.failed_connect;
      break;
    case RequestFailure::kConnection:
      ++counters_.failed_connection;
      break;
    case RequestFailure::kPoolTimeout:
      ++counters_.failed_pool_timeout;
      break;
    case RequestFailure::kPoolFull:
      ++counters_.failed_pool_full;
      break;
    case RequestFailure::kTimeout:
      ++counters_.failed_timeout;
      break;
  }
  finish(r, &failure);
}

void ClientApp::complete(std::uint32_t r) {
  ++counters_.requests_completed;
  pool_.latencies().request.record(sim_.now() - requests_[r].issued);
  finish(r, nullptr);
}

// The request is over: the observer hears of it, or its user thinks again. An abandoned
// request keeps its slot until its response has been read.
void ClientApp::finish(std::uint32_t r, const RequestFailure* failure) {
  Request& req = requests_[r];
  const std::uint32_t user = req.user;
  const sim::Time issued = req.issued;
  bool free_slot = true;
  if (timeouts_) {
    timeouts_->cancel(req.timeout);
    free_slot = !req.abandoned;
  }
  if (free_slot) requests_.free(r);
  if (observer_ != nullptr) [[unlikely]] {
    if (failure == nullptr) {
      observer_->on_request_completed(user);
    } else {
      observer_->on_request_failed(user, *failure);
    }
    return;
  }
  if (user != kNoUser && may_issue()) {
    const sim::Time next = std::max(sim_.now() + draw(config_->think_time), issued + kMinUserCycle);
    sim_.schedule(next, self_, kThinkDone, user);
  }
}

// request_timeout is over: the request lets go of what it holds, then fails, or is
// retried with RetryPolicy::on_timeout.
void ClientApp::time_out(std::uint32_t r) {
  Request& req = requests_[r];
  const bool retry = config_->retry.on_timeout && req.attempts < config_->retry.max_retries;
  switch (req.stage) {
    case Stage::kWaiting:
      pool_.cancel_wait(req.waiter_or_conn);
      break;
    case Stage::kOnConnection: {
      const ConnId conn = req.waiter_or_conn;
      if (pool_.config().kind == PoolKind::kMultiplexed) {
        // Other streams share the connection: this one stays to absorb its response, and
        // a retry goes on in a slot of its own.
        req.abandoned = true;
        if (retry) {
          const Request old = req;
          r = requests_.allocate();
          Request& fresh = requests_[r];
          fresh.issued = old.issued;
          fresh.dest = old.dest;
          fresh.user = old.user;
          fresh.attempts = old.attempts;
          fresh.timeout = old.timeout;  // fired: cancelling it is a no-op
          fresh.next_on_conn = kNil;
          fresh.abandoned = false;
        }
        break;
      }
      // One request per connection: it is the only one on it, and the connection closes.
      pop_in_flight(conn);
      pool_.release(conn, false);
      break;
    }
    case Stage::kBackoff:
      break;  // the queued retry finds the slot freed
  }
  if (retry) {
    attempt_failed(r, RequestFailure::kTimeout);
  } else {
    fail(r, RequestFailure::kTimeout);
  }
}

std::uint32_t ClientApp::pick_destination() {
  const auto n = static_cast<std::uint32_t>(pool_.destination_count());
  if (config_->destination_policy == DestinationPolicy::kUniform) {
    return static_cast<std::uint32_t>(rng_.below(n));
  }
  const std::uint32_t d = next_destination_;
  next_destination_ = (next_destination_ + 1) % n;
  return d;
}

sim::Time ClientApp::draw(const sim::Distribution& d) {
  return sim::from_seconds(std::max(d.sample(rng_), 0.0));
}

}  // namespace tcpsim::app
