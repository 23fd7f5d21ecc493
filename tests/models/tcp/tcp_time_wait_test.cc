// TIME_WAIT records that restart their period: the ring moves them, and what
// they carry from their first entry (tw_entry_stamp, the port) stays.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "models/tcp/tcp_stack.h"
#include "tests/models/tcp/tcp_test_util.h"

namespace tcpsim::tcp {
namespace {

using testing::ip;
using testing::TwoHosts;
using S = TcpState;
constexpr sim::Time kS = sim::kSecond;

// A client TIME_WAIT on port 40001 of a two-port range whose other port is
// taken by an open connection; tests restart its period with retransmitted FINs.
struct RestartedTimeWait {
  explicit RestartedTimeWait(sim::Time reuse_delay) : h(settings(reuse_delay)) {
    h.listen(80);
    h.server_app.then_on_peer_closed = [this](SocketId s) { h.server.close(s); };
    const SocketId keeper = h.connect(80);
    h.run_for(1 * sim::kMillisecond);
    EXPECT_EQ(h.client.tuple(keeper).local.port, 40000);
    h.client_app.then_on_connected = [this](SocketId s, SocketError) { h.client.close(s); };
    h.client.on_state_change().connect([this](const net::FourTuple&, S, S to) {
      if (to == S::kTimeWait && entered < 0) entered = h.sim.now();
    });
    tuple = h.client.tuple(h.connect(80));
    EXPECT_EQ(tuple.local.port, 40001);
    h.run_for(1 * kS);
    fin = h.wire.sent_by(tuple.remote).back();
    EXPECT_TRUE(fin.fin());
  }
  static KernelSettings settings(sim::Time reuse_delay) {
    KernelSettings s = KernelSettings::linux_defaults();
    s.ip_local_port_range = {40000, 40001};
    s.tcp_tw_reuse = 1;
    s.tcp_tw_reuse_delay = reuse_delay;
    s.hz = 0;  // exact timers: the tests time the period to the nanosecond
    return s;
  }
  // The server's FIN again, as if the ACK of it had been lost: TIME_WAIT acks
  // it (the ack is lost too, or the server would answer with a reset) and restarts.
  void retransmitted_fin_at(sim::Time at) {
    h.run_for(at - h.sim.now());
    h.wire.drop = [this](const net::Segment& seg) { return seg.src == tuple.local; };
    h.client.receive(fin);
    h.wire.drop = nullptr;
  }
  SocketError connect_at(sim::Time at) {
    h.run_for(at - h.sim.now());
    const Opened o = h.client.socket(h.client_app);
    return h.client.connect(o.socket, {ip(10, 0, 0, 2), 80});
  }

