// A server's accept() failures by errno with the time of the first, and its connections
// that ended in an error, by errno.
#include <gtest/gtest.h>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::kMillisecond;
using sim::kSecond;
using tcp::SocketError;
using testing::World;
using testing::WorldOptions;

constexpr auto kEmfile = static_cast<std::size_t>(SocketError::kEmfile);
constexpr auto kEconnreset = static_cast<std::size_t>(SocketError::kEconnreset);

ServerConfig server_config() {
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::constant(0.001);
  return s;
}

ClientConfig requests(std::uint64_t n, PoolKind pool) {
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(100);
  c.max_requests = n;
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = pool;
  return c;
}

// RLIMIT_NOFILE 2: the listener and one connection. The keep-alive pool holds its first
// connection open, so the second one's accept() fails with EMFILE when its handshake
// completes, and is not tried again until a descriptor is freed.
TEST(ServerErrorsTest, AcceptFailuresByErrnoWithTheFirstTime) {
  WorldOptions o;
  o.server_settings.nofile = 2;
  World w(o);
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = requests(2, PoolKind::kKeepAlive);
  c.arrivals = ArrivalProcess::trace({0, kMillisecond});  // the second finds the first busy
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  sim::Time first_refused = -1;
  w.client().on_state_change().connect([&](const net::FourTuple&, tcp::TcpState, tcp::TcpState to) {
    // The second connection's final ACK reaches the server one way (100 us) later.
    if (to == tcp::TcpState::kEstablished && first_refused < 0 &&
        w.client().count(tcp::TcpState::kEstablished) == 2) {
      first_refused = w.sim.now() + 100 * sim::kMicrosecond;
    }
  });
  w.run_until(kSecond);
  const ServerCounters& s = server.counters();
  EXPECT_EQ(s.accepted, 1U);
  EXPECT_EQ(s.accept_errors[kEmfile], 1U);
  EXPECT_EQ(s.accept_emfile, 1U);
  EXPECT_EQ(s.first_accept_error[kEmfile], first_refused);
  for (std::size_t e = 0; e < s.accept_errors.size(); ++e) {
    if (e == kEmfile) continue;
    EXPECT_EQ(s.accept_errors[e], 0U) << e;
    EXPECT_EQ(s.first_accept_error[e], -1) << e;
  }
}

// Clients that close with SO_LINGER {1, 0}: each of the server's connections reads a reset.
TEST(ServerErrorsTest, ResetsReceivedCountAsEconnreset) {
  World w;
  ServerApp server(w.sim, w.server(), server_config(), 1, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c = requests(10, PoolKind::kNone);
  c.connect.linger_zero_fraction = 1;
  ClientApp client(w.sim, w.client(), c, 1, 1);
  client.start();
  w.run_until(kSecond);
  ASSERT_EQ(client.counters().requests_completed, 10U);
  const ServerCounters& s = server.counters();
  EXPECT_EQ(s.connection_errors[kEconnreset], 10U);
  EXPECT_EQ(s.errors, 10U);
  for (std::size_t e = 0; e < s.accept_errors.size(); ++e) EXPECT_EQ(s.accept_errors[e], 0U);
}

}  // namespace
}  // namespace tcpsim::app
