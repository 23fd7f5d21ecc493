// A finished run's record and metric names as bytes, as a rank sends it to rank 0.
#pragma once

#include <string>
#include <vector>

#include "io/study_file.h"

namespace tcpsim::batch {

struct RunMessage {
  io::StudyRun record;
  std::vector<std::string> metric_names;
};

std::string encode(const RunMessage& message);
// Throws std::runtime_error when `bytes` is not a whole message.
RunMessage decode_run_message(const std::string& bytes);

}  // namespace tcpsim::batch
