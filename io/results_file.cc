#include "io/results_file.h"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/hdf5_support.h"
#include "models/tcp/socket_error.h"
#include "models/tcp/tcp_state.h"
#include "sim/histogram.h"
#include "sim/time.h"

namespace tcpsim::io {
namespace {

using hdf5::check;
using hdf5::Handle;
using hdf5::string_attribute;
using hdf5::string_type;
using hdf5::write_attribute;
using metrics::GroupResults;
using metrics::GroupSample;
using metrics::RunResults;

constexpr hsize_t kChunkBytes = 64 * 1024;
constexpr unsigned kDeflateLevel = 6;

template <typename T>
struct Types;
template <>
struct Types<std::int32_t> {
  static hid_t memory() { return H5T_NATIVE_INT32; }
  static hid_t file() { return H5T_STD_I32LE; }
};
template <>
struct Types<std::uint32_t> {
  static hid_t memory() { return H5T_NATIVE_UINT32; }
  static hid_t file() { return H5T_STD_U32LE; }
};
template <>
struct Types<std::int64_t> {
  static hid_t memory() { return H5T_NATIVE_INT64; }
  static hid_t file() { return H5T_STD_I64LE; }
};
template <>
struct Types<std::uint64_t> {
  static hid_t memory() { return H5T_NATIVE_UINT64; }
  static hid_t file() { return H5T_STD_U64LE; }
};
template <>
struct Types<double> {
  static hid_t memory() { return H5T_NATIVE_DOUBLE; }
  static hid_t file() { return H5T_IEEE_F64LE; }
};

Handle dataspace(std::span<const hsize_t> dims, std::span<const hsize_t> max_dims = {}) {
  if (dims.empty()) return {H5Screate(H5S_SCALAR), H5Sclose, "creating a scalar dataspace"};
  return {H5Screate_simple(static_cast<int>(dims.size()), dims.data(),
                           max_dims.empty() ? nullptr : max_dims.data()),
          H5Sclose, "creating a dataspace"};
}

template <typename T>
void attribute(hid_t object, const std::string& name, T value) {
  write_attribute(object, name, Types<T>::file(), Types<T>::memory(), {}, &value);
}

template <typename T, std::size_t N>
void attribute(hid_t object, const std::string& name, const std::array<T, N>& values) {
  const std::array<hsize_t, 1> dims{N};
  write_attribute(object, name, Types<T>::file(), Types<T>::memory(), dims, values.data());
}

template <typename Strings>
void strings_attribute(hid_t object, const std::string& name, const Strings& values) {
  hdf5::strings_attribute(object, name, std::vector<std::string>(values.begin(), values.end()));
}

Handle create_group(hid_t parent, const std::string& name, bool track_link_order) {
  const std::string what = "creating group '" + name + "'";
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose, what);
  check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), what);
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, what);
  check(H5Pset_obj_track_times(gcpl.get(), false), what);
  if (track_link_order) {
    check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          what);
  }
  return {H5Gcreate2(parent, name.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT), H5Gclose, what};
}

// A chunked, shuffled and deflated dataset of `rows` x `columns` elements
// (one dimension when `columns` is 0), extensible along the rows.
Handle write_dataset(hid_t parent, const std::string& name, hid_t file_type, hid_t memory_type,
                     const void* data, hsize_t rows, hsize_t columns) {
  const std::string what = "writing dataset '" + name + "'";
  const hsize_t row_bytes = H5Tget_size(file_type) * std::max<hsize_t>(columns, 1);
  const hsize_t chunk_rows =
      std::clamp<hsize_t>(rows, 1, std::max<hsize_t>(kChunkBytes / row_bytes, 1));
  const std::array<hsize_t, 2> dims{rows, columns};
  const std::array<hsize_t, 2> max_dims{H5S_UNLIMITED, columns};
  const std::array<hsize_t, 2> chunk{chunk_rows, columns};
  const std::size_t rank = columns == 0 ? 1 : 2;

  const Handle space = dataspace(std::span(dims).first(rank), std::span(max_dims).first(rank));
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, what);
  check(H5Pset_obj_track_times(dcpl.get(), false), what);
  check(H5Pset_chunk(dcpl.get(), static_cast<int>(rank), chunk.data()), what);
  check(H5Pset_shuffle(dcpl.get()), what);
  check(H5Pset_deflate(dcpl.get(), kDeflateLevel), what);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose, what);
  check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), what);
  Handle dataset(
      H5Dcreate2(parent, name.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
      H5Dclose, what);
  if (rows > 0) {
    check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
  }
  return dataset;
}

void describe(hid_t dataset, const char* units, const char* description) {
  string_attribute(dataset, "units", units);
  string_attribute(dataset, "description", description);
}

template <typename T>
void write_series(hid_t group, const std::vector<GroupSample>& samples, T GroupSample::*field,
                  const char* name, const char* units, const char* description) {
  std::vector<T> column;
  column.reserve(samples.size());
  for (const GroupSample& s : samples) column.push_back(s.*field);
  const Handle dataset = write_dataset(group, name, Types<T>::file(), Types<T>::memory(),
                                       column.data(), column.size(), 0);
  describe(dataset.get(), units, description);
}

