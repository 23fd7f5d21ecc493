// The outcomes linux-tcp.md sections 1 and 2 measured on Linux 6.18.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "models/tcp/tcp_stack.h"
#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::tcp {
namespace {

using testing::ip;
using testing::TwoHosts;
using S = TcpState;
constexpr sim::Time kMs = sim::kMillisecond;
constexpr sim::Time kS = sim::kSecond;

enum class BindMode { kConnect, kBindZero, kBindNoPort };

// Opens connections at a fixed rate; each closes as soon as it is established
// (the client closes first) and the server closes on the client's FIN.
class Churn final : public sim::EventHandler {
 public:
  Churn(TwoHosts& h, std::vector<std::uint16_t> ports, sim::Time interval, BindMode mode)
      : h_(h), ports_(std::move(ports)), interval_(interval), mode_(mode) {
    self_ = h.sim.add_handler(*this);
    h.server_app.then_on_peer_closed = [&h](SocketId s) { h.server.close(s); };
    h.client_app.then_on_connected = [this](SocketId s, SocketError e) {
      if (e == SocketError::kOk) {
        ++ok;
        used_ports.push_back(h_.client.tuple(s).local.port);
      } else {
        ++failed_later;
      }
      h_.client.close(s);
    };
  }
  void start(sim::Time until) {
    until_ = until;
    h_.sim.schedule(h_.sim.now(), self_, 0, 0);
  }
  void handle(const sim::Event&) override {
    const std::uint16_t port = ports_[n_++ % ports_.size()];
    const Opened o = h_.client.socket(h_.client_app);
    if (o.error != SocketError::kOk) {
      errors.push_back({h_.sim.now(), o.error});
    } else {
      SocketError e = SocketError::kOk;
      if (mode_ == BindMode::kBindZero || mode_ == BindMode::kBindNoPort) {
        h_.client.options(o.socket).bind_address_no_port = mode_ == BindMode::kBindNoPort;
        e = h_.client.bind(o.socket, {ip(0, 0, 0, 0), 0});
      }
      if (e == SocketError::kOk) e = h_.client.connect(o.socket, {ip(10, 0, 0, 2), port});
      if (e != SocketError::kOk) {
        errors.push_back({h_.sim.now(), e});
        h_.client.close(o.socket);
      }
    }
    if (h_.sim.now() + interval_ < until_) h_.sim.schedule_after(interval_, self_, 0, 0);
  }

  struct Failure {
    sim::Time time;
    SocketError error;
  };
  std::uint32_t ok = 0;
  std::uint32_t failed_later = 0;
  std::vector<Failure> errors;
  std::vector<std::uint16_t> used_ports;

