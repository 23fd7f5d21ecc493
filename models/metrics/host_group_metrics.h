// The metrics every host group has: its TCP stacks' sockets, ports and descriptors, and its
// client applications' connects, requests, pools and latencies. One row per metric.
#pragma once

#include <array>
#include <span>
#include <string_view>

#include "models/metrics/metric.h"
#include "models/metrics/nstat_counters.h"
#include "models/tcp/socket_error.h"
#include "models/tcp/tcp_state.h"

namespace tcpsim::metrics {

inline constexpr Columns kPerState{"states", tcp::kStateNames};
inline constexpr Columns kPerErrno{"errors", tcp::kSocketErrorNames};
inline constexpr Columns kPerNstatCounter{"counters", kNstatNames};
// In the order of app::ClientCounters' failed_* fields.
inline constexpr std::array<std::string_view, 5> kRequestFailureNames{
    "connect", "connection", "pool_timeout", "pool_full", "timeout"};
inline constexpr Columns kPerRequestFailure{"reasons", kRequestFailureNames};

// In the order of the run summary's columns.
inline constexpr std::array<Metric, 18> kHostGroupMetrics{{
    {.name = "state_sum",
     .unit = "sockets",
     .description = "sockets in each state, summed over the group's hosts",
     .kind = MetricKind::kLevel,
     .width = Width::k32,
     .columns = kPerState,
     .max_name = "state_max",
     .max_description = "sockets in each state on the host with the most",
     .summary = {{{"state_peak", Reading::kPeak}, {"state_mean", Reading::kMean}}}},
    {.name = "first_eaddrnotavail_s",
     .unit = "s",
     .description = "time of the first connect that failed with EADDRNOTAVAIL on any host, "
                    "NaN when none did",
     .kind = MetricKind::kScalar,
     .summary = {{{"first_eaddrnotavail_s", Reading::kValue}}},
     .combine = Combine::kMin},
    {.name = "connects_failed",
     .unit = "connects",
     .description = "connects failed since the start of the run, by errno (cumulative)",
     .kind = MetricKind::kCounter,
     .columns = kPerErrno,
     .summary = {{{"failures", Reading::kLast}}}},
    {.name = "connects_attempted",
     .unit = "connects",
     .description = "connect() calls since the start of the run (cumulative)",
     .kind = MetricKind::kCounter,
     .summary = {{{"connects_attempted", Reading::kLast}}}},
    {.name = "connects_succeeded",
     .unit = "connects",
     .description = "connects that reached ESTABLISHED since the start of the run (cumulative)",
     .kind = MetricKind::kCounter,
     .summary = {{{"connects_succeeded", Reading::kLast}}}},
    {.name = "requests_completed",
     .unit = "requests",
     .description = "requests answered since the start of the run (cumulative)",
     .kind = MetricKind::kCounter,
     .summary = {{{"requests_completed", Reading::kLast}}}},
    {.name = "ports_in_use",
     .unit = "ports",
     .description = "local ports bound, summed over the group's hosts",
     .kind = MetricKind::kLevel,
     .width = Width::k32,
     .max_name = "ports_in_use_max",
     .max_description = "local ports bound on the host with the most",
     .summary = {{{"ports_in_use_peak", Reading::kPeak}}}},
    {.name = "fds_in_use",
     .unit = "file descriptors",
     .description = "socket file descriptors open, summed over the group's hosts",
     .kind = MetricKind::kLevel,
     .width = Width::k32,
     .max_name = "fds_in_use_max",
     .max_description = "socket file descriptors open on the host with the most",
     .summary = {{{"fds_in_use_peak", Reading::kPeak}}}},
    {.name = "connect_latency",
     .unit = "ns",
     .description = "connect latency, connect() to ESTABLISHED",
     .kind = MetricKind::kHistogram,
     .summary = {{{"connect_latency", Reading::kPercentiles}}}},
    {.name = "request_latency",
     .unit = "ns",
     .description = "request latency, issued to answered, pool wait included",
     .kind = MetricKind::kHistogram,
     .summary = {{{"request_latency", Reading::kPercentiles}}}},
    {.name = "requests_failed",
     .unit = "requests",
     .description = "requests failed since the start of the run (cumulative)",
     .kind = MetricKind::kCounter},
    {.name = "pool_busy",
     .unit = "connections",
     .description = "pooled connections lent out, summed over the group's hosts",
     .kind = MetricKind::kLevel,
     .width = Width::k32},
    {.name = "pool_idle",
     .unit = "connections",
     .description = "pooled connections idle, summed over the group's hosts",
     .kind = MetricKind::kLevel,
     .width = Width::k32},
    {.name = "pool_waiting",
     .unit = "requests",
     .description = "requests waiting for a pooled connection, summed over the group's hosts",
     .kind = MetricKind::kLevel,
     .width = Width::k32},
    {.name = "nstat",
     .unit = "events",
     .description = "the kernel's TCP counters as nstat names them, summed over the group's "
                    "hosts (cumulative)",
     .kind = MetricKind::kCounter,
     .columns = kPerNstatCounter,
     .summary = {{{"nstat", Reading::kLast}}}},
    {.name = "requests_failed_by",
     .unit = "requests",
     .description = "requests failed since the start of the run, by reason: no connection "
                    "could be opened, the connection broke, the pool wait timed out, the pool's "
                    "wait queue was full, request_timeout (cumulative)",
     .kind = MetricKind::kCounter,
     .columns = kPerRequestFailure,
     .summary = {{{"requests_failed", Reading::kLast}}}},
    {.name = "pool_wait",
     .unit = "ns",
     .description = "pool wait, of the requests that waited for a pooled connection and got one",
     .kind = MetricKind::kHistogram,
     .summary = {{{"pool_wait", Reading::kPercentiles}}}},
    {.name = "ports_per_destination",
     .unit = "ports",
     .description = "ports of the range toward each host's busiest destination (local address, "
                    "remote address and port), summed over the group's hosts",
     .kind = MetricKind::kLevel,
     .width = Width::k32,
     .max_name = "ports_per_destination_max",
     .max_description = "ports of the range toward one destination on the host with the most",
     .summary = {{{"ports_per_destination_peak", Reading::kPeakOnHost},
                  {"port_headroom", Reading::kPortHeadroom}}}},
}};

consteval const Metric& host_metric(std::string_view name) { return find(kHostGroupMetrics, name); }

}  // namespace tcpsim::metrics
