#include "io/results_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/metrics/host_group_metrics.h"
#include "models/metrics/run_results.h"
#include "models/tcp/socket_error.h"
#include "models/tcp/tcp_state.h"
#include "sim/histogram.h"
#include "sim/time.h"
#include "tests/io/hdf5_reading.h"
#include "tests/io/python3.h"

namespace tcpsim::io {
namespace {

namespace fs = std::filesystem;
using metrics::GroupResults;
using metrics::RunResults;
constexpr sim::Time kWarmup = sim::milliseconds(500);
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The values follow formulas that tests/io/check_results.py repeats.
GroupResults make_group(std::uint32_t g, const std::string& name, std::uint32_t hosts,
                        std::uint32_t port_range_size, std::uint32_t samples) {
  GroupResults group;
  group.name = name;
  group.hosts = hosts;
  group.port_range_size = port_range_size;
  metrics::add_metrics(group, metrics::kHostGroupMetrics);
  const auto put = [&group](const char* metric, std::uint64_t sum, std::uint64_t max = 0) {
    metrics::MetricValues& v = group.at(metric);
    v.sum.push_back(sum);
    if (!v.metric->max_name.empty()) v.max.push_back(max);
  };
  for (std::uint32_t i = 0; i < samples; ++i) {
    group.times.push_back(i * sim::milliseconds(500));
    for (std::uint32_t k = 0; k < tcp::kStateCount; ++k) {
      put("state_sum", 100 * g + 10 * i + k, g + i + k);
    }
    put("ports_in_use", 1000 * (g + 1) + i, 500 * (g + 1) + i);
    put("fds_in_use", 2000 * (g + 1) + i, 700 * (g + 1) + i);
    put("ports_per_destination", 300 * (g + 1) + i, 200 * (g + 1) + i);
    put("connects_attempted", 10'000'000'000ULL + 100 * i + g);
    put("connects_succeeded", 90 * i + g);
    for (std::uint32_t k = 0; k < tcp::kSocketErrorCount; ++k) put("connects_failed", i * k + g);
    put("requests_completed", 80 * i + g);
    put("requests_failed", 2 * i + g);
    put("pool_busy", 10 + i + g);
    put("pool_idle", 20 + i + g);
    put("pool_waiting", i + g);
    for (std::size_t k = 0; k < metrics::kNstatNames.size(); ++k) put("nstat", 0);
    for (std::size_t k = 0; k < metrics::kRequestFailureNames.size(); ++k) {
      put("requests_failed_by", 0);
    }
  }
  for (const std::int64_t v : {1'000LL, 1'000LL, 250'000LL, 1'000'000'000LL}) {
    group.at("connect_latency").histogram->record(v + g);
  }
  if (g == 0) {
    group.at("request_latency").histogram->record(5'000'000, 3);
    group.at("request_latency").histogram->record(7'000'000);
    group.at("first_eaddrnotavail_s").value = 1.5;
  }
  metrics::summarise(group, kWarmup);
  return group;
}

RunResults make_results() {
  RunResults r;
  r.scenario_name = "two-tier";
  r.scenario_text = "name: \"two-tier\"\nseed: 42\n";
  r.seed = 42;
  r.version = "0.1.0-test";
  r.wall_seconds = 1.25;
  r.events = 123'456'789;
  r.duration = sim::seconds(10);
  r.warmup = kWarmup;
  r.interval = sim::milliseconds(500);
  r.groups.push_back(make_group(0, "web", 3, 28232, 5));
  r.groups.push_back(make_group(1, "db", 1, 0, 3));
  return r;
}

using test_support::Id;

template <typename T>
hid_t native();
template <>
hid_t native<std::int32_t>() {
  return H5T_NATIVE_INT32;
}
template <>
hid_t native<std::uint32_t>() {
  return H5T_NATIVE_UINT32;
}
template <>
hid_t native<std::int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
hid_t native<std::uint64_t>() {
  return H5T_NATIVE_UINT64;
}
template <>
hid_t native<double>() {
  return H5T_NATIVE_DOUBLE;
}

template <typename T>
std::vector<T> read_attribute_array(hid_t object, const char* name) {
  const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  const Id space(H5Aget_space(attribute), H5Sclose);
  std::vector<T> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  if (H5Aread(attribute, native<T>(), values.data()) < 0) throw std::runtime_error(name);
  return values;
}

template <typename T>
T read_attribute(hid_t object, const char* name) {
  const std::vector<T> values = read_attribute_array<T>(object, name);
  if (values.size() != 1) throw std::runtime_error(name);
  return values.front();
}

using test_support::read_strings;

std::string read_string(hid_t object, const char* name) {
  const std::vector<std::string> values = read_strings(object, name);
  if (values.size() != 1) throw std::runtime_error(name);
  return values.front();
}

struct Table {
  std::vector<hsize_t> dims;
  H5T_class_t type_class;
  std::size_t type_size;
  H5T_sign_t sign;
  H5T_order_t order;
};

Table describe_dataset(hid_t dataset) {
  const Id space(H5Dget_space(dataset), H5Sclose);
  const Id type(H5Dget_type(dataset), H5Tclose);
  Table t;
  t.dims.resize(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
  H5Sget_simple_extent_dims(space, t.dims.data(), nullptr);
  t.type_class = H5Tget_class(type);
  t.type_size = H5Tget_size(type);
  t.sign = t.type_class == H5T_INTEGER ? H5Tget_sign(type) : H5T_SGN_ERROR;
  t.order = H5Tget_order(type);
  return t;
}

template <typename T>
std::vector<T> read_dataset(hid_t group, const char* name, std::vector<hsize_t>* dims = nullptr) {
  const Id dataset(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose);
  const Table t = describe_dataset(dataset);
  std::size_t n = 1;
  for (const hsize_t d : t.dims) n *= d;
  std::vector<T> values(n);
  if (n > 0 && H5Dread(dataset, native<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    throw std::runtime_error(name);
  }
  if (dims != nullptr) *dims = t.dims;
  return values;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using test_support::python_has;
using test_support::run;

class ResultsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        fs::temp_directory_path() / ("tcpsim-io-" + std::to_string(getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }
  [[nodiscard]] std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(ResultsFile, WritesRootAttributes) {
  const std::string file = path("r.h5");
  write_results(make_results(), file);
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  EXPECT_EQ(read_string(f, "format"), "tcpsim-results");
  EXPECT_EQ(read_attribute<std::int32_t>(f, "format_version"), kResultsFormatVersion);
  EXPECT_EQ(read_string(f, "scenario_name"), "two-tier");
  EXPECT_EQ(read_string(f, "scenario_text"), "name: \"two-tier\"\nseed: 42\n");
  EXPECT_EQ(read_string(f, "version"), "0.1.0-test");
  EXPECT_EQ(read_attribute<std::uint64_t>(f, "seed"), 42U);
  EXPECT_EQ(read_attribute<std::uint64_t>(f, "events"), 123'456'789U);
  EXPECT_EQ(read_attribute<double>(f, "wall_seconds"), 1.25);
  EXPECT_EQ(read_attribute<double>(f, "duration_s"), 10.0);
  EXPECT_EQ(read_attribute<double>(f, "warmup_s"), 0.5);
  EXPECT_EQ(read_attribute<double>(f, "interval_s"), 0.5);
  const Id groups(H5Gopen2(f, "groups", H5P_DEFAULT), H5Gclose);
  EXPECT_THAT(read_strings(groups, "names"), ElementsAre("web", "db"));
}

TEST_F(ResultsFile, KeepsGroupsInScenarioOrder) {
  const std::string file = path("r.h5");
  write_results(make_results(), file);
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const Id groups(H5Gopen2(f, "groups", H5P_DEFAULT), H5Gclose);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < 2; ++i) {
    char name[16] = {};
    ASSERT_GT(H5Lget_name_by_idx(groups, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name,
                                 H5P_DEFAULT),
              0);
    names.emplace_back(name);
  }
  EXPECT_THAT(names, ElementsAre("web", "db"));
}

TEST_F(ResultsFile, WritesSeriesWithTypesShapesAndUnits) {
  const RunResults results = make_results();
  const std::string file = path("r.h5");
  write_results(results, file);
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  for (const GroupResults& expected : results.groups) {
    SCOPED_TRACE(expected.name);
    const Id g(H5Gopen2(f, ("groups/" + expected.name).c_str(), H5P_DEFAULT), H5Gclose);
    EXPECT_EQ(read_attribute<std::uint32_t>(g, "hosts"), expected.hosts);
    EXPECT_EQ(read_attribute<std::uint32_t>(g, "port_range_size"), expected.port_range_size);
    const std::size_t n = expected.times.size();

    std::vector<hsize_t> dims;
    const auto time = read_dataset<double>(g, "time_s", &dims);
    EXPECT_THAT(dims, ElementsAre(n));
    const auto state_sum = read_dataset<std::uint32_t>(g, "state_sum", &dims);
    EXPECT_THAT(dims, ElementsAre(n, tcp::kStateCount));
    const auto state_max = read_dataset<std::uint32_t>(g, "state_max", &dims);
    EXPECT_THAT(dims, ElementsAre(n, tcp::kStateCount));
    const auto failed = read_dataset<std::uint64_t>(g, "connects_failed", &dims);
    EXPECT_THAT(dims, ElementsAre(n, tcp::kSocketErrorCount));
    const auto ports = read_dataset<std::uint32_t>(g, "ports_in_use");
    const auto ports_max = read_dataset<std::uint32_t>(g, "ports_in_use_max");
    const auto fds = read_dataset<std::uint32_t>(g, "fds_in_use");
    const auto fds_max = read_dataset<std::uint32_t>(g, "fds_in_use_max");
    const auto attempted = read_dataset<std::uint64_t>(g, "connects_attempted");
    const auto succeeded = read_dataset<std::uint64_t>(g, "connects_succeeded");
    const auto completed = read_dataset<std::uint64_t>(g, "requests_completed");
    const auto req_failed = read_dataset<std::uint64_t>(g, "requests_failed");
    const auto busy = read_dataset<std::uint32_t>(g, "pool_busy");
    const auto idle = read_dataset<std::uint32_t>(g, "pool_idle");
    const auto waiting = read_dataset<std::uint32_t>(g, "pool_waiting");
    ASSERT_EQ(time.size(), n);
    ASSERT_EQ(waiting.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto at = [&](const char* series, std::size_t k = 0) {
        return expected.sample(series, i, k);
      };
      EXPECT_EQ(time[i], sim::to_seconds(expected.times[i]));
      for (std::size_t k = 0; k < tcp::kStateCount; ++k) {
        EXPECT_EQ(state_sum[i * tcp::kStateCount + k], at("state_sum", k));
        EXPECT_EQ(state_max[i * tcp::kStateCount + k], at("state_max", k));
      }
      for (std::size_t k = 0; k < tcp::kSocketErrorCount; ++k) {
        EXPECT_EQ(failed[i * tcp::kSocketErrorCount + k], at("connects_failed", k));
      }
      EXPECT_EQ(ports[i], at("ports_in_use"));
      EXPECT_EQ(ports_max[i], at("ports_in_use_max"));
      EXPECT_EQ(fds[i], at("fds_in_use"));
      EXPECT_EQ(fds_max[i], at("fds_in_use_max"));
      EXPECT_EQ(attempted[i], at("connects_attempted"));
      EXPECT_EQ(succeeded[i], at("connects_succeeded"));
      EXPECT_EQ(completed[i], at("requests_completed"));
      EXPECT_EQ(req_failed[i], at("requests_failed"));
      EXPECT_EQ(busy[i], at("pool_busy"));
      EXPECT_EQ(idle[i], at("pool_idle"));
      EXPECT_EQ(waiting[i], at("pool_waiting"));
    }

    struct Expected {
      const char* name;
      H5T_class_t type_class;
      std::size_t size;
      const char* units;
    };
    for (const Expected& e : {
             Expected{"time_s", H5T_FLOAT, 8, "s"},
             Expected{"state_sum", H5T_INTEGER, 4, "sockets"},
             Expected{"state_max", H5T_INTEGER, 4, "sockets"},
             Expected{"ports_in_use", H5T_INTEGER, 4, "ports"},
             Expected{"ports_in_use_max", H5T_INTEGER, 4, "ports"},
             Expected{"fds_in_use", H5T_INTEGER, 4, "file descriptors"},
             Expected{"fds_in_use_max", H5T_INTEGER, 4, "file descriptors"},
             Expected{"connects_attempted", H5T_INTEGER, 8, "connects"},
             Expected{"connects_succeeded", H5T_INTEGER, 8, "connects"},
             Expected{"connects_failed", H5T_INTEGER, 8, "connects"},
             Expected{"requests_completed", H5T_INTEGER, 8, "requests"},
             Expected{"requests_failed", H5T_INTEGER, 8, "requests"},
             Expected{"pool_busy", H5T_INTEGER, 4, "connections"},
             Expected{"pool_idle", H5T_INTEGER, 4, "connections"},
             Expected{"pool_waiting", H5T_INTEGER, 4, "requests"},
         }) {
      SCOPED_TRACE(e.name);
      const Id d(H5Dopen2(g, e.name, H5P_DEFAULT), H5Dclose);
      const Table t = describe_dataset(d);
      EXPECT_EQ(t.type_class, e.type_class);
      EXPECT_EQ(t.type_size, e.size);
      EXPECT_EQ(t.order, H5T_ORDER_LE);
      if (e.type_class == H5T_INTEGER) {
        EXPECT_EQ(t.sign, H5T_SGN_NONE);
      }
      EXPECT_EQ(read_string(d, "units"), e.units);
      EXPECT_FALSE(read_string(d, "description").empty());

      const Id dcpl(H5Dget_create_plist(d), H5Pclose);
      EXPECT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED);
      std::vector<H5Z_filter_t> filters;
      for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
        unsigned flags = 0;
        std::size_t n_values = 0;
        unsigned config = 0;
        filters.push_back(H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &n_values, nullptr,
                                         0, nullptr, &config));
      }
      EXPECT_THAT(filters, ElementsAre(H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE));
    }
    std::vector<std::string> states(tcp::kStateNames.begin(), tcp::kStateNames.end());
    std::vector<std::string> errors(tcp::kSocketErrorNames.begin(), tcp::kSocketErrorNames.end());
    for (const char* name : {"state_sum", "state_max"}) {
      const Id d(H5Dopen2(g, name, H5P_DEFAULT), H5Dclose);
      EXPECT_EQ(read_strings(d, "states"), states);
    }
    const Id d(H5Dopen2(g, "connects_failed", H5P_DEFAULT), H5Dclose);
    EXPECT_EQ(read_strings(d, "errors"), errors);
  }
}

struct BucketRow {
  std::int64_t lowest_ns;
  std::int64_t highest_ns;
  std::uint64_t count;
};

std::vector<BucketRow> read_buckets(hid_t group, const char* name) {
  const Id d(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose);
  const Id type(H5Tcreate(H5T_COMPOUND, sizeof(BucketRow)), H5Tclose);
  H5Tinsert(type, "lowest_ns", offsetof(BucketRow, lowest_ns), H5T_NATIVE_INT64);
  H5Tinsert(type, "highest_ns", offsetof(BucketRow, highest_ns), H5T_NATIVE_INT64);
  H5Tinsert(type, "count", offsetof(BucketRow, count), H5T_NATIVE_UINT64);
  const Table t = describe_dataset(d);
  std::vector<BucketRow> rows(t.dims.at(0));
  if (!rows.empty() && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()) < 0) {
    throw std::runtime_error(name);
  }
  return rows;
}

TEST_F(ResultsFile, WritesHistogramBuckets) {
  const RunResults results = make_results();
  const std::string file = path("r.h5");
  write_results(results, file);
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  for (const GroupResults& expected : results.groups) {
    for (const auto& [name, histogram] :
         {std::pair{"connect_latency", &expected.histogram("connect_latency")},
          std::pair{"request_latency", &expected.histogram("request_latency")}}) {
      SCOPED_TRACE(expected.name + "/" + name);
      const Id g(H5Gopen2(f, ("groups/" + expected.name).c_str(), H5P_DEFAULT), H5Gclose);
      const std::vector<BucketRow> rows = read_buckets(g, name);
      const std::vector<sim::Histogram::Bucket> buckets = histogram->buckets();
      ASSERT_EQ(rows.size(), buckets.size());
      for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i].lowest_ns, buckets[i].lowest);
        EXPECT_EQ(rows[i].highest_ns, buckets[i].highest);
        EXPECT_EQ(rows[i].count, buckets[i].count);
      }
      const Id d(H5Dopen2(g, name, H5P_DEFAULT), H5Dclose);
      EXPECT_EQ(describe_dataset(d).type_class, H5T_COMPOUND);
      EXPECT_EQ(read_string(d, "units"), "ns");
      EXPECT_EQ(read_attribute<std::uint64_t>(d, "count"), histogram->count());
      EXPECT_EQ(read_attribute<std::uint64_t>(d, "overflow"), histogram->overflow());
      EXPECT_EQ(read_attribute<std::int64_t>(d, "min_ns"), histogram->min());
      EXPECT_EQ(read_attribute<std::int64_t>(d, "max_ns"), histogram->max());
      EXPECT_EQ(read_attribute<double>(d, "mean_ns"), histogram->mean());
      EXPECT_EQ(read_attribute<double>(d, "stddev_ns"), histogram->stddev());
      EXPECT_EQ(read_attribute<std::int64_t>(d, "p50_ns"), histogram->percentile(50));
      EXPECT_EQ(read_attribute<std::int64_t>(d, "p90_ns"), histogram->percentile(90));
      EXPECT_EQ(read_attribute<std::int64_t>(d, "p99_ns"), histogram->percentile(99));
      EXPECT_EQ(read_attribute<std::int64_t>(d, "p999_ns"), histogram->percentile(99.9));
      EXPECT_EQ(read_attribute<std::int64_t>(d, "highest_trackable_ns"),
                histogram->highest_trackable());
      EXPECT_EQ(read_attribute<std::int32_t>(d, "sub_bucket_bits"), histogram->sub_bucket_bits());
    }
  }
}

