// Request and response sizes drawn per request: both ends of a connection agree on every
// request's sizes, and over many requests the bytes match the distribution's mean.
#include "models/app/message_sizes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace tcpsim::app {
namespace {

using sim::Distribution;
using sim::kMillisecond;
using sim::kSecond;
using tcp::SocketError;
using testing::World;

TEST(MessageSizesTest, RoundsToWholeBytesOfAtLeastOne) {
  EXPECT_EQ(to_bytes(0.0), 1U);
  EXPECT_EQ(to_bytes(-5.0), 1U);
  EXPECT_EQ(to_bytes(std::nan("")), 1U);
  EXPECT_EQ(to_bytes(1.49), 1U);
  EXPECT_EQ(to_bytes(1.5), 2U);
  EXPECT_EQ(to_bytes(99.6), 100U);
  EXPECT_EQ(to_bytes(1e300), kMaxMessageSize);
}

TEST(MessageSizesTest, ConstantSizesNeedNoKey) {
  const SizeModel m({Distribution::constant(300), Distribution::constant(2.4)});
  EXPECT_TRUE(m.constant());
  EXPECT_EQ(m.request(1, 0, 0), 300U);
  EXPECT_EQ(m.request(7, 12345, 99), 300U);
  EXPECT_EQ(m.response(7, 12345, 99), 2U);
  EXPECT_FALSE(SizeModel({Distribution::constant(1), Distribution::exponential(10)}).constant());
  EXPECT_TRUE(SizeModel(MessageSizes{}).constant());
  EXPECT_EQ(SizeModel(MessageSizes{}).request(1, 2, 3), 100U);
}

TEST(MessageSizesTest, DrawsDependOnSeedKeyAndIndexOnly) {
  const SizeModel m({Distribution::uniform(1, 1e6), Distribution::uniform(1, 1e6)});
  EXPECT_EQ(m.request(1, 42, 3), m.request(1, 42, 3));
  EXPECT_NE(m.request(1, 42, 3), m.request(1, 42, 4));
  EXPECT_NE(m.request(1, 42, 3), m.request(1, 43, 3));
  EXPECT_NE(m.request(1, 42, 3), m.request(2, 42, 3));
  EXPECT_NE(m.request(1, 42, 3), m.response(1, 42, 3));
}

// Both ends compute the same key for one connection, and two connections differ.
class RawOwner final : public tcp::SocketOwner {
 public:
  explicit RawOwner(tcp::TcpStack& stack) : stack_(stack) {}
  void on_connected(tcp::SocketId s, SocketError r) override {
    if (r == SocketError::kOk) connected.push_back(s);
  }
  void on_acceptable(tcp::SocketId listener) override {
    for (tcp::Opened o = stack_.accept(listener, *this); o.error == SocketError::kOk;
         o = stack_.accept(listener, *this)) {
      accepted.push_back(o.socket);
    }
  }
  std::vector<tcp::SocketId> connected;
  std::vector<tcp::SocketId> accepted;

