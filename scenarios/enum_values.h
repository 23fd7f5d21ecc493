// Enum fields holding a number their enum does not name: the text format accepts any number
// for an open (proto3) enum, so they are found here, each with its field path.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "scenarios/problem.h"

namespace tcpsim::scenarios {

// A problem for every set enum field of `message` and its sub-messages whose value names
// nothing, its field path under `path`.
void check_enum_values(const google::protobuf::Message& message, const std::string& path,
                       std::vector<Problem>& problems);

}  // namespace tcpsim::scenarios
