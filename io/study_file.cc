#include "io/study_file.h"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "io/hdf5_lock.h"
#include "io/hdf5_support.h"

namespace tcpsim::io {
namespace {

using hdf5::check;
using hdf5::Handle;
using hdf5::SilentErrors;
using hdf5::string_attribute;
using hdf5::string_type;
using hdf5::strings_attribute;
using hdf5::write_attribute;

constexpr unsigned kDeflateLevel = 6;
constexpr hsize_t kChunkRows = 1024;

Handle lcpl_utf8(const std::string& what) {
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose, what);
  check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), what);
  check(H5Pset_create_intermediate_group(lcpl.get(), 1), what);
  return lcpl;
}

Handle create_group(hid_t parent, const std::string& name) {
  const std::string what = "creating group '" + name + "'";
  const Handle lcpl = lcpl_utf8(what);
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, what);
  check(H5Pset_obj_track_times(gcpl.get(), false), what);
  return {H5Gcreate2(parent, name.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT), H5Gclose, what};
}

// rows x columns (one dimension when columns is 0), chunked and deflated.
Handle write_dataset(hid_t parent, const std::string& name, hid_t file_type, hid_t memory_type,
                     const void* data, hsize_t rows, hsize_t columns) {
  const std::string what = "writing dataset '" + name + "'";
  const int rank = columns == 0 ? 1 : 2;
  const std::array<hsize_t, 2> dims{rows, columns};
  const std::array<hsize_t, 2> max_dims{H5S_UNLIMITED, columns};
  const std::array<hsize_t, 2> chunk{std::clamp<hsize_t>(rows, 1, kChunkRows),
                                     std::max<hsize_t>(columns, 1)};
  const Handle space(H5Screate_simple(rank, dims.data(), max_dims.data()), H5Sclose, what);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, what);
  check(H5Pset_obj_track_times(dcpl.get(), false), what);
  check(H5Pset_chunk(dcpl.get(), rank, chunk.data()), what);
  check(H5Pset_deflate(dcpl.get(), kDeflateLevel), what);
  const Handle lcpl = lcpl_utf8(what);
  Handle dataset(
      H5Dcreate2(parent, name.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
      H5Dclose, what);
  if (rows > 0 && (rank == 1 || columns > 0)) {
    check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
  }
  return dataset;
}

template <typename T>
void numbers(hid_t parent, const std::string& name, hid_t file_type, hid_t memory_type,
             const std::vector<T>& data, hsize_t columns = 0) {
  const hsize_t rows = columns == 0 ? data.size() : data.size() / columns;
  write_dataset(parent, name, file_type, memory_type, data.data(), rows, columns);
}

void string_table(hid_t parent, const std::string& name, const std::vector<std::string>& cells,
                  hsize_t rows, const std::vector<std::string>& column_names) {
  std::vector<const char*> texts;
  texts.reserve(cells.size());
  for (const std::string& s : cells) texts.push_back(s.c_str());
  const Handle type = string_type();
  const Handle d =
      write_dataset(parent, name, type.get(), type.get(), texts.data(), rows, column_names.size());
  strings_attribute(d.get(), "names", column_names);
}

void double_table(hid_t parent, const std::string& name, const std::vector<double>& cells,
                  hsize_t rows, const std::vector<std::string>& column_names) {
  const Handle d = write_dataset(parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, cells.data(),
                                 rows, column_names.size());
  strings_attribute(d.get(), "names", column_names);
}

void copy_series(hid_t runs, const StudyRun& r) {
  const std::string what =
      "copying the series of run " + std::to_string(r.run) + " from '" + r.series_file + "'";
  try {
    // A close that fails while anything of the file is still open, rather than a file left open.
    const Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "creating the file access properties");
    check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "creating the file access properties");
    Handle source(H5Fopen(r.series_file.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose, "opening");
    hdf5::copy_object(source.get(), r.series_path, runs, std::to_string(r.run));
    source.close("closing");
  } catch (const std::exception& e) {
    throw std::runtime_error(what + ": " + e.what());
  }
}