TEST_F(ResultsFile, WritesSummary) {
  const RunResults results = make_results();
  const std::string file = path("r.h5");
  write_results(results, file);
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  for (const GroupResults& expected : results.groups) {
    SCOPED_TRACE(expected.name);
    const auto peak = [&](const char* name, std::size_t columns) {
      std::vector<std::uint32_t> values;
      for (std::size_t k = 0; k < columns; ++k) {
        values.push_back(
            static_cast<std::uint32_t>(expected.sample(name, expected.times.size() - 1, k)));
      }
      return values;
    };
    const std::size_t last = expected.times.size() - 1;
    const Id s(H5Gopen2(f, ("groups/" + expected.name + "/summary").c_str(), H5P_DEFAULT),
               H5Gclose);
    EXPECT_EQ(read_strings(s, "states"),
              std::vector<std::string>(tcp::kStateNames.begin(), tcp::kStateNames.end()));
    EXPECT_EQ(read_strings(s, "errors"), std::vector<std::string>(tcp::kSocketErrorNames.begin(),
                                                                  tcp::kSocketErrorNames.end()));
    // The series grow, so peaks are the last sample's values.
    EXPECT_EQ(read_attribute_array<std::uint32_t>(s, "state_peak"),
              peak("state_sum", tcp::kStateCount));
    // Samples at 0.5 s ... weigh 0.5 s each but the last: 100 g + 5 (n - 1) + k.
    std::vector<double> mean;
    for (std::size_t k = 0; k < tcp::kStateCount; ++k) {
      mean.push_back(static_cast<double>(expected.sample("state_sum", 0, k) + 5 * last));
    }
    EXPECT_EQ(read_attribute_array<double>(s, "state_mean"), mean);
    std::vector<std::uint64_t> failures;
    for (std::size_t k = 0; k < tcp::kSocketErrorCount; ++k) {
      failures.push_back(expected.sample("connects_failed", last, k));
    }
    EXPECT_EQ(read_attribute_array<std::uint64_t>(s, "failures"), failures);
    const double first = read_attribute<double>(s, "first_eaddrnotavail_s");
    if (expected.name == "web") {
      EXPECT_EQ(first, 1.5);
    } else {
      EXPECT_TRUE(std::isnan(first));
    }
    EXPECT_EQ(read_attribute<std::uint64_t>(s, "connects_attempted"),
              expected.sample("connects_attempted", last));
    EXPECT_EQ(read_attribute<std::uint64_t>(s, "connects_succeeded"),
              expected.sample("connects_succeeded", last));
    EXPECT_EQ(read_attribute<std::uint64_t>(s, "requests_completed"),
              expected.sample("requests_completed", last));
    EXPECT_EQ(read_attribute<std::uint32_t>(s, "ports_in_use_peak"), peak("ports_in_use", 1)[0]);
    EXPECT_EQ(read_attribute<std::uint32_t>(s, "fds_in_use_peak"), peak("fds_in_use", 1)[0]);
    for (const auto& [p, value] : {std::pair{"p50", 50.0}, std::pair{"p90", 90.0},
                                   std::pair{"p99", 99.0}, std::pair{"p999", 99.9}}) {
      EXPECT_EQ(
          read_attribute<std::int64_t>(s, ("connect_latency_" + std::string(p) + "_ns").c_str()),
          expected.histogram("connect_latency").percentile(value));
      EXPECT_EQ(
          read_attribute<std::int64_t>(s, ("request_latency_" + std::string(p) + "_ns").c_str()),
          expected.histogram("request_latency").percentile(value));
    }
    std::vector<std::string> names, units, descriptions;
    for (const metrics::SummaryNumber& n : expected.summary_numbers()) {
      names.push_back(n.name);
      units.emplace_back(n.unit);
      descriptions.push_back(n.description);
    }
    EXPECT_EQ(read_strings(s, "names"), names);
    EXPECT_EQ(read_strings(s, "units"), units);
    EXPECT_EQ(read_strings(s, "descriptions"), descriptions);
  }
}

