// `tcpsim check` on a fuzzed scenario file: the loader, the validator and, for a file with a
// sweep block, the sweep's plan and every point's validation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "batch/sweep_loader.h"
#include "fuzz/fuzz_input.h"
#include "scenarios/memory_estimate.h"
#include "scenarios/scenario_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcpsim;
  const std::string text(fuzz::text(data, size));
  if (fuzz::names_outside_files(text)) return -1;
  const std::string file = fuzz::scratch_folder() + "/fuzz.pbtxt";
  const scenarios::LoadResult loaded = scenarios::load_scenario_text(text, file);
  if (!loaded.ok()) return 0;
  static_cast<void>(loaded.resolved_text());
  static_cast<void>(scenarios::estimate_memory(*loaded.resolved).describe());
  if (loaded.scenario->has_sweep()) {
    static_cast<void>(batch::load_sweep_text(text, file));
  }
  return 0;
}
