// Property test: applications making random socket calls on random small
// networks, with the stack's invariants checked after every kernel event and
// every stack required to be empty once the applications have closed
// everything and every timer has run out.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/unordered/unordered_flat_map.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/net/address.h"
#include "models/net/network.h"
#include "models/net/topology.h"
#include "models/tcp/host_stack.h"
#include "models/tcp/kernel_settings.h"
#include "models/tcp/socket_error.h"
#include "models/tcp/socket_owner.h"
#include "models/tcp/tcp_counters.h"
#include "models/tcp/tcp_stack.h"
#include "models/tcp/tcp_state.h"
#include "sim/random_stream.h"
#include "sim/simulator.h"
#include "sim/time.h"

#if defined(__SANITIZE_ADDRESS__)
#define TCPSIM_PROPERTY_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TCPSIM_PROPERTY_SANITIZED 1
#endif
#endif

namespace tcpsim::tcp {
namespace {

using S = TcpState;
using E = SocketError;
constexpr sim::Time kUs = sim::kMicrosecond;
constexpr sim::Time kMs = sim::kMillisecond;
constexpr sim::Time kS = sim::kSecond;

// Seeds 1..kScenarios, each with an active phase of kMinActiveEvents to
// kMaxActiveEvents kernel events; sanitized builds run the first seeds only.
#ifdef TCPSIM_PROPERTY_SANITIZED
constexpr std::uint64_t kScenarios = 24;
#else
constexpr std::uint64_t kScenarios = 64;
#endif
constexpr std::uint64_t kMinActiveEvents = 20'000;
constexpr std::uint64_t kMaxActiveEvents = 40'000;
// After the applications have closed everything, every timer of the stack
// (retransmissions with backoff, FIN_WAIT_2, TIME_WAIT) ends well within this.
constexpr sim::Time kDrainLimit = 20 * sim::kMinute;

constexpr std::array<std::uint16_t, 4> kServicePorts = {80, 81, 82, 443};
constexpr std::uint16_t kUnusedPort = 9;       // nobody ever listens here
constexpr std::uint16_t kPeerPortBase = 6000;  // simultaneous opens and self-connects
constexpr std::uint16_t kPeerPorts = 3;
constexpr std::size_t kMaxListeners = 3;

// Low service ports are the popular ones, for listeners and clients alike.
std::uint16_t service_port(sim::RandomStream& rng) {
  return kServicePorts[std::min(rng.below(kServicePorts.size()), rng.below(kServicePorts.size()))];
}

std::size_t index(S s) { return static_cast<std::size_t>(s); }
std::size_t index(E e) { return static_cast<std::size_t>(e); }

// The transitions RFC 9293's diagram allows, plus the ones every real stack
// adds: any synchronized state to CLOSED on a reset, abort or TIME_WAIT
// overflow, and LISTEN -> SYN_RECEIVED for a new child.
bool legal(S from, S to) {
  switch (from) {
    case S::kClosed:
      return to == S::kSynSent || to == S::kListen;
    case S::kListen:
      return to == S::kSynReceived || to == S::kClosed;
    case S::kSynSent:
      return to == S::kSynReceived || to == S::kEstablished || to == S::kClosed;
    case S::kSynReceived:
      return to == S::kEstablished || to == S::kFinWait1 || to == S::kCloseWait || to == S::kClosed;
    case S::kEstablished:
      return to == S::kFinWait1 || to == S::kCloseWait || to == S::kClosed;
    case S::kFinWait1:
      return to == S::kFinWait2 || to == S::kClosing || to == S::kTimeWait || to == S::kClosed;
    case S::kFinWait2:
      return to == S::kTimeWait || to == S::kClosed;
    case S::kCloseWait:
      return to == S::kLastAck || to == S::kClosed;
    case S::kClosing:
      return to == S::kTimeWait || to == S::kClosed;
    case S::kLastAck:
    case S::kTimeWait:
      return to == S::kClosed;
  }
  return false;
}

bool sendable(S s) {
  return s == S::kSynSent || s == S::kSynReceived || s == S::kEstablished || s == S::kCloseWait;
}

bool shuttable(S s) { return s == S::kEstablished || s == S::kSynReceived || s == S::kCloseWait; }

struct Coverage {
  std::array<std::uint64_t, kStateCount> entered{};
  std::array<std::array<std::uint64_t, kStateCount>, kStateCount> transitions{};
  std::array<std::uint64_t, kSocketErrorCount> errors{};
  TcpCounters counters;
  std::uint64_t scenarios = 0;
  std::uint64_t events = 0;
  std::uint64_t checks = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t connects = 0;
  std::uint64_t accepts = 0;
  std::uint64_t misuse_calls = 0;
  std::uint64_t peer_opens = 0;
  std::uint64_t self_connects = 0;
  std::uint64_t leaked = 0;
  sim::Time simulated = 0;

  void add(const Coverage& o) {
    for (std::size_t i = 0; i < kStateCount; ++i) {
      entered[i] += o.entered[i];
      for (std::size_t j = 0; j < kStateCount; ++j) transitions[i][j] += o.transitions[i][j];
    }
    for (std::size_t i = 0; i < kSocketErrorCount; ++i) errors[i] += o.errors[i];
    add_counters(o.counters);
    scenarios += o.scenarios;
    events += o.events;
    checks += o.checks;
    bytes_sent += o.bytes_sent;
    bytes_received += o.bytes_received;
    connects += o.connects;
    accepts += o.accepts;
    misuse_calls += o.misuse_calls;
    peer_opens += o.peer_opens;
    self_connects += o.self_connects;
    leaked += o.leaked;
    simulated += o.simulated;
  }
  void add_counters(const TcpCounters& c) {
    counters.active_opens += c.active_opens;
    counters.passive_opens += c.passive_opens;
    counters.attempt_fails += c.attempt_fails;
    counters.estab_resets += c.estab_resets;
    counters.out_rsts += c.out_rsts;
    counters.retrans_segs += c.retrans_segs;
    counters.listen_overflows += c.listen_overflows;
    counters.listen_drops += c.listen_drops;
    counters.tw_recycled += c.tw_recycled;
    counters.time_wait_overflow += c.time_wait_overflow;
    counters.abort_on_data += c.abort_on_data;
    counters.abort_on_close += c.abort_on_close;
    counters.abort_on_timeout += c.abort_on_timeout;
    counters.syn_challenge += c.syn_challenge;
    counters.challenge_acks += c.challenge_acks;
    counters.tw_syn_accepted += c.tw_syn_accepted;
    counters.connect_eaddrnotavail += c.connect_eaddrnotavail;
    counters.bind_eaddrinuse += c.bind_eaddrinuse;
    counters.emfile += c.emfile;
  }
};

// How one host's application behaves; drawn per scenario.
struct AppParams {
  sim::Time mean_interval = 10 * kMs;
  double p_leak = 0;
  double p_accept_eager = 0.8;
  double p_send_early = 0.2;
  double p_close_on_connect = 0.1;
  double p_shut_on_connect = 0.1;
  double p_send_on_connect = 0.5;
  double p_close_on_accept = 0.1;
  double p_reply = 0.5;
  double p_close_on_data = 0.1;
  double p_close_on_peer_close = 0.6;
  double p_shut_on_peer_close = 0.2;
  double p_close_on_error = 0.7;
  double p_linger = 0.1;
};

enum class Role : std::uint8_t { kListener, kActive, kPassive };

// What the application knows about a descriptor it holds.
struct Sock {
  SocketId id = kNoSocket;
  Role role = Role::kActive;
  bool leak = false;
  bool shut = false;
  bool connect_pending = false;
  bool peer_closed = false;
};

class World;

class App final : public SocketOwner, public sim::EventHandler {
 public:
  App(World& world, std::size_t host, TcpStack& stack, const AppParams& params, std::uint64_t seed);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  void start(sim::Simulator& sim);
  // The process exits: every descriptor is closed, leaked ones too.
  void stop_and_close_all();
  // One side of a simultaneous open: bind(local) with SO_REUSEADDR, connect(remote).
  void open_peer(net::Endpoint local, net::Endpoint remote);
  [[nodiscard]] std::size_t descriptors() const { return socks_.size(); }

