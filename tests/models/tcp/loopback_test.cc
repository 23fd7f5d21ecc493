// A host talking to itself over 127/8 through the network's loopback: any 127/8 address
// is local, connect() picks 127.0.0.1 toward 127/8, and tcp_tw_reuse = 2 applies there.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "models/net/network.h"
#include "models/net/topology.h"
#include "models/tcp/host_stack.h"
#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::tcp {
namespace {

using testing::App;
using testing::ip;
using testing::StateLog;
using S = TcpState;
constexpr sim::Time kMs = sim::kMillisecond;
constexpr sim::Time kS = sim::kSecond;

const net::Ipv4 kHost = ip(10, 0, 0, 1);
const net::Ipv4 kLocalhost = ip(127, 0, 0, 1);
const net::Ipv4 kEnvoySource = ip(127, 0, 0, 6);

KernelSettings with_range(std::uint16_t low, std::uint16_t high, int tw_reuse) {
  KernelSettings s = KernelSettings::linux_defaults();
  s.ip_local_port_range = {low, high};
  s.tcp_tw_reuse = tw_reuse;
  return s;
}

// One host with a listener on 0.0.0.0:8080 that closes on the peer's FIN.
struct OneHost {
  explicit OneHost(const KernelSettings& settings = KernelSettings::linux_defaults()) {
    const net::NodeId node = topology.add_host("h", {kHost});
    network = std::make_unique<net::Network>(sim, topology);
    host = std::make_unique<HostStack>(sim, *network, settings, std::vector<net::Ipv4>{kHost}, 7, 1,
                                       node);
    app.stack = &stack();
    log.subscribe(stack());
    app.then_on_peer_closed = [this](SocketId s) { stack().close(s); };
  }
  TcpStack& stack() { return host->stack(); }
  void listen(net::Endpoint at) {
    const SocketId l = stack().socket(app).socket;
    ASSERT_EQ(stack().bind(l, at), SocketError::kOk);
    ASSERT_EQ(stack().listen(l, 128), SocketError::kOk);
  }
  // socket(), bind(`source`) unless it is 0.0.0.0:0 and not forced, connect(`to`).
  SocketError open(net::Endpoint to, net::Endpoint source = {}, bool bind = false) {
    const Opened o = stack().socket(app);
    if (o.error != SocketError::kOk) return o.error;
    SocketError e = SocketError::kOk;
    if (bind || source.address.value != 0 || source.port != 0) e = stack().bind(o.socket, source);
    if (e == SocketError::kOk) e = stack().connect(o.socket, to);
    if (e != SocketError::kOk) stack().close(o.socket);
    return e;
  }
  void run_for(sim::Time d) { sim.run_until(sim.now() + d); }

  sim::Simulator sim;
  net::Topology topology;
  std::unique_ptr<net::Network> network;
  std::unique_ptr<HostStack> host;
  App app;
  StateLog log;
};

TEST(Loopback, HostConnectsToItselfFrom127001) {
  OneHost h;
  h.listen({net::Ipv4{0}, 8080});
  const Opened o = h.stack().socket(h.app);
  ASSERT_EQ(h.stack().connect(o.socket, {kLocalhost, 8080}), SocketError::kOk);
  h.run_for(10 * kMs);
  ASSERT_EQ(h.app.connected.size(), 1U);
  EXPECT_EQ(h.app.connected[0].second, SocketError::kOk);
  ASSERT_EQ(h.app.accepted.size(), 1U);
  const net::FourTuple client = h.stack().tuple(o.socket);
  EXPECT_EQ(client.local.address, kLocalhost);
  EXPECT_EQ(client.remote, (net::Endpoint{kLocalhost, 8080}));
  EXPECT_EQ(h.stack().tuple(h.app.accepted[0]).local, (net::Endpoint{kLocalhost, 8080}));
  EXPECT_EQ(h.log.of(client), (std::vector<S>{S::kClosed, S::kSynSent, S::kEstablished}));
  EXPECT_EQ(h.log.of(client.reversed()),
            (std::vector<S>{S::kListen, S::kSynReceived, S::kEstablished}));

  // The client closes first: the TIME_WAIT is the client's, on 127.0.0.1.
  h.stack().close(o.socket);
  h.run_for(10 * kMs);
  EXPECT_EQ(h.log.of(client), (std::vector<S>{S::kClosed, S::kSynSent, S::kEstablished,
                                              S::kFinWait1, S::kFinWait2, S::kTimeWait}));
  EXPECT_EQ(h.stack().count(S::kTimeWait), 1U);
  EXPECT_EQ(h.stack().check_invariants(), "");
  // Nothing left the host.
  EXPECT_EQ(h.network->dropped_no_route(), 0U);
  EXPECT_EQ(h.network->delivered(), h.network->sent());
}

TEST(Loopback, ClosedPortRefuses) {
  OneHost h;
  ASSERT_EQ(h.open({kLocalhost, 9}), SocketError::kOk);
  h.run_for(10 * kMs);
  ASSERT_EQ(h.app.connected.size(), 1U);
  EXPECT_EQ(h.app.connected[0].second, SocketError::kEconnrefused);
}

TEST(Loopback, Any127AddressBindsButNoOtherForeignOne) {
  OneHost h;
  h.listen({kLocalhost, 8080});
  ASSERT_EQ(h.open({kLocalhost, 8080}, {kEnvoySource, 0}), SocketError::kOk);
  EXPECT_EQ(h.open({kLocalhost, 8080}, {ip(10, 9, 9, 9), 0}), SocketError::kEaddrnotavail);
  // A 127/8 source cannot leave the host, nor (in the model) a host address reach 127/8.
  EXPECT_EQ(h.open({ip(10, 0, 0, 2), 80}, {kEnvoySource, 0}), SocketError::kEinval);
  EXPECT_EQ(h.open({kLocalhost, 8080}, {kHost, 0}), SocketError::kEinval);
  h.run_for(10 * kMs);
  ASSERT_EQ(h.app.connected.size(), 1U);
  EXPECT_EQ(h.app.connected[0].second, SocketError::kOk);
  EXPECT_EQ(h.stack().tuple(h.app.connected[0].first).local.address, kEnvoySource);
  // The listener on 127.0.0.1 does not answer on the host's address.
  ASSERT_EQ(h.open({kHost, 8080}), SocketError::kOk);
  h.run_for(10 * kMs);
  ASSERT_EQ(h.app.connected.size(), 2U);
  EXPECT_EQ(h.app.connected[1].second, SocketError::kEconnrefused);
  EXPECT_EQ(h.stack().check_invariants(), "");
}

// Opens a connection every `interval` and closes it once established (the opener closes
// first, so each leaves a TIME_WAIT on its side); records the errors of socket calls.
class Churn final : public sim::EventHandler {
 public:
  Churn(OneHost& h, std::vector<net::Endpoint> to, net::Endpoint source, bool bind,
        sim::Time interval)
      : h_(h), to_(std::move(to)), source_(source), bind_(bind), interval_(interval) {
    self_ = h.sim.add_handler(*this);
    h.app.then_on_connected = [this](SocketId s, SocketError e) {
      if (e == SocketError::kOk) ++ok;
      h_.stack().close(s);
    };
  }
  void run(sim::Time length) {
    until_ = h_.sim.now() + length;
    h_.sim.schedule(h_.sim.now(), self_, 0, 0);
    h_.run_for(length);
  }
  void handle(const sim::Event&) override {
    const SocketError e = h_.open(to_[n_++ % to_.size()], source_, bind_);
    if (e != SocketError::kOk) errors.push_back({h_.sim.now(), e});
    if (h_.sim.now() + interval_ < until_) h_.sim.schedule_after(interval_, self_, 0, 0);
  }

