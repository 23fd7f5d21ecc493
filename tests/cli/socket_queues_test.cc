// Recv-Q and Send-Q as ss shows them, from a stack's sockets to the printed table.
#include <gtest/gtest.h>

#include <string>

#include "cli/socket_table.h"
#include "models/tcp/tcp_stack.h"
#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::cli {
namespace {

using metrics::SocketRow;
using metrics::SocketTable;
using tcp::KernelSettings;
using tcp::SocketError;
using tcp::SocketId;
using tcp::TcpState;
using tcp::testing::ip;
using tcp::testing::TwoHosts;

struct Queues {
  std::uint32_t recv_q = 0;
  std::uint32_t send_q = 0;
  bool operator==(const Queues&) const = default;
};

Queues queues_of(const tcp::TcpStack& stack, TcpState state) {
  Queues q{~0U, ~0U};
  stack.for_each_socket([&](const tcp::SocketView& v) {
    if (v.state == state) q = {v.recv_q, v.send_q};
  });
  return q;
}

// listen(100000) with somaxconn 128: ss shows the backlog as 128, and the connections
// waiting for accept() as the Recv-Q.
TEST(SocketQueues, ListenerShowsItsAcceptQueueAndClampedBacklog) {
  KernelSettings server = KernelSettings::linux_defaults();
  server.somaxconn = 128;
  TwoHosts h(KernelSettings::linux_defaults(), server);
  h.server_app.auto_accept = false;
  h.listen(80, 100000);
  EXPECT_EQ(queues_of(h.server, TcpState::kListen), (Queues{0, 128}));
  for (int i = 0; i < 3; ++i) h.connect(80);
  h.run_for(sim::kSecond);
  EXPECT_EQ(queues_of(h.server, TcpState::kListen), (Queues{3, 128}));
}

// A SYN not yet acknowledged occupies one unit of sequence space: ss shows SYN-SENT 0 1.
TEST(SocketQueues, SynSentShowsTheSynInSendQ) {
  TwoHosts h;
  h.wire.drop = [](const net::Segment&) { return true; };
  h.connect(80);
  h.run_for(sim::kMillisecond);
  EXPECT_EQ(queues_of(h.client, TcpState::kSynSent), (Queues{0, 1}));
}

// Data the peer has not acknowledged stays in the Send-Q; an acknowledged connection
// shows 0 0.
TEST(SocketQueues, UnacknowledgedDataIsInSendQ) {
  TwoHosts h;
  h.listen(80);
  const SocketId c = h.connect(80);
  h.run_for(sim::kSecond);
  EXPECT_EQ(queues_of(h.client, TcpState::kEstablished), (Queues{0, 0}));
  h.wire.drop = [](const net::Segment& seg) { return seg.len > 0; };
  ASSERT_EQ(h.client.send(c, 1000), SocketError::kOk);
  h.run_for(10 * sim::kMillisecond);
  EXPECT_EQ(queues_of(h.client, TcpState::kEstablished), (Queues{0, 1000}));
}

TEST(SocketQueues, PrintedInTheirColumns) {
  SocketTable t;
  t.host = "servers-0";
  SocketRow listener;
  listener.state = TcpState::kListen;
  listener.tuple = {{ip(0, 0, 0, 0), 80}, {}};
  listener.has_fd = true;
  listener.recv_q = 3;
  listener.send_q = 128;
  SocketRow syn;
  syn.state = TcpState::kSynSent;
  syn.tuple = {{ip(10, 1, 0, 1), 33000}, {ip(10, 2, 0, 1), 80}};
  syn.has_fd = true;
  syn.send_q = 1;
  t.rows = {syn, listener};
  const std::string expected =
      "sockets of servers-0 at 0s\n"
      "TCP: 2 (estab 0, closed 0, orphaned 0, timewait 0)\n"
      "\n"
      "State    Recv-Q Send-Q Local Address:Port  Peer Address:Port Timer\n"
      "LISTEN   3      128          0.0.0.0:80               *:*\n"
      "SYN-SENT 0      1           10.1.0.1:33000     10.2.0.1:80\n";
  EXPECT_EQ(socket_table(t), expected);
}

}  // namespace
}  // namespace tcpsim::cli
