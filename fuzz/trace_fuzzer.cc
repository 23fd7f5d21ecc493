// A client's arrival trace CSV: read with every problem at file:line, the times it keeps
// non-decreasing and non-negative.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_input.h"
#include "scenarios/trace_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcpsim;
  const std::string path = fuzz::scratch_file("trace.csv", fuzz::text(data, size));
  const scenarios::TraceRead read = scenarios::read_arrival_trace(path);
  if (read.problems.size() > 10) std::abort();
  for (const std::string& p : read.problems) {
    if (!p.starts_with(path + ":")) std::abort();
  }
  if (!read.problems.empty()) return 0;
  for (std::size_t i = 0; i < read.times.size(); ++i) {
    if (read.times[i] < 0 || (i > 0 && read.times[i] < read.times[i - 1])) std::abort();
  }
  return 0;
}