void write_runs(hid_t file, const Study& s) {
  const Handle runs = create_group(file, "runs");
  std::vector<std::uint64_t> run;
  std::vector<std::uint64_t> point;
  std::vector<std::uint64_t> seed;
  std::vector<std::uint32_t> replication;
  std::vector<std::string> values;
  std::vector<double> metrics;
  for (const StudyRun& r : s.runs) {
    if (r.values.size() != s.parameters.size() || r.metrics.size() != s.metrics.size()) {
      throw std::runtime_error("run " + std::to_string(r.run) +
                               " does not have one value per parameter and metric");
    }
    run.push_back(r.run);
    point.push_back(r.point);
    seed.push_back(r.seed);
    replication.push_back(r.replication);
    values.insert(values.end(), r.values.begin(), r.values.end());
    metrics.insert(metrics.end(), r.metrics.begin(), r.metrics.end());
  }
  numbers(runs.get(), "run", H5T_STD_U64LE, H5T_NATIVE_UINT64, run);
  numbers(runs.get(), "point", H5T_STD_U64LE, H5T_NATIVE_UINT64, point);
  numbers(runs.get(), "replication", H5T_STD_U32LE, H5T_NATIVE_UINT32, replication);
  numbers(runs.get(), "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, seed);
  string_table(runs.get(), "values", values, s.runs.size(), s.parameters);
  double_table(runs.get(), "metrics", metrics, s.runs.size(), s.metrics);

  // Series: each run's group copied in, its file open only meanwhile, so that any number of
  // runs takes one open source file at a time.
  for (const StudyRun& r : s.runs) {
    if (!r.series_file.empty()) copy_series(runs.get(), r);
  }
}

void write_points(hid_t file, const Study& s) {
  const Handle points = create_group(file, "points");
  std::vector<std::uint64_t> point;
  std::vector<std::uint32_t> replications;
  std::vector<std::string> values;
  std::vector<double> mean;
  std::vector<double> ci95;
  for (const StudyPoint& p : s.points) {
    point.push_back(p.point);
    replications.push_back(p.replications);
    values.insert(values.end(), p.values.begin(), p.values.end());
    mean.insert(mean.end(), p.mean.begin(), p.mean.end());
    ci95.insert(ci95.end(), p.ci95.begin(), p.ci95.end());
  }
  numbers(points.get(), "point", H5T_STD_U64LE, H5T_NATIVE_UINT64, point);
  numbers(points.get(), "replications", H5T_STD_U32LE, H5T_NATIVE_UINT32, replications);
  string_table(points.get(), "values", values, s.points.size(), s.parameters);
  double_table(points.get(), "mean", mean, s.points.size(), s.metrics);
  double_table(points.get(), "ci95", ci95, s.points.size(), s.metrics);
}

void write_contents(hid_t file, const Study& s) {
  const Handle root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose, "opening the root group");
  const hid_t id = root.get();
  string_attribute(id, "format", kStudyFormat);
  const std::int32_t version = kStudyFormatVersion;
  write_attribute(id, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32, {}, &version);
  string_attribute(id, "scenario_name", s.scenario_name);
  string_attribute(id, "scenario_text", s.scenario_text);
  string_attribute(id, "base_scenario_text", s.base_scenario_text);
  string_attribute(id, "version", s.version);
  strings_attribute(id, "parameters", s.parameters);
  strings_attribute(id, "parameter_paths", s.parameter_paths);
  write_runs(file, s);
  write_points(file, s);
}

// --- reading ---

std::vector<std::string> read_strings(hid_t object, bool is_attribute, const std::string& what,
                                      std::vector<hsize_t>* dims_out = nullptr) {
  const Handle type = string_type();
  const Handle space(is_attribute ? H5Aget_space(object) : H5Dget_space(object), H5Sclose, what);
  const int rank = check(H5Sget_simple_extent_ndims(space.get()), what);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), what);
  hsize_t n = 1;
  for (const hsize_t d : dims) n *= d;
  std::vector<char*> texts(n, nullptr);
  if (n > 0) {
    if (is_attribute) {
      check(H5Aread(object, type.get(), texts.data()), what);
    } else {
      check(H5Dread(object, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data()), what);
    }
  }
  std::vector<std::string> out;
  out.reserve(n);
  for (char* t : texts) out.emplace_back(t != nullptr ? t : "");
  if (n > 0) H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, texts.data());
  if (dims_out != nullptr) *dims_out = dims;
  return out;
}

std::vector<std::string> strings_attr(hid_t object, const char* name) {
  const std::string what = std::string("reading attribute '") + name + "'";
  const Handle a(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, what);
  return read_strings(a.get(), true, what);
}

std::string string_attr(hid_t object, const char* name) {
  auto v = strings_attr(object, name);
  if (v.size() != 1) throw std::runtime_error(std::string("attribute '") + name + "' not a string");
  return v.front();
}

template <typename T>
std::vector<T> read_numbers(hid_t parent, const char* name, hid_t memory_type) {
  const std::string what = std::string("reading dataset '") + name + "'";
  const Handle d(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose, what);
  const Handle space(H5Dget_space(d.get()), H5Sclose, what);
  const hssize_t n = check(H5Sget_simple_extent_npoints(space.get()), what);
  std::vector<T> out(static_cast<std::size_t>(n));
  if (n > 0) check(H5Dread(d.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), what);
  return out;
}

