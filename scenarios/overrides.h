// Command-line overrides of scenario fields ("--set clients[0].load.poisson.rate=800"),
// applied through Protobuf reflection to any field, nested and indexed.
#pragma once

#include <google/protobuf/message.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace tcpsim::scenarios {

// Applies one "PATH=VALUE" assignment to `message` and returns PATH in canonical form.
// PATH names fields from the top message down, repeated fields indexed ("groups[1].count");
// the index must exist. VALUE is read by the type of the last field:
// - numbers, booleans (true/false/1/0), enum value names, strings taken verbatim;
// - a repeated scalar without index: a comma-separated list replacing the whole list;
// - a message: its fields in Protobuf text format, optionally inside braces
//   ("{ idle_timeout: '90s' }"), replacing the message.
// Setting a field inside a oneof, or a oneof member itself, selects that member.
// Throws std::invalid_argument describing the problem (without repeating the assignment) and
// leaves `message` unchanged; FieldPathError when PATH itself is wrong, whatever VALUE.
std::string apply_override(google::protobuf::Message& message, std::string_view assignment);

// PATH names no field of the message (no such field, index out of range, ...).
class FieldPathError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace tcpsim::scenarios
