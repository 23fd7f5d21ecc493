// The MPI job this process is a rank of when mpirun (or srun) started it, MPI initialised for
// the object's lifetime; otherwise a job of one rank that never touches MPI.
#pragma once

#include <string>
#include <string_view>

namespace tcpsim::batch {

class MpiJob {
 public:
  // A message received from another rank.
  struct Message {
    int source = 0;
    int tag = 0;
    std::string bytes;
  };

  // Initialises MPI (MPI_THREAD_SERIALIZED) when the environment shows an MPI launcher
  // (OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK). Throws std::runtime_error if that fails.
  MpiJob();
  // Waits for every rank to get here (a barrier that sleeps rather than spins), then
  // finalises MPI.
  ~MpiJob();
  MpiJob(const MpiJob&) = delete;
  MpiJob& operator=(const MpiJob&) = delete;

  [[nodiscard]] bool launched() const { return launched_; }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  [[nodiscard]] bool root() const { return rank_ == 0; }

  // Point-to-point messages. Calls must not overlap (MPI_THREAD_SERIALIZED): callers on
  // several threads serialise them. Waiting calls probe and sleep rather than spin, so a rank
  // that waits leaves its core to the ranks and threads that compute.
  void send(int to, int tag, std::string_view bytes) const;
  // The next message from any rank.
  [[nodiscard]] Message wait() const;
  // The next message from `from` with `tag`.
  [[nodiscard]] std::string receive(int from, int tag) const;

 private:
  bool launched_ = false;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace tcpsim::batch