  void on_connected(SocketId s, SocketError e) override;
  void on_acceptable(SocketId listener) override;
  void on_data(SocketId s, std::uint32_t bytes) override;
  void on_peer_closed(SocketId s) override;
  void on_error(SocketId s, SocketError e) override;
  void handle(const sim::Event& event) override;

 private:
  Sock* find(SocketId s);
  template <typename Pred>
  Sock* pick(Pred pred);
  std::size_t count(Role role) const;
  void fail(const std::string& what);
  void saw(E e);
  bool chance(double p) { return rng_.uniform01() < p; }
  net::Ipv4 own_address() { return stack_.addresses()[rng_.below(stack_.addresses().size())]; }
  std::uint16_t own_ephemeral_port() {
    const PortRange& r = stack_.settings().ip_local_port_range;
    return static_cast<std::uint16_t>(r.low + rng_.below(r.size()));
  }

  std::optional<SocketId> open(Role role);
  void close_socket(SocketId s, bool linger);
  void maybe_close(SocketId s, double p);
  void do_send(SocketId s, std::uint32_t bytes);
  void do_shutdown(SocketId s);
  bool do_bind(SocketId s, net::Endpoint local);
  bool do_connect(SocketId s, net::Endpoint remote);
  void accept_from(SocketId listener, int n);
  void after_accept(SocketId s);
  std::uint32_t random_bytes() { return 1 + static_cast<std::uint32_t>(rng_.below(6000)); }

  void act();
  void act_listen();
  void act_connect();
  void act_send();
  void act_shutdown();
  void act_close();
  void act_accept();
  void act_close_listener();
  void act_misuse();
  void act_self_connect();

  World& world_;
  std::size_t host_;
  TcpStack& stack_;
  AppParams params_;
  sim::RandomStream rng_;
  sim::Simulator* sim_ = nullptr;
  sim::HandlerId self_ = 0;
  bool running_ = false;
  std::vector<Sock> socks_;
};

// Follows every reported state change of one host: a shadow of the states of
// the live (non-CLOSED) 4-tuples, which must agree with the stack's counts.
class Shadow final {
 public:
  Shadow(World& world, std::size_t host) : world_(world), host_(host) {}
  void on_state_change(const net::FourTuple& tuple, TcpState from, TcpState to);
  [[nodiscard]] const boost::unordered_flat_map<net::FourTuple, S, net::FourTupleHash>& live()
      const {
    return live_;
  }

 private:
  World& world_;
  std::size_t host_;
  boost::unordered_flat_map<net::FourTuple, S, net::FourTupleHash> live_;
};

struct Outcome {
  std::string failure;  // "" when every check held
  std::string description;
  Coverage coverage;
};

class World final : public sim::EventHandler {
 public:
  explicit World(std::uint64_t seed);
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World() override;

  Outcome run(std::uint64_t active_events);

  void fail(std::size_t host, const std::string& what);
  [[nodiscard]] bool failed() const { return !failure_.empty(); }
  Coverage& coverage() { return coverage_; }
  net::Endpoint pick_target(sim::RandomStream& rng);
  void handle(const sim::Event& event) override;

 private:
  void build();
  bool check_all();
  bool check_rows(std::size_t h);
  void check_empty();
  void peer_open();

