// Merges the runs a sweep recorded one at a time (`run-<n>.row.h5`, each with its series
// `run-<n>.h5` beside it), e.g. by the tasks of a scheduler's job array, into one study file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/study_file.h"

namespace tcpsim::batch {

struct MergeOptions {
  // Leave the runs' series out of the study.
  bool summaries_only = false;
  // How many of the missing runs' numbers to list.
  std::size_t missing_listed = 10;
};

struct MergeOutcome {
  std::size_t row_files = 0;    // read
  std::size_t duplicates = 0;   // row files of a run read before, identical to it
  std::size_t with_series = 0;  // runs whose series the study holds
  // The plan re-expanded from the scenario text the rows store (see merge_study): its runs,
  // those of them no row holds (their count and the first missing_listed numbers), and the
  // runs merged that it does not hold. plan_problem says why there is no plan, if so.
  bool plan_known = false;
  std::string plan_problem;
  std::size_t planned = 0;
  std::size_t missing = 0;
  std::vector<std::uint64_t> first_missing;
  std::size_t unplanned = 0;
  io::Study study;  // as written; series_file names the files the series were copied from
};

// The row files of `inputs`: a folder stands for its files named run-<n>.row.h5, by run
// number; a file for itself. Throws std::invalid_argument when an input does not exist.
std::vector<std::string> list_row_files(const std::vector<std::string>& inputs);

// Reads the row files of `inputs` one at a time, keeping only their rows (one-run studies as
// io::write_study writes them; a row file named run-<n>.row.h5 must hold run n), and writes
// the study of all their runs, by run number, with each point's statistics, to `output` with
// io::write_study. Each run's series are copied in from `run-<n>.h5` beside its row file,
// when there is one, unless summaries_only.
//
// The rows must belong to one study: the same base scenario (the scenario without its
// sweep), parameters (names and paths) and metrics. The same run may come twice if its rows
// are identical. The scenario text (with its sweep) may differ, as a grown sweep's rows do:
// the study takes the text whose plan holds the most of the runs merged (then the larger
// plan), and the runs it holds must have its seed and values.
//
// Throws std::invalid_argument naming the file(s) when an input is missing or is not a row
// file, when there are no rows, or when rows belong to different studies or disagree on a
// run; std::runtime_error when writing fails. Either way `output` is left as it was.
MergeOutcome merge_study(const std::vector<std::string>& inputs, const std::string& output,
                         const MergeOptions& options = {});

}  // namespace tcpsim::batch
