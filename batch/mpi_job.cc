#include "batch/mpi_job.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace tcpsim::batch {
namespace {

// Between probes a waiting rank sleeps, from 50 us doubling up to 5 ms: idle, it wakes at most
// 200 times a second (a core shared with a worker thread loses next to nothing to it), and a
// message waits at most 5 ms.
constexpr auto kFirstPause = std::chrono::microseconds(50);
constexpr auto kLongestPause = std::chrono::microseconds(5000);

// Calls `ready` until it returns true, sleeping between calls.
template <typename Ready>
void sleep_until(Ready ready) {
  for (auto pause = kFirstPause; !ready(); pause = std::min(pause * 2, kLongestPause)) {
    std::this_thread::sleep_for(pause);
  }
}

bool under_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(what) + ": " + std::string(text, length));
}

std::string receive_matched(const MPI_Status& status) {
  int count = 0;
  check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
  std::string bytes(static_cast<std::size_t>(count), '\0');
  check(MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE),
        "MPI_Recv");
  return bytes;
}

// Probes until a message matching (from, tag) is there, then receives it.
MpiJob::Message wait_for(int from, int tag) {
  MPI_Status status;
  sleep_until([&] {
    int flag = 0;
    check(MPI_Iprobe(from, tag, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
    return flag != 0;
  });
  return {status.MPI_SOURCE, status.MPI_TAG, receive_matched(status)};
}

}  // namespace

MpiJob::MpiJob() {
  if (!under_launcher()) return;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  launched_ = true;
  if (provided < MPI_THREAD_SERIALIZED) {
    throw std::runtime_error("the MPI library does not support MPI_THREAD_SERIALIZED");
  }
  // Errors come back as codes, which check() turns into exceptions.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

MpiJob::~MpiJob() {
  if (!launched_) return;
  MPI_Request request = MPI_REQUEST_NULL;
  if (MPI_Ibarrier(MPI_COMM_WORLD, &request) == MPI_SUCCESS) {
    sleep_until([&] {
      int done = 0;
      return MPI_Test(&request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS || done != 0;
    });
  }
  MPI_Finalize();
}

void MpiJob::send(int to, int tag, std::string_view bytes) const {
  check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD),
        "MPI_Send");
}

MpiJob::Message MpiJob::wait() const { return wait_for(MPI_ANY_SOURCE, MPI_ANY_TAG); }

std::string MpiJob::receive(int from, int tag) const { return wait_for(from, tag).bytes; }

}  // namespace tcpsim::batch
