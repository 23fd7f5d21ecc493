// Multiplexed connections: responses, which the server sends in the order their service
// ends, are credited to their own streams, and a second connection per origin opens under load.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::kMillisecond;
using sim::kSecond;
using tcp::SocketError;
using testing::World;

ServerConfig server(double service_mean_s, bool exponential) {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = exponential ? sim::Distribution::exponential(service_mean_s)
                               : sim::Distribution::constant(service_mean_s);
  return s;
}

ClientConfig multiplexed(ArrivalProcess arrivals, std::uint64_t requests, std::uint32_t streams,
                         std::uint32_t connections) {
  ClientConfig c;
  c.arrivals = std::move(arrivals);
  c.max_requests = requests;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kMultiplexed;
  c.pool.streams_per_connection = streams;
  c.pool.max_per_destination = connections;
  return c;
}

// Poisson arrivals on one connection whose streams never run out, each served at once for
// an exponential time: an M/M/infinity queue, whose sojourn time is the service time itself.
// A request's latency is the round trip (2 x 2 links x 50 us, no jitter or serialization)
// plus that time, so its p-quantile is rtt - mean ln(1 - p). Crediting responses to the
// oldest request instead gives the p-th latency of the order statistics, well below the
// exponential's tail (p99 about 2.5 means against 4.6).
TEST(MultiplexedStreamsTest, LatencyIsTheRoundTripPlusTheRequestsOwnExponentialService) {
  constexpr double kMean = 0.02;  // s
  constexpr double kRtt = 200e-6;
  constexpr std::uint64_t kRequests = 20000;
  World w;
  ServerApp s(w.sim, w.server(), server(kMean, true), 7, 100, nullptr, &w.streams);
  ASSERT_EQ(s.start(), SocketError::kOk);
  // 100/s x 20 ms: 2 streams busy on average; P(more than 100) is nil.
  ClientApp c(w.sim, w.client(), multiplexed(ArrivalProcess::poisson(100), kRequests, 100, 1), 7, 1,
              nullptr, &w.streams);
  c.start();
  w.run_until(300 * kSecond);

  const ClientCounters cc = c.counters();
  ASSERT_EQ(cc.requests_completed, kRequests);
  EXPECT_EQ(cc.connects_attempted, 1U);
  EXPECT_EQ(c.pool().counters().waited, 1U);  // the first request, for the connection
  EXPECT_EQ(s.counters().response_bytes, cc.response_bytes);
  EXPECT_TRUE(w.streams.empty());

  const sim::Histogram& h = c.request_latency();
  const double n = static_cast<double>(kRequests);
  // The mean within 4 standard errors (mean / sqrt(n)); the first request's handshake adds
  // one round trip to one sample, nothing at this scale.
  EXPECT_NEAR(h.mean() / 1e9, kRtt + kMean, 4 * kMean / std::sqrt(n));
  for (const double p : {0.5, 0.9, 0.99}) {
    const double expected = kRtt - kMean * std::log(1 - p);
    // A sample quantile's standard error is sqrt(p (1 - p) / n) / f(q_p), with the
    // exponential's density f(q_p) = (1 - p) / mean; 4 of them, plus the histogram's
    // bucket width.
    const double se = kMean * std::sqrt(p / ((1 - p) * n));
    const double tolerance = 4 * se + expected * h.relative_error();
    EXPECT_NEAR(static_cast<double>(h.percentile(100 * p)) / 1e9, expected, tolerance)
        << "p" << 100 * p;
  }
}

// Four streams a connection and at most two connections: at 1,000 requests/s served 10 ms
// each (10 in flight), the first connection fills and a second one opens; the rest wait.
TEST(MultiplexedStreamsTest, SecondConnectionPerOriginOpensUnderLoad) {
  World w;
  ServerApp s(w.sim, w.server(), server(0.01, false), 1, 100, nullptr, &w.streams);
  ASSERT_EQ(s.start(), SocketError::kOk);
  ClientApp c(w.sim, w.client(), multiplexed(ArrivalProcess::constant(1000), 500, 4, 2), 1, 1,
              nullptr, &w.streams);
  c.start();
  std::uint32_t most_streams = 0;
  for (sim::Time t = kMillisecond; t < kSecond; t += kMillisecond / 4) {
    w.run_until(t);
    most_streams = std::max(most_streams, c.pool().streams());
  }
  w.run_until(3 * kSecond);
  const ClientCounters cc = c.counters();
  EXPECT_EQ(cc.requests_completed, 500U);
  EXPECT_EQ(cc.connects_attempted, 2U);
  EXPECT_EQ(cc.connects_succeeded, 2U);
  EXPECT_EQ(most_streams, 8U);
  EXPECT_GT(c.pool().counters().waited, 0U);
  EXPECT_EQ(w.client().check_invariants(), "");
}

// At 100 requests/s (one in flight at a time) one connection carries everything.
TEST(MultiplexedStreamsTest, OneConnectionPerOriginSufficesUnderLightLoad) {
  World w;
  ServerApp s(w.sim, w.server(), server(0.01, false), 1, 100, nullptr, &w.streams);
  ASSERT_EQ(s.start(), SocketError::kOk);
  ClientApp c(w.sim, w.client(), multiplexed(ArrivalProcess::constant(100), 100, 4, 2), 1, 1,
              nullptr, &w.streams);
  c.start();
  w.run_until(3 * kSecond);
  const ClientCounters cc = c.counters();
  EXPECT_EQ(cc.requests_completed, 100U);
  EXPECT_EQ(cc.connects_attempted, 1U);
  EXPECT_EQ(c.pool().counters().waited, 1U);  // the first request, for the connection
}

}  // namespace
}  // namespace tcpsim::app