  std::uint64_t seed_;
  sim::RandomStream rng_;
  sim::Simulator sim_;
  net::Topology topology_;
  std::unique_ptr<net::Network> network_;
  std::vector<KernelSettings> settings_;
  std::vector<std::vector<net::Ipv4>> addresses_;
  std::vector<std::unique_ptr<HostStack>> hosts_;
  std::vector<std::unique_ptr<Shadow>> shadows_;
  std::vector<std::unique_ptr<App>> apps_;
  std::optional<net::Ipv4> dead_address_;
  sim::Time peer_interval_ = 0;
  std::uint64_t active_events_ = 0;
  sim::HandlerId self_ = 0;
  bool running_ = false;
  bool in_event_ = false;
  const char* phase_ = "setup";
  std::string description_;
  std::string failure_;
  std::vector<std::pair<net::FourTuple, S>> rows_;
  Coverage coverage_;
};

// ---------------------------------------------------------------------------
// App

App::App(World& world, std::size_t host, TcpStack& stack, const AppParams& params,
         std::uint64_t seed)
    : world_(world), host_(host), stack_(stack), params_(params), rng_(seed, 1000 + host) {}

void App::start(sim::Simulator& sim) {
  sim_ = &sim;
  self_ = sim.add_handler(*this);
  running_ = true;
  for (std::uint64_t i = 1 + rng_.below(2); i > 0; --i) act_listen();
  sim.schedule_after(
      static_cast<sim::Time>(rng_.exponential(static_cast<double>(params_.mean_interval))), self_,
      0, 0);
}

void App::stop_and_close_all() {
  running_ = false;
  while (!socks_.empty()) {
    const Sock k = socks_.back();
    if (k.leak) ++world_.coverage().leaked;
    close_socket(k.id, false);
  }
}

void App::fail(const std::string& what) { world_.fail(host_, what); }

void App::saw(E e) { ++world_.coverage().errors[index(e)]; }

Sock* App::find(SocketId s) {
  for (Sock& k : socks_) {
    if (k.id == s) return &k;
  }
  return nullptr;
}

template <typename Pred>
Sock* App::pick(Pred pred) {
  std::size_t n = 0;
  for (const Sock& k : socks_) n += pred(k) ? 1 : 0;
  if (n == 0) return nullptr;
  std::size_t i = rng_.below(n);
  for (Sock& k : socks_) {
    if (!pred(k)) continue;
    if (i-- == 0) return &k;
  }
  return nullptr;
}

std::size_t App::count(Role role) const {
  return static_cast<std::size_t>(std::count_if(socks_.begin(), socks_.end(),
                                                [role](const Sock& k) { return k.role == role; }));
}

std::optional<SocketId> App::open(Role role) {
  const std::uint32_t fds = stack_.fds_in_use();
  const Opened o = stack_.socket(*this);
  saw(o.error);
  if (o.error != E::kOk && o.error != E::kEmfile) {
    fail(fmt::format("socket() returned {}", name(o.error)));
    return std::nullopt;
  }
  if ((o.error == E::kEmfile) != (fds >= stack_.settings().nofile)) {
    fail(fmt::format("socket() returned {} with {} of {} descriptors in use", name(o.error), fds,
                     stack_.settings().nofile));
  }
  if (o.error != E::kOk) return std::nullopt;
  if (find(o.socket) != nullptr) {
    fail(fmt::format("socket() returned socket {}, which the application still holds", o.socket));
  }
  if (stack_.state(o.socket) != S::kClosed) {
    fail(fmt::format("socket() returned a socket in {}", name(stack_.state(o.socket))));
  }
  Sock k;
  k.id = o.socket;
  k.role = role;
  k.leak = chance(params_.p_leak);
  socks_.push_back(k);
  return o.socket;
}

void App::close_socket(SocketId s, bool linger) {
  const auto it =
      std::find_if(socks_.begin(), socks_.end(), [s](const Sock& k) { return k.id == s; });
  if (it == socks_.end()) {
    fail(fmt::format("closing socket {}, which the application does not hold", s));
    return;
  }
  socks_.erase(it);
  if (linger) stack_.options(s).linger_zero = true;
  stack_.close(s);
}

void App::maybe_close(SocketId s, double p) {
  const Sock* k = find(s);
  if (k == nullptr || k->leak || !chance(p)) return;
  close_socket(s, chance(params_.p_linger));
}

void App::do_send(SocketId s, std::uint32_t bytes) {
  const Sock* k = find(s);
  if (k == nullptr) return;
  const S before = stack_.state(s);
  const bool expect_ok = !k->shut && sendable(before);
  const E e = stack_.send(s, bytes);
  saw(e);
  if ((e != E::kOk && e != E::kEpipe) || (e == E::kOk) != expect_ok) {
    fail(fmt::format("send() in {} (shut down: {}) returned {}", name(before), k->shut, name(e)));
  }
  if (e == E::kOk) world_.coverage().bytes_sent += bytes;
}

void App::do_shutdown(SocketId s) {
  Sock* k = find(s);
  if (k == nullptr) return;
  const S before = stack_.state(s);
  const bool expect_ok = k->shut || shuttable(before);
  const E e = stack_.shutdown_write(s);
  saw(e);
  if ((e != E::kOk && e != E::kEinval) || (e == E::kOk) != expect_ok) {
    fail(fmt::format("shutdown(SHUT_WR) in {} (shut down: {}) returned {}", name(before), k->shut,
                     name(e)));
  }
  if (e == E::kOk) k->shut = true;
}

bool App::do_bind(SocketId s, net::Endpoint local) {
  const E e = stack_.bind(s, local);
  saw(e);
  const bool no_port = local.port == 0 && stack_.options(s).bind_address_no_port;
  if (e != E::kOk && (no_port || e != E::kEaddrinuse)) {
    fail(fmt::format("bind({}) on a fresh socket returned {}", net::to_string(local), name(e)));
  }
  if (e == E::kOk && stack_.state(s) != S::kClosed) {
    fail(fmt::format("bind() left the socket in {}", name(stack_.state(s))));
  }
  return e == E::kOk;
}

bool App::do_connect(SocketId s, net::Endpoint remote) {
  const E e = stack_.connect(s, remote);
  saw(e);
  ++world_.coverage().connects;
  if (e != E::kOk && e != E::kEaddrnotavail) {
    fail(fmt::format("connect({}) on a fresh socket returned {}", net::to_string(remote), name(e)));
  }
  if (e != E::kOk) {
    if (stack_.state(s) != S::kClosed) {
      fail(fmt::format("failed connect() left the socket in {}", name(stack_.state(s))));
    }
    return false;
  }
  if (stack_.state(s) != S::kSynSent) {
    fail(fmt::format("connect() left the socket in {}", name(stack_.state(s))));
  }
  if (stack_.tuple(s).remote != remote) {
    fail(fmt::format("connect({}) gave the 4-tuple remote {}", net::to_string(remote),
                     net::to_string(stack_.tuple(s).remote)));
  }
  Sock* k = find(s);
  if (k != nullptr) k->connect_pending = true;
  return true;
}

void App::handle(const sim::Event& /*event*/) {
  if (!running_) return;
  act();
  sim_->schedule_after(
      1 + static_cast<sim::Time>(rng_.exponential(static_cast<double>(params_.mean_interval))),
      self_, 0, 0);
}

void App::act() {
  const double r = rng_.uniform01() * 100.0;
  if (r < 5) {
    act_listen();
  } else if (r < 40) {
    act_connect();
  } else if (r < 52) {
    act_send();
  } else if (r < 57) {
    act_shutdown();
  } else if (r < 79) {
    act_close();
  } else if (r < 91) {
    act_accept();
  } else if (r < 91.5) {
    act_close_listener();
  } else if (r < 99.5) {
    act_misuse();
  } else {
    act_self_connect();
  }
}

void App::act_listen() {
  if (count(Role::kListener) >= kMaxListeners) return;
  const auto s = open(Role::kListener);
  if (!s) return;
  stack_.options(*s).reuseaddr = chance(0.5);
  if (chance(0.9)) {
    const net::Ipv4 addr = chance(0.7) ? net::Ipv4{0} : own_address();
    const std::uint16_t port = chance(0.95) ? service_port(rng_) : own_ephemeral_port();
    if (!do_bind(*s, {addr, port})) {
      close_socket(*s, false);
      return;
    }
  }
  const E e = stack_.listen(*s, static_cast<int>(rng_.below(6)));
  saw(e);
  if (e != E::kOk && e != E::kEaddrinuse) {
    fail(fmt::format("listen() on a fresh socket returned {}", name(e)));
  }
  if (e != E::kOk) {
    close_socket(*s, false);
    return;
  }
  if (stack_.state(*s) != S::kListen) {
    fail(fmt::format("listen() left the socket in {}", name(stack_.state(*s))));
  }
}

void App::act_connect() {
  const auto opened = open(Role::kActive);
  if (!opened) return;
  const SocketId s = *opened;
  SocketOptions& o = stack_.options(s);
  const net::Endpoint remote = world_.pick_target(rng_);
  const double r = rng_.uniform01();
  bool bound = true;
  if (r < 0.4) {
    // connect() alone: the port is unique per 4-tuple.
  } else if (r < 0.6) {
    bound = do_bind(s, {chance(0.5) ? net::Ipv4{0} : own_address(), 0});
  } else if (r < 0.8) {
    o.bind_address_no_port = true;
    bound = do_bind(s, {chance(0.5) ? net::Ipv4{0} : own_address(), 0});
  } else {
    o.reuseaddr = chance(0.85);
    const std::uint16_t port = chance(0.85) ? own_ephemeral_port() : service_port(rng_);
    bound = do_bind(s, {chance(0.3) ? net::Ipv4{0} : own_address(), port});
  }
  if (!bound) {
    close_socket(s, false);
    return;
  }
  if (chance(0.1)) o.syncnt = static_cast<std::uint8_t>(1 + rng_.below(2));
  if (!do_connect(s, remote)) {
    close_socket(s, false);
    return;
  }
  if (chance(params_.p_send_early)) do_send(s, random_bytes());
}

void App::open_peer(net::Endpoint local, net::Endpoint remote) {
  if (!running_) return;
  const auto opened = open(Role::kActive);
  if (!opened) return;
  stack_.options(*opened).reuseaddr = true;
  if (!do_bind(*opened, local) || !do_connect(*opened, remote)) close_socket(*opened, false);
}

void App::act_self_connect() {
  ++world_.coverage().self_connects;
  const net::Endpoint here{own_address(),
                           static_cast<std::uint16_t>(kPeerPortBase + rng_.below(kPeerPorts))};
  open_peer(here, here);
}

void App::act_send() {
  const Sock* k = pick([](const Sock& x) { return x.role != Role::kListener; });
  if (k != nullptr) do_send(k->id, random_bytes());
}

void App::act_shutdown() {
  const Sock* k = pick([](const Sock& x) { return x.role != Role::kListener; });
  if (k != nullptr) do_shutdown(k->id);
}

void App::act_close() {
  for (std::uint64_t i = 1 + rng_.below(3); i > 0; --i) {
    const Sock* k = pick([](const Sock& x) { return !x.leak && x.role != Role::kListener; });
    if (k != nullptr) close_socket(k->id, chance(params_.p_linger));
  }
}

void App::act_close_listener() {
  const Sock* k = pick([](const Sock& x) { return x.role == Role::kListener; });
  if (k != nullptr) close_socket(k->id, false);
}

void App::act_accept() {
  const Sock* k = pick([](const Sock& x) { return x.role == Role::kListener; });
  if (k != nullptr) accept_from(k->id, 1 + static_cast<int>(rng_.below(4)));
}

void App::accept_from(SocketId listener, int n) {
  for (int i = 0; i < n; ++i) {
    const std::uint32_t fds = stack_.fds_in_use();
    const Opened o = stack_.accept(listener, *this);
    saw(o.error);
    if (o.error != E::kOk && o.error != E::kEagain && o.error != E::kEmfile) {
      fail(fmt::format("accept() on a listener returned {}", name(o.error)));
    }
    if (o.error == E::kEmfile && fds < stack_.settings().nofile) {
      fail(fmt::format("accept() returned EMFILE with {} of {} descriptors in use", fds,
                       stack_.settings().nofile));
    }
    if (o.error != E::kOk) return;
    ++world_.coverage().accepts;
    if (fds >= stack_.settings().nofile) {
      fail(fmt::format("accept() succeeded with {} of {} descriptors in use", fds,
                       stack_.settings().nofile));
    }
    if (find(o.socket) != nullptr) {
      fail(fmt::format("accept() returned socket {}, which the application still holds", o.socket));
    }
    const S st = stack_.state(o.socket);
    if (st != S::kEstablished && st != S::kCloseWait) {
      fail(fmt::format("accept() returned a connection in {}", name(st)));
    }
    Sock k;
    k.id = o.socket;
    k.role = Role::kPassive;
    k.leak = chance(params_.p_leak);
    socks_.push_back(k);
    after_accept(o.socket);
  }
}

void App::after_accept(SocketId s) {
  if (chance(params_.p_close_on_accept)) {
    maybe_close(s, 1.0);
  } else if (chance(params_.p_reply)) {
    do_send(s, random_bytes());
  } else if (chance(0.1)) {
    do_shutdown(s);
  }
}

// Calls that are wrong for the socket's state must fail, and change nothing.
void App::act_misuse() {
  const Sock* k = pick([](const Sock&) { return true; });
  if (k == nullptr) return;
  ++world_.coverage().misuse_calls;
  const SocketId s = k->id;
  const Role role = k->role;
  const S before = stack_.state(s);
  const net::FourTuple tuple = stack_.tuple(s);
  const bool listening = before == S::kListen;
  // Listeners not yet listening (bind failed) are closed at once, so a
  // listener here is in LISTEN.
  if (role == Role::kListener && !listening) {
    fail(fmt::format("a listener is in {}", name(before)));
    return;
  }
  auto expect = [&](const char* call, E got, E want) {
    saw(got);
    if (got != want) {
      fail(fmt::format("{} on a socket in {} returned {}, not {}", call, name(before), name(got),
                       name(want)));
    }
  };
  switch (rng_.below(4)) {
    case 0:
      expect("connect()", stack_.connect(s, world_.pick_target(rng_)),
             listening ? E::kEinval : E::kEisconn);
      break;
    case 1:
      expect("bind()", stack_.bind(s, {own_address(), own_ephemeral_port()}), E::kEinval);
      break;
    case 2:
      if (listening) {
        expect("listen() again", stack_.listen(s, static_cast<int>(rng_.below(6))), E::kOk);
      } else {
        expect("listen()", stack_.listen(s, 1), E::kEinval);
      }
      break;
    default:
      if (!listening) {
        const Opened o = stack_.accept(s, *this);
        expect("accept()", o.error, E::kEinval);
      }
      break;
  }
  if (stack_.state(s) != before || stack_.tuple(s) != tuple) {
    fail(fmt::format("a refused call moved the socket from {} {} to {} {}", name(before),
                     net::to_string(tuple.local), name(stack_.state(s)),
                     net::to_string(stack_.tuple(s).local)));
  }
}

void App::on_connected(SocketId s, SocketError e) {
  Sock* k = find(s);
  if (k == nullptr) {
    fail(fmt::format("on_connected({}) for socket {}, which the application does not hold", name(e),
                     s));
    return;
  }
  saw(e);
  if (k->role != Role::kActive || !k->connect_pending) {
    fail(fmt::format("on_connected({}) for socket {} with no connect() pending", name(e), s));
  }
  k->connect_pending = false;
  const S st = stack_.state(s);
  if (e == E::kOk) {
    if (st != S::kEstablished) fail(fmt::format("on_connected(OK) in {}", name(st)));
    const double r = rng_.uniform01();
    if (r < params_.p_close_on_connect) {
      maybe_close(s, 1.0);
    } else if (r < params_.p_close_on_connect + params_.p_shut_on_connect) {
      do_shutdown(s);
    } else if (chance(params_.p_send_on_connect)) {
      do_send(s, random_bytes());
    }
    return;
  }
  if (e != E::kEconnrefused && e != E::kEtimedout && e != E::kEconnreset) {
    fail(fmt::format("on_connected({}): not a connect() outcome", name(e)));
  }
  if (st != S::kClosed) fail(fmt::format("on_connected({}) in {}", name(e), name(st)));
  maybe_close(s, params_.p_close_on_error);
}

void App::on_acceptable(SocketId listener) {
  const Sock* k = find(listener);
  if (k == nullptr || k->role != Role::kListener) {
    fail(
        fmt::format("on_acceptable for socket {}, not a listener the application holds", listener));
    return;
  }
  if (chance(params_.p_accept_eager)) accept_from(listener, 1 + static_cast<int>(rng_.below(3)));
}

void App::on_data(SocketId s, std::uint32_t bytes) {
  Sock* k = find(s);
  if (k == nullptr || k->role == Role::kListener) {
    fail(
        fmt::format("on_data({}) for socket {}, not a connection the application holds", bytes, s));
    return;
  }
  if (bytes == 0) fail("on_data with 0 bytes");
  if (k->peer_closed) fail(fmt::format("on_data({}) after on_peer_closed", bytes));
  world_.coverage().bytes_received += bytes;
  if (chance(params_.p_reply)) do_send(s, random_bytes());
  maybe_close(s, params_.p_close_on_data);
}

void App::on_peer_closed(SocketId s) {
  Sock* k = find(s);
  if (k == nullptr || k->role == Role::kListener) {
    fail(fmt::format("on_peer_closed for socket {}, not a connection the application holds", s));
    return;
  }
  if (k->peer_closed) fail("on_peer_closed twice");
  k->peer_closed = true;
  const double r = rng_.uniform01();
  if (r < params_.p_close_on_peer_close) {
    maybe_close(s, 1.0);
  } else if (r < params_.p_close_on_peer_close + params_.p_shut_on_peer_close) {
    if (chance(0.5)) do_send(s, random_bytes());
    do_shutdown(s);
  }
}

void App::on_error(SocketId s, SocketError e) {
  Sock* k = find(s);
  if (k == nullptr || k->role == Role::kListener) {
    fail(fmt::format("on_error({}) for socket {}, not a connection the application holds", name(e),
                     s));
    return;
  }
  saw(e);
  if (k->connect_pending) fail(fmt::format("on_error({}) before on_connected", name(e)));
  if (e != E::kEconnreset && e != E::kEtimedout) {
    fail(fmt::format("on_error({}): not an error of an established connection", name(e)));
  }
  if (stack_.state(s) != S::kClosed) {
    fail(fmt::format("on_error({}) in {}", name(e), name(stack_.state(s))));
  }
  maybe_close(s, params_.p_close_on_error);
}

// ---------------------------------------------------------------------------
// Shadow

void Shadow::on_state_change(const net::FourTuple& tuple, TcpState from, TcpState to) {
  Coverage& c = world_.coverage();
  ++c.entered[index(to)];
  ++c.transitions[index(from)][index(to)];
  const std::string where =
      fmt::format("{} -> {}", net::to_string(tuple.local), net::to_string(tuple.remote));
  if (from == to) {
    world_.fail(host_, fmt::format("{} reported {} -> {}", where, name(from), name(to)));
  } else if (!legal(from, to)) {
    world_.fail(host_, fmt::format("{}: illegal transition {} -> {}", where, name(from), name(to)));
  }
  const auto it = live_.find(tuple);
  if (from == S::kListen && to == S::kSynReceived) {
    if (it != live_.end()) {
      world_.fail(host_, fmt::format("{}: new connection while the 4-tuple is live in {}", where,
                                     name(it->second)));
    }
  } else {
    const S last = it == live_.end() ? S::kClosed : it->second;
    if (last != from) {
      world_.fail(host_, fmt::format("{}: reported {} -> {}, but its last state was {}", where,
                                     name(from), name(to), name(last)));
    }
  }
  if (to == S::kClosed) {
    if (it != live_.end()) live_.erase(it);
  } else if (it != live_.end()) {
    it->second = to;
  } else {
    live_.emplace(tuple, to);
  }
}

// ---------------------------------------------------------------------------
// World

World::World(std::uint64_t seed) : seed_(seed), rng_(seed, 0) { build(); }

World::~World() = default;

void World::fail(std::size_t host, const std::string& what) {
  if (!failure_.empty()) return;
  failure_ = fmt::format("seed {} (active phase of {} events) event {} t={}ns ({}) host {}: {}",
                         seed_, active_events_, sim_.events_processed() + (in_event_ ? 1 : 0),
                         sim_.now(), phase_, host, what);
}

void World::build() {
  const std::size_t n = 2 + rng_.below(5);
  const std::size_t switches = rng_.below(3);
  auto link = [&]() {
    net::LinkParams p;
    p.latency =
        static_cast<sim::Time>(std::exp(std::log(10.0 * kUs) + rng_.uniform01() * std::log(500.0)));
    if (rng_.uniform01() < 0.4) {
      p.jitter = static_cast<sim::Time>(rng_.uniform01() * static_cast<double>(p.latency));
    }
    if (rng_.uniform01() < 0.5) p.loss = rng_.uniform01() * 0.05;
    if (rng_.uniform01() < 0.3) {
      constexpr std::array<std::uint64_t, 3> kRates = {10'000'000, 100'000'000, 1'000'000'000};
      p.bandwidth_bps = kRates[rng_.below(kRates.size())];
    }
    return p;
  };
  std::vector<net::NodeId> nodes;
  for (std::size_t h = 0; h < n; ++h) {
    std::vector<net::Ipv4> addrs{net::Ipv4{0x0a000001U + (static_cast<std::uint32_t>(h) << 8U)}};
    if (rng_.uniform01() < 0.3) addrs.push_back(net::Ipv4{addrs.front().value + 1});
    nodes.push_back(topology_.add_host(fmt::format("h{}", h), addrs));
    addresses_.push_back(addrs);
  }
  std::vector<net::NodeId> sw;
  for (std::size_t i = 0; i < switches; ++i) {
    sw.push_back(topology_.add_switch(fmt::format("s{}", i)));
    if (i > 0) topology_.add_link(sw[i - 1], sw[i], link());
  }
  if (sw.empty()) {
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = a + 1; b < n; ++b) topology_.add_link(nodes[a], nodes[b], link());
    }
  } else {
    for (std::size_t h = 0; h < n; ++h)
      topology_.add_link(nodes[h], sw[rng_.below(sw.size())], link());
    if (rng_.uniform01() < 0.3) {
      const std::size_t a = rng_.below(n);
      const std::size_t b = rng_.below(n);
      if (a != b) topology_.add_link(nodes[a], nodes[b], link());
    }
    if (rng_.uniform01() < 0.3) {
      dead_address_ = net::Ipv4{0x0a006301U};
      const net::NodeId dead = topology_.add_host("dead", {*dead_address_});
      topology_.add_link(dead, sw[rng_.below(sw.size())], link());
    }
  }
  network_ = std::make_unique<net::Network>(sim_, topology_, net::NetworkOptions{seed_});

