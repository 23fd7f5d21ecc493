// connect()'s port scan with TIME_WAIT reuse: the port it takes, connect by connect, is the
// one the probe of every port in turn finds over the same state, under churn that mixes
// records young and old, FIN_WAIT_2 records, records without timestamps, full sockets,
// reserved ports and ports held by bind().
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "models/tcp/tcp_stack.h"
#include "sim/random_stream.h"
#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::tcp {

// The reference: TcpStack's scan, probing each port (tcp_port_selection.cc).
class PortScanPeer {
 public:
  struct Choice {
    bool found;
    std::uint16_t port;
    bool reuses_time_wait;
  };
  static Choice by_probe(const TcpStack& stack, net::Ipv4 saddr, net::Endpoint remote) {
    const TcpStack::ConnectScan scan = stack.scan_connect_ports(saddr, remote, true);
    return {scan.found, scan.port, scan.time_wait != kNotFound};
  }
};

namespace {

using testing::App;
using testing::ip;
using testing::Wire;
using S = TcpState;
constexpr sim::Time kMs = sim::kMillisecond;
constexpr sim::Time kS = sim::kSecond;

const net::Ipv4 kClient = ip(10, 0, 0, 1);
const net::Ipv4 kServer = ip(10, 0, 0, 2);
const net::Ipv4 kServerNoTs = ip(10, 0, 0, 3);  // timestamps off: its peers' records lack them
const net::Ipv4 kLocalhost = ip(127, 0, 0, 1);
constexpr std::uint16_t kLow = 40000;
constexpr std::uint16_t kHigh = 40299;

KernelSettings client_settings(int tw_reuse) {
  KernelSettings s = KernelSettings::linux_defaults();
  s.ip_local_port_range = {kLow, kHigh};
  s.ip_local_reserved_ports = {{40010, 40019}, {40101, 40101}, {40250, 40252}};
  s.tcp_tw_reuse = tw_reuse;
  return s;
}

// A client host, two servers and the client's own loopback listener, driven at random:
// connects to four destinations, binds that hold ports for a while, and closes by either
// side after random delays (so the client's FIN_WAIT_2 records move to TIME_WAIT young or
// already past tcp_tw_reuse_delay). Every connect() without bind() is checked against the
// reference before it is made.
class Harness final : public sim::EventHandler {
 public:
  explicit Harness(int tw_reuse, std::uint64_t seed)
      : wire_(sim_, 100 * sim::kMicrosecond),
        client_(sim_, client_settings(tw_reuse), {kClient}, wire_, seed, 1),
        server_(sim_, KernelSettings::linux_defaults(), {kServer}, wire_, seed, 2),
        server_no_ts_(sim_, no_timestamps(), {kServerNoTs}, wire_, seed, 3),
        rng_(seed, 4) {
    self_ = sim_.add_handler(*this);
    wire_.attach(kClient, client_);
    wire_.attach(kLocalhost, client_);
    wire_.attach(kServer, server_);
    wire_.attach(kServerNoTs, server_no_ts_);
    setup(client_, client_app_, {kLocalhost, 8080});
    setup(server_, server_app_, {kServer, 80});
    setup(server_, server_app_, {kServer, 81});
    setup(server_no_ts_, server_no_ts_app_, {kServerNoTs, 80});
    client_.on_state_change().connect([this](const net::FourTuple& t, S from, S to) {
      if (to == S::kFinWait2) fin_wait2_since_[t] = sim_.now();
      if (from == S::kFinWait2 && to == S::kTimeWait && sim_.now() - fin_wait2_since_[t] > kS) {
        ++late_time_waits;
      }
    });
    client_app_.then_on_connected = [this](SocketId s, SocketError e) {
      if (e != SocketError::kOk || rng_.uniform01() < 0.7) {
        close(client_, s);
      } else {
        later(client_, s, static_cast<sim::Time>(rng_.below(2000)) * kMs);  // a full socket
      }
    };
  }

  void run(sim::Time mean_gap, sim::Time duration) {
    mean_gap_ = mean_gap;
    sim_.schedule(0, self_, kAct, 0);
    sim_.run_until(duration);
  }

