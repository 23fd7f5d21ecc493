#include "models/metrics/sampler.h"

#include <gtest/gtest.h>

#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::metrics {
namespace {

using tcp::TcpState;
using tcp::testing::TwoHosts;

struct FixedApp final : AppStats {
  void add_to(GroupSample& s) const override {
    s.connects_attempted += 3;
    s.pool_busy += 2;
  }
  void merge_latencies(GroupResults& g) const override { g.connect_latency.record(1000); }
};

TEST(Sampler, SamplesOnTheIntervalAndSummarisesAfterWarmup) {
  TwoHosts h;
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](tcp::SocketId s) { h.server.close(s); };
  h.client_app.then_on_connected = [&](tcp::SocketId s, tcp::SocketError) { h.client.close(s); };
  Sampler sampler(h.sim, sim::kSecond, 0);
  const std::size_t clients = sampler.add_group("clients", {&h.client});
  sampler.add_group("servers", {&h.server});
  FixedApp app;
  sampler.add_app(clients, app);
  sampler.start();
  h.connect(80);
  h.sim.run_until(100 * sim::kSecond);
  const std::vector<GroupResults> results = sampler.finish();
  ASSERT_EQ(results.size(), 2U);
  const GroupResults& c = results[0];
  ASSERT_EQ(c.samples.size(), 101U);  // 0, 1, ..., 100 s
  const auto tw = static_cast<std::size_t>(TcpState::kTimeWait);
  for (const GroupSample& s : c.samples) {
    const bool in_time_wait = s.time >= sim::kSecond && s.time <= 60 * sim::kSecond;
    EXPECT_EQ(s.state_sum[tw], in_time_wait ? 1U : 0U) << sim::to_seconds(s.time);
    EXPECT_EQ(s.connects_attempted, 3U);
    EXPECT_EQ(s.pool_busy, 2U);
  }
  // TIME_WAIT from 0.0002 s to 60.0002 s, seen by the samples at 1 ... 60 s.
  EXPECT_EQ(c.summary.state_peak[tw], 1U);
  EXPECT_DOUBLE_EQ(c.summary.state_mean[tw], 0.6);
  EXPECT_EQ(c.summary.ports_in_use_peak, 1U);
  EXPECT_EQ(c.connect_latency.count(), 1U);
  EXPECT_EQ(results[1].summary.state_peak[static_cast<std::size_t>(TcpState::kListen)], 1U);
}

TEST(Sampler, RecordsTheFirstEaddrnotavail) {
  tcp::KernelSettings s = tcp::KernelSettings::linux_defaults();
  s.ip_local_port_range = {40000, 40001};
  s.tcp_tw_reuse = 0;
  TwoHosts h(s);
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](tcp::SocketId sock) { h.server.close(sock); };
  h.client_app.then_on_connected = [&](tcp::SocketId sock, tcp::SocketError) {
    h.client.close(sock);
  };
  Sampler sampler(h.sim, sim::kSecond, 0);
  sampler.add_group("clients", {&h.client});
  sampler.start();
  h.connect(80);
  h.sim.run_until(2 * sim::kSecond);
  h.connect(80);
  h.sim.run_until(5 * sim::kSecond);
  const tcp::Opened o = h.client.socket(h.client_app);
  EXPECT_EQ(h.client.connect(o.socket, {tcp::testing::ip(10, 0, 0, 2), 80}),
            tcp::SocketError::kEaddrnotavail);
  h.sim.run_until(6 * sim::kSecond);
  const auto results = sampler.finish();
  EXPECT_EQ(results[0].summary.first_eaddrnotavail, 5 * sim::kSecond);
}

}  // namespace
}  // namespace tcpsim::metrics
