// Reads a message in Protobuf text format, reporting every problem the parser finds as
// file:line:col and recording where each field was written.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <string>
#include <vector>

#include "scenarios/problem.h"

namespace tcpsim::scenarios {

// Parses `text` (named `file` in problems) into `out` and fills `tree` with field locations.
// Columns count a tab as reaching the next multiple of 8, as the parser does.
// Unknown fields are reported and skipped, so that all of them are found in one pass; any
// other syntax error (bad token, bad value, bad enum name, repeated singular field) stops
// the parse. Returns false when the parse stopped; `out` is then incomplete.
bool read_text_format(const std::string& text, const std::string& file,
                      google::protobuf::Message& out,
                      google::protobuf::TextFormat::ParseInfoTree& tree,
                      std::vector<Problem>& problems);

}  // namespace tcpsim::scenarios
