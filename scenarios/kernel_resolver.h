// A group's kernel block (preset + per-sysctl overrides) resolved into the KernelSettings its
// hosts run with, reporting every bad value.
#pragma once

#include <vector>

#include "models/tcp/kernel_settings.h"
#include "scenarios/problem.h"
#include "scenarios/scenario.pb.h"

namespace tcpsim::scenarios {

// Starts from the preset ("linux" when empty or unknown), applies every field that is set,
// then checks the result with KernelSettings::validate. Appends one problem per bad value,
// its field path relative to the Kernel message ("tcp_tw_reuse"), without a location.
tcp::KernelSettings resolve_kernel(const scenario::Kernel& kernel, std::vector<Problem>& problems);

}  // namespace tcpsim::scenarios
