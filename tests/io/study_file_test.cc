#include "io/study_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "io/results_file.h"
#include "models/metrics/host_group_metrics.h"
#include "models/metrics/run_results.h"
#include "models/tcp/socket_error.h"
#include "models/tcp/tcp_state.h"
#include "sim/time.h"
#include "tests/io/hdf5_reading.h"
#include "tests/io/python3.h"

namespace tcpsim::io {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

metrics::GroupResults make_group(std::uint32_t run, std::uint32_t g, const std::string& name,
                                 std::uint32_t samples) {
  metrics::GroupResults group;
  group.name = name;
  group.hosts = 2 + g;
  group.port_range_size = 28232;
  metrics::add_metrics(group, metrics::kHostGroupMetrics);
  const auto put = [&group](const char* metric, std::uint64_t sum, std::uint64_t max = 0) {
    metrics::MetricValues& v = group.at(metric);
    v.sum.push_back(sum);
    if (!v.metric->max_name.empty()) v.max.push_back(max);
  };
  for (std::uint32_t i = 0; i < samples; ++i) {
    group.times.push_back(i * sim::seconds(1));
    for (std::uint32_t k = 0; k < tcp::kStateCount; ++k) {
      put("state_sum", 1000 * run + 100 * g + 10 * i + k, run + g + i + k);
    }
    put("ports_in_use", 1000 * run + i);
    put("fds_in_use", 0);
    put("ports_per_destination", 0);
    put("connects_attempted", 10'000'000'000ULL + 100 * i + run);
    put("connects_succeeded", 0);
    for (std::uint32_t k = 0; k < tcp::kSocketErrorCount; ++k) put("connects_failed", i * k + run);
    put("requests_completed", 0);
    put("requests_failed", 0);
    put("pool_busy", 0);
    put("pool_idle", 0);
    put("pool_waiting", i + g);
    for (std::size_t k = 0; k < metrics::kNstatNames.size(); ++k) put("nstat", 0);
    for (std::size_t k = 0; k < metrics::kRequestFailureNames.size(); ++k) {
      put("requests_failed_by", 0);
    }
  }
  for (const std::int64_t v : {1'000LL, 250'000LL, 1'000'000'000LL}) {
    group.at("connect_latency").histogram->record(v + run);
  }
  group.at("request_latency").histogram->record(5'000'000 + run, 3);
  if (g == 0) group.at("first_eaddrnotavail_s").value = 1.5;
  metrics::summarise(group, 0);
  return group;
}

metrics::RunResults make_results(std::uint32_t run) {
  metrics::RunResults r;
  r.scenario_name = "study-test";
  r.scenario_text = "name: \"study-test\"\n";
  r.seed = 7 + run;
  r.version = "0.1.0-test";
  r.events = 1000 + run;
  r.duration = sim::seconds(10);
  r.interval = sim::seconds(1);
  r.groups.push_back(make_group(run, 0, "clients", 6 + run));
  r.groups.push_back(make_group(run, 1, "backend", 6 + run));
  return r;
}

StudyRun make_run(std::uint64_t run) {
  StudyRun r;
  r.run = run;
  r.point = run / 2;
  r.replication = static_cast<std::uint32_t>(run % 2);
  r.seed = 100 + run;
  r.values = {std::to_string(50 * (run / 2 + 1))};
  r.metrics = {static_cast<double>(run), run % 3 == 0 ? std::numeric_limits<double>::quiet_NaN()
                                                      : 0.5 * static_cast<double>(run)};
  return r;
}

Study make_study(std::uint64_t runs) {
  Study s;
  s.scenario_name = "study-test";
  s.scenario_text = "name: \"study-test\"\nsweep { }\n";
  s.base_scenario_text = "name: \"study-test\"\n";
  s.version = "0.1.0-test";
  s.parameters = {"rate"};
  s.parameter_paths = {"clients[0].load.poisson.rate"};
  s.metrics = {"events", "clients.first_eaddrnotavail_s"};
  for (std::uint64_t r = 0; r < runs; ++r) s.runs.push_back(make_run(r));
  return s;
}

using test_support::Id;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// --- an object tree as comparable values ---

// An attribute as text: its type's description, its dimensions and its value (the strings of a
// variable-length string attribute, the stored bytes of any other).
std::string attribute_value(hid_t object, const std::string& name) {
  const Id a(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  const Id type(H5Aget_type(a), H5Tclose);
  const Id space(H5Aget_space(a), H5Sclose);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  std::string out = "class " + std::to_string(H5Tget_class(type)) + " size " +
                    std::to_string(H5Tget_size(type)) + " points " + std::to_string(n) + ": ";
  if (H5Tis_variable_str(type) > 0) {
    out += "cset " + std::to_string(H5Tget_cset(type)) + ":";
    std::vector<char*> texts(n);
    if (H5Aread(a, type, texts.data()) < 0) throw std::runtime_error("reading " + name);
    for (char* t : texts) {
      out += std::string(t) + '\0';
      H5free_memory(t);
    }
    return out;
  }
  std::string bytes(n * H5Tget_size(type), '\0');
  if (H5Aread(a, type, bytes.data()) < 0) throw std::runtime_error("reading " + name);
  return out + bytes;
}

herr_t collect_attribute(hid_t object, const char* name, const H5A_info_t* /*info*/, void* data) {
  auto* out = static_cast<std::map<std::string, std::string>*>(data);
  (*out)[name] = attribute_value(object, name);
  return 0;
}

std::map<std::string, std::string> attributes(hid_t object) {
  std::map<std::string, std::string> out;
  hsize_t index = 0;
  if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &out) < 0) {
    throw std::runtime_error("iterating attributes");
  }
  return out;
}

// A dataset as text: type, shape, chunking and filters, each stored chunk's bytes and filter
// mask, and the elements' bytes read unconverted.
std::string dataset_value(hid_t dataset) {
  const Id type(H5Dget_type(dataset), H5Tclose);
  const Id space(H5Dget_space(dataset), H5Sclose);
  const Id dcpl(H5Dget_create_plist(dataset), H5Pclose);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  std::string out = "class " + std::to_string(H5Tget_class(type)) + " size " +
                    std::to_string(H5Tget_size(type)) + " dims";
  for (const hsize_t d : dims) out += " " + std::to_string(d);
  std::vector<hsize_t> chunk(static_cast<std::size_t>(rank));
  if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, rank, chunk.data()) != rank) {
    throw std::runtime_error("not chunked");
  }
  out += " chunk";
  for (const hsize_t c : chunk) out += " " + std::to_string(c);
  for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
    unsigned flags = 0;
    std::size_t n_values = 8;
    std::vector<unsigned> values(n_values);
    unsigned config = 0;
    const H5Z_filter_t filter = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &n_values,
                                               values.data(), 0, nullptr, &config);
    out += " filter " + std::to_string(filter);
    for (std::size_t v = 0; v < n_values && v < values.size(); ++v) {
      out += "," + std::to_string(values[v]);
    }
  }
  hsize_t chunks = 0;
  if (H5Dget_num_chunks(dataset, space, &chunks) < 0) throw std::runtime_error("chunks");
  out += " chunks " + std::to_string(chunks);
  for (hsize_t c = 0; c < chunks; ++c) {
    std::vector<hsize_t> offset(static_cast<std::size_t>(rank));
    unsigned mask = 0;
    haddr_t address = 0;
    hsize_t size = 0;
    if (H5Dget_chunk_info(dataset, space, c, offset.data(), &mask, &address, &size) < 0) {
      throw std::runtime_error("chunk info");
    }
    std::string stored(size, '\0');
    std::uint32_t read_mask = 0;
    if (H5Dread_chunk(dataset, H5P_DEFAULT, offset.data(), &read_mask, stored.data()) < 0) {
      throw std::runtime_error("reading a chunk");
    }
    out += " [mask " + std::to_string(read_mask) + "] " + stored;
  }
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  std::string elements(n * H5Tget_size(type), '\0');
  if (n > 0 && H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, elements.data()) < 0) {
    throw std::runtime_error("reading a dataset");
  }
  return out + " elements " + elements;
}