// The metrics of a kind of node the writer knows nothing of.
constexpr std::array<std::string_view, 2> kAddresses{"198.51.100.1", "198.51.100.2"};
constexpr std::array<metrics::Metric, 2> kGatewayMetrics{{
    {.name = "gateway_ports",
     .unit = "ports",
     .description = "ports mapped per public address",
     .kind = metrics::MetricKind::kLevel,
     .width = metrics::Width::k32,
     .columns = {"addresses", kAddresses},
     .summary = {{{"gateway_ports_peak", metrics::Reading::kPeak}}}},
    {.name = "gateway_first_drop_s",
     .unit = "s",
     .description = "time of the first packet dropped for want of a port",
     .kind = metrics::MetricKind::kScalar,
     .summary = {{{"gateway_first_drop_s", metrics::Reading::kValue}}}},
}};

TEST_F(ResultsFile, EveryRegisteredMetricIsADatasetWithUnitsAndDescription) {
  RunResults results = make_results();
  GroupResults& web = results.groups.front();
  metrics::add_metrics(web, kGatewayMetrics);
  for (std::size_t i = 0; i < web.times.size(); ++i) {
    web.at("gateway_ports").sum.insert(web.at("gateway_ports").sum.end(), {i, 2 * i});
  }
  web.at("gateway_first_drop_s").value = 0.25;
  metrics::summarise(web, kWarmup);
  const std::string file = path("r.h5");
  write_results(results, file);
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  constexpr std::array<const char*, 4> kKinds{"level", "counter", "histogram", "scalar"};
  std::size_t checked = 0;
  for (const GroupResults& expected : results.groups) {
    const Id g(H5Gopen2(f, ("groups/" + expected.name).c_str(), H5P_DEFAULT), H5Gclose);
    const Id s(H5Gopen2(g, "summary", H5P_DEFAULT), H5Gclose);
    const std::vector<std::string> names = read_strings(s, "names");
    const std::vector<std::string> units = read_strings(s, "units");
    const std::vector<std::string> descriptions = read_strings(s, "descriptions");
    ASSERT_EQ(units.size(), names.size());
    ASSERT_EQ(descriptions.size(), names.size());
    for (const metrics::MetricValues& v : expected.metrics) {
      const metrics::Metric& m = *v.metric;
      if (m.kind == metrics::MetricKind::kScalar) {
        SCOPED_TRACE(expected.name + "/summary/" + std::string(m.name));
        const auto at = std::find(names.begin(), names.end(), m.name);
        ASSERT_NE(at, names.end());
        EXPECT_EQ(units[static_cast<std::size_t>(at - names.begin())], m.unit);
        EXPECT_EQ(descriptions[static_cast<std::size_t>(at - names.begin())], m.description);
        EXPECT_EQ(H5Aexists(s, std::string(m.name).c_str()), 1);
        ++checked;
        continue;
      }
      std::vector<std::pair<std::string_view, std::string_view>> datasets{{m.name, m.description}};
      if (!m.max_name.empty()) datasets.emplace_back(m.max_name, m.max_description);
      for (const auto& [name, description] : datasets) {
        SCOPED_TRACE(expected.name + "/" + std::string(name));
        const Id d(H5Dopen2(g, std::string(name).c_str(), H5P_DEFAULT), H5Dclose);
        EXPECT_EQ(read_string(d, "units"), m.unit);
        EXPECT_EQ(read_string(d, "description"), description);
        EXPECT_EQ(read_string(d, "kind"), kKinds[static_cast<std::size_t>(m.kind)]);
        if (!m.columns.names.empty()) {
          EXPECT_EQ(read_strings(d, std::string(m.columns.attribute).c_str()),
                    std::vector<std::string>(m.columns.names.begin(), m.columns.names.end()));
        }
        ++checked;
      }
    }
  }
  // Per group every metric, the busiest host's dataset of the four levels read per host, and
  // the gateway's two.
  EXPECT_EQ(checked, 2 * (metrics::kHostGroupMetrics.size() + 4) + 2);
  const Id web_group(H5Gopen2(f, "groups/web", H5P_DEFAULT), H5Gclose);
  std::vector<hsize_t> dims;
  EXPECT_THAT(read_dataset<std::uint32_t>(web_group, "gateway_ports", &dims),
              ElementsAre(0, 0, 1, 2, 2, 4, 3, 6, 4, 8));
  EXPECT_THAT(dims, ElementsAre(5, 2));
  const Id s(H5Gopen2(web_group, "summary", H5P_DEFAULT), H5Gclose);
  EXPECT_THAT(read_attribute_array<std::uint32_t>(s, "gateway_ports_peak"), ElementsAre(4, 8));
  EXPECT_EQ(read_attribute<double>(s, "gateway_first_drop_s"), 0.25);
  EXPECT_THAT(read_strings(s, "addresses"), ElementsAre("198.51.100.1", "198.51.100.2"));
  const std::vector<std::string> names = read_strings(s, "names");
  EXPECT_THAT(std::vector<std::string>(names.end() - 3, names.end()),
              ElementsAre("gateway_ports_peak.198.51.100.1", "gateway_ports_peak.198.51.100.2",
                          "gateway_first_drop_s"));
}

