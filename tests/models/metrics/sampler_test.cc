#include "models/metrics/sampler.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "models/metrics/host_group_metrics.h"
#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::metrics {
namespace {

using tcp::TcpState;
using tcp::testing::TwoHosts;

struct FixedApp final : Source {
  void sample(Sample& out) const override {
    out.add(host_metric("connects_attempted"), 3);
    out.add(host_metric("pool_busy"), 2);
  }
  void finish(Totals& out) const override {
    sim::Histogram h;
    h.record(1000);
    out.merge(host_metric("connect_latency"), h);
  }
};

TEST(Sampler, SamplesOnTheIntervalAndSummarisesAfterWarmup) {
  tcp::KernelSettings exact = tcp::KernelSettings::linux_defaults();
  exact.hz = 0;  // TIME_WAIT ends exactly 60 s after it began
  TwoHosts h(exact);
  h.listen(80);
  h.server_app.then_on_peer_closed = [&](tcp::SocketId s) { h.server.close(s); };
  h.client_app.then_on_connected = [&](tcp::SocketId s, tcp::SocketError) { h.client.close(s); };
  Sampler sampler(h.sim, sim::kSecond, 0);
  const std::size_t clients = sampler.add_group("clients", {&h.client});
  sampler.add_group("servers", {&h.server});
  FixedApp app;
  sampler.add_source(clients, app);
  sampler.start();
  h.connect(80);
  h.sim.run_until(100 * sim::kSecond);
  const std::vector<GroupResults> results = sampler.finish();
  ASSERT_EQ(results.size(), 2U);
  const GroupResults& c = results[0];
  ASSERT_EQ(c.times.size(), 101U);  // 0, 1, ..., 100 s
  const auto tw = static_cast<std::size_t>(TcpState::kTimeWait);
  for (std::size_t i = 0; i < c.times.size(); ++i) {
    const sim::Time t = c.times[i];
    EXPECT_EQ(t, static_cast<sim::Time>(i) * sim::kSecond);
    const bool in_time_wait = t >= sim::kSecond && t <= 60 * sim::kSecond;
    EXPECT_EQ(c.sample("state_sum", i, tw), in_time_wait ? 1U : 0U) << sim::to_seconds(t);
    EXPECT_EQ(c.sample("state_max", i, tw), in_time_wait ? 1U : 0U) << sim::to_seconds(t);
    EXPECT_EQ(c.sample("connects_attempted", i), 3U);
    EXPECT_EQ(c.sample("pool_busy", i), 2U);
  }
  // TIME_WAIT from 0.0002 s to 60.0002 s, seen by the samples at 1 ... 60 s.
  EXPECT_EQ(c.summary_number("state_peak.TIME_WAIT"), 1.0);
  EXPECT_DOUBLE_EQ(c.summary_number("state_mean.TIME_WAIT"), 0.6);
  EXPECT_EQ(c.summary_number("ports_in_use_peak"), 1.0);
  EXPECT_EQ(c.summary_number("connects_attempted"), 3.0);
  EXPECT_EQ(c.histogram("connect_latency").count(), 1U);
  EXPECT_EQ(c.summary_number("connect_latency_p50_s"), 1e-6);
  EXPECT_TRUE(std::isnan(c.summary_number("first_eaddrnotavail_s")));
  EXPECT_EQ(results[1].summary_number("state_peak.LISTEN"), 1.0);
  EXPECT_EQ(results[1].summary_number("connects_attempted"), 0.0);
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
  EXPECT_DOUBLE_EQ(results[0].summary_number("first_eaddrnotavail_s"), 5.0);
}

// Ports toward the busiest destination: 3 connections to :80 and 2 to :81 from a 10-port range
// leave 7 ports of headroom toward either; connect() gives the :81 ones ports the :80 ones use
// too, so 3 ports are bound. Taken at 0 s, held by TIME_WAIT until 62 s.
TEST(Sampler, PortsTowardTheBusiestDestinationAndTheHeadroomLeft) {
  tcp::KernelSettings s = tcp::KernelSettings::linux_defaults();
  s.ip_local_port_range = {40000, 40009};
  s.hz = 0;
  TwoHosts h(s);
  h.listen(80);
  h.listen(81);
  h.server_app.then_on_peer_closed = [&](tcp::SocketId sock) { h.server.close(sock); };
  Sampler sampler(h.sim, sim::kSecond, 0);
  const std::size_t clients = sampler.add_group("clients", {&h.client}, 10);
  sampler.add_group("servers", {&h.server});
  sampler.start();
  std::vector<tcp::SocketId> sockets;
  for (const std::uint16_t port : {80, 80, 81, 80, 81}) sockets.push_back(h.connect(port));
  h.sim.run_until(2 * sim::kSecond);
  EXPECT_EQ(h.client.ports_toward_busiest_destination(), 3U);
  for (const tcp::SocketId sock : sockets) h.client.close(sock);
  h.sim.run_until(70 * sim::kSecond);
  EXPECT_EQ(h.client.ports_toward_busiest_destination(), 0U);
  const auto results = sampler.finish();
  const GroupResults& c = results[clients];
  for (std::size_t i = 0; i < c.times.size(); ++i) {
    const bool held = c.times[i] <= 62 * sim::kSecond;
    EXPECT_EQ(c.sample("ports_per_destination", i), held ? 3U : 0U) << i;
    EXPECT_EQ(c.sample("ports_per_destination_max", i), held ? 3U : 0U) << i;
    EXPECT_EQ(c.sample("ports_in_use", i), held ? 3U : 0U) << i;
  }
  EXPECT_EQ(c.summary_number("ports_per_destination_peak"), 3.0);
  EXPECT_EQ(c.summary_number("port_headroom"), 7.0);
  EXPECT_EQ(results[1].summary_number("ports_per_destination_peak"), 0.0);
  EXPECT_TRUE(std::isnan(results[1].summary_number("port_headroom")));  // no range given
}

// A kind of node with metrics of its own: drops by direction and the earliest drop.
constexpr std::array<std::string_view, 2> kDirections{"in", "out"};
constexpr std::array<Metric, 3> kGatewayMetrics{{
    {.name = "gateway_drops",
     .unit = "packets",
     .description = "packets dropped, by direction (cumulative)",
     .kind = MetricKind::kCounter,
     .columns = {"directions", kDirections},
     .summary = {{{"gateway_drops", Reading::kLast}}}},
    {.name = "gateway_mappings",
     .unit = "mappings",
     .description = "address mappings held",
     .kind = MetricKind::kLevel,
     .max_name = "gateway_mappings_max",
     .max_description = "address mappings held by the busiest gateway",
     .summary = {{{"gateway_mappings_peak", Reading::kPeak}}}},
    {.name = "gateway_first_drop_s",
     .unit = "s",
     .description = "time of the first drop",
     .kind = MetricKind::kScalar,
     .summary = {{{"gateway_first_drop_s", Reading::kValue}}},
     .combine = Combine::kMin},
}};

class Gateway final : public Source {
 public:
  Gateway(const sim::Simulator& sim, std::uint64_t mappings, double first_drop)
      : sim_(sim), mappings_(mappings), first_drop_(first_drop) {}
  [[nodiscard]] std::span<const Metric> metrics() const override { return kGatewayMetrics; }
  void sample(Sample& out) const override {
    const auto seconds = static_cast<std::uint64_t>(sim::to_seconds(sim_.now()));
    out.add(find(kGatewayMetrics, "gateway_drops"), 0, seconds);
    out.add(find(kGatewayMetrics, "gateway_drops"), 1, 2 * seconds);
    out.add(find(kGatewayMetrics, "gateway_mappings"), mappings_);
  }
  void finish(Totals& out) const override {
    out.add(find(kGatewayMetrics, "gateway_first_drop_s"), first_drop_);
  }

