// What one run measured, per host group: sampled time series, latency
// histograms and the summary; plain data that writers and printers read.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/socket_error.h"
#include "models/tcp/tcp_state.h"
#include "sim/histogram.h"
#include "sim/time.h"

namespace tcpsim::metrics {

using StateCounts = std::array<std::uint32_t, tcp::kStateCount>;
using ErrorCounts = std::array<std::uint64_t, tcp::kSocketErrorCount>;

// One sample of a host group, taken every metrics interval. Counters are
// cumulative since the start of the run; levels are at the sample time.
struct GroupSample {
  sim::Time time = 0;
  StateCounts state_sum{};  // sockets in each state, summed over the group's hosts
  StateCounts state_max{};  // ... the largest count on any one host
  std::uint32_t ports_in_use = 0;
  std::uint32_t ports_in_use_max = 0;  // on any one host
  std::uint32_t fds_in_use = 0;
  std::uint32_t fds_in_use_max = 0;
  std::uint64_t connects_attempted = 0;
  std::uint64_t connects_succeeded = 0;
  ErrorCounts connects_failed{};  // by errno
  std::uint64_t requests_completed = 0;
  std::uint64_t requests_failed = 0;
  std::uint32_t pool_busy = 0;
  std::uint32_t pool_idle = 0;
  std::uint32_t pool_waiting = 0;
};

struct GroupSummary {
  StateCounts state_peak{};                           // of state_sum over the samples after warm-up
  std::array<double, tcp::kStateCount> state_mean{};  // time-weighted, after warm-up
  sim::Time first_eaddrnotavail = -1;                 // -1: never
  ErrorCounts failures{};
  std::uint64_t connects_attempted = 0;
  std::uint64_t connects_succeeded = 0;
  std::uint64_t requests_completed = 0;
  std::uint32_t ports_in_use_peak = 0;
  std::uint32_t fds_in_use_peak = 0;
};

struct GroupResults {
  std::string name;
  std::uint32_t hosts = 0;
  std::uint32_t port_range_size = 0;  // ephemeral ports per host (ip_local_port_range); 0: unknown
  std::vector<GroupSample> samples;
  sim::Histogram connect_latency;  // ns, connect() to ESTABLISHED
  sim::Histogram request_latency;  // ns, request issued to response, pool wait included
  GroupSummary summary;
};

// One socket of a snapshot, as a row of `ss -tano`.
struct SocketRow {
  tcp::TcpState state = tcp::TcpState::kClosed;
  net::FourTuple tuple{};
  bool has_fd = false;
  bool minisocket = false;  // a TIME_WAIT or orphaned FIN_WAIT_2 record
  std::uint8_t timer = 0;   // a tcp::SocketTimer
  std::uint8_t retransmits = 0;
  sim::Time timer_left = -1;  // -1: no timer runs
};

// The sockets of one host at one simulated time (`tcpsim run --ss HOST@TIME`).
struct SocketTable {
  std::string host;  // "<group>-<index>"
  sim::Time time = 0;
  std::vector<SocketRow> rows;
};

struct RunResults {
  std::string scenario_name;
  std::string scenario_text;  // the resolved scenario, overrides applied
  std::uint64_t seed = 0;
  std::string version;
  double wall_seconds = 0;
  std::uint64_t events = 0;
  sim::Time duration = 0;
  sim::Time warmup = 0;
  sim::Time interval = 0;
  std::vector<GroupResults> groups;
  std::vector<SocketTable> socket_tables;  // in the order requested
};

}  // namespace tcpsim::metrics
