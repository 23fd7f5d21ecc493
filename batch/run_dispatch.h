// Hands out the tasks 0..count-1 to worker threads on every rank of an MPI job, one at a time
// as each worker becomes free, and delivers every task's result to rank 0.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "batch/mpi_job.h"

namespace tcpsim::batch {

// Runs a task on any rank; its result travels to rank 0 as bytes.
using Task = std::function<std::string(std::size_t task)>;
// Takes a result on rank 0; calls never overlap.
using Collect = std::function<void(std::size_t task, std::string result)>;

// Every rank calls it with the same count. Each rank runs `threads` workers; on rank 0 of a
// job of several ranks the calling thread serves the others' requests, elsewhere it works too.
// Once a task throws, no task is handed out any more, those under way finish, and on rank 0
// the first failure is rethrown (as std::runtime_error with its message when it happened on
// another rank); other ranks return normally.
void dispatch(const MpiJob& job, std::size_t count, unsigned threads, const Task& task,
              const Collect& collect);

// Every rank calls it: runs `step` on rank 0 and gives its bytes to every rank, or, if it
// throws, throws on every rank: std::invalid_argument as such (bad input), anything else as
// std::runtime_error, with the same message (rank 0 rethrows the original).
std::string share_from_root(const MpiJob& job, const std::function<std::string()>& step);

}  // namespace tcpsim::batch
