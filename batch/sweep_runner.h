// Runs the runs of a sweep on local threads and MPI ranks and collects them into a study
// file, resuming from what an earlier, interrupted or smaller, sweep into the same output
// recorded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "batch/mpi_job.h"
#include "batch/sweep_loader.h"
#include "io/study_file.h"

namespace tcpsim::batch {

struct SweepOptions {
  std::string output = "study.h5";
  unsigned jobs = 1;  // worker threads per rank
  // Leave the per-run series out of the study file.
  bool summaries_only = false;
  // Runs/total and ETA on stderr, when it is a terminal.
  bool progress = true;
  // Run only this run (a job array's task) into `<output>.runs`; no study file.
  std::optional<std::uint64_t> only_run;
};

struct SweepOutcome {
  std::size_t planned = 0;  // runs in the plan
  std::size_t reused = 0;   // found in the output or the parts folder
  std::size_t ran = 0;
  bool study_written = false;
  io::Study study;  // when written
};

// Each finished run is recorded at once in the folder `<output>.runs`: its summary row as a
// one-run study `run-<number>.row.h5` and, unless summaries_only, its series as a results
// file `run-<number>.h5` (each written atomically), so that an interrupted sweep loses only
// the runs under way. The study holds a copy of each run's series and needs the folder no
// more: a run reused from the output study keeps the series it holds there when its series
// file is gone.
// A run is reused, not run again, when the output study or a row file holds it with the same
// base scenario (the scenario without its sweep), seed and parameter values; runs recorded
// there but no longer planned are left out. A sweep first removes the temporaries an
// interrupted one left (`*.tmp.<pid>` beside the output and in the folder; a --run task only
// its run's) and the row files that cannot be read, or whose series file cannot, with that
// series file, saying so on stderr: those runs run again. Unless only_run is set, the study of
// every planned run recorded is then written to `output`. Every rank of `job` calls it. Rank 0
// finds the runs to do and hands them out one at a time to the workers of every rank as they become
// free; each worker records its runs in the folder (which all ranks must see, as on a cluster's
// shared file system) and sends their rows to rank 0, which writes the study. Other ranks return an
// outcome without a study. Results depend neither on `jobs` nor on the ranks: each run builds its
// own world from its overrides and seed, and the study lists runs by number. Throws, on every rank,
// std::invalid_argument when only_run is not a planned run (or is asked for under mpirun) or
// the output holds another scenario's study, std::runtime_error when a run or a write fails.
SweepOutcome run_sweep(const LoadedSweep& sweep, const SweepOptions& options, const MpiJob& job);

}  // namespace tcpsim::batch