TEST_F(ResultsFile, WritesGroupWithoutSamples) {
  RunResults results = make_results();
  results.groups.push_back(make_group(2, "idle clients", 0, 0, 0));
  results.groups.back().at("connect_latency").histogram->reset();
  const std::string file = path("r.h5");
  write_results(results, file);
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const Id g(H5Gopen2(f, "groups/idle clients", H5P_DEFAULT), H5Gclose);
  std::vector<hsize_t> dims;
  EXPECT_TRUE(read_dataset<double>(g, "time_s", &dims).empty());
  EXPECT_THAT(dims, ElementsAre(0));
  EXPECT_TRUE(read_dataset<std::uint32_t>(g, "state_sum", &dims).empty());
  EXPECT_THAT(dims, ElementsAre(0, tcp::kStateCount));
  EXPECT_TRUE(read_buckets(g, "connect_latency").empty());
  const Id d(H5Dopen2(g, "connect_latency", H5P_DEFAULT), H5Dclose);
  EXPECT_EQ(read_attribute<std::uint64_t>(d, "count"), 0U);
  EXPECT_EQ(read_attribute<std::int64_t>(d, "p99_ns"), 0);
}

TEST_F(ResultsFile, StoresLargeScenarioText) {
  RunResults results = make_results();
  results.scenario_text.clear();
  for (int i = 0; results.scenario_text.size() < 1'000'000; ++i) {
    results.scenario_text += "host_group { name: \"g" + std::to_string(i) + "\" hosts: 1000 }\n";
  }
  const std::string file = path("r.h5");
  write_results(results, file);
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  EXPECT_EQ(read_string(f, "scenario_text"), results.scenario_text);
}