  void handle(const sim::Event& e) override {
    if (::testing::Test::HasFailure()) return;
    if (e.kind == kClose) {
      close(*stacks_[e.a], e.target);
      return;
    }
    const double r = rng_.uniform01();
    if (r < 0.05) {
      bind_and_hold(static_cast<std::uint16_t>(kLow + rng_.below(kHigh - kLow + 1)));
    } else if (r < 0.08) {
      bind_and_hold(0);
    } else {
      connect(r);
    }
    sim_.schedule_after(
        static_cast<sim::Time>(rng_.exponential(static_cast<double>(mean_gap_))) + 1, self_, kAct,
        0);
  }

  TcpStack& client() { return client_; }
  std::uint32_t checked = 0;
  std::uint32_t refused = 0;
  std::uint64_t expected_reuses = 0;
  std::uint32_t loopback_connects = 0;
  // FIN_WAIT_2 -> TIME_WAIT moves of the client's connections more than 1 s (the default
  // tcp_tw_reuse_delay) after FIN_WAIT_2 began: records reusable as soon as they move.
  std::uint32_t late_time_waits = 0;

 private:
  enum Kind : std::uint16_t { kAct, kClose };

  static KernelSettings no_timestamps() {
    KernelSettings s = KernelSettings::linux_defaults();
    s.tcp_timestamps = false;
    return s;
  }

  void setup(TcpStack& stack, App& app, net::Endpoint at) {
    app.stack = &stack;
    const SocketId l = stack.socket(app).socket;
    ASSERT_EQ(stack.bind(l, at), SocketError::kOk);
    ASSERT_EQ(stack.listen(l, 1024), SocketError::kOk);
    app.then_on_accepted = [this, &stack](SocketId s) {
      open_.insert({&stack, s});
      if (rng_.uniform01() < 0.1) close(stack, s);  // the server closes first
    };
    app.then_on_peer_closed = [this, &stack](SocketId s) {
      const double r = rng_.uniform01();
      if (r < 0.5) {
        close(stack, s);
      } else {
        // The client's record waits in FIN_WAIT_2, up to 3 s (past tcp_tw_reuse_delay).
        later(stack, s, static_cast<sim::Time>(rng_.below(3000)) * kMs);
      }
    };
  }

  void connect(double r) {
    net::Endpoint to{kServer, 80};
    if (r < 0.3) {
      to = {kServer, 81};
    } else if (r < 0.45) {
      to = {kServerNoTs, 80};
    } else if (r < 0.6) {
      to = {kLocalhost, 8080};
    }
    const Opened o = client_.socket(client_app_);
    ASSERT_EQ(o.error, SocketError::kOk);
    open_.insert({&client_, o.socket});
    const net::Ipv4 source = to.address.is_loopback() ? kLocalhost : kClient;
    const PortScanPeer::Choice want = PortScanPeer::by_probe(client_, source, to);
    const std::uint64_t recycled = client_.counters().tw_recycled;
    const SocketError e = client_.connect(o.socket, to);
    ++checked;
    if (to.address.is_loopback()) ++loopback_connects;
    if (!want.found) {
      ASSERT_EQ(e, SocketError::kEaddrnotavail) << sim_.now();
      ++refused;
      close(client_, o.socket);
      return;
    }
    ASSERT_EQ(e, SocketError::kOk) << sim_.now();
    ASSERT_EQ(client_.tuple(o.socket).local, (net::Endpoint{source, want.port})) << sim_.now();
    ASSERT_EQ(client_.counters().tw_recycled - recycled, want.reuses_time_wait ? 1U : 0U)
        << sim_.now() << " port " << want.port;
    expected_reuses += want.reuses_time_wait ? 1U : 0U;
  }

  void bind_and_hold(std::uint16_t port) {
    const Opened o = client_.socket(client_app_);
    ASSERT_EQ(o.error, SocketError::kOk);
    open_.insert({&client_, o.socket});
    if (client_.bind(o.socket, {kClient, port}) != SocketError::kOk) {
      close(client_, o.socket);
      return;
    }
    later(client_, o.socket, static_cast<sim::Time>(rng_.below(3000)) * kMs);
  }

  void later(TcpStack& stack, SocketId s, sim::Time delay) {
    sim_.schedule_after(delay, self_, kClose, s, index_of(stack));
  }
  void close(TcpStack& stack, SocketId s) {
    if (open_.erase({&stack, s}) == 0) return;
    stack.close(s);
  }
  std::uint64_t index_of(const TcpStack& stack) const {
    return &stack == &client_ ? 0 : &stack == &server_ ? 1 : 2;
  }

