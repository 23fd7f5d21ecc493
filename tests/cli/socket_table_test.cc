#include "cli/socket_table.h"

#include <gtest/gtest.h>

#include <string>

#include "models/tcp/tcp_stack.h"
#include "sim/time.h"

namespace tcpsim::cli {
namespace {

using metrics::SocketRow;
using metrics::SocketTable;
using tcp::TcpState;

net::Endpoint ep(const char* address, std::uint16_t port) {
  return {*net::parse_ipv4(address), port};
}

SocketRow row(TcpState state, net::FourTuple tuple, bool has_fd = true) {
  SocketRow r;
  r.state = state;
  r.tuple = tuple;
  r.has_fd = has_fd;
  return r;
}

TEST(SsTimerText, MatchesSsPrintMsTimer) {
  EXPECT_EQ(ss_timer_text(sim::milliseconds(200)), "200ms");
  EXPECT_EQ(ss_timer_text(sim::milliseconds(5500)), "5.500ms");
  EXPECT_EQ(ss_timer_text(sim::milliseconds(1000)), "1sec");
  EXPECT_EQ(ss_timer_text(sim::milliseconds(59'999)), "59sec");
  EXPECT_EQ(ss_timer_text(sim::milliseconds(60'000)), "1min");
  EXPECT_EQ(ss_timer_text(sim::milliseconds(90'500)), "1min30sec");
  EXPECT_EQ(ss_timer_text(sim::milliseconds(61'500)), "1min1sec");
  EXPECT_EQ(ss_timer_text(sim::milliseconds(12 * 60'000 + 5'000)), "12min");
  EXPECT_EQ(ss_timer_text(sim::milliseconds(7) + 999'999), "007ms");  // truncated, as ss pads
  EXPECT_EQ(ss_timer_text(0), "0ms");
}

TEST(ParseSocketTableRequest, SplitsHostAndTime) {
  std::string error;
  auto r = parse_socket_table_request("clients-0@30s", &error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_EQ(r->host, "clients-0");
  EXPECT_EQ(r->time, 30 * sim::kSecond);
  r = parse_socket_table_request("a@b-1@1m30s", &error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_EQ(r->host, "a@b-1");
  EXPECT_EQ(r->time, 90 * sim::kSecond);
}

TEST(ParseSocketTableRequest, RejectsMalformed) {
  for (const char* bad : {"clients-0", "@30s", "clients-0@", "clients-0@xyz", "clients-0@30"}) {
    std::string error;
    EXPECT_FALSE(parse_socket_table_request(bad, &error).has_value()) << bad;
    EXPECT_NE(error.find(bad), std::string::npos) << error;
  }
}

TEST(SocketTotals, CountsAsSsSummaryDoes) {
  SocketTable t;
  const net::FourTuple c{ep("10.0.0.1", 40000), ep("10.1.0.1", 80)};
  t.rows.push_back(row(TcpState::kListen, {ep("0.0.0.0", 80), {}}));
  t.rows.push_back(row(TcpState::kEstablished, c));
  t.rows.push_back(row(TcpState::kCloseWait, c));
  t.rows.push_back(row(TcpState::kClosed, c));
  t.rows.push_back(row(TcpState::kFinWait1, c, false));
  t.rows.push_back(row(TcpState::kFinWait1, c, true));  // the application still holds it
  t.rows.push_back(row(TcpState::kLastAck, c, false));
  t.rows.push_back(row(TcpState::kTimeWait, c, false));
  t.rows.push_back(row(TcpState::kTimeWait, c, false));
  const SocketTotals s = socket_totals(t);
  EXPECT_EQ(s.total, 9U);
  EXPECT_EQ(s.estab, 2U);
  EXPECT_EQ(s.closed, 1U);
  EXPECT_EQ(s.orphaned, 2U);
  EXPECT_EQ(s.timewait, 2U);
}

TEST(SocketTable, PrintsListenersFirstAlignedWithTimers) {
  SocketTable t;
  t.host = "servers-0";
  t.time = 30 * sim::kSecond;
  SocketRow tw = row(TcpState::kTimeWait, {ep("10.1.0.1", 80), ep("10.0.0.1", 40000)}, false);
  tw.minisocket = true;
  tw.timer = static_cast<std::uint8_t>(tcp::SocketTimer::kTimeWait);
  tw.timer_left = sim::milliseconds(59'500);
  SocketRow syn = row(TcpState::kSynSent, {ep("10.1.0.1", 33000), ep("10.2.0.1", 5432)});
  syn.timer = static_cast<std::uint8_t>(tcp::SocketTimer::kRetransmit);
  syn.timer_left = sim::milliseconds(200);
  syn.retransmits = 1;
  t.rows = {tw, syn, row(TcpState::kListen, {ep("0.0.0.0", 80), {}})};
  const std::string expected =
      "sockets of servers-0 at 30s\n"
      "TCP: 3 (estab 0, closed 0, orphaned 0, timewait 1)\n"
      "\n"
      "State     Recv-Q Send-Q Local Address:Port  Peer Address:Port  Timer\n"
      "LISTEN    0      0            0.0.0.0:80               *:*\n"
      "TIME-WAIT 0      0           10.1.0.1:80        10.0.0.1:40000 timer:(timewait,59sec,0)\n"
      "SYN-SENT  0      0           10.1.0.1:33000     10.2.0.1:5432  timer:(on,200ms,1)\n";
  EXPECT_EQ(socket_table(t), expected);
}

}  // namespace
}  // namespace tcpsim::cli