TEST_F(ResultsFile, ReplacesExistingFileAndLeavesNoTemporary) {
  const std::string file = path("r.h5");
  RunResults first = make_results();
  first.seed = 1;
  write_results(first, file);
  RunResults second = make_results();
  second.seed = 2;
  write_results(second, file);
  EXPECT_THAT(entries(), ElementsAre("r.h5"));
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  EXPECT_EQ(read_attribute<std::uint64_t>(f, "seed"), 2U);
}

TEST_F(ResultsFile, MissingDirectoryThrowsAndLeavesNothing) {
  const std::string file = path("missing/r.h5");
  try {
    write_results(make_results(), file);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(file));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
  EXPECT_TRUE(entries().empty());
}

TEST_F(ResultsFile, FailedOverwriteKeepsOldFile) {
  const std::string file = path("r.h5");
  write_results(make_results(), file);
  const std::string before = read_bytes(file);
  const std::string temp = file + ".tmp." + std::to_string(getpid());
  fs::create_directory(temp);
  RunResults other = make_results();
  other.seed = 7;
  try {
    write_results(other, file);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(file));
    EXPECT_THAT(e.what(), HasSubstr("creating '" + temp + "': Is a directory"));
  }
  EXPECT_EQ(read_bytes(file), before);
  EXPECT_TRUE(fs::is_directory(temp));
}