 private:
  tcp::TcpStack& stack_;
};

TEST(MessageSizesTest, ConnectionKeyIsTheSameOnBothEnds) {
  World w;
  RawOwner server(w.server());
  RawOwner client(w.client());
  const tcp::Opened l = w.server().socket(server);
  ASSERT_EQ(w.server().bind(l.socket, {testing::server_address(0), 80}), SocketError::kOk);
  ASSERT_EQ(w.server().listen(l.socket, 16), SocketError::kOk);
  for (int i = 0; i < 3; ++i) {
    const tcp::Opened s = w.client().socket(client);
    ASSERT_EQ(w.client().connect(s.socket, {testing::server_address(0), 80}), SocketError::kOk);
  }
  w.run_until(10 * kMillisecond);
  ASSERT_EQ(client.connected.size(), 3U);
  ASSERT_EQ(server.accepted.size(), 3U);
  std::vector<std::uint64_t> keys;
  for (const tcp::SocketId c : client.connected) {
    const std::uint64_t k = w.client().connection_key(c);
    const auto peer = std::find_if(
        server.accepted.begin(), server.accepted.end(),
        [&](tcp::SocketId s) { return w.server().tuple(s) == w.client().tuple(c).reversed(); });
    ASSERT_NE(peer, server.accepted.end());
    EXPECT_EQ(k, w.server().connection_key(*peer));
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::unique(keys.begin(), keys.end()), keys.end());
}

struct Kind {
  std::string name;
  Distribution request;
  Distribution response;
};

std::vector<Kind> kinds() {
  return {
      {"constant", Distribution::constant(300), Distribution::constant(1200)},
      {"uniform", Distribution::uniform(100, 1900), Distribution::uniform(1000, 3000)},
      {"exponential", Distribution::exponential(800), Distribution::exponential(2000)},
      {"normal", Distribution::normal(1000, 200), Distribution::normal(5000, 1000)},
      {"lognormal", Distribution::lognormal(6, 0.5), Distribution::lognormal(7, 0.3)},
      {"pareto", Distribution::pareto(100, 3), Distribution::pareto(1000, 4)},
      {"empirical", Distribution::empirical({100, 1000, 5000}, {0.5, 0.3, 0.2}),
       Distribution::empirical({40, 4000}, {0.9, 0.1})},
  };
}

// 4 standard errors of the mean of n draws, plus half a byte of rounding.
double tolerance(const Distribution& d, double n) { return 4 * std::sqrt(d.variance() / n) + 0.5; }

class SizeKindTest : public ::testing::TestWithParam<Kind> {};

// Keep-alive connections carrying several requests each, toward one server port.
TEST_P(SizeKindTest, BytesMatchTheMeanAndBothEndsAgree) {
  constexpr std::uint64_t kRequests = 4000;
  const Kind& kind = GetParam();
  World w;
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.sizes = {{kind.request, kind.response}};
  s.service_time = Distribution::exponential(0.002);
  ServerApp server(w.sim, w.server(), s, 7, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c;
  c.arrivals = ArrivalProcess::poisson(1000);
  c.max_requests = kRequests;
  c.destinations = s.listen;
  c.sizes = s.sizes;
  c.pool.kind = PoolKind::kKeepAlive;
  c.pool.max_requests_per_connection = 10;
  ClientApp client(w.sim, w.client(), c, 7, 1);
  client.start();
  w.run_until(10 * kSecond);

  const ClientCounters cc = client.counters();
  const ServerCounters& sc = server.counters();
  ASSERT_EQ(cc.requests_completed, kRequests);
  EXPECT_EQ(sc.requests, kRequests);
  EXPECT_EQ(sc.responses, kRequests);
  // Connections carry up to 10 requests each.
  EXPECT_GE(cc.connects_attempted, kRequests / 10);
  EXPECT_LT(cc.connects_attempted, kRequests / 2);
  // Every request delimited where the client ended it, every response where the server did.
  EXPECT_EQ(sc.request_bytes, cc.request_bytes);
  EXPECT_EQ(sc.response_bytes, cc.response_bytes);
  const auto n = static_cast<double>(kRequests);
  EXPECT_NEAR(static_cast<double>(sc.request_bytes) / n, kind.request.mean(),
              tolerance(kind.request, n));
  EXPECT_NEAR(static_cast<double>(cc.response_bytes) / n, kind.response.mean(),
              tolerance(kind.response, n));
  if (kind.name != "constant") {
    // Drawn, not constant: the total is not n times one size.
    EXPECT_NE(sc.request_bytes % kRequests, 0U);
  }
}

INSTANTIATE_TEST_SUITE_P(AllKinds, SizeKindTest, ::testing::ValuesIn(kinds()),
                         [](const ::testing::TestParamInfo<Kind>& i) { return i.param.name; });

// One request per connection: the server counts a request once it has read that request's
// size, so it counts exactly one per connection only if its size is at most the client's,
// and the byte totals are then equal only if every request's two sizes are equal.
TEST(MessageSizesTest, EveryRequestIsDelimitedWhereTheClientEndedIt) {
  constexpr std::uint64_t kRequests = 2000;
  World w;
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.sizes = {{Distribution::lognormal(8, 1), Distribution::pareto(500, 2.5)}};
  ServerApp server(w.sim, w.server(), s, 11, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c;
  c.arrivals = ArrivalProcess::constant(1000);
  c.max_requests = kRequests;
  c.destinations = s.listen;
  c.sizes = s.sizes;
  ClientApp client(w.sim, w.client(), c, 11, 1);
  client.start();
  w.run_until(5 * kSecond);
  const ClientCounters cc = client.counters();
  ASSERT_EQ(cc.connects_succeeded, kRequests);
  EXPECT_EQ(server.counters().accepted, kRequests);
  EXPECT_EQ(server.counters().requests, kRequests);
  EXPECT_EQ(server.counters().request_bytes, cc.request_bytes);
  EXPECT_EQ(cc.requests_completed, kRequests);
  EXPECT_EQ(server.counters().response_bytes, cc.response_bytes);
}

// A server with two size models on ports 80 and 81, and a keep-alive client sending 100
// requests round robin to 80, 80 and 81, each connection naming the model of its port.
struct TwoModels {
  TwoModels() {
    s.listen = {{testing::server_address(0), 80}, {testing::server_address(0), 81}};
    s.sizes = {{Distribution::constant(200), Distribution::constant(300)},
               {Distribution::constant(700), Distribution::constant(50)}};
    c.arrivals = ArrivalProcess::constant(1000);
    c.max_requests = 100;
    c.destinations = {s.listen[0], s.listen[0], s.listen[1]};
    c.size_tags = {0, 1, 1};
    c.pool.kind = PoolKind::kKeepAlive;
  }
  // Runs one second; the server's and the client's byte counts must follow the models.
  void run_and_check() {
    ServerApp server(w.sim, w.server(), s, 1, 100);
    ASSERT_EQ(server.start(), SocketError::kOk);
    ClientApp client(w.sim, w.client(), c, 1, 1);
    client.start();
    w.run_until(kSecond);
    EXPECT_EQ(client.counters().requests_completed, 100U);
    // Round robin over three destinations: 34 requests follow model 0, 66 model 1.
    EXPECT_EQ(server.counters().request_bytes, 34U * 200 + 66U * 700);
    EXPECT_EQ(server.counters().response_bytes, 34U * 300 + 66U * 50);
    EXPECT_EQ(client.counters().response_bytes, 34U * 300 + 66U * 50);
  }
  World w;
  ServerConfig s;
  ClientConfig c;
};

// Each connection follows the model its SYN names, whichever port it reaches.
TEST(MessageSizesTest, EachConnectionFollowsTheModelItsSynNames) {
  TwoModels t;
  t.c.sizes = {t.s.sizes[0], t.s.sizes[1], t.s.sizes[1]};
  t.run_and_check();
}

// The same with one copy of each model and, per destination, which it is.
TEST(MessageSizesTest, DestinationsMayNameSharedModels) {
  TwoModels t;
  t.c.sizes = {t.s.sizes[0], t.s.sizes[1]};
  t.c.size_of = {0, 1, 1};
  t.run_and_check();

  ClientConfig bad = t.c;
  bad.size_of = {0, 2, 1};
  EXPECT_THROW(ClientApp(t.w.sim, t.w.client(), bad, 1, 2), std::invalid_argument);
  bad.size_of = {0, 1};
  EXPECT_THROW(ClientApp(t.w.sim, t.w.client(), bad, 1, 3), std::invalid_argument);
}

// Several requests in flight on one connection, served in parallel and so finished out of
// order: responses still leave in request order, each with its request's size.
TEST(MessageSizesTest, AMultiplexedConnectionMatchesResponsesToRequests) {
  constexpr std::uint64_t kRequests = 3000;
  World w;
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.sizes = {{Distribution::lognormal(7, 1), Distribution::exponential(3000)}};
  s.service_time = Distribution::exponential(0.005);
  ServerApp server(w.sim, w.server(), s, 3, 100);
  ASSERT_EQ(server.start(), SocketError::kOk);
  ClientConfig c;
  c.arrivals = ArrivalProcess::poisson(2000);
  c.max_requests = kRequests;
  c.destinations = s.listen;
  c.sizes = s.sizes;
  c.pool.kind = PoolKind::kMultiplexed;
  c.pool.streams_per_connection = 100;
  ClientApp client(w.sim, w.client(), c, 3, 1);
  client.start();
  std::uint32_t most_streams = 0;
  for (sim::Time t = kMillisecond; t < 2 * kSecond; t += kMillisecond) {
    w.run_until(t);
    most_streams = std::max(most_streams, client.pool().streams());
  }
  w.run_until(5 * kSecond);
  EXPECT_GE(most_streams, 10U);
  const ClientCounters cc = client.counters();
  ASSERT_EQ(cc.requests_completed, kRequests);
  EXPECT_EQ(cc.connects_attempted, 1U);
  EXPECT_EQ(server.counters().requests, kRequests);
  EXPECT_EQ(server.counters().request_bytes, cc.request_bytes);
  EXPECT_EQ(server.counters().response_bytes, cc.response_bytes);
  const Distribution& response = s.sizes[0].response;
  EXPECT_NEAR(static_cast<double>(cc.response_bytes) / kRequests, response.mean(),
              tolerance(response, kRequests));
}

}  // namespace
}  // namespace tcpsim::app
