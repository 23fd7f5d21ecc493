// A sweep's `skip_if` condition: parsed, then evaluated at a point of numbers and words.
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "batch/skip_condition.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcpsim;
  static const std::map<std::string, std::string> point{
      {"rate", "500"}, {"users", "1e3"}, {"pool", "none {}"}, {"tw_reuse", "2"}, {"x", "-0.5"}};
  try {
    const batch::SkipCondition condition = batch::SkipCondition::parse(fuzz::text(data, size));
    static_cast<void>(condition.holds(point));
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
