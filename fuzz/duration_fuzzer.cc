// Durations as scenarios write them ("250us", "1m30s"): parsed, and every duration parsed
// prints back to itself (parse_duration(format_duration(t)) == t).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_input.h"
#include "sim/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcpsim;
  std::string error;
  const auto t = sim::parse_duration(fuzz::text(data, size), &error);
  if (!t) {
    if (error.empty()) std::abort();  // a refusal says why
    return 0;
  }
  if (*t >= 0 && sim::parse_duration(sim::format_duration(*t)) != t) std::abort();
  return 0;
}