// A write that fails on the disk (here EFBIG under a file size limit, as ENOSPC on a full
// disk) is reported, keeps the old file, leaves no temporary, and the process then exits
// normally: HDF5's exit handler once crashed on the file whose close had failed.
TEST_F(ResultsFile, DiskWriteFailureKeepsOldFileAndExitsCleanly) {
  const std::string file = path("r.h5");
  write_results(make_results(), file);
  const std::string before = read_bytes(file);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{4096, 4096};
    setrlimit(RLIMIT_FSIZE, &limit);
    RunResults other = make_results();
    other.seed = 7;
    int status = 3;
    try {
      write_results(other, file);
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      status = what.find("File too large") != std::string::npos ? 0 : 4;
    }
    std::exit(status);  // runs HDF5's atexit handler
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(read_bytes(file), before);
  EXPECT_THAT(entries(), ElementsAre("r.h5"));
}

TEST_F(ResultsFile, FailedRenameRemovesTemporary) {
  const std::string target = path("taken");
  fs::create_directories(fs::path(target) / "child");
  EXPECT_THROW(write_results(make_results(), target), std::runtime_error);
  EXPECT_THAT(entries(), ElementsAre("taken"));
  EXPECT_TRUE(fs::is_directory(fs::path(target) / "child"));
}

