// Builds and runs a fuzzed scenario that validates, kept small: at most 2 s simulated, 8
// hosts, rates of 1000/s, 100 users or sessions, samples 10 ms apart and 256 MiB by check's
// estimate, and stopped after about kEventLimit events (closed-loop users over ideal links
// cycle every microsecond). A run stopped there is run again with twice the limit: if the
// simulated clock has not moved in between, the run makes no progress in simulated time,
// and the target aborts on it.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/fuzz_input.h"
#include "scenarios/memory_estimate.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/world.h"

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The numbers of the fields whose name says they scale the work: none above its cap.
bool small_numbers(const Message& m) {
  const auto* reflection = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      const int n = f->is_repeated() ? reflection->FieldSize(m, f) : 1;
      for (int i = 0; i < n; ++i) {
        const Message& child = f->is_repeated() ? reflection->GetRepeatedMessage(m, f, i)
                                                : reflection->GetMessage(m, f);
        if (!small_numbers(child)) return false;
      }
      continue;
    }
    if (f->is_repeated()) continue;
    double value = 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_DOUBLE:
        value = reflection->GetDouble(m, f);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        value = reflection->GetFloat(m, f);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        value = reflection->GetInt32(m, f);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        value = static_cast<double>(reflection->GetInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        value = reflection->GetUInt32(m, f);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        value = static_cast<double>(reflection->GetUInt64(m, f));
        break;
      default:
        continue;
    }
    const std::string_view name = f->name();
    if (name.find("rate") != std::string_view::npos && !(value <= 1000)) return false;
    if ((name.find("users") != std::string_view::npos ||
         name.find("sessions") != std::string_view::npos) &&
        !(value <= 100)) {
      return false;
    }
  }
  return true;
}

bool small(const tcpsim::scenarios::LoadResult& loaded) {
  using namespace tcpsim;
  const scenarios::ResolvedScenario& r = *loaded.resolved;
  if (r.duration > 2 * sim::kSecond || r.interval < 10 * sim::kMillisecond) return false;
  std::size_t hosts = 0;
  for (const auto& g : r.groups) hosts += g.host_addresses.size();
  if (hosts > 8 || !small_numbers(*loaded.scenario)) return false;
  return scenarios::estimate_memory(r).total() <= (std::uint64_t{256} << 20U);
}

constexpr std::uint64_t kEventLimit = std::uint64_t{1} << 18U;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcpsim;
  const std::string text(fuzz::text(data, size));
  if (fuzz::names_outside_files(text)) return -1;
  const scenarios::LoadResult loaded =
      scenarios::load_scenario_text(text, fuzz::scratch_folder() + "/fuzz.pbtxt");
  if (!loaded.ok() || loaded.scenario->has_sweep() || !small(loaded)) return -1;
  const auto run = [&loaded](std::uint64_t limit) {
    return scenarios::run_scenario(loaded, std::nullopt, false, {}, {},
                                   sim::Progress::kDefaultLogInterval, limit)
        .duration;
  };
  const sim::Time reached = run(kEventLimit);
  if (reached < loaded.resolved->duration && run(2 * kEventLimit) == reached) {
    std::fprintf(stderr, "no progress in simulated time at %lld ns\n",
                 static_cast<long long>(reached));
    std::abort();
  }
  return 0;
}