  TwoHosts h;
  net::FourTuple tuple;
  net::Segment fin;
  sim::Time entered = -1;
};

TEST(TcpTimeWait, RestartedPeriodEndsOneLengthAfterTheLastRestart) {
  RestartedTimeWait tw(1 * kS);
  ASSERT_GT(tw.entered, 0);
  tw.retransmitted_fin_at(tw.entered + 40 * kS);
  tw.retransmitted_fin_at(tw.entered + 80 * kS);
  tw.h.run_for(tw.entered + 140 * kS - 1 - tw.h.sim.now());
  EXPECT_EQ(tw.h.client.count(S::kTimeWait), 1U);
  EXPECT_EQ(tw.h.client.ports_in_use(), 2U);
  EXPECT_EQ(tw.h.client.check_invariants(), "");
  tw.h.run_for(1);
  EXPECT_EQ(tw.h.client.count(S::kTimeWait), 0U);
  EXPECT_EQ(tw.h.client.ports_in_use(), 1U);
  EXPECT_EQ(tw.h.client.check_invariants(), "");
}

// tcp_tw_reuse_delay counts from the first entry, however often the period
// restarted; here the entry is 80 s older than the last restart.
TEST(TcpTimeWait, ReuseDelayCountsFromTheFirstEntry) {
  RestartedTimeWait tw(100 * kS);
  ASSERT_GT(tw.entered, 0);
  tw.retransmitted_fin_at(tw.entered + 40 * kS);
  tw.retransmitted_fin_at(tw.entered + 80 * kS);
  EXPECT_EQ(tw.connect_at(tw.entered + 99 * kS), SocketError::kEaddrnotavail);
  EXPECT_EQ(tw.h.client.counters().tw_recycled, 0U);
  EXPECT_EQ(tw.connect_at(tw.entered + 101 * kS), SocketError::kOk);
  EXPECT_EQ(tw.h.client.counters().tw_recycled, 1U);
  EXPECT_EQ(tw.h.client.check_invariants(), "");
}

TEST(TcpTimeWait, ReuseDelayCountsFromTheFirstEntryAfterOneRestart) {
  RestartedTimeWait tw(30 * kS);
  ASSERT_GT(tw.entered, 0);
  tw.retransmitted_fin_at(tw.entered + 20 * kS);
  EXPECT_EQ(tw.connect_at(tw.entered + 29 * kS), SocketError::kEaddrnotavail);
  EXPECT_EQ(tw.connect_at(tw.entered + 31 * kS), SocketError::kOk);
  EXPECT_EQ(tw.h.client.counters().tw_recycled, 1U);
}

// With HZ=250 (the Linux preset) a TIME_WAIT ends at the end of its 2.048-s wheel bucket:
// 60.004 to 62.048 s after it began, the records of a bucket together (linux-tcp.md measured
// 60.1 to 62.1 s); an orphaned FIN_WAIT_2 with tcp_fin_timeout 10 s in 256-ms batches.
TEST(TcpTimeWait, TimerWheelEndsRecordsInBatchesOnItsBoundaries) {
  for (const bool fin_wait2 : {false, true}) {
    SCOPED_TRACE(fin_wait2 ? "FIN_WAIT_2" : "TIME_WAIT");
    KernelSettings s = KernelSettings::linux_defaults();
    ASSERT_EQ(s.hz, 250);
    s.tcp_fin_timeout = 10 * kS;
    TwoHosts h(s);
    h.listen(80);
    // The server never closes, so the client's orphans wait in FIN_WAIT_2; or it closes at
    // once and the client ends in TIME_WAIT.
    if (!fin_wait2) h.server_app.then_on_peer_closed = [&h](SocketId c) { h.server.close(c); };
    h.client_app.then_on_connected = [&h](SocketId c, SocketError) { h.client.close(c); };
    const S state = fin_wait2 ? S::kFinWait2 : S::kTimeWait;
    std::map<net::FourTuple, sim::Time> began;
    std::vector<sim::Time> lifetimes;
    std::set<sim::Time> ends;
    h.client.on_state_change().connect([&](const net::FourTuple& t, S from, S to) {
      if (to == state) began[t] = h.sim.now();
      if (from == state && to != state) {
        lifetimes.push_back(h.sim.now() - began.at(t));
        ends.insert(h.sim.now());
      }
    });
    for (int i = 0; i < 40; ++i) {
      h.connect(80);
      h.run_for(137 * sim::kMillisecond);
    }
    h.run_for(70 * kS);
    ASSERT_EQ(lifetimes.size(), 40U);
    const sim::Time length = fin_wait2 ? 10 * kS : 60 * kS;
    const sim::Time granule = (fin_wait2 ? 256 : 2'048) * sim::kMillisecond;
    for (const sim::Time life : lifetimes) {
      EXPECT_GT(life, length);
      EXPECT_LE(life, length + granule);
    }
    // 40 records begun over 5.5 s end together in a few batches, each on a boundary.
    EXPECT_LE(ends.size(), 5.5 * kS / granule + 2);
    for (const sim::Time end : ends) EXPECT_EQ(end % granule, 0) << end;
    EXPECT_EQ(h.client.check_invariants(), "");
  }
}

}  // namespace
}  // namespace tcpsim::tcp