TEST_F(ResultsFile, RejectsBadGroupNames) {
  for (const std::string bad : {"", ".", "a/b", "web"}) {
    SCOPED_TRACE(bad);
    RunResults results = make_results();
    results.groups.push_back(make_group(2, bad, 1, 0, 1));
    EXPECT_THROW(write_results(results, path("r.h5")), std::runtime_error);
    EXPECT_TRUE(entries().empty());
  }
}

TEST_F(ResultsFile, SameResultsGiveIdenticalBytes) {
  write_results(make_results(), path("a.h5"));
  write_results(make_results(), path("b.h5"));
  const std::string a = read_bytes(path("a.h5"));
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == read_bytes(path("b.h5")));
}

std::string bytes_of(double value) {
  std::string bytes(sizeof value, '\0');
  std::memcpy(bytes.data(), &value, sizeof value);
  return bytes;
}

TEST_F(ResultsFile, WallSecondsChangesOnlyItsValueAndChecksum) {
  RunResults results = make_results();
  results.wall_seconds = 1.25;
  write_results(results, path("a.h5"));
  results.wall_seconds = 98765.4321;
  write_results(results, path("b.h5"));
  const std::string a = read_bytes(path("a.h5"));
  const std::string b = read_bytes(path("b.h5"));
  ASSERT_EQ(a.size(), b.size());
  const std::size_t value_at = b.find(bytes_of(98765.4321));
  ASSERT_NE(value_at, std::string::npos);
  EXPECT_EQ(a.substr(value_at, 8), bytes_of(1.25));
  std::vector<std::size_t> others;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && (i < value_at || i >= value_at + 8)) others.push_back(i);
  }
  ASSERT_FALSE(others.empty());
  EXPECT_LT(others.back() - others.front(), 4U) << "only the checksum of the block holding it";
}