  struct Failure {
    sim::Time time;
    SocketError error;
  };
  std::uint32_t ok = 0;
  std::vector<Failure> errors;

 private:
  OneHost& h_;
  std::vector<net::Endpoint> to_;
  net::Endpoint source_;
  bool bind_;
  sim::Time interval_;
  sim::HandlerId self_ = 0;
  sim::Time until_ = 0;
  std::uint32_t n_ = 0;
};

// linux-tcp.md 2.4, measured tw_reuse_default_loopback: the default tcp_tw_reuse = 2 reuses
// loopback TIME_WAITs, so 50 ports carry 5 connections/s for ever.
TEST(Loopback, DefaultTwReuseRecyclesLoopbackTimeWaits) {
  OneHost h(with_range(40000, 40049, 2));
  h.listen({net::Ipv4{0}, 8080});
  Churn churn(h, {{kLocalhost, 8080}}, {}, false, 200 * kMs);
  churn.run(30 * kS);
  EXPECT_EQ(churn.ok, 150U);
  EXPECT_TRUE(churn.errors.empty());
  EXPECT_GT(h.stack().counters().tw_recycled, 0U);
  EXPECT_LE(h.stack().count(S::kTimeWait), 50U);
  EXPECT_EQ(h.stack().check_invariants(), "");
}

TEST(Loopback, WithoutTwReuseLoopbackRunsOutLikeAnyDestination) {
  OneHost h(with_range(40000, 40049, 0));
  h.listen({net::Ipv4{0}, 8080});
  Churn churn(h, {{kLocalhost, 8080}}, {}, false, 200 * kMs);
  churn.run(20 * kS);
  EXPECT_EQ(churn.ok, 50U);
  ASSERT_EQ(churn.errors.size(), 50U);
  EXPECT_EQ(churn.errors.front().time, 10 * kS);  // the 51st connect
  EXPECT_EQ(churn.errors.front().error, SocketError::kEaddrnotavail);
  EXPECT_EQ(h.stack().counters().tw_recycled, 0U);
}

// Envoy's bind(127.0.0.6:0) before connect (istio/istio#44008): one range for every
// destination, TIME_WAITs keep their ports, tcp_tw_reuse does not apply to bind(), and
// the range+1-th bind() fails with EADDRINUSE.
TEST(Loopback, BindBeforeConnectOn127006ExhaustsTheRangeAcrossDestinations) {
  OneHost h(with_range(40000, 40049, 2));
  h.listen({net::Ipv4{0}, 8080});
  h.listen({net::Ipv4{0}, 8081});
  Churn churn(h, {{kLocalhost, 8080}, {kLocalhost, 8081}}, {kEnvoySource, 0}, true, 100 * kMs);
  churn.run(10 * kS);
  EXPECT_EQ(churn.ok, 50U);
  ASSERT_EQ(churn.errors.size(), 50U);
  EXPECT_EQ(churn.errors.front().time, 5 * kS);
  for (const auto& f : churn.errors) EXPECT_EQ(f.error, SocketError::kEaddrinuse);
  EXPECT_EQ(h.stack().count(S::kTimeWait), 50U);
  EXPECT_EQ(h.stack().counters().tw_recycled, 0U);
  EXPECT_EQ(h.stack().counters().bind_eaddrinuse, 50U);
  EXPECT_EQ(h.stack().check_invariants(), "");
}

}  // namespace
}  // namespace tcpsim::tcp