  for (std::size_t h = 0; h < n; ++h) {
    KernelSettings k = KernelSettings::linux_defaults();
    const auto size = static_cast<std::uint16_t>(20 + rng_.below(81));
    k.ip_local_port_range = {40000, static_cast<std::uint16_t>(40000 + size - 1)};
    if (rng_.uniform01() < 0.2) {
      const auto p = static_cast<std::uint16_t>(40000 + rng_.below(size));
      k.ip_local_reserved_ports.push_back({p, static_cast<std::uint16_t>(p + rng_.below(3))});
    }
    constexpr std::array<int, 4> kReuse = {0, 1, 1, 2};
    k.tcp_tw_reuse = kReuse[rng_.below(kReuse.size())];
    constexpr std::array<sim::Time, 3> kReuseDelay = {1 * kMs, 100 * kMs, 1 * kS};
    k.tcp_tw_reuse_delay = kReuseDelay[rng_.below(kReuseDelay.size())];
    k.tcp_timestamps = rng_.uniform01() < 0.9;
    k.tcp_fin_timeout = rng_.uniform01() < 0.1 ? static_cast<sim::Time>(61 + rng_.below(10)) * kS
                                               : static_cast<sim::Time>(1 + rng_.below(10)) * kS;
    k.tcp_max_tw_buckets =
        rng_.uniform01() < 0.7 ? 1 + static_cast<std::uint32_t>(rng_.below(40)) : 131072;
    k.tcp_syn_retries = 1 + static_cast<int>(rng_.below(3));
    k.tcp_syn_linear_timeouts = static_cast<int>(rng_.below(4));
    k.tcp_synack_retries = 1 + static_cast<int>(rng_.below(3));
    if (rng_.uniform01() < 0.5) k.somaxconn = 1 + static_cast<std::uint32_t>(rng_.below(8));
    k.tcp_abort_on_overflow = rng_.uniform01() < 0.2;
    k.tcp_orphan_retries = static_cast<int>(rng_.below(4));
    k.tcp_retries2 = 2 + static_cast<int>(rng_.below(4));
    k.tcp_rfc1337 = rng_.uniform01() < 0.2;
    k.nofile = 6 + static_cast<std::uint32_t>(rng_.below(50));
    constexpr std::array<sim::Time, 4> kTimeWait = {1 * kS, 5 * kS, 20 * kS, 60 * kS};
    k.time_wait_length = kTimeWait[rng_.below(kTimeWait.size())];
    k.tcp_timeout_init = rng_.uniform01() < 0.5 ? 200 * kMs : 1 * kS;
    k.tcp_rto_max = rng_.uniform01() < 0.5 ? 10 * kS : 120 * kS;
    const std::vector<std::string> problems = k.validate();
    if (!problems.empty()) fail(h, "invalid settings: " + problems.front());
    settings_.push_back(k);
  }
  for (std::size_t h = 0; h < n; ++h) {
    hosts_.push_back(
        std::make_unique<HostStack>(sim_, *network_, settings_[h], addresses_[h], seed_, h));
    shadows_.push_back(std::make_unique<Shadow>(*this, h));
    hosts_[h]->stack().on_state_change().connect(
        [shadow = shadows_[h].get()](const net::FourTuple& t, TcpState from, TcpState to) {
          shadow->on_state_change(t, from, to);
        });
  }
  for (std::size_t h = 0; h < n; ++h) {
    AppParams p;
    p.mean_interval =
        static_cast<sim::Time>(std::exp(std::log(2.0 * kMs) + rng_.uniform01() * std::log(100.0)));
    p.p_leak = rng_.uniform01() < 0.5 ? 0.0 : rng_.uniform01() * 0.2;
    p.p_accept_eager = rng_.uniform01();
    p.p_send_early = rng_.uniform01() * 0.5;
    p.p_close_on_connect = rng_.uniform01() * 0.4;
    p.p_shut_on_connect = rng_.uniform01() * 0.2;
    p.p_send_on_connect = rng_.uniform01();
    p.p_close_on_accept = rng_.uniform01() * 0.4;
    p.p_reply = rng_.uniform01();
    p.p_close_on_data = rng_.uniform01() * 0.3;
    p.p_close_on_peer_close = rng_.uniform01();
    p.p_shut_on_peer_close = (1.0 - p.p_close_on_peer_close) * rng_.uniform01();
    p.p_close_on_error = 0.6 + 0.4 * rng_.uniform01();
    p.p_linger = rng_.uniform01() * 0.3;
    apps_.push_back(std::make_unique<App>(*this, h, hosts_[h]->stack(), p, seed_));
  }
  peer_interval_ = static_cast<sim::Time>(50 + rng_.below(500)) * kMs;
  description_ =
      fmt::format("{} hosts, {} switches{}", n, switches, dead_address_ ? ", a dead host" : "");
}

net::Endpoint World::pick_target(sim::RandomStream& rng) {
  if (dead_address_ && rng.uniform01() < 0.03) return {*dead_address_, kServicePorts[0]};
  const std::size_t h = rng.below(addresses_.size());
  const net::Ipv4 addr = addresses_[h][rng.below(addresses_[h].size())];
  const double r = rng.uniform01();
  if (r < 0.75) return {addr, service_port(rng)};
  if (r < 0.85) return {addr, kUnusedPort};
  const PortRange& range = settings_[h].ip_local_port_range;
  return {addr, static_cast<std::uint16_t>(range.low + rng.below(range.size()))};
}

void World::handle(const sim::Event& /*event*/) {
  if (!running_) return;
  peer_open();
  sim_.schedule_after(
      1 + static_cast<sim::Time>(rng_.exponential(static_cast<double>(peer_interval_))), self_, 0,
      0);
}

// Two hosts connect to each other's bound port at the same moment: their SYNs
// cross (simultaneous open) unless one arrives at a listener or an old 4-tuple.
void World::peer_open() {
  const std::size_t a = rng_.below(hosts_.size());
  std::size_t b = rng_.below(hosts_.size() - 1);
  if (b >= a) ++b;
  ++coverage_.peer_opens;
  const net::Endpoint ea{addresses_[a][rng_.below(addresses_[a].size())],
                         static_cast<std::uint16_t>(kPeerPortBase + rng_.below(kPeerPorts))};
  const net::Endpoint eb{addresses_[b][rng_.below(addresses_[b].size())],
                         static_cast<std::uint16_t>(kPeerPortBase + rng_.below(kPeerPorts))};
  apps_[a]->open_peer(ea, eb);
  apps_[b]->open_peer(eb, ea);
}

bool World::check_rows(std::size_t h) {
  const TcpStack& st = hosts_[h]->stack();
  const auto& live = shadows_[h]->live();
  rows_.clear();
  std::uint32_t fds = 0;
  std::string problem;
  st.for_each_socket([&](const SocketView& v) {
    if (v.has_fd) ++fds;
    if (!problem.empty()) return;
    if (v.minisocket) {
      if (v.has_fd || (v.state != S::kTimeWait && v.state != S::kFinWait2)) {
        problem = fmt::format("a TIME_WAIT/FIN_WAIT_2 record in {} (descriptor: {})", name(v.state),
                              v.has_fd);
      }
    } else if (!v.has_fd &&
               (v.state == S::kClosed || v.state == S::kListen || v.state == S::kSynSent)) {
      problem = fmt::format("a socket in {} that no descriptor holds", name(v.state));
    } else if (v.state == S::kTimeWait) {
      problem = "a full socket in TIME_WAIT";
    }
    if (v.state == S::kClosed) return;
    rows_.emplace_back(v.tuple, v.state);
    const auto it = live.find(v.tuple);
    if (it == live.end() || it->second != v.state) {
      problem = fmt::format("{} -> {} is in {}, but its reported state is {}",
                            net::to_string(v.tuple.local), net::to_string(v.tuple.remote),
                            name(v.state), it == live.end() ? "CLOSED" : name(it->second));
    }
    if (v.state != S::kListen) {
      const auto& mine = addresses_[h];
      if (v.tuple.local.port == 0 || v.tuple.remote.port == 0 ||
          std::find(mine.begin(), mine.end(), v.tuple.local.address) == mine.end()) {
        problem = fmt::format("a connection in {} with 4-tuple {} -> {}", name(v.state),
                              net::to_string(v.tuple.local), net::to_string(v.tuple.remote));
      }
    }
  });
  if (problem.empty() && fds != st.fds_in_use()) {
    problem = fmt::format("{} sockets hold a descriptor, fds_in_use() = {}", fds, st.fds_in_use());
  }
  if (problem.empty() && rows_.size() != live.size()) {
    problem = fmt::format("{} sockets are not CLOSED, {} 4-tuples are live by the reports",
                          rows_.size(), live.size());
  }
  if (problem.empty()) {
    std::sort(rows_.begin(), rows_.end());
    const auto dup =
        std::adjacent_find(rows_.begin(), rows_.end(),
                           [](const auto& x, const auto& y) { return x.first == y.first; });
    if (dup != rows_.end()) {
      problem = fmt::format("two live sockets share {} -> {}", net::to_string(dup->first.local),
                            net::to_string(dup->first.remote));
    }
  }
  if (!problem.empty()) {
    fail(h, problem);
    return false;
  }
  return true;
}

bool World::check_all() {
  ++coverage_.checks;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const TcpStack& st = hosts_[h]->stack();
    const std::string v = st.check_invariants();
    if (!v.empty()) {
      fail(h, "check_invariants: " + v);
      return false;
    }
    const auto& counts = st.state_counts();
    std::uint64_t sum = 0;
    for (const std::uint32_t c : counts) sum += c;
    if (sum != std::uint64_t{st.sockets_alive()} + st.minisockets_alive()) {
      fail(h, fmt::format("state counts sum to {}, sockets {} + records {}", sum,
                          st.sockets_alive(), st.minisockets_alive()));
      return false;
    }
    if (st.fds_in_use() > st.settings().nofile) {
      fail(h,
           fmt::format("{} descriptors in use, limit {}", st.fds_in_use(), st.settings().nofile));
      return false;
    }
    if (st.fds_in_use() != apps_[h]->descriptors()) {
      fail(h, fmt::format("fds_in_use() = {}, the application holds {}", st.fds_in_use(),
                          apps_[h]->descriptors()));
      return false;
    }
    if (st.minisockets_alive() > st.settings().tcp_max_tw_buckets) {
      fail(h, fmt::format("{} TIME_WAIT/FIN_WAIT_2 records, tcp_max_tw_buckets {}",
                          st.minisockets_alive(), st.settings().tcp_max_tw_buckets));
      return false;
    }
    if (shadows_[h]->live().size() != sum - counts[index(S::kClosed)]) {
      fail(h, fmt::format("{} 4-tuples live by the reports, {} sockets not CLOSED",
                          shadows_[h]->live().size(), sum - counts[index(S::kClosed)]));
      return false;
    }
    if (!check_rows(h)) return false;
  }
  return true;
}

