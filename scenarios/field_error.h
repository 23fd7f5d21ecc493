// An invalid value in a scenario message, naming the field (relative to the message that was
// being read) and the problem; thrown by the readers that turn scenario messages into values.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace tcpsim::scenarios {

class FieldError : public std::invalid_argument {
 public:
  FieldError(std::string field, const std::string& message)
      : std::invalid_argument(message), field_(std::move(field)) {}

  // "uniform.hi"; empty when the message itself is at fault.
  [[nodiscard]] const std::string& field() const { return field_; }

 private:
  std::string field_;
};

}  // namespace tcpsim::scenarios