struct Tree {
  // Object path (relative, "." the top) -> kind and, for datasets, dataset_value.
  std::map<std::string, std::string> objects;
  // Object path -> its attributes.
  std::map<std::string, std::map<std::string, std::string>> attributes;
};

herr_t collect_object(hid_t top, const char* name, const H5O_info_t* info, void* data) {
  auto* tree = static_cast<Tree*>(data);
  const Id object(H5Oopen(top, name, H5P_DEFAULT), H5Oclose);
  tree->attributes[name] = attributes(object);
  tree->objects[name] = info->type == H5O_TYPE_GROUP     ? "group"
                        : info->type == H5O_TYPE_DATASET ? dataset_value(object)
                                                         : "other";
  return 0;
}

Tree read_tree(const std::string& file, const std::string& path) {
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const Id top(H5Oopen(f, path.c_str(), H5P_DEFAULT), H5Oclose);
  Tree tree;
  if (H5Ovisit2(top, H5_INDEX_NAME, H5_ITER_INC, collect_object, &tree, H5O_INFO_BASIC) < 0) {
    throw std::runtime_error("visiting " + path);
  }
  return tree;
}

std::vector<std::string> link_names(const std::string& file, const std::string& group) {
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const Id g(H5Gopen2(f, group.c_str(), H5P_DEFAULT), H5Gclose);
  H5G_info_t info;
  H5Gget_info(g, &info);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char name[64] = {};
    H5Lget_name_by_idx(g, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
    names.emplace_back(name);
  }
  return names;
}