void World::check_empty() {
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const TcpStack& st = hosts_[h]->stack();
    std::string left;
    for (std::size_t i = 0; i < kStateCount; ++i) {
      if (st.state_counts()[i] != 0) {
        left += fmt::format(" {}={}", kStateNames[i], st.state_counts()[i]);
      }
    }
    if (!left.empty() || st.sockets_alive() != 0 || st.minisockets_alive() != 0 ||
        st.ports_in_use() != 0 || st.fds_in_use() != 0 || !shadows_[h]->live().empty()) {
      std::string rows;
      st.for_each_socket([&rows](const SocketView& v) {
        if (rows.size() < 400) {
          rows += fmt::format(" [{} {}->{} fd={}]", name(v.state), net::to_string(v.tuple.local),
                              net::to_string(v.tuple.remote), v.has_fd);
        }
      });
      fail(h, fmt::format("not empty after the drain: states{}; sockets {}, records {}, ports {}, "
                          "fds {}, live 4-tuples {};{}",
                          left.empty() ? " none" : left, st.sockets_alive(), st.minisockets_alive(),
                          st.ports_in_use(), st.fds_in_use(), shadows_[h]->live().size(), rows));
      return;
    }
  }
}

Outcome World::run(std::uint64_t active_events) {
  active_events_ = active_events;
  if (failed()) return {failure_, description_, coverage_};
  phase_ = "active";
  self_ = sim_.add_handler(*this);
  running_ = true;
  sim_.schedule_after(peer_interval_, self_, 0, 0);
  for (auto& app : apps_) app->start(sim_);
  check_all();
  while (!failed() && sim_.events_processed() < active_events) {
    in_event_ = true;
    const bool stepped = sim_.step();
    in_event_ = false;
    if (!stepped) break;
    check_all();
  }
  if (!failed()) {
    phase_ = "drain";
    running_ = false;
    for (auto& app : apps_) {
      app->stop_and_close_all();
      if (!check_all()) break;
    }
  }
  const sim::Time deadline = sim_.now() + kDrainLimit;
  while (!failed()) {
    in_event_ = true;
    const bool stepped = sim_.step();
    in_event_ = false;
    if (!stepped) break;
    if (!check_all()) break;
    if (sim_.now() > deadline) {
      fail(0, fmt::format("events still pending {} s after the applications closed everything",
                          sim::to_seconds(kDrainLimit)));
    }
  }
  if (!failed()) {
    phase_ = "end";
    check_empty();
  }
  coverage_.scenarios = 1;
  coverage_.events = sim_.events_processed();
  coverage_.simulated = sim_.now();
  for (const auto& h : hosts_) coverage_.add_counters(h->stack().counters());
  return {failure_, description_, coverage_};
}

