// Writes the results of one run as a self-describing HDF5 file that h5py and
// pandas read without knowing C++; replaces the target only once complete.
#pragma once

#include <string>

#include "models/metrics/run_results.h"

namespace tcpsim::io {

inline constexpr const char* kResultsFormat = "tcpsim-results";
inline constexpr int kResultsFormatVersion = 1;

// Layout (strings are variable-length UTF-8; integers little-endian):
//
// /                      attributes: format = "tcpsim-results",
//                        format_version (int32), scenario_name, scenario_text,
//                        version (strings), seed, events (uint64),
//                        wall_seconds, duration_s, warmup_s, interval_s (float64)
// /groups                attribute names (string[G]): the host groups in
//                        scenario order, which is also the links' iteration order
// /groups/<name>         attributes hosts, port_range_size (uint32, 0: unknown)
//   time_s               float64[N], the sample times
//   then one dataset per sampled metric and histogram the group registered
//   (models/metrics/host_group_metrics.h lists those of every group), each with the string
//   attributes `units`, `description` and `kind` (level, counter, histogram):
//   levels and counters  uint32 or uint64 [N] (the metric's width), or [N, C] for a vector
//                        metric with an attribute naming its columns (`states`: the names
//                        of tcp::kStateNames; `errors`: tcp::kSocketErrorNames); a level
//                        read per host also has its max_name dataset (state_max,
//                        ports_in_use_max ...): the most on any one host
//   histograms           compound[B] {lowest_ns int64, highest_ns int64,
//                        count uint64}: the non-empty buckets, bounds
//                        inclusive; attributes count, overflow (uint64), min_ns,
//                        max_ns, p50_ns, p90_ns, p99_ns, p999_ns,
//                        highest_trackable_ns (int64), mean_ns, stddev_ns
//                        (float64), sub_bucket_bits (int32)
//                        (scalars, such as first_eaddrnotavail_s, are in the summary only)
//   summary              a group holding only attributes: one per reading the metrics
//                        declare (state_peak uint32[11], state_mean float64[11],
//                        first_eaddrnotavail_s float64, failures uint64[11],
//                        connects_attempted ..., ports_in_use_peak ...: peaks and last
//                        values typed as the metric, means and scalars float64,
//                        <histogram>_<p>_ns int64 for p in p50, p90, p99, p999), the
//                        column names (`states`, `errors`), and names, units,
//                        descriptions (string[M]): the summary numbers as a study's
//                        tables name them (batch/run_metrics.h), without the group
//
// Every series dataset is chunked, shuffled and deflated, its first dimension unlimited. The
// same results always give the same bytes, apart from the eight of wall_seconds and the
// checksum over them.
//
// Writes `path + ".tmp.<pid>"` and renames it over `path` once it is complete
// and synced. Throws std::runtime_error naming `path` and the problem, with the
// temporary file removed and whatever was at `path` untouched, if a group name
// is empty, ".", contains '/' or repeats, or if writing fails. Calls are
// serialised: the serial HDF5 library is not thread-safe.
void write_results(const metrics::RunResults& results, const std::string& path);

// Opens `path` and visits every object under /groups, as a study's copy of its series
// does; throws std::runtime_error naming `path` and the problem when that fails or the file
// is not a results file.
void verify_results(const std::string& path);

}  // namespace tcpsim::io
