#include "models/tcp/kernel_knobs.h"

#include <cstdint>

#include "models/tcp/kernel_knob_list.h"
#include "sim/time.h"

namespace tcpsim::tcp {
namespace {

using namespace knob_checks;

#define TCPSIM_KERNEL_KNOB_ROW(name, type, default_value, checker, doc) \
  KernelKnob{#name, &KernelSettings::name, checker, doc},
constexpr KernelKnob kKnobs[] = {TCPSIM_KERNEL_KNOBS(TCPSIM_KERNEL_KNOB_ROW)};
#undef TCPSIM_KERNEL_KNOB_ROW

}  // namespace

std::span<const KernelKnob> kernel_knobs() { return kKnobs; }

const KernelKnob* find_kernel_knob(std::string_view name) {
  for (const KernelKnob& knob : kKnobs) {
    if (knob.name() == name) return &knob;
  }
  return nullptr;
}

std::vector<KnobProblem> check_kernel_settings(const KernelSettings& s) {
  std::vector<KnobProblem> problems;
  for (const KernelKnob& knob : kKnobs) {
    if (auto message = knob.check(s)) problems.push_back({knob.name(), std::move(*message)});
  }
  return problems;
}

}  // namespace tcpsim::tcp