TEST_F(ResultsFile, H5pyReadsTheLayout) {
  if (!python_has("h5py, numpy")) GTEST_SKIP() << "/usr/bin/python3 with h5py is not available";
  const std::string file = path("r.h5");
  write_results(make_results(), file);
  EXPECT_EQ(
      run("/usr/bin/python3 '" TCPSIM_SOURCE_DIR "/tests/io/check_results.py' '" + file + "'"), 0);
}

TEST_F(ResultsFile, PlotScriptWritesPngs) {
  if (!python_has("h5py, matplotlib")) {
    GTEST_SKIP() << "/usr/bin/python3 with h5py and matplotlib is not available";
  }
  const std::string file = path("run.h5");
  write_results(make_results(), file);
  const std::string out = path("plots");
  EXPECT_EQ(run("MPLCONFIGDIR='" + path("mpl") +
                "' /usr/bin/python3 '" TCPSIM_SOURCE_DIR "/tools/plot_results.py' '" + file +
                "' -o '" + out + "' >/dev/null"),
            0);
  for (const char* name : {"run_states.png", "run_ports.png", "run_failures.png"}) {
    SCOPED_TRACE(name);
    const fs::path png = fs::path(out) / name;
    ASSERT_TRUE(fs::exists(png));
    EXPECT_EQ(read_bytes(png).substr(0, 8), "\x89PNG\r\n\x1a\n");
  }
}

TEST_F(ResultsFile, PlotScriptRejectsMissingAndInvalidFiles) {
  if (!python_has("h5py, matplotlib")) {
    GTEST_SKIP() << "/usr/bin/python3 with h5py and matplotlib is not available";
  }
  const std::string plot = "MPLCONFIGDIR='" + path("mpl") +
                           "' /usr/bin/python3 '" TCPSIM_SOURCE_DIR "/tools/plot_results.py' ";
  EXPECT_EQ(run(plot + "'" + path("absent.h5") + "' 2>/dev/null"), 2);
  std::ofstream(path("junk.h5")) << "not hdf5";
  EXPECT_EQ(run(plot + "'" + path("junk.h5") + "' 2>/dev/null"), 2);
  {
    const Id other(H5Fcreate(path("other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                   H5Fclose);
  }
  EXPECT_EQ(run(plot + "'" + path("other.h5") + "' 2>/dev/null"), 2);
}

}  // namespace
}  // namespace tcpsim::io
