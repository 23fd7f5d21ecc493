// The bounds a scenario's values and their products must keep, checked at validation before
// anything is allocated; the README's scenario reference lists them.
#pragma once

#include <cstdint>

#include "models/app/message_sizes.h"

namespace tcpsim::scenarios::limits {

// Kernel settings keep the bounds of their rows in models/tcp/kernel_knob_list.h: somaxconn,
// which every listen() backlog is clamped to as in Linux, is an int there too.

// Bytes of one request or response, where the model cuts its draws: a constant, uniform's
// hi, an empirical value, the mean or scale of the others.
inline constexpr double kMaxMessageBytes = app::kMaxMessageSize;
// Samples of the metrics time series: duration / metrics_interval.
inline constexpr std::int64_t kMaxSamples = 1'000'000;
// Closed-loop users of a client over its whole group: hosts x users.
inline constexpr std::uint64_t kMaxClosedLoopUsers = 10'000'000;
// Requests (or accepts) per second per host: gaps of 100 ns, above what one host's stack does.
inline constexpr double kMaxRatePerHost = 1e7;
// Retries of one request.
inline constexpr std::uint32_t kMaxRetries = 1000;
// Public addresses of one NAT gateway, a /16: clouds allow 8 (AWS) to 16 (Azure).
inline constexpr std::uint32_t kMaxPublicAddresses = 65'536;
// Runs of a sweep: grid points x replications, before skip_if.
inline constexpr std::uint64_t kMaxSweepRuns = 100'000;

}  // namespace tcpsim::scenarios::limits