Outcome run_scenario(std::uint64_t seed, std::uint64_t active_events) {
  World world(seed);
  return world.run(active_events);
}

std::uint64_t active_events_for(std::uint64_t seed) {
  sim::RandomStream rng(seed, 7);
  return kMinActiveEvents + rng.below(kMaxActiveEvents - kMinActiveEvents + 1);
}

void print_summary(const Coverage& c, double wall_seconds) {
  fmt::print(
      "TcpProperty: {} scenarios, {} events, {} invariant checks, {:.1f} s simulated, "
      "{:.2f} s wall\n",
      c.scenarios, c.events, c.checks, sim::to_seconds(c.simulated), wall_seconds);
  fmt::print(
      "  calls: {} connects, {} accepts, {} misuse calls, {} peer opens, {} self connects, "
      "{} leaked descriptors, {} bytes sent, {} received\n",
      c.connects, c.accepts, c.misuse_calls, c.peer_opens, c.self_connects, c.leaked, c.bytes_sent,
      c.bytes_received);
  std::string states;
  for (std::size_t i = 0; i < kStateCount; ++i) {
    states += fmt::format(" {}={}", kStateNames[i], c.entered[i]);
  }
  fmt::print("  states entered:{}\n", states);
  std::string errors;
  for (std::size_t i = 1; i < kSocketErrorCount; ++i) {
    errors += fmt::format(" {}={}", kSocketErrorNames[i], c.errors[i]);
  }
  fmt::print("  errors seen:{}\n", errors);
  std::string transitions;
  for (std::size_t i = 0; i < kStateCount; ++i) {
    for (std::size_t j = 0; j < kStateCount; ++j) {
      if (c.transitions[i][j] != 0) {
        transitions +=
            fmt::format(" {}>{}={}", kSsStateNames[i], kSsStateNames[j], c.transitions[i][j]);
      }
    }
  }
  fmt::print("  transitions:{}\n", transitions);
  const TcpCounters& k = c.counters;
  fmt::print(
      "  counters: tw_recycled={} time_wait_overflow={} tw_syn_accepted={} "
      "listen_overflows={} attempt_fails={} estab_resets={} out_rsts={} retrans_segs={} "
      "abort_on_data={} abort_on_close={} abort_on_timeout={} syn_challenge={} "
      "challenge_acks={} connect_eaddrnotavail={} bind_eaddrinuse={} emfile={}\n",
      k.tw_recycled, k.time_wait_overflow, k.tw_syn_accepted, k.listen_overflows, k.attempt_fails,
      k.estab_resets, k.out_rsts, k.retrans_segs, k.abort_on_data, k.abort_on_close,
      k.abort_on_timeout, k.syn_challenge, k.challenge_acks, k.connect_eaddrnotavail,
      k.bind_eaddrinuse, k.emfile);
}