  sim::Simulator sim_;
  Wire wire_;
  TcpStack client_;
  TcpStack server_;
  TcpStack server_no_ts_;
  TcpStack* stacks_[3] = {&client_, &server_, &server_no_ts_};
  App client_app_;
  App server_app_;
  App server_no_ts_app_;
  sim::RandomStream rng_;
  sim::HandlerId self_ = 0;
  sim::Time mean_gap_ = 0;
  std::set<std::pair<TcpStack*, SocketId>> open_;
  std::map<net::FourTuple, sim::Time> fin_wait2_since_;
};

// 30 s at 500 actions a second, about 14,000 connects checked; then the counts all runs share.
void run(Harness& h, std::uint64_t seed) {
  h.run(2 * kMs, 30 * kS);
  ASSERT_FALSE(::testing::Test::HasFatalFailure()) << "seed " << seed;
  EXPECT_GT(h.checked, 12000U) << seed;
  EXPECT_EQ(h.client().counters().tw_recycled, h.expected_reuses) << seed;
  EXPECT_EQ(h.client().check_invariants(), "") << seed;
}

TEST(PortScan, ReuseOnTakesTheProbesPortAtEveryConnect) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    Harness h(1, seed);
    run(h, seed);
    EXPECT_GT(h.refused, 0U) << seed;             // the range ran out at times
    EXPECT_GT(h.expected_reuses, 3000U) << seed;  // and TIME_WAITs were taken over
    EXPECT_GT(h.late_time_waits, 2000U) << seed;
  }
}

TEST(PortScan, LoopbackOnlyReuseTakesTheProbesPortAtEveryConnect) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    Harness h(2, seed);
    run(h, seed);
    EXPECT_GT(h.loopback_connects, 1500U) << seed;
    EXPECT_GT(h.expected_reuses, 1000U) << seed;  // toward 127.0.0.1 only
    EXPECT_GT(h.late_time_waits, 500U) << seed;
  }
}

// A FIN_WAIT_2 record older than tcp_tw_reuse_delay is reusable the moment it moves to
// TIME_WAIT (its age counts from FIN_WAIT_2), and not before.
TEST(PortScan, FinWait2RecordIsReusableOnceInTimeWait) {
  KernelSettings s = client_settings(1);
  s.ip_local_port_range = {40000, 40001};
  s.ip_local_reserved_ports = {};
  testing::TwoHosts h(s);
  h.listen(80);
  h.client_app.then_on_connected = [&h](SocketId c, SocketError) { h.client.close(c); };
  auto open = [&h] {
    const Opened o = h.client.socket(h.client_app);
    const SocketError e = h.client.connect(o.socket, {kServer, 80});
    if (e != SocketError::kOk) h.client.close(o.socket);
    return e == SocketError::kOk ? h.client.tuple(o.socket).local.port : std::uint16_t{0};
  };
  EXPECT_EQ(open(), 40000);  // the server keeps it half open: a FIN_WAIT_2 record
  h.run_for(1500 * kMs);
  EXPECT_EQ(open(), 40001);  // 40000's record is FIN_WAIT_2, 1.5 s old
  h.run_for(10 * kMs);
  ASSERT_EQ(h.server_app.peer_closed.size(), 2U);
  h.server.close(h.server_app.peer_closed[1]);
  h.run_for(490 * kMs);
  EXPECT_EQ(h.client.count(S::kFinWait2), 1U);
  EXPECT_EQ(h.client.count(S::kTimeWait), 1U);
  EXPECT_EQ(open(), 0);  // 40001's TIME_WAIT is 0.5 s old
  h.server.close(h.server_app.peer_closed[0]);
  h.run_for(100 * kMs);
  EXPECT_EQ(h.client.count(S::kTimeWait), 2U);
  EXPECT_EQ(open(), 40000);
  EXPECT_EQ(h.client.counters().tw_recycled, 1U);
  h.run_for(500 * kMs);
  EXPECT_EQ(open(), 40001);  // 40000 holds the new connection's FIN_WAIT_2 record
  EXPECT_EQ(h.client.counters().tw_recycled, 2U);
  EXPECT_EQ(h.client.counters().connect_eaddrnotavail, 1U);
  EXPECT_EQ(h.client.check_invariants(), "");
}

TEST(PortScan, ReuseOffTakesTheProbesPortAtEveryConnect) {
  Harness h(0, 1);
  run(h, 1);
  EXPECT_GT(h.refused, 0U);
  EXPECT_EQ(h.expected_reuses, 0U);
}

}  // namespace
}  // namespace tcpsim::tcp
