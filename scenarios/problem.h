// One problem found in a scenario: where (file:line:col, field path) and what, printed the
// way compilers print diagnostics so editors can jump to it.
#pragma once

#include <string>
#include <utility>

namespace tcpsim::scenarios {

struct Problem {
  // The scenario file, or "--set PATH=VALUE" for a value an override supplied.
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int col = 0;   // 1-based; 0 when unknown
  // The field, as in overrides: "clients[0].load.poisson.rate"; empty for syntax errors.
  std::string field_path;
  std::string message;

  // A problem with a field, not yet placed in a file.
  static Problem of_field(std::string field_path, std::string message) {
    Problem p;
    p.field_path = std::move(field_path);
    p.message = std::move(message);
    return p;
  }

  // "file:line:col: field: message", leaving out what is unknown.
  [[nodiscard]] std::string to_string() const;
};

}  // namespace tcpsim::scenarios