// TCPSIM_PROPERTY_SEED=<seed> [TCPSIM_PROPERTY_EVENTS=<active events>] runs that one
// scenario alone, to reproduce a failure.
TEST(TcpProperty, RandomApplicationsOnRandomNetworksKeepTheInvariants) {
  const auto start = std::chrono::steady_clock::now();
  if (const char* only = std::getenv("TCPSIM_PROPERTY_SEED"); only != nullptr) {
    const std::uint64_t seed = std::strtoull(only, nullptr, 10);
    const char* events = std::getenv("TCPSIM_PROPERTY_EVENTS");
    const Outcome o = run_scenario(
        seed, events != nullptr ? std::strtoull(events, nullptr, 10) : active_events_for(seed));
    print_summary(o.coverage,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    EXPECT_EQ(o.failure, "") << o.description;
    return;
  }
  Coverage total;
  std::vector<std::string> failures;
  for (std::uint64_t seed = 1; seed <= kScenarios; ++seed) {
    const Outcome o = run_scenario(seed, active_events_for(seed));
    total.add(o.coverage);
    if (!o.failure.empty()) failures.push_back(o.failure + " [" + o.description + "]");
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_summary(total, wall);
  for (const std::string& f : failures) ADD_FAILURE() << f;

  EXPECT_GE(total.bytes_sent, total.bytes_received);
#ifndef TCPSIM_PROPERTY_SANITIZED
  EXPECT_GE(total.events, 1'000'000U);
#endif
  for (std::size_t i = 0; i < kStateCount; ++i) {
    EXPECT_GT(total.entered[i], 0U) << "never entered " << kStateNames[i];
  }
  for (const E e : {E::kEconnrefused, E::kEtimedout, E::kEconnreset, E::kEaddrnotavail,
                    E::kEaddrinuse, E::kEmfile}) {
    EXPECT_GT(total.errors[index(e)], 0U) << "never saw " << name(e);
  }
  EXPECT_GT(total.counters.tw_recycled, 0U);
  EXPECT_GT(total.counters.time_wait_overflow, 0U);
  EXPECT_GT(total.transitions[index(S::kSynSent)][index(S::kSynReceived)], 0U)
      << "no simultaneous open";
}

TEST(TcpProperty, ScenariosAreDeterministic) {
  const Outcome a = run_scenario(3, 5'000);
  const Outcome b = run_scenario(3, 5'000);
  EXPECT_EQ(a.failure, b.failure);
  EXPECT_EQ(a.coverage.events, b.coverage.events);
  EXPECT_EQ(a.coverage.simulated, b.coverage.simulated);
  EXPECT_EQ(a.coverage.entered, b.coverage.entered);
  EXPECT_EQ(a.coverage.errors, b.coverage.errors);
  EXPECT_EQ(a.coverage.bytes_received, b.coverage.bytes_received);
}

}  // namespace
}  // namespace tcpsim::tcp
