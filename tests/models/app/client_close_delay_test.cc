// A client's close.delay: a connection it does not keep is closed that long after the
// response was read, so by Little's law rate x delay connections stay ESTABLISHED.
#include <gtest/gtest.h>

#include <vector>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::kMillisecond;
using sim::kSecond;
using tcp::SocketError;
using tcp::TcpState;
using testing::World;

ServerConfig server_config() {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::constant(0.001);
  return s;
}

ClientConfig delayed_close_client(double rate, sim::Time delay) {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(rate);
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kNone;
  c.connect.close_delay = delay;
  return c;
}

// A connection per request every 10 ms, each ESTABLISHED for about 1.3 ms of request and
// response and then 100 ms of delay: between arrivals, exactly 100 ms / 10 ms of them.
TEST(ClientCloseDelayTest, EstablishedCountIsRateTimesDelay) {
  constexpr double kRate = 100;
  constexpr sim::Time kDelay = 100 * kMillisecond;
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientApp client(w.sim, w.client(), delayed_close_client(kRate, kDelay), 1, 1);
  client.start();
  const auto expected = static_cast<std::uint32_t>(kRate * sim::to_seconds(kDelay));
  for (int k = 20; k < 200; ++k) {
    // From 5 to 9 ms after an arrival: past the previous one's response.
    for (int ms = 5; ms <= 9; ms += 4) {
      w.run_until(k * 10 * kMillisecond + ms * kMillisecond);
      ASSERT_EQ(w.client().count(TcpState::kEstablished), expected) << "t = " << w.sim.now();
      ASSERT_EQ(client.pool().closing(), expected);
    }
  }
  EXPECT_EQ(client.pool().open(), 0U);
  EXPECT_EQ(client.counters().requests_failed, 0U);
  EXPECT_EQ(w.client().check_invariants(), "");
}

sim::Time fin_time(sim::Time delay, PoolKind kind) {
  World w;
  testing::ActiveCloses fins(w.sim, w.client());
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  EXPECT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = delayed_close_client(10, delay);
  c.max_requests = 1;
  c.pool.kind = kind;
  c.pool.max_requests_per_connection = 1;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(2 * kSecond);
  EXPECT_EQ(client.counters().requests_completed, 1U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 1U);
  EXPECT_EQ(fins.times.size(), 1U);
  return fins.times.empty() ? -1 : fins.times[0];
}

TEST(ClientCloseDelayTest, TheFinLeavesDelayAfterTheResponse) {
  const sim::Time at_once = fin_time(0, PoolKind::kNone);
  // The request leaves at 100 ms; connect, request and response take 1.4 ms.
  EXPECT_GT(at_once, 100 * kMillisecond);
  EXPECT_LT(at_once, 102 * kMillisecond);
  EXPECT_EQ(fin_time(250 * kMillisecond, PoolKind::kNone), at_once + 250 * kMillisecond);
  // A keep-alive pool retiring a connection after its last request closes it the same way.
  EXPECT_EQ(fin_time(250 * kMillisecond, PoolKind::kKeepAlive), at_once + 250 * kMillisecond);
}

TEST(ClientCloseDelayTest, TheServersFinEndsTheDelay) {
  World w;
  ServerConfig s = server_config();
  s.closer = Closer::kServer;
  s.close_delay = 20 * kMillisecond;
  ServerApp server(w.sim, w.server(), s, 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = delayed_close_client(10, 500 * kMillisecond);
  c.max_requests = 5;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(kSecond);
  // The server closed first, 20 ms after each response; the client answered at once.
  EXPECT_EQ(client.counters().requests_completed, 5U);
  EXPECT_EQ(client.pool().closing(), 0U);
  EXPECT_EQ(w.client().sockets_alive(), 0U);
  EXPECT_EQ(w.server().count(TcpState::kTimeWait), 5U);
  EXPECT_EQ(w.client().count(TcpState::kTimeWait), 0U);
}

}  // namespace
}  // namespace tcpsim::app
