#include "io/results_file.h"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/hdf5_lock.h"
#include "io/hdf5_support.h"
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

void describe(hid_t object, std::string_view units, std::string_view description,
              metrics::MetricKind kind) {
  static constexpr std::array<const char*, 4> kKinds{"level", "counter", "histogram", "scalar"};
  string_attribute(object, "units", std::string(units));
  string_attribute(object, "description", std::string(description));
  string_attribute(object, "kind", kKinds[static_cast<std::size_t>(kind)]);
}

// A level's or counter's sums, or its largest values over the sources, as written.
template <typename T>
void write_columns(hid_t group, const metrics::Metric& m, const std::vector<std::uint64_t>& values,
                   std::size_t rows, std::string_view name, std::string_view description) {
  const std::vector<T> narrowed(values.begin(), values.end());
  const hsize_t columns = m.columns.names.empty() ? 0 : m.columns.names.size();
  const Handle dataset = write_dataset(group, std::string(name), Types<T>::file(),
                                       Types<T>::memory(), narrowed.data(), rows, columns);
  describe(dataset.get(), m.unit, description, m.kind);
  if (columns != 0)
    strings_attribute(dataset.get(), std::string(m.columns.attribute), m.columns.names);
}

void write_series(hid_t group, const metrics::MetricValues& v, std::size_t rows) {
  const metrics::Metric& m = *v.metric;
  const auto write =
      m.width == metrics::Width::k32 ? write_columns<std::uint32_t> : write_columns<std::uint64_t>;
  write(group, m, v.sum, rows, m.name, m.description);
  if (!m.max_name.empty()) write(group, m, v.max, rows, m.max_name, m.max_description);
}

void write_times(hid_t group, const std::vector<sim::Time>& times) {
  std::vector<double> seconds;
  seconds.reserve(times.size());
  for (const sim::Time t : times) seconds.push_back(sim::to_seconds(t));
  const Handle time = write_dataset(group, "time_s", Types<double>::file(), Types<double>::memory(),
                                    seconds.data(), seconds.size(), 0);
  string_attribute(time.get(), "units", "s");
  string_attribute(time.get(), "description", "sample time since the start of the run");
}

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

void write_histogram(hid_t group, const metrics::Metric& m, const sim::Histogram& histogram) {
  std::vector<BucketRow> rows;
  histogram.for_each_bucket([&](const sim::Histogram::Bucket& b) {
    rows.push_back({b.lowest, b.highest, b.count});
  });
  const Handle file_type = bucket_type(true);
  const Handle memory_type = bucket_type(false);
  const Handle dataset = write_dataset(group, std::string(m.name), file_type.get(),
                                       memory_type.get(), rows.data(), rows.size(), 0);
  const hid_t d = dataset.get();
  describe(d, m.unit, m.description, m.kind);
  attribute(d, "count", histogram.count());
  attribute(d, "overflow", histogram.overflow());
  attribute(d, "min_ns", histogram.min());
  attribute(d, "max_ns", histogram.max());
  attribute(d, "mean_ns", histogram.mean());
  attribute(d, "stddev_ns", histogram.stddev());
  for (const metrics::Percentile& p : metrics::kPercentiles) {
    attribute(d, std::string(p.name) + "_ns", histogram.percentile(p.p));
  }
  attribute(d, "highest_trackable_ns", histogram.highest_trackable());
  attribute(d, "sub_bucket_bits", std::int32_t{histogram.sub_bucket_bits()});
}

template <typename T>
void summary_attribute(hid_t summary, const metrics::SummaryValue& v) {
  std::vector<T> values;
  for (const double x : v.values) values.push_back(static_cast<T>(x));
  const std::array<hsize_t, 1> dims{values.size()};
  const bool vector = !v.metric->columns.names.empty();
  write_attribute(summary, v.name, Types<T>::file(), Types<T>::memory(),
                  vector ? std::span<const hsize_t>(dims) : std::span<const hsize_t>(),
                  values.data());
}

// Attributes of the summary's readings, typed as the metric's values are (means and scalars
// float64, percentiles int64 ns), the names of the columns of vector readings, and `names`,
// `units`, `descriptions`: the summary numbers as a study's tables name them.
void write_summary(hid_t parent, const GroupResults& g) {
  const Handle summary = create_group(parent, "summary", false);
  const hid_t s = summary.get();
  std::set<std::string_view> columns;
  for (const metrics::SummaryValue& v : g.summary) {
    const metrics::Metric& m = *v.metric;
    if (!m.columns.names.empty() && columns.insert(m.columns.attribute).second) {
      strings_attribute(s, std::string(m.columns.attribute), m.columns.names);
    }
    switch (v.reading) {
      case metrics::Reading::kPeak:
      case metrics::Reading::kLast:
      case metrics::Reading::kPeakOnHost:
        if (m.width == metrics::Width::k32) {
          summary_attribute<std::uint32_t>(s, v);
        } else {
          summary_attribute<std::uint64_t>(s, v);
        }
        break;
      case metrics::Reading::kPercentiles:
        summary_attribute<std::int64_t>(s, v);
        break;
      case metrics::Reading::kMean:
      case metrics::Reading::kValue:
      case metrics::Reading::kPortHeadroom:  // NaN when the range is unknown
        summary_attribute<double>(s, v);
        break;
    }
  }
  std::vector<std::string> names, units, descriptions;
  for (const metrics::SummaryNumber& n : g.summary_numbers()) {
    names.push_back(n.name);
    units.emplace_back(n.unit);
    descriptions.push_back(n.description);
  }
  if (names.empty()) return;
  strings_attribute(s, "names", names);
  strings_attribute(s, "units", units);
  strings_attribute(s, "descriptions", descriptions);
}

void write_group(hid_t groups, const GroupResults& g) {
  const Handle group = create_group(groups, g.name, false);
  const hid_t id = group.get();
  attribute(id, "hosts", g.hosts);
  attribute(id, "port_range_size", g.port_range_size);
  write_times(id, g.times);
  for (const metrics::MetricValues& v : g.metrics) {
    switch (v.metric->kind) {
      case metrics::MetricKind::kLevel:
      case metrics::MetricKind::kCounter:
        write_series(id, v, g.times.size());
        break;
      case metrics::MetricKind::kHistogram:
        write_histogram(id, *v.metric, *v.histogram);
        break;
      case metrics::MetricKind::kScalar:  // in the summary only
        break;
    }
  }
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

void verify_results(const std::string& path) {
  try {
    const std::lock_guard lock(hdf5_mutex());
    const hdf5::SilentErrors silent;
    const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "opening");
    if (check(H5Aexists(file.get(), "format"), "reading the format") <= 0) {
      throw std::runtime_error("not a results file");
    }
    const Handle groups(H5Gopen2(file.get(), "groups", H5P_DEFAULT), H5Gclose, "opening /groups");
    const auto visit = [](hid_t, const char*, const H5O_info_t*, void*) -> herr_t { return 0; };
    check(H5Ovisit2(groups.get(), H5_INDEX_NAME, H5_ITER_INC, visit, nullptr, H5O_INFO_ALL),
          "reading /groups");
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read results file '" + path + "': " + e.what());
  }
}

}  // namespace tcpsim::io
