// Scenarios at the edges of valid input run to the end with the counts their arithmetic
// predicts: a one-port ephemeral range, closed-loop users whose requests take no time, a
// destination port nobody listens on.

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "models/metrics/run_results.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/world.h"

namespace tcpsim::scenarios {
namespace {

// Every group's results of a run of runs/<name>.
metrics::RunResults run(const std::string& name) {
  const LoadResult loaded = load_scenario(std::string(TCPSIM_RUNS_DIR) + "/" + name);
  std::string problems;
  for (const Problem& p : loaded.problems) problems += p.to_string() + "\n";
  EXPECT_TRUE(loaded.ok()) << problems;
  if (!loaded.ok()) return {};
  return run_scenario(loaded, std::nullopt, false);
}

metrics::GroupResults group(metrics::RunResults& results, const std::string& name) {
  for (metrics::GroupResults& g : results.groups) {
    if (g.name == name) return std::move(g);
  }
  ADD_FAILURE() << "no group " << name;
  return {};
}

// The results of group `group_name` in a run of runs/<name>.
metrics::GroupResults run_group(const std::string& name, const std::string& group_name) {
  metrics::RunResults results = run(name);
  return group(results, group_name);
}

metrics::GroupResults run_clients(const std::string& name) { return run_group(name, "clients"); }

// Arrivals at 0.1, 0.2, ..., 9.9 s: 99 connects per host, the first of each succeeds.
TEST(EdgeRuns, OnePortRangeGivesEachHostOneConnection) {
  const metrics::GroupResults c = run_clients("one_port_range.pbtxt");
  EXPECT_EQ(c.summary_number("connects_attempted"), 198U);
  EXPECT_EQ(c.summary_number("requests_completed"), 2U);
  EXPECT_EQ(c.summary_number("failures.EADDRNOTAVAIL"), 196U);
  EXPECT_EQ(c.summary_number("requests_failed.connect"), 196U);
  EXPECT_EQ(c.summary_number("state_peak.TIME_WAIT"), 2U);
  EXPECT_EQ(c.summary_number("nstat.TcpActiveOpens"), 2U);
}

TEST(EdgeRuns, ClosedLoopOverIdealLinksAdvancesAMinimumCycleARequest) {
  const metrics::GroupResults c = run_clients("closed_loop_ideal_links.pbtxt");
  EXPECT_EQ(c.summary_number("requests_completed"), 10000U);
  EXPECT_EQ(c.summary_number("connects_attempted"), 1U);
  EXPECT_EQ(c.summary_number("requests_failed.pool_full"), 0U);
  EXPECT_EQ(c.summary_number("requests_failed.connect"), 0U);
}

TEST(EdgeRuns, ClosedLoopRefusedByItsPoolAdvancesAMinimumCycleARequest) {
  const metrics::GroupResults c = run_clients("closed_loop_pool_rejects.pbtxt");
  EXPECT_EQ(c.summary_number("requests_completed"), 0U);
  EXPECT_EQ(c.summary_number("requests_failed.pool_full"), 10000U);
  EXPECT_EQ(c.summary_number("connects_attempted"), 1U);
}

// A port with no listener is a warning, placed as problems are, and the run goes on: each of
// the 99 connects per host is refused after one round trip.
TEST(EdgeRuns, APortWithNoListenerIsRefusedEveryTime) {
  const std::string file = std::string(TCPSIM_RUNS_DIR) + "/no_listener.pbtxt";
  const LoadResult loaded = load_scenario(file);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded.warnings.size(), 1U);
  EXPECT_EQ(loaded.warnings[0].to_string(),
            file +
                ":28:3: clients[0].target_ports[0]: no server listens on port 8080 of group "
                "\"backend\": its connects are refused (ECONNREFUSED) after a round trip");
  const metrics::GroupResults c = run_clients("no_listener.pbtxt");
  EXPECT_EQ(c.summary_number("connects_attempted"), 198U);
  EXPECT_EQ(c.summary_number("connects_succeeded"), 0U);
  EXPECT_EQ(c.summary_number("failures.ECONNREFUSED"), 198U);
  EXPECT_EQ(c.summary_number("requests_failed.connect"), 198U);
  EXPECT_EQ(c.summary_number("requests_completed"), 0U);
  EXPECT_EQ(c.summary_number("nstat.TcpActiveOpens"), 198U);
  EXPECT_EQ(c.summary_number("nstat.TcpAttemptFails"), 198U);
  EXPECT_EQ(c.summary_number("state_peak.TIME_WAIT"), 0U);
}

// Samples every second from 15 s on see 20 held FIN_WAIT_2 sockets and 50 orphans per host;
// the backend keeps every connection it accepted before the end in CLOSE_WAIT.
TEST(EdgeRuns, HalfClosedSocketsHeldByTheClientFollowLittlesLaw) {
  const metrics::GroupResults c = run_clients("half_close_hold.pbtxt");
  EXPECT_EQ(c.summary_number("requests_completed"), 2U * 149U);
  EXPECT_EQ(c.summary_number("state_peak.FIN_WAIT_2"), 2U * (20U + 50U));
  // Orphaned FIN_WAIT_2 records made by the closes at t + 4 s up to 30 s, none in TIME_WAIT.
  EXPECT_EQ(c.summary_number("nstat.TcpExtTW"), 2U * 129U);
  EXPECT_EQ(c.summary_number("state_peak.TIME_WAIT"), 0U);
  const metrics::GroupResults b = run_group("half_close_hold.pbtxt", "backend");
  EXPECT_EQ(b.summary_number("state_peak.CLOSE_WAIT"), 2U * 149U);
}

// 99 probes per host, all completed, each leaving its TIME_WAIT on the client.
TEST(EdgeRuns, ConnectOnlyProbesLeaveTheTimeWaitOnTheClient) {
  const metrics::GroupResults c = run_clients("connect_only.pbtxt");
  EXPECT_EQ(c.summary_number("connects_attempted"), 198U);
  EXPECT_EQ(c.summary_number("requests_completed"), 198U);
  EXPECT_EQ(c.summary_number("requests_failed.connect"), 0U);
  EXPECT_EQ(c.summary_number("state_peak.TIME_WAIT"), 198U);
  const metrics::GroupResults b = run_group("connect_only.pbtxt", "backend");
  EXPECT_EQ(b.summary_number("nstat.TcpPassiveOpens"), 198U);
  EXPECT_EQ(b.summary_number("state_peak.TIME_WAIT"), 0U);
}

// Requests at 1, 2, ..., 21 s per host: connects at t (21 of them), t + 3 (t <= 18) and t + 6
// (t <= 15), and failures by timeout at t + 8 (t <= 13).
TEST(EdgeRuns, RequestTimeoutsRetryTowardAServerThatNeverAnswers) {
  const metrics::GroupResults c = run_clients("request_timeout_retries.pbtxt");
  EXPECT_EQ(c.summary_number("connects_attempted"), 2U * (21U + 18U + 15U));
  EXPECT_EQ(c.summary_number("connects_succeeded"), 2U * (21U + 18U + 15U));
  EXPECT_EQ(c.summary_number("requests_failed.timeout"), 2U * 13U);
  EXPECT_EQ(c.summary_number("requests_failed.connection"), 0U);
  EXPECT_EQ(c.summary_number("requests_completed"), 0U);
}

// The arithmetic is in the scenario's header.
TEST(EdgeRuns, ListedSourcePortsWithAndWithoutSoReuseaddr) {
  metrics::RunResults results = run("explicit_source_ports.pbtxt");
  const metrics::GroupResults reuse = group(results, "reuse");
  EXPECT_EQ(reuse.summary_number("connects_succeeded"), 9U);
  EXPECT_EQ(reuse.summary_number("requests_completed"), 9U);
  EXPECT_EQ(reuse.summary_number("state_peak.TIME_WAIT"), 3U);
  EXPECT_EQ(reuse.summary_number("nstat.TcpExtTWRecycled"), 6U);
  const metrics::GroupResults strict = group(results, "strict");
  EXPECT_EQ(strict.summary_number("connects_attempted"), 9U);
  EXPECT_EQ(strict.summary_number("requests_completed"), 3U);
  EXPECT_EQ(strict.summary_number("failures.EADDRINUSE"), 6U);
  EXPECT_EQ(strict.summary_number("nstat.TcpExtTWRecycled"), 0U);
}

// The arithmetic is in the scenario's header.
TEST(EdgeRuns, LoopbackConnectionsReuseTimeWaitsUnderTheDefaultTwReuse) {
  metrics::RunResults results = run("loopback_tw_reuse.pbtxt");
  const metrics::GroupResults loopback = group(results, "reuse2");
  EXPECT_EQ(loopback.summary_number("connects_succeeded"), 299U);
  EXPECT_EQ(loopback.summary_number("requests_completed"), 299U);
  EXPECT_EQ(loopback.summary_number("state_peak.TIME_WAIT"), 50U);
  EXPECT_EQ(loopback.summary_number("nstat.TcpExtTWRecycled"), 249U);
  for (const char* name : {"reuse0", "own_address"}) {
    const metrics::GroupResults g = group(results, name);
    EXPECT_EQ(g.summary_number("connects_attempted"), 299U) << name;
    EXPECT_EQ(g.summary_number("requests_completed"), 100U) << name;
    EXPECT_EQ(g.summary_number("failures.EADDRNOTAVAIL"), 199U) << name;
    EXPECT_EQ(g.summary_number("state_peak.TIME_WAIT"), 100U) << name;
    EXPECT_EQ(g.summary_number("nstat.TcpExtTWRecycled"), 0U) << name;
  }
}

// The arithmetic is in the scenario's header: SYNs lost while the backend is down are retried,
// and the one request sent on a connection the crash took meets a reset after the restart.
TEST(EdgeRuns, AServerCrashLosesSynsAndResetsTheConnectionsItTook) {
  metrics::RunResults results = run("server_crash.pbtxt");
  const metrics::GroupResults fresh = group(results, "clients");
  EXPECT_EQ(fresh.summary_number("connects_attempted"), 99U);
  EXPECT_EQ(fresh.summary_number("requests_completed"), 99U);
  EXPECT_EQ(fresh.summary_number("requests_failed.connect"), 0U);
  EXPECT_EQ(fresh.summary_number("nstat.TcpExtTCPSynRetrans"), 30U);
  const metrics::GroupResults pooled = group(results, "pooled");
  EXPECT_EQ(pooled.summary_number("connects_attempted"), 3U);
  EXPECT_EQ(pooled.summary_number("requests_completed"), 8U);
  EXPECT_EQ(pooled.summary_number("requests_failed.connection"), 1U);
  // 4 of the data (the last meets the reset), 1 SYN.
  EXPECT_EQ(pooled.summary_number("nstat.TcpRetransSegs"), 5U);
  EXPECT_EQ(pooled.summary_number("nstat.TcpExtTCPSynRetrans"), 1U);
  EXPECT_EQ(pooled.summary_number("nstat.TcpEstabResets"), 1U);
  const metrics::GroupResults backend = group(results, "backend");
  EXPECT_EQ(backend.summary_number("host_crashes"), 1U);
  EXPECT_EQ(backend.summary_number("nstat.TcpOutRsts"), 1U);
  EXPECT_EQ(backend.summary_number("nstat.TcpPassiveOpens"), 99U + 3U);
}

TEST(EdgeRuns, KeepaliveAndUserTimeoutAfterAServerCrash) {
  metrics::RunResults results = run("keepalive_after_crash.pbtxt");
  const metrics::GroupResults plain = group(results, "plain");
  EXPECT_EQ(plain.summary_number("requests_completed"), 1U);
  EXPECT_EQ(plain.summary_number("requests_failed.connection"), 1U);
  EXPECT_EQ(plain.summary_number("connects_attempted"), 1U);
  EXPECT_EQ(plain.summary_number("nstat.TcpExtTCPKeepAlive"), 0U);
  const metrics::GroupResults probing = group(results, "probing");
  EXPECT_EQ(probing.summary_number("requests_completed"), 2U);
  EXPECT_EQ(probing.summary_number("requests_failed.connection"), 0U);
  EXPECT_EQ(probing.summary_number("connects_attempted"), 2U);
  // 3 unanswered, then 1 on the new connection, answered.
  EXPECT_EQ(probing.summary_number("nstat.TcpExtTCPKeepAlive"), 4U);
  EXPECT_EQ(probing.summary_number("nstat.TcpExtTCPAbortOnTimeout"), 1U);
  EXPECT_EQ(probing.summary_number("nstat.TcpOutRsts"), 1U);
  const metrics::GroupResults bounded = group(results, "bounded");
  EXPECT_EQ(bounded.summary_number("requests_completed"), 7U);
  EXPECT_EQ(bounded.summary_number("requests_failed.connect"), 2U);
  EXPECT_EQ(bounded.summary_number("failures.ETIMEDOUT"), 2U);
  EXPECT_EQ(bounded.summary_number("nstat.TcpExtTCPSynRetrans"), 4U);
  EXPECT_EQ(bounded.summary_number("nstat.TcpExtTCPAbortOnTimeout"), 2U);
  const metrics::GroupResults backend = group(results, "backend");
  EXPECT_EQ(backend.summary_number("host_crashes"), 1U);
}

}  // namespace
}  // namespace tcpsim::scenarios