template <typename T, std::size_t N, typename Names>
void write_table(hid_t group, const std::vector<GroupSample>& samples,
                 std::array<T, N> GroupSample::*field, const char* name, const char* units,
                 const char* description, const char* names_attribute, const Names& names) {
  std::vector<T> table;
  table.reserve(samples.size() * N);
  for (const GroupSample& s : samples)
    table.insert(table.end(), (s.*field).begin(), (s.*field).end());
  const Handle dataset = write_dataset(group, name, Types<T>::file(), Types<T>::memory(),
                                       table.data(), samples.size(), N);
  describe(dataset.get(), units, description);
  strings_attribute(dataset.get(), names_attribute, names);
}

void write_samples(hid_t group, const std::vector<GroupSample>& samples) {
  std::vector<double> times;
  times.reserve(samples.size());
  for (const GroupSample& s : samples) times.push_back(sim::to_seconds(s.time));
  const Handle time = write_dataset(group, "time_s", Types<double>::file(), Types<double>::memory(),
                                    times.data(), times.size(), 0);
  describe(time.get(), "s", "sample time since the start of the run");

  write_table(group, samples, &GroupSample::state_sum, "state_sum", "sockets",
              "sockets in each state, summed over the group's hosts", "states", tcp::kStateNames);
  write_table(group, samples, &GroupSample::state_max, "state_max", "sockets",
              "sockets in each state on the host with the most", "states", tcp::kStateNames);
  write_series(group, samples, &GroupSample::ports_in_use, "ports_in_use", "ports",
               "local ports bound, summed over the group's hosts");
  write_series(group, samples, &GroupSample::ports_in_use_max, "ports_in_use_max", "ports",
               "local ports bound on the host with the most");
  write_series(group, samples, &GroupSample::fds_in_use, "fds_in_use", "file descriptors",
               "socket file descriptors open, summed over the group's hosts");
  write_series(group, samples, &GroupSample::fds_in_use_max, "fds_in_use_max", "file descriptors",
               "socket file descriptors open on the host with the most");
  write_series(group, samples, &GroupSample::connects_attempted, "connects_attempted", "connects",
               "connect() calls since the start of the run (cumulative)");
  write_series(group, samples, &GroupSample::connects_succeeded, "connects_succeeded", "connects",
               "connects that reached ESTABLISHED since the start of the run (cumulative)");
  write_table(group, samples, &GroupSample::connects_failed, "connects_failed", "connects",
              "connects failed since the start of the run, by errno (cumulative)", "errors",
              tcp::kSocketErrorNames);
  write_series(group, samples, &GroupSample::requests_completed, "requests_completed", "requests",
               "requests answered since the start of the run (cumulative)");
  write_series(group, samples, &GroupSample::requests_failed, "requests_failed", "requests",
               "requests failed since the start of the run (cumulative)");
  write_series(group, samples, &GroupSample::pool_busy, "pool_busy", "connections",
               "pooled connections lent out, summed over the group's hosts");
  write_series(group, samples, &GroupSample::pool_idle, "pool_idle", "connections",
               "pooled connections idle, summed over the group's hosts");
  write_series(group, samples, &GroupSample::pool_waiting, "pool_waiting", "requests",
               "requests waiting for a pooled connection, summed over the group's hosts");
}

