// Writes the results of one run as a self-describing HDF5 file that h5py and
// pandas read without knowing C++; replaces the target only once complete.
#pragma once

#include <string>

#include "models/metrics/run_results.h"

namespace tcpsim::io {

inline constexpr const char* kResultsFormat = "tcpsim-results";
inline constexpr int kResultsFormatVersion = 1;

// Layout (strings are variable-length UTF-8; integers little-endian; every
// dataset is chunked, shuffled and deflated, its first dimension unlimited):
//
// /                      attributes: format = "tcpsim-results",
//                        format_version (int32), scenario_name, scenario_text,
//                        version (strings), seed, events (uint64),
//                        wall_seconds, duration_s, warmup_s, interval_s (float64)
// /groups                attribute names (string[G]): the host groups in
//                        scenario order, which is also the links' iteration order
// /groups/<name>         attributes hosts, port_range_size (uint32, 0: unknown)
//   time_s               float64[N], the sample times
//   state_sum            uint32[N, 11], sockets per state summed over the hosts
//   state_max            uint32[N, 11], ... the most on any one host
//   ports_in_use, fds_in_use            uint32[N], summed over the hosts
//   ports_in_use_max, fds_in_use_max    uint32[N], the most on any one host
//   connects_attempted, connects_succeeded   uint64[N], cumulative
//   connects_failed      uint64[N, 11], cumulative, by errno
//   requests_completed, requests_failed      uint64[N], cumulative
//   pool_busy, pool_idle, pool_waiting       uint32[N]
//   connect_latency, request_latency
//                        compound[B] {lowest_ns int64, highest_ns int64,
//                        count uint64}: the non-empty histogram buckets, bounds
//                        inclusive; attributes count, overflow (uint64), min_ns,
//                        max_ns, p50_ns, p90_ns, p99_ns, p999_ns,
//                        highest_trackable_ns (int64), mean_ns, stddev_ns
//                        (float64), sub_bucket_bits (int32)
//   summary              a group holding only attributes: state_peak
//                        (uint32[11]), state_mean (float64[11]),
//                        first_eaddrnotavail_s (float64, NaN when it never
//                        happened), failures (uint64[11], by errno),
//                        connects_attempted, connects_succeeded,
//                        requests_completed (uint64), ports_in_use_peak,
//                        fds_in_use_peak (uint32), connect_latency_<p>_ns and
//                        request_latency_<p>_ns for p in p50, p90, p99, p999
//                        (int64)
//
// Datasets carry `units` and `description` attributes; those with 11 columns
// and the summary carry `states` (the names of tcp::kStateNames, in order) or
// `errors` (tcp::kSocketErrorNames). The same results always give the same
// bytes, apart from the eight of wall_seconds and the checksum over them.
//
// Writes `path + ".tmp.<pid>"` and renames it over `path` once it is complete
// and synced. Throws std::runtime_error naming `path` and the problem, with the
// temporary file removed and whatever was at `path` untouched, if a group name
// is empty, ".", contains '/' or repeats, or if writing fails. Calls are
// serialised: the serial HDF5 library is not thread-safe.
void write_results(const metrics::RunResults& results, const std::string& path);

}  // namespace tcpsim::io
