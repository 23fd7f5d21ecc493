// Runs a bundled example scenario for the example tests, and reads its results.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "models/metrics/run_results.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/world.h"
#include "sim/time.h"

namespace tcpsim::scenarios::testing {

using metrics::GroupResults;
using metrics::RunResults;

inline RunResults run_example(const std::string& file,
                              const std::vector<std::string>& overrides = {}) {
  const LoadResult loaded =
      load_scenario(std::string(TCPSIM_SOURCE_DIR) + "/scenarios/examples/" + file, overrides);
  std::string problems;
  for (const Problem& p : loaded.problems) problems += p.to_string() + "\n";
  EXPECT_TRUE(loaded.ok()) << problems;
  if (!loaded.ok()) return {};
  return run_scenario(loaded, std::nullopt, false);
}

inline const GroupResults& group(const RunResults& r, const std::string& name) {
  for (const GroupResults& g : r.groups) {
    if (g.name == name) return g;
  }
  static const GroupResults kMissing;
  ADD_FAILURE() << "no group " << name;
  return kMissing;
}

// The index of the sample taken at `seconds` (the series starts at 0 and has one sample a
// second).
inline std::size_t sample_at(const GroupResults& g, double seconds) {
  for (std::size_t i = 0; i < g.times.size(); ++i) {
    if (g.times[i] >= sim::from_seconds(seconds)) return i;
  }
  ADD_FAILURE() << g.name << ": no sample at " << seconds << " s";
  return 0;
}

// The time of the first sample whose index satisfies `pred`, in seconds, or -1.
template <typename Pred>
inline double first_time(const GroupResults& g, Pred pred) {
  for (std::size_t i = 0; i < g.times.size(); ++i) {
    if (pred(i)) return sim::to_seconds(g.times[i]);
  }
  return -1;
}

}  // namespace tcpsim::scenarios::testing
