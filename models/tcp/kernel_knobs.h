// The table of kernel settings, one KernelKnob per row of kernel_knob_list.h, in its order;
// what reads, checks and prints KernelSettings iterates it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/tcp/kernel_knob.h"
#include "models/tcp/kernel_settings.h"

namespace tcpsim::tcp {

std::span<const KernelKnob> kernel_knobs();
// nullptr when no row has that name.
const KernelKnob* find_kernel_knob(std::string_view name);

struct KnobProblem {
  std::string_view knob;
  std::string message;
};
// What every row's checker finds in s, in row order; empty when s is valid.
std::vector<KnobProblem> check_kernel_settings(const KernelSettings& s);

}  // namespace tcpsim::tcp
