#include "scenarios/problem.h"

#include <fmt/format.h>

namespace tcpsim::scenarios {

std::string Problem::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += fmt::format(":{}", line);
    if (col > 0) out += fmt::format(":{}", col);
  }
  if (!out.empty()) out += ": ";
  if (!field_path.empty()) out += field_path + ": ";
  out += message;
  return out;
}

}  // namespace tcpsim::scenarios