 private:
  const sim::Simulator& sim_;
  std::uint64_t mappings_;
  double first_drop_;
};

TEST(Sampler, ANodeKindRegistersItsOwnMetrics) {
  sim::Simulator sim;
  Sampler sampler(sim, sim::kSecond, 0);
  const std::size_t group = sampler.add_group("gateways", {});
  const Gateway a(sim, 5, std::numeric_limits<double>::quiet_NaN());
  const Gateway b(sim, 7, 2.5);
  const Gateway c(sim, 1, 4.0);
  for (const Gateway* g : {&a, &b, &c}) sampler.add_source(group, *g);
  sampler.start();
  sim.run_until(3 * sim::kSecond);
  const std::vector<GroupResults> results = sampler.finish();
  const GroupResults& r = results.at(0);
  EXPECT_EQ(r.metrics.size(), kHostGroupMetrics.size() + kGatewayMetrics.size());
  ASSERT_EQ(r.times.size(), 4U);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r.sample("gateway_drops", i, 0), 3 * i);  // three sources
    EXPECT_EQ(r.sample("gateway_drops", i, 1), 6 * i);
    EXPECT_EQ(r.sample("gateway_mappings", i), 13U);
    EXPECT_EQ(r.sample("gateway_mappings_max", i), 7U);
  }
  EXPECT_EQ(r.summary_number("gateway_drops.in"), 9.0);
  EXPECT_EQ(r.summary_number("gateway_drops.out"), 18.0);
  EXPECT_EQ(r.summary_number("gateway_mappings_peak"), 13.0);
  EXPECT_EQ(r.summary_number("gateway_first_drop_s"), 2.5);  // the earliest; NaN is none
  EXPECT_EQ(r.summary_number("connects_attempted"), 0.0);
}

struct Stray final : Source {
  void sample(Sample& out) const override { out.add(kGatewayMetrics[1], 1); }
};

TEST(Sampler, AMetricOutsideTheGroupIsAProgrammingError) {
  sim::Simulator sim;
  Sampler sampler(sim, sim::kSecond, 0);
  const Stray stray;
  sampler.add_source(sampler.add_group("g", {}), stray);
  sampler.start();
  EXPECT_THROW(sim.run_until(0), std::logic_error);
}

constexpr std::array<Metric, 1> kClash{{{.name = "ports_in_use_max", .unit = "ports"}}};

struct Clash final : Source {
  [[nodiscard]] std::span<const Metric> metrics() const override { return kClash; }
  void sample(Sample&) const override {}
};

TEST(Sampler, TwoMetricsOfOneNameAreRefused) {
  sim::Simulator sim;
  Sampler sampler(sim, sim::kSecond, 0);
  const Clash clash;
  EXPECT_THROW(sampler.add_source(sampler.add_group("g", {}), clash), std::logic_error);
}

}  // namespace
}  // namespace tcpsim::metrics
