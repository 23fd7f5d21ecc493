// Writes and reads the results of a sweep as one HDF5 file: a table of runs, per-point means
// and confidence intervals, and each run's time series; replaces the target only once complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tcpsim::io {

inline constexpr const char* kStudyFormat = "tcpsim-study";
// 2: each run's series copied into /runs/<run> (1: external links to the runs folder).
inline constexpr int kStudyFormatVersion = 2;

struct StudyRun {
  std::uint64_t run = 0;
  std::uint64_t point = 0;
  std::uint32_t replication = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> values;  // one per parameter
  std::vector<double> metrics;      // one per metric name
  // Where the run's host-group series are: an HDF5 file and the path of a group in it laid
  // out as results_file.h's /groups. Empty file: no series. read_study sets them to the study
  // itself and "/runs/<run>" for the runs whose series it holds.
  std::string series_file;
  std::string series_path;
};

struct StudyPoint {
  std::uint64_t point = 0;
  std::uint32_t replications = 0;   // runs averaged
  std::vector<std::string> values;  // one per parameter
  std::vector<double> mean;         // one per metric, over the runs where it is defined
  std::vector<double> ci95;         // half-width of the 95% t interval; NaN below 2 runs
};

struct Study {
  std::string scenario_name;
  std::string scenario_text;       // the sweep's scenario file as given
  std::string base_scenario_text;  // the scenario without its sweep, resolved
  std::string version;
  std::vector<std::string> parameters;  // names
  std::vector<std::string> parameter_paths;
  std::vector<std::string> metrics;
  std::vector<StudyRun> runs;      // by run number
  std::vector<StudyPoint> points;  // by point number
};

// Layout (strings variable-length UTF-8, numbers little-endian):
//
// /                 attributes format = "tcpsim-study", format_version (int32),
//                   scenario_name, scenario_text, base_scenario_text, version (strings),
//                   parameters, parameter_paths (string[P])
// /runs             one row per run, by run number:
//   run, point, seed       uint64[R]
//   replication            uint32[R]
//   values                 string[R, P], attribute names (string[P]): parameter values
//   metrics                float64[R, M], attribute names (string[M]): see run_metrics.h
// /runs/<run>              the run's series: a copy of the group series_path of series_file
//                          (laid out as a results file's /groups, results_file.h: attribute
//                          names, a group per host group with its series, histograms and
//                          summary), the datasets' stored bytes, chunks and filters and
//                          every attribute as they were; absent for a run without series
//                          or when summaries only were asked for. The study needs no other
//                          file. (Format version 1 held external links to the runs folder.)
// /points           one row per point, by point number:
//   point                  uint64[N]
//   replications           uint32[N]: runs of the point
//   values                 string[N, P], attribute names
//   mean, ci95             float64[N, M], attribute names: mean over the replications and
//                          the half-width of its 95% confidence interval (Student's t)
//
// Writes `path + ".tmp.<pid>"` and renames it over `path`. The series are copied one run at a
// time, each source file open only during its copy, so the number of runs is bounded by
// neither open files nor memory; a source may be `path` itself (the study being replaced).
// Throws std::runtime_error naming `path`, with whatever was at `path` untouched. Calls are
// serialised with every other HDF5 call of this folder.
void write_study(const Study& study, const std::string& path);

// Reads a study file's header and tables, and where each run's series are (not the series
// themselves). Throws std::runtime_error naming `path` if it cannot be read or is not a study
// file.
Study read_study(const std::string& path);

}  // namespace tcpsim::io
