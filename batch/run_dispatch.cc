#include "batch/run_dispatch.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tcpsim::batch {
namespace {

// Messages between rank 0 and the others.
enum Tag : int {
  kStart = 101,  // 0 -> : rank 0 serves this call's tasks
  kRequest,      // -> 0: a worker is free
  kAssign,       // 0 -> : the task to run, or none left
  kResult,       // -> 0: a task's index and result
  kFailure,      // -> 0: a task's index and error message
  kRetired,      // -> 0: the rank's workers have all stopped
  kShared,       // 0 -> : an outcome byte, then the bytes or the error message
};

enum Outcome : char { kOk = 0, kBadInput, kFailed };

constexpr std::uint64_t kNoTask = ~std::uint64_t{0};

std::string encode_index(std::uint64_t index, std::string_view rest = {}) {
  std::string bytes(sizeof index, '\0');
  std::memcpy(bytes.data(), &index, sizeof index);
  bytes.append(rest);
  return bytes;
}

std::uint64_t decode_index(const std::string& bytes) {
  std::uint64_t index = kNoTask;
  if (bytes.size() < sizeof index) throw std::runtime_error("short message between ranks");
  std::memcpy(&index, bytes.data(), sizeof index);
  return index;
}

// The workers of one rank, sharing the first failure.
struct Failure {
  std::atomic<bool> happened{false};
  std::mutex mutex;
  std::exception_ptr first;

  void record(std::exception_ptr e) {
    const std::lock_guard lock(mutex);
    if (!first) first = std::move(e);
    happened = true;
  }
};

void run_threads(unsigned threads, bool caller_works, const std::function<void()>& worker) {
  std::vector<std::thread> pool;
  const unsigned spawned = caller_works ? threads - 1 : threads;
  pool.reserve(spawned);
  for (unsigned t = 0; t < spawned; ++t) pool.emplace_back(worker);
  if (caller_works) worker();
  for (std::thread& t : pool) t.join();
}

std::string message_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(std::move(e));
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown error";
  }
}

// Rank 0: local workers take tasks from a shared counter; with other ranks the calling thread
// hands the same counter's tasks to them and receives their results.
void serve(const MpiJob& job, std::size_t count, unsigned threads, const Task& task,
           const Collect& collect) {
  std::atomic<std::size_t> next{0};
  std::mutex collect_mutex;
  Failure failure;
  const auto take = [&]() -> std::size_t {
    if (failure.happened) return count;
    return std::min(next++, count);
  };
  const auto worker = [&] {
    for (std::size_t i = take(); i < count; i = take()) {
      try {
        std::string result = task(i);
        const std::lock_guard lock(collect_mutex);
        collect(i, std::move(result));
      } catch (...) {
        failure.record(std::current_exception());
      }
    }
  };

  const bool remote = job.size() > 1;
  std::thread local;
  if (!remote) {
    run_threads(threads, true, worker);
  } else {
    // Requests of a later call must not reach this one: ranks start when told.
    for (int r = 1; r < job.size(); ++r) job.send(r, kStart, {});
    local = std::thread([&] { run_threads(threads, false, worker); });
    int retired = 0;
    std::string remote_error;
    try {
      while (retired < job.size() - 1) {
        const MpiJob::Message m = job.wait();
        switch (m.tag) {
          case kRequest: {
            const std::size_t i = take();
            job.send(m.source, kAssign, encode_index(i < count ? i : kNoTask));
            break;
          }
          case kResult: {
            const std::uint64_t i = decode_index(m.bytes);
            if (i >= count) throw std::runtime_error("result for an unknown task");
            const std::lock_guard lock(collect_mutex);
            collect(i, m.bytes.substr(sizeof i));
            break;
          }
          case kFailure:
            failure.record(
                std::make_exception_ptr(std::runtime_error(m.bytes.substr(sizeof(std::uint64_t)))));
            break;
          case kRetired:
            ++retired;
            break;
          default:
            throw std::runtime_error("unexpected message between ranks");
        }
      }
    } catch (...) {
      failure.record(std::current_exception());
      local.join();
      throw;
    }
    local.join();
  }
  if (failure.first) std::rethrow_exception(failure.first);
}

// Other ranks: each worker asks rank 0 for a task, runs it and sends back the result.
void work_for_root(const MpiJob& job, unsigned threads, const Task& task) {
  (void)job.receive(0, kStart);
  std::mutex mpi;
  std::atomic<bool> stopped{false};
  const auto worker = [&] {
    while (!stopped) {
      std::uint64_t i = kNoTask;
      {
        const std::lock_guard lock(mpi);
        job.send(0, kRequest, {});
        i = decode_index(job.receive(0, kAssign));
      }
      if (i == kNoTask) return;
      try {
        std::string bytes = encode_index(i, task(i));
        const std::lock_guard lock(mpi);
        job.send(0, kResult, bytes);
      } catch (...) {
        stopped = true;
        const std::lock_guard lock(mpi);
        job.send(0, kFailure, encode_index(i, message_of(std::current_exception())));
      }
    }
  };
  run_threads(threads, true, worker);
  job.send(0, kRetired, {});
}

}  // namespace

void dispatch(const MpiJob& job, std::size_t count, unsigned threads, const Task& task,
              const Collect& collect) {
  threads = std::max(threads, 1U);
  if (job.root()) {
    serve(job, count, threads, task, collect);
  } else {
    work_for_root(job, threads, task);
  }
}

std::string share_from_root(const MpiJob& job, const std::function<std::string()>& step) {
  if (job.size() == 1) return step();
  if (!job.root()) {
    std::string message = job.receive(0, kShared);
    if (message.empty()) throw std::runtime_error("empty message from rank 0");
    const char outcome = message.front();
    message.erase(0, 1);
    if (outcome == kOk) return message;
    if (outcome == kBadInput) throw std::invalid_argument(message);
    throw std::runtime_error(message);
  }
  std::string bytes;
  std::exception_ptr error;
  char outcome = kOk;
  try {
    bytes = step();
  } catch (const std::invalid_argument& e) {
    error = std::current_exception();
    outcome = kBadInput;
    bytes = e.what();
  } catch (...) {
    error = std::current_exception();
    outcome = kFailed;
    bytes = message_of(error);
  }
  bytes.insert(bytes.begin(), outcome);
  for (int r = 1; r < job.size(); ++r) job.send(r, kShared, bytes);
  if (error) std::rethrow_exception(error);
  return bytes.substr(1);
}

}  // namespace tcpsim::batch