std::vector<std::string> read_strings(const std::string& file, const std::string& object,
                                      const char* name) {
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const Id o(H5Oopen(f, object.c_str(), H5P_DEFAULT), H5Oclose);
  return test_support::read_strings(o, name);
}

bool exists(const std::string& file, const std::string& link) {
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  return H5Lexists(f, link.c_str(), H5P_DEFAULT) > 0;
}

using test_support::python_has;
using test_support::run;

class StudyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("tcpsim-study-" + std::to_string(getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A study of `runs` runs whose even runs have series (results files r<n>.h5).
  Study study_with_series(std::uint64_t runs) {
    Study s = make_study(runs);
    for (StudyRun& r : s.runs) {
      if (r.run % 2 != 0) continue;
      r.series_file = path("r" + std::to_string(r.run) + ".h5");
      r.series_path = "/groups";
      write_results(make_results(static_cast<std::uint32_t>(r.run)), r.series_file);
    }
    return s;
  }

  fs::path dir_;
};

TEST_F(StudyFile, SourceKeepsVariableLengthAttributesInDenseStorage) {
  // The case H5Ocopy's own attribute copy crashes on (see hdf5::copy_object): a histogram
  // holds more than 8 attributes, among them variable-length strings, in dense storage.
  const std::string file = path("r.h5");
  write_results(make_results(0), file);
  const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  for (const char* object : {"groups/clients/connect_latency", "groups/clients/summary"}) {
    SCOPED_TRACE(object);
    H5O_info_t info;
    ASSERT_GE(H5Oget_info_by_name2(f, object, &info, H5O_INFO_NUM_ATTRS | H5O_INFO_META_SIZE,
                                   H5P_DEFAULT),
              0);
    EXPECT_GT(info.num_attrs, 8U);
    EXPECT_GT(info.meta_size.attr.heap_size, 0U);
  }
}

TEST_F(StudyFile, CopiesEachRunsSeriesWithItsBytesAndAttributes) {
  const Study s = study_with_series(4);
  const std::string study = path("s.h5");
  write_study(s, study);
  for (const std::uint64_t r : {0, 2}) {
    SCOPED_TRACE(r);
    const Tree source = read_tree(path("r" + std::to_string(r) + ".h5"), "/groups");
    const Tree copy = read_tree(study, "/runs/" + std::to_string(r));
    ASSERT_EQ(copy.objects.size(), source.objects.size());
    EXPECT_GT(source.objects.size(), 30U);
    for (const auto& [name, value] : source.objects) {
      SCOPED_TRACE(name);
      ASSERT_TRUE(copy.objects.contains(name));
      EXPECT_TRUE(copy.objects.at(name) == value) << "the object differs";
      EXPECT_EQ(copy.attributes.at(name), source.attributes.at(name));
    }
    EXPECT_THAT(copy.attributes.at("clients/connect_latency"),
                ::testing::SizeIs(source.attributes.at("clients/connect_latency").size()));
  }
  EXPECT_FALSE(exists(study, "/runs/1"));
  EXPECT_FALSE(exists(study, "/runs/3"));
}

TEST_F(StudyFile, StringAttributesSurviveTheCopy) {
  const Study s = study_with_series(1);
  const std::string study = path("s.h5");
  write_study(s, study);
  EXPECT_THAT(read_strings(study, "/runs/0", "names"), ElementsAre("clients", "backend"));
  EXPECT_THAT(link_names(study, "/runs/0"), ElementsAre("clients", "backend"));
  const std::vector<std::string> states(tcp::kStateNames.begin(), tcp::kStateNames.end());
  const std::vector<std::string> errors(tcp::kSocketErrorNames.begin(),
                                        tcp::kSocketErrorNames.end());
  EXPECT_EQ(read_strings(study, "/runs/0/clients/summary", "states"), states);
  EXPECT_EQ(read_strings(study, "/runs/0/clients/summary", "errors"), errors);
  EXPECT_EQ(read_strings(study, "/runs/0/backend/state_sum", "states"), states);
  EXPECT_THAT(read_strings(study, "/runs/0/clients/connect_latency", "units"), ElementsAre("ns"));
  EXPECT_THAT(read_strings(study, "/runs/0/clients/request_latency", "description"),
              ElementsAre(HasSubstr("request latency")));
}

TEST_F(StudyFile, StandsAloneOnceTheSeriesFilesAreGone) {
  const Study s = study_with_series(3);
  const std::string study = path("s.h5");
  write_study(s, study);
  const Tree before = read_tree(study, "/runs/2");
  for (const StudyRun& r : s.runs) {
    if (!r.series_file.empty()) fs::remove(r.series_file);
  }
  const Tree after = read_tree(study, "/runs/2");
  EXPECT_EQ(after.objects, before.objects);
  EXPECT_EQ(after.attributes, before.attributes);
}

TEST_F(StudyFile, ReadStudyTellsWhichRunsHaveSeries) {
  const Study s = study_with_series(3);
  const std::string study = path("s.h5");
  write_study(s, study);
  const Study read = read_study(study);
  ASSERT_EQ(read.runs.size(), 3U);
  EXPECT_EQ(read.runs[0].series_file, study);
  EXPECT_EQ(read.runs[0].series_path, "/runs/0");
  EXPECT_EQ(read.runs[1].series_file, "");
  EXPECT_EQ(read.runs[2].series_file, study);
  EXPECT_EQ(read.runs[2].series_path, "/runs/2");
  EXPECT_EQ(read.runs[1].values, s.runs[1].values);
  EXPECT_EQ(read.runs[1].metrics[0], s.runs[1].metrics[0]);
}

TEST_F(StudyFile, ReplacesItselfCopyingTheSeriesItHolds) {
  // A grown sweep whose runs folder is gone: the series come out of the study being replaced.
  const std::string study = path("s.h5");
  write_study(study_with_series(3), study);
  const Tree expected = read_tree(path("r2.h5"), "/groups");
  fs::remove(path("r0.h5"));
  fs::remove(path("r2.h5"));
  Study grown = read_study(study);
  grown.runs.push_back(make_run(3));
  write_study(grown, study);
  const Tree copy = read_tree(study, "/runs/2");
  EXPECT_EQ(copy.objects, expected.objects);
  EXPECT_EQ(copy.attributes, expected.attributes);
  EXPECT_EQ(read_study(study).runs.size(), 4U);
  EXPECT_TRUE(exists(study, "/runs/0"));
}

TEST_F(StudyFile, ReadStudyFollowsExternalLinksOfFormatVersionOne) {
  Study s = make_study(2);
  const std::string study = path("s.h5");
  write_study(s, study);
  write_results(make_results(0), path("old.runs-0.h5"));
  {
    const Id f(H5Fopen(study.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(
        H5Lcreate_external("old.runs-0.h5", "/groups", f, "/runs/0", H5P_DEFAULT, H5P_DEFAULT), 0);
    ASSERT_GE(H5Lcreate_external("gone.h5", "/groups", f, "/runs/1", H5P_DEFAULT, H5P_DEFAULT), 0);
  }
  const Study read = read_study(study);
  EXPECT_EQ(fs::path(read.runs[0].series_file), dir_ / "old.runs-0.h5");
  EXPECT_EQ(read.runs[0].series_path, "/groups");
  EXPECT_EQ(read.runs[1].series_file, "");
}

TEST_F(StudyFile, MissingSeriesFileFailsAndKeepsTheOldStudy) {
  const std::string study = path("s.h5");
  write_study(make_study(1), study);
  const std::string before = read_bytes(study);
  Study s = make_study(2);
  s.runs[1].series_file = path("nowhere.h5");
  s.runs[1].series_path = "/groups";
  try {
    write_study(s, study);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("run 1"));
    EXPECT_THAT(e.what(), HasSubstr("nowhere.h5"));
  }
  EXPECT_EQ(read_bytes(study), before);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
  EXPECT_THAT(names, ElementsAre("s.h5"));
}

TEST_F(StudyFile, SeriesPathThatIsNotThereFails) {
  Study s = study_with_series(1);
  s.runs[0].series_path = "/nothing";
  EXPECT_THROW(write_study(s, path("s.h5")), std::runtime_error);
  EXPECT_FALSE(fs::exists(path("s.h5")));
}

TEST_F(StudyFile, CopiesMoreRunsThanItMayOpenFiles) {
  // 120 runs with their own series files, written by a process allowed 24 open files: each
  // source file is closed before the next is opened.
  constexpr std::uint64_t kRuns = 120;
  Study s = make_study(kRuns);
  for (StudyRun& r : s.runs) {
    r.series_file = path("r" + std::to_string(r.run) + ".h5");
    r.series_path = "/groups";
    write_results(make_results(static_cast<std::uint32_t>(r.run % 5)), r.series_file);
  }
  const std::string study = path("s.h5");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const rlimit limit{24, 24};
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(3);
    try {
      write_study(s, study);
    } catch (...) {
      _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const Study read = read_study(study);
  ASSERT_EQ(read.runs.size(), kRuns);
  for (const StudyRun& r : read.runs) ASSERT_EQ(r.series_path, "/runs/" + std::to_string(r.run));
  const Tree copy = read_tree(study, "/runs/117");
  EXPECT_EQ(copy.objects, read_tree(path("r117.h5"), "/groups").objects);
}

TEST_F(StudyFile, H5pyReadsTheCopiedSeries) {
  if (!python_has("h5py, numpy")) GTEST_SKIP() << "/usr/bin/python3 with h5py is not available";
  const Study s = study_with_series(3);
  const std::string study = path("s.h5");
  write_study(s, study);
  EXPECT_EQ(run("/usr/bin/python3 '" TCPSIM_SOURCE_DIR "/tests/io/check_study.py' '" + study +
                "' 0='" + path("r0.h5") + "' 2='" + path("r2.h5") + "'"),
            0);
}

}  // namespace
}  // namespace tcpsim::io