 private:
  TwoHosts& h_;
  std::vector<std::uint16_t> ports_;
  sim::Time interval_;
  BindMode mode_;
  sim::HandlerId self_ = 0;
  sim::Time until_ = 0;
  std::uint32_t n_ = 0;
};

KernelSettings with_range(std::uint16_t low, std::uint16_t high) {
  KernelSettings s = KernelSettings::linux_defaults();
  s.ip_local_port_range = {low, high};
  s.tcp_tw_reuse = 0;
  return s;
}

void listen_on(TwoHosts& h, std::initializer_list<std::uint16_t> ports) {
  for (auto p : ports) h.listen(p);
}

TEST(PortAllocation, TenPortRangeGivesTenConnectsThenEaddrnotavail) {
  TwoHosts h(with_range(40000, 40009));
  listen_on(h, {80});
  Churn churn(h, {80}, 200 * kMs, BindMode::kConnect);  // 5 connects/s
  churn.start(20 * kS);
  h.run_for(20 * kS);
  EXPECT_EQ(churn.ok, 10U);
  ASSERT_EQ(churn.errors.size(), 90U);
  EXPECT_EQ(churn.errors.front().time, 2 * kS);  // the 11th connect
  for (const auto& f : churn.errors) EXPECT_EQ(f.error, SocketError::kEaddrnotavail);
  // Same parity as the low end first: five even ports, then five odd.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(churn.used_ports[i] % 2, 0) << i;
  for (int i = 5; i < 10; ++i) EXPECT_EQ(churn.used_ports[i] % 2, 1) << i;
  EXPECT_EQ(std::set<std::uint16_t>(churn.used_ports.begin(), churn.used_ports.end()).size(), 10U);
  EXPECT_EQ(h.client.count(S::kTimeWait), 10U);
  EXPECT_EQ(h.client.ports_in_use(), 10U);
  EXPECT_EQ(h.client.check_invariants(), "");
}

TEST(PortAllocation, PortsComeBackWhenTimeWaitEnds) {
  TwoHosts h(with_range(40000, 40009));
  listen_on(h, {80});
  Churn churn(h, {80}, 200 * kMs, BindMode::kConnect);
  churn.start(75 * kS);
  h.run_for(75 * kS);
  // 10 at once, 10 again once the first TIME_WAITs end about 60 s later.
  EXPECT_EQ(churn.ok, 20U);
  EXPECT_EQ(h.client.count(S::kTimeWait), 10U);
}

TEST(PortAllocation, EachDestinationPortHasItsOwnRange) {
  TwoHosts h(with_range(40000, 40009));
  listen_on(h, {80, 81});
  Churn churn(h, {80, 81}, 100 * kMs, BindMode::kConnect);
  churn.start(10 * kS);
  h.run_for(10 * kS);
  EXPECT_EQ(churn.ok, 20U);
  EXPECT_EQ(h.client.count(S::kTimeWait), 20U);
  EXPECT_EQ(h.client.ports_in_use(), 10U);  // each port twice, once per destination
}

TEST(PortAllocation, BindBeforeConnectSharesOneRangeAcrossDestinations) {
  TwoHosts h(with_range(40000, 40009));
  listen_on(h, {80, 81});
  Churn churn(h, {80, 81}, 100 * kMs, BindMode::kBindZero);
  churn.start(10 * kS);
  h.run_for(10 * kS);
  EXPECT_EQ(churn.ok, 10U);
  ASSERT_FALSE(churn.errors.empty());
  EXPECT_EQ(churn.errors.front().error, SocketError::kEaddrinuse);
  EXPECT_EQ(churn.errors.front().time, 1 * kS);
  // bind(0) takes the opposite parity first: odd ports, then even.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(churn.used_ports[i] % 2, 1) << i;
  for (int i = 5; i < 10; ++i) EXPECT_EQ(churn.used_ports[i] % 2, 0) << i;
}

TEST(PortAllocation, BindAddressNoPortRestoresPerDestinationRanges) {
  TwoHosts h(with_range(40000, 40009));
  listen_on(h, {80, 81});
  Churn churn(h, {80, 81}, 100 * kMs, BindMode::kBindNoPort);
  churn.start(10 * kS);
  h.run_for(10 * kS);
  EXPECT_EQ(churn.ok, 20U);
  ASSERT_FALSE(churn.errors.empty());
  EXPECT_EQ(churn.errors.front().error, SocketError::kEaddrnotavail);
  EXPECT_EQ(churn.errors.front().time, 2 * kS);
}

// A range of one port ("40000 40000"): connect() and bind() scan it like any other. Five
// connects a second for 10 s, alternating between the listed server ports.
struct OnePortChurn {
  OnePortChurn(const KernelSettings& s, std::vector<std::uint16_t> ports, BindMode mode)
      : h(s), churn(h, ports, 200 * kMs, mode) {
    for (const std::uint16_t p : ports) h.listen(p);
    churn.start(10 * kS);
    h.run_for(10 * kS);
  }
  // Every failure is `error`, the first at `first`.
  void expect_failures(std::size_t count, sim::Time first, SocketError error) {
    ASSERT_EQ(churn.errors.size(), count);
    EXPECT_EQ(churn.errors.front().time, first);
    for (const auto& f : churn.errors) EXPECT_EQ(f.error, error);
    EXPECT_EQ(h.client.check_invariants(), "");
  }
  TwoHosts h;
  Churn churn;
};

TEST(PortAllocation, OnePortRangeGivesOneConnectionPerDestination) {
  for (const std::uint16_t port : {40000, 40001, 65535}) {
    SCOPED_TRACE(port);
    OnePortChurn r(with_range(port, port), {80, 81}, BindMode::kConnect);
    EXPECT_EQ(r.churn.ok, 2U);
    r.expect_failures(48, 400 * kMs, SocketError::kEaddrnotavail);
    EXPECT_EQ(r.churn.used_ports, (std::vector<std::uint16_t>{port, port}));
    EXPECT_EQ(r.h.client.count(S::kTimeWait), 2U);
    EXPECT_EQ(r.h.client.ports_in_use(), 1U);
  }
  // IP_BIND_ADDRESS_NO_PORT keeps the range per destination.
  OnePortChurn no_port(with_range(40001, 40001), {80, 81}, BindMode::kBindNoPort);
  EXPECT_EQ(no_port.churn.ok, 2U);
  no_port.expect_failures(48, 400 * kMs, SocketError::kEaddrnotavail);
}

TEST(PortAllocation, OnePortRangeUnderBindZeroServesOneDestination) {
  OnePortChurn r(with_range(40000, 40000), {80, 81}, BindMode::kBindZero);
  EXPECT_EQ(r.churn.ok, 1U);
  r.expect_failures(49, 200 * kMs, SocketError::kEaddrinuse);
}

// With tcp_tw_reuse the one port is taken over from its TIME_WAIT once that is more than
// 1 s old: the connects at 0, 1.2, 2.4, ..., 9.6 s succeed, 9 of the 50.
TEST(PortAllocation, OnePortRangeWithTwReuseReusesItsTimeWait) {
  KernelSettings s = with_range(40000, 40000);
  s.tcp_tw_reuse = 1;
  OnePortChurn r(s, {80}, BindMode::kConnect);
  EXPECT_EQ(r.churn.ok, 9U);
  r.expect_failures(41, 200 * kMs, SocketError::kEaddrnotavail);
  EXPECT_EQ(r.h.client.counters().tw_recycled, 8U);
  EXPECT_LE(r.h.client.count(S::kTimeWait), 1U);
}

TEST(PortAllocation, TwReuseWithTimestampsNeverFailsAtFivePerSecondOnFiftyPorts) {
  KernelSettings s = with_range(40000, 40049);
  s.tcp_tw_reuse = 1;
  TwoHosts h(s);
  listen_on(h, {80});
  Churn churn(h, {80}, 200 * kMs, BindMode::kConnect);
  churn.start(90 * kS);
  h.run_for(90 * kS);
  EXPECT_EQ(churn.ok, 450U);
  EXPECT_TRUE(churn.errors.empty());
  // Reuse starts once a TIME_WAIT is older than 1 s, so the even half of the
  // range serves everything (linux-tcp.md 2.4, tw_reuse_on).
  std::set<std::uint16_t> distinct(churn.used_ports.begin(), churn.used_ports.end());
  EXPECT_LE(distinct.size(), 25U);
  for (auto p : distinct) EXPECT_EQ(p % 2, 0);
  EXPECT_EQ(h.client.counters().tw_recycled, 450U - distinct.size());
  EXPECT_LE(h.client.count(S::kTimeWait), 25U);
}

TEST(PortAllocation, TwReuseDelayBoundsCapacity) {
  KernelSettings s = with_range(40000, 40049);
  s.tcp_tw_reuse = 1;
  s.tcp_tw_reuse_delay = 20 * kS;
  TwoHosts h(s);
  listen_on(h, {80});
  Churn churn(h, {80}, 200 * kMs, BindMode::kConnect);
  churn.start(45 * kS);
  h.run_for(45 * kS);
  // ok 0-10 s, fail 10-20 s, ok 20-30 s, fail 30-40 s, ok 40-45 s. At the
  // edges one connect more fails: at 20.0 s the oldest TIME_WAIT is 200 us
  // short of 20 s old (it began a round trip after its connect).
  ASSERT_FALSE(churn.errors.empty());
  EXPECT_EQ(churn.errors.front().time, 10 * kS);
  for (const auto& f : churn.errors) {
    const sim::Time t = f.time;
    EXPECT_TRUE((t >= 10 * kS && t <= 20 * kS) || (t >= 30 * kS && t <= 40200 * kMs))
        << sim::to_seconds(t);
  }
  EXPECT_EQ(churn.ok, 50U + 50U + 25U - 2U);
}

TEST(PortAllocation, TwReuseNeedsTimestamps) {
  KernelSettings s = with_range(40000, 40049);
  s.tcp_tw_reuse = 1;
  s.tcp_timestamps = false;
  TwoHosts h(s);
  listen_on(h, {80});
  Churn churn(h, {80}, 200 * kMs, BindMode::kConnect);
  churn.start(20 * kS);
  h.run_for(20 * kS);
  EXPECT_EQ(churn.ok, 50U);
  EXPECT_EQ(churn.errors.size(), 50U);
  EXPECT_EQ(h.client.counters().tw_recycled, 0U);
}

TEST(PortAllocation, TwReuseTwoAppliesToLoopbackOnly) {
  KernelSettings s = with_range(40000, 40049);
  s.tcp_tw_reuse = 2;
  TwoHosts h(s);  // 10.0.0.x: not loopback
  listen_on(h, {80});
  Churn churn(h, {80}, 200 * kMs, BindMode::kConnect);
  churn.start(20 * kS);
  h.run_for(20 * kS);
  EXPECT_EQ(churn.ok, 50U);
  EXPECT_EQ(h.client.counters().tw_recycled, 0U);
}

TEST(PortAllocation, MaxTwBucketsCapsTimeWaitExactly) {
  KernelSettings s = with_range(40000, 40049);
  s.tcp_max_tw_buckets = 20;
  TwoHosts h(s);
  listen_on(h, {80});
  Churn churn(h, {80}, 200 * kMs, BindMode::kConnect);
  std::uint32_t peak = 0;
  struct Peak : sim::EventHandler {
    TwoHosts* h;
    std::uint32_t* peak;
    void handle(const sim::Event&) override {
      *peak = std::max(*peak, h->client.count(S::kTimeWait));
      h->sim.schedule_after(10 * kMs, id, 0, 0);
    }
    sim::HandlerId id = 0;
  } sampler;
  sampler.h = &h;
  sampler.peak = &peak;
  sampler.id = h.sim.add_handler(sampler);
  h.sim.schedule(0, sampler.id, 0, 0);
  churn.start(40 * kS);
  h.run_for(40 * kS);
  EXPECT_EQ(churn.ok, 200U);
  EXPECT_TRUE(churn.errors.empty());
  EXPECT_EQ(peak, 20U);
  EXPECT_EQ(h.client.counters().time_wait_overflow, 180U);
}

TEST(PortAllocation, ExplicitBindWithReuseaddrTakesOverATimeWait) {
  KernelSettings s = with_range(40000, 40049);
  TwoHosts h(s);
  listen_on(h, {80});
  h.server_app.then_on_peer_closed = [&](SocketId s2) { h.server.close(s2); };
  h.client_app.then_on_connected = [&](SocketId c, SocketError) { h.client.close(c); };
  auto open_from = [&](std::uint16_t port, bool reuse) {
    const SocketId c = h.client.socket(h.client_app).socket;
    h.client.options(c).reuseaddr = reuse;
    const SocketError e = h.client.bind(c, {ip(10, 0, 0, 1), port});
    if (e != SocketError::kOk) {
      h.client.close(c);
      return e;
    }
    return h.client.connect(c, {ip(10, 0, 0, 2), 80});
  };
  ASSERT_EQ(open_from(45000, true), SocketError::kOk);
  ASSERT_EQ(open_from(45001, false), SocketError::kOk);
  h.run_for(10 * kS);
  ASSERT_EQ(h.client.count(S::kTimeWait), 2U);
  EXPECT_EQ(open_from(45000, true), SocketError::kOk);  // TIME_WAIT had SO_REUSEADDR
  EXPECT_EQ(open_from(45001, true), SocketError::kEaddrinuse);
  EXPECT_EQ(open_from(45001, false), SocketError::kEaddrinuse);
  EXPECT_EQ(h.client.counters().tw_recycled, 1U);
  h.run_for(1 * kS);
  EXPECT_EQ(h.client.check_invariants(), "");
}

TEST(PortAllocation, ReservedPortsAreSkipped) {
  KernelSettings s = with_range(40000, 40009);
  s.ip_local_reserved_ports = {{40002, 40005}};
  TwoHosts h(s);
  listen_on(h, {80});
  Churn churn(h, {80}, 200 * kMs, BindMode::kConnect);
  churn.start(4 * kS);
  h.run_for(4 * kS);
  EXPECT_EQ(churn.ok, 6U);
  for (auto p : churn.used_ports) EXPECT_TRUE(p < 40002 || p > 40005) << p;
}

TEST(PortAllocation, OpenFilesLimitGivesEmfileButTimeWaitHoldsNoDescriptor) {
  KernelSettings s = with_range(40000, 40049);
  s.nofile = 5;
  TwoHosts h(s);
  listen_on(h, {80});
  std::vector<SocketId> held;
  for (int i = 0; i < 5; ++i) {
    const Opened o = h.client.socket(h.client_app);
    ASSERT_EQ(o.error, SocketError::kOk);
    held.push_back(o.socket);
  }
  EXPECT_EQ(h.client.socket(h.client_app).error, SocketError::kEmfile);
  for (SocketId c : held) h.client.close(c);
  Churn churn(h, {80}, 200 * kMs, BindMode::kConnect);
  churn.start(10 * kS);
  h.run_for(10 * kS);
  EXPECT_EQ(churn.ok, 50U);
  EXPECT_TRUE(churn.errors.empty());
  EXPECT_EQ(h.client.count(S::kTimeWait), 50U);
  EXPECT_EQ(h.client.fds_in_use(), 0U);
}

}  // namespace
}  // namespace tcpsim::tcp