std::vector<std::string> read_string_dataset(hid_t parent, const char* name) {
  const std::string what = std::string("reading dataset '") + name + "'";
  const Handle d(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose, what);
  return read_strings(d.get(), false, what);
}

std::vector<std::string> names_of(hid_t parent, const char* dataset) {
  const std::string what = std::string("opening dataset '") + dataset + "'";
  const Handle d(H5Dopen2(parent, dataset, H5P_DEFAULT), H5Dclose, what);
  return strings_attr(d.get(), "names");
}

// Where each run's series are: its group in this study, or, in a study written while the
// series were external links (format version 1), the linked file when it is still there.
void locate_series(hid_t runs, const std::string& path, std::vector<StudyRun>& rows) {
  for (StudyRun& r : rows) {
    const std::string name = std::to_string(r.run);
    const std::string what = "locating the series of run " + name;
    if (check(H5Lexists(runs, name.c_str(), H5P_DEFAULT), what) == 0) continue;
    H5L_info_t info;
    check(H5Lget_info(runs, name.c_str(), &info, H5P_DEFAULT), what);
    if (info.type == H5L_TYPE_HARD) {
      r.series_file = path;
      r.series_path = "/runs/" + name;
    } else if (info.type == H5L_TYPE_EXTERNAL) {
      std::vector<char> value(info.u.val_size);
      check(H5Lget_val(runs, name.c_str(), value.data(), value.size(), H5P_DEFAULT), what);
      unsigned flags = 0;
      const char* file = nullptr;
      const char* object = nullptr;
      check(H5Lunpack_elink_val(value.data(), value.size(), &flags, &file, &object), what);
      const std::filesystem::path target = std::filesystem::path(path).parent_path() / file;
      if (std::filesystem::exists(target)) {
        r.series_file = target.string();
        r.series_path = object;
      }
    }
  }
}

Study read_contents(hid_t file, const std::string& path) {
  Study s;
  const Handle root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose, "opening the root group");
  if (string_attr(root.get(), "format") != kStudyFormat) {
    throw std::runtime_error("not a tcpsim study file");
  }
  s.scenario_name = string_attr(root.get(), "scenario_name");
  s.scenario_text = string_attr(root.get(), "scenario_text");
  s.base_scenario_text = string_attr(root.get(), "base_scenario_text");
  s.version = string_attr(root.get(), "version");
  s.parameters = strings_attr(root.get(), "parameters");
  s.parameter_paths = strings_attr(root.get(), "parameter_paths");

  const Handle runs(H5Gopen2(file, "runs", H5P_DEFAULT), H5Gclose, "opening /runs");
  s.metrics = names_of(runs.get(), "metrics");
  const auto run = read_numbers<std::uint64_t>(runs.get(), "run", H5T_NATIVE_UINT64);
  const auto point = read_numbers<std::uint64_t>(runs.get(), "point", H5T_NATIVE_UINT64);
  const auto seed = read_numbers<std::uint64_t>(runs.get(), "seed", H5T_NATIVE_UINT64);
  const auto replication =
      read_numbers<std::uint32_t>(runs.get(), "replication", H5T_NATIVE_UINT32);
  const auto values = read_string_dataset(runs.get(), "values");
  const auto metrics = read_numbers<double>(runs.get(), "metrics", H5T_NATIVE_DOUBLE);
  const std::size_t rows = run.size();
  const std::size_t p = s.parameters.size();
  const std::size_t m = s.metrics.size();
  if (point.size() != rows || seed.size() != rows || replication.size() != rows ||
      values.size() != rows * p || metrics.size() != rows * m) {
    throw std::runtime_error("the /runs columns have different lengths");
  }
  for (std::size_t i = 0; i < rows; ++i) {
    StudyRun r;
    r.run = run[i];
    r.point = point[i];
    r.seed = seed[i];
    r.replication = replication[i];
    r.values.assign(values.begin() + static_cast<std::ptrdiff_t>(i * p),
                    values.begin() + static_cast<std::ptrdiff_t>((i + 1) * p));
    r.metrics.assign(metrics.begin() + static_cast<std::ptrdiff_t>(i * m),
                     metrics.begin() + static_cast<std::ptrdiff_t>((i + 1) * m));
    s.runs.push_back(std::move(r));
  }
  locate_series(runs.get(), path, s.runs);
  return s;
}

}  // namespace

void write_study(const Study& study, const std::string& path) {
  hdf5::write_atomically(path, "study file", [&](hid_t file) { write_contents(file, study); });
}

Study read_study(const std::string& path) {
  try {
    const std::lock_guard lock(hdf5_mutex());
    const SilentErrors silent;
    const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                      "opening '" + path + "'");
    return read_contents(file.get(), path);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read study file '" + path + "': " + e.what());
  }
}

}  // namespace tcpsim::io
