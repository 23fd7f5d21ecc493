#include "batch/mpi_job.h"

#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace tcpsim::batch {
namespace {

constexpr auto kPollInterval = std::chrono::microseconds(500);

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
  if (launched_) MPI_Finalize();
}

void MpiJob::send(int to, int tag, std::string_view bytes) const {
  check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD),
        "MPI_Send");
}

std::optional<MpiJob::Message> MpiJob::poll() const {
  int flag = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
  if (flag == 0) return std::nullopt;
  return Message{status.MPI_SOURCE, status.MPI_TAG, receive_matched(status)};
}

std::string MpiJob::receive(int from, int tag) const {
  for (;;) {
    int flag = 0;
    MPI_Status status;
    check(MPI_Iprobe(from, tag, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
    if (flag != 0) return receive_matched(status);
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace tcpsim::batch
