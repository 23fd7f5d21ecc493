// linger_zero_fraction and leak_fraction take one draw per connection: over N connections
// the count closed with a RST, or leaked, is binomial(N, fraction); 0 and 1 are exact.
#include <gtest/gtest.h>

#include <cmath>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::kSecond;
using tcp::SocketError;
using tcp::TcpState;
using testing::World;

constexpr std::uint64_t kConnections = 2000;

void expect_binomial(std::uint64_t count, double fraction) {
  const double n = kConnections;
  const double mean = n * fraction;
  const double sigma = std::sqrt(n * fraction * (1 - fraction));
  if (fraction == 0 || fraction == 1) {
    EXPECT_EQ(static_cast<double>(count), mean);
  } else {
    EXPECT_NEAR(static_cast<double>(count), mean, 4 * sigma);
  }
}

ClientConfig client_config() {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(1000);
  c.max_requests = kConnections;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kNone;
  return c;
}

ServerConfig server_config() {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  return s;
}

class FractionTest : public ::testing::TestWithParam<double> {};

// The server closes first; a connection it closes without a RST leaves a TIME_WAIT on it.
TEST_P(FractionTest, ServerLingerZero) {
  World w;
  ServerConfig s = server_config();
  s.closer = Closer::kServer;
  s.linger_zero_fraction = GetParam();
  ServerApp server(w.sim, w.server(), s, 5, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = client_config();
  c.connect.await_server_close = true;
  ClientApp client(w.sim, w.client(), c, 5, 1);
  client.start();
  w.run_until(5 * kSecond);
  ASSERT_EQ(client.counters().requests_completed, kConnections);
  const std::uint64_t time_wait = w.server().count(TcpState::kTimeWait);
  expect_binomial(kConnections - time_wait, GetParam());
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 0U);
}

// The client closes first, each connection after its one request.
TEST_P(FractionTest, ClientLingerZero) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 5, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = client_config();
  c.connect.linger_zero_fraction = GetParam();
  ClientApp client(w.sim, w.client(), c, 5, 1);
  client.start();
  w.run_until(5 * kSecond);
  ASSERT_EQ(client.counters().requests_completed, kConnections);
  const std::uint64_t time_wait = w.client().count(TcpState::kTimeWait);
  expect_binomial(kConnections - time_wait, GetParam());
  EXPECT_EQ(w.client().counters().out_rsts, kConnections - time_wait);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 0U);
}

TEST_P(FractionTest, ServerLeak) {
  testing::WorldOptions o;
  o.server_settings.nofile = 2 * kConnections;  // leaked connections keep their descriptor
  World w(o);
  ServerConfig s = server_config();
  s.leak_fraction = GetParam();
  ServerApp server(w.sim, w.server(), s, 5, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), client_config(), 5, 1);
  client.start();
  w.run_until(5 * kSecond);
  ASSERT_EQ(client.counters().requests_completed, kConnections);
  const std::uint64_t leaked = w.server().count(TcpState::kCloseWait);
  expect_binomial(leaked, GetParam());
  EXPECT_EQ(server.counters().leaked, leaked);
  EXPECT_EQ(server.connections(), leaked);
}

INSTANTIATE_TEST_SUITE_P(Fractions, FractionTest, ::testing::Values(0.0, 0.1, 0.5, 0.9, 1.0));

}  // namespace
}  // namespace tcpsim::app
