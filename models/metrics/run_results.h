// What one run measured, per host group: each registered metric's series, histogram or
// value, and the summary; plain data that writers and printers read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/metrics/metric.h"
#include "models/metrics/nstat_counters.h"
#include "models/net/address.h"
#include "models/tcp/tcp_state.h"
#include "sim/histogram.h"
#include "sim/time.h"

namespace tcpsim::metrics {

// One metric's values in a host group.
struct MetricValues {
  const Metric* metric = nullptr;
  std::vector<std::uint64_t> sum;           // levels and counters: samples x columns, row-major
  std::vector<std::uint64_t> max;           // levels with a max_name: the largest one source gave
  std::optional<sim::Histogram> histogram;  // histograms
  double value = std::numeric_limits<double>::quiet_NaN();  // scalars; NaN: none
};

// One reading of the summary, as the results file names it ("state_peak",
// "connect_latency_p99_ns"): a value per column of its metric.
struct SummaryValue {
  std::string name;
  const Metric* metric = nullptr;
  Reading reading = Reading::kLast;
  const Percentile* percentile = nullptr;  // kPercentiles: which one
  std::vector<double> values;
};

// A summary number as the study tables name it: "state_peak.TIME_WAIT",
// "first_eaddrnotavail_s", "connect_latency_p99_s" (percentiles in seconds).
struct SummaryNumber {
  std::string name;
  std::string_view unit;
  std::string description;
  double value = 0;
};

struct GroupResults {
  std::string name;
  std::uint32_t hosts = 0;
  std::uint32_t port_range_size = 0;  // ephemeral ports per host (ip_local_port_range); 0: unknown
  std::vector<sim::Time> times;       // of the samples, every metrics interval
  std::vector<MetricValues> metrics;  // in the order they were registered
  std::vector<SummaryValue> summary;  // after warm-up, in the order of the metrics

  // A sample at `time`: a row of zeros for each level and counter.
  void add_sample(sim::Time time);
  // The values of the metric named `name`; throws std::out_of_range if the group has none.
  [[nodiscard]] const MetricValues& at(std::string_view name) const;
  [[nodiscard]] MetricValues& at(std::string_view name);
  // The value of the dataset `series` (a metric's name or max_name) at a sample and column.
  [[nodiscard]] std::uint64_t sample(std::string_view series, std::size_t index,
                                     std::size_t column = 0) const;
  [[nodiscard]] const sim::Histogram& histogram(std::string_view name) const;
  [[nodiscard]] std::vector<SummaryNumber> summary_numbers() const;
  // The summary number named `name`; throws std::out_of_range if there is none.
  [[nodiscard]] double summary_number(std::string_view name) const;
};

// Adds empty values for each metric of `table` the group does not hold yet. Throws
// std::logic_error if another of the group's metrics has one of their dataset names.
void add_metrics(GroupResults& group, std::span<const Metric> table);

// Fills `group.summary` from its metrics as each declares: peaks and time-weighted means over
// the samples at or after `warmup`, last values, percentiles, scalars.
void summarise(GroupResults& group, sim::Time warmup);

// One socket of a snapshot, as a row of `ss -tano`.
struct SocketRow {
  tcp::TcpState state = tcp::TcpState::kClosed;
  net::FourTuple tuple{};
  bool has_fd = false;
  bool minisocket = false;  // a TIME_WAIT or orphaned FIN_WAIT_2 record
  std::uint8_t timer = 0;   // a tcp::SocketTimer
  std::uint8_t retransmits = 0;
  sim::Time timer_left = -1;  // -1: no timer runs
  std::uint32_t recv_q = 0;   // tcp::SocketView's
  std::uint32_t send_q = 0;
};

// The sockets of one host at one simulated time (`tcpsim run --ss HOST@TIME`).
struct SocketTable {
  std::string host;  // "<group>-<index>"
  sim::Time time = 0;
  std::vector<SocketRow> rows;
};

// One host's kernel counters at one simulated time (`tcpsim run --nstat HOST@TIME`).
struct NstatTable {
  std::string host;  // "<group>-<index>"
  sim::Time time = 0;
  NstatValues values{};  // in kNstatCounters' order, cumulative from the start
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
  std::vector<NstatTable> nstat_tables;    // in the order requested
};

}  // namespace tcpsim::metrics