struct Percentile {
  const char* name;
  double p;
};
constexpr std::array<Percentile, 4> kPercentiles{
    {{"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}, {"p999", 99.9}}};

struct BucketRow {
  std::int64_t lowest_ns;
  std::int64_t highest_ns;
  std::uint64_t count;
};

Handle bucket_type(bool in_file) {
  constexpr std::size_t kFileSize = 24;
  Handle type(H5Tcreate(H5T_COMPOUND, in_file ? kFileSize : sizeof(BucketRow)), H5Tclose,
              "creating the bucket type");
  const auto insert = [&](const char* name, std::size_t memory_offset, std::size_t file_offset,
                          hid_t memory_type, hid_t file_type) {
    check(H5Tinsert(type.get(), name, in_file ? file_offset : memory_offset,
                    in_file ? file_type : memory_type),
          "creating the bucket type");
  };
  insert("lowest_ns", offsetof(BucketRow, lowest_ns), 0, H5T_NATIVE_INT64, H5T_STD_I64LE);
  insert("highest_ns", offsetof(BucketRow, highest_ns), 8, H5T_NATIVE_INT64, H5T_STD_I64LE);
  insert("count", offsetof(BucketRow, count), 16, H5T_NATIVE_UINT64, H5T_STD_U64LE);
  return type;
}

void write_histogram(hid_t group, const std::string& name, const sim::Histogram& histogram,
                     const char* description) {
  std::vector<BucketRow> rows;
  histogram.for_each_bucket([&](const sim::Histogram::Bucket& b) {
    rows.push_back({b.lowest, b.highest, b.count});
  });
  const Handle file_type = bucket_type(true);
  const Handle memory_type = bucket_type(false);
  const Handle dataset =
      write_dataset(group, name, file_type.get(), memory_type.get(), rows.data(), rows.size(), 0);
  const hid_t d = dataset.get();
  describe(d, "ns", description);
  attribute(d, "count", histogram.count());
  attribute(d, "overflow", histogram.overflow());
  attribute(d, "min_ns", histogram.min());
  attribute(d, "max_ns", histogram.max());
  attribute(d, "mean_ns", histogram.mean());
  attribute(d, "stddev_ns", histogram.stddev());
  for (const Percentile& p : kPercentiles) {
    attribute(d, std::string(p.name) + "_ns", histogram.percentile(p.p));
  }
  attribute(d, "highest_trackable_ns", histogram.highest_trackable());
  attribute(d, "sub_bucket_bits", std::int32_t{histogram.sub_bucket_bits()});
}

void write_summary(hid_t parent, const GroupResults& g) {
  const Handle summary = create_group(parent, "summary", false);
  const hid_t s = summary.get();
  const metrics::GroupSummary& sum = g.summary;
  strings_attribute(s, "states", tcp::kStateNames);
  strings_attribute(s, "errors", tcp::kSocketErrorNames);
  attribute(s, "state_peak", sum.state_peak);
  attribute(s, "state_mean", sum.state_mean);
  attribute(s, "first_eaddrnotavail_s",
            sum.first_eaddrnotavail < 0 ? std::numeric_limits<double>::quiet_NaN()
                                        : sim::to_seconds(sum.first_eaddrnotavail));
  attribute(s, "failures", sum.failures);
  attribute(s, "connects_attempted", sum.connects_attempted);
  attribute(s, "connects_succeeded", sum.connects_succeeded);
  attribute(s, "requests_completed", sum.requests_completed);
  attribute(s, "ports_in_use_peak", sum.ports_in_use_peak);
  attribute(s, "fds_in_use_peak", sum.fds_in_use_peak);
  for (const Percentile& p : kPercentiles) {
    attribute(s, std::string("connect_latency_") + p.name + "_ns",
              g.connect_latency.percentile(p.p));
  }
  for (const Percentile& p : kPercentiles) {
    attribute(s, std::string("request_latency_") + p.name + "_ns",
              g.request_latency.percentile(p.p));
  }
}

void write_group(hid_t groups, const GroupResults& g) {
  const Handle group = create_group(groups, g.name, false);
  const hid_t id = group.get();
  attribute(id, "hosts", g.hosts);
  attribute(id, "port_range_size", g.port_range_size);
  write_samples(id, g.samples);
  write_histogram(id, "connect_latency", g.connect_latency,
                  "connect latency, connect() to ESTABLISHED: the non-empty buckets");
  write_histogram(id, "request_latency", g.request_latency,
                  "request latency, issued to answered, pool wait included: the non-empty buckets");
  write_summary(id, g);
}

void write_contents(hid_t file, const RunResults& r) {
  const Handle root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose, "opening the root group");
  const hid_t id = root.get();
  string_attribute(id, "format", kResultsFormat);
  attribute(id, "format_version", std::int32_t{kResultsFormatVersion});
  string_attribute(id, "scenario_name", r.scenario_name);
  string_attribute(id, "version", r.version);
  attribute(id, "seed", r.seed);
  attribute(id, "events", r.events);
  attribute(id, "wall_seconds", r.wall_seconds);
  attribute(id, "duration_s", sim::to_seconds(r.duration));
  attribute(id, "warmup_s", sim::to_seconds(r.warmup));
  attribute(id, "interval_s", sim::to_seconds(r.interval));
  string_attribute(id, "scenario_text", r.scenario_text);

  const Handle groups = create_group(id, "groups", true);
  std::vector<std::string> names;
  names.reserve(r.groups.size());
  for (const GroupResults& g : r.groups) names.push_back(g.name);
  strings_attribute(groups.get(), "names", names);
  for (const GroupResults& g : r.groups) write_group(groups.get(), g);
}

void validate_names(const RunResults& r) {
  std::set<std::string_view> seen;
  for (const GroupResults& g : r.groups) {
    if (g.name.empty() || g.name == "." || g.name.find('/') != std::string::npos) {
      throw std::runtime_error("invalid host group name '" + g.name +
                               "' (empty, '.' or containing '/')");
    }
    if (!seen.insert(g.name).second) {
      throw std::runtime_error("host group '" + g.name + "' appears twice");
    }
  }
}

}  // namespace

void write_results(const RunResults& results, const std::string& path) {
  try {
    validate_names(results);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot write results file '" + path + "': " + e.what());
  }
  hdf5::write_atomically(path, "results file", [&](hid_t file) { write_contents(file, results); });
}

}  // namespace tcpsim::io
