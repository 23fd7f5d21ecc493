// A group's kernel block (preset + per-setting overrides) resolved into the KernelSettings its
// hosts run with, reporting every bad value; and resolved settings written back as a block.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

#include "models/tcp/kernel_settings.h"
#include "scenarios/problem.h"
#include "scenarios/scenario.pb.h"

namespace tcpsim::scenarios {

// Starts from the preset ("linux" when empty or unknown), applies every field that is set
// through the row of tcp::kernel_knobs() of the same name, then runs every row's checker.
// Appends one problem per bad value, its field path relative to the Kernel message
// ("tcp_tw_reuse"), without a location.
tcp::KernelSettings resolve_kernel(const scenario::Kernel& kernel, std::vector<Problem>& problems);

// Sets every field of `kernel` that has a row to the row's text form of `settings`, and an
// empty preset to "linux"; clears ip_local_port_range_low/high, whose values
// ip_local_port_range then holds. resolve_kernel of the result gives `settings` back.
void write_kernel(const tcp::KernelSettings& settings, scenario::Kernel& kernel);

// Where the fields of `kernel` (a version of scenario.Kernel) and tcp::kernel_knobs()
// disagree: a field without a row (other than preset and ip_local_port_range_low/high), a
// row without a field, a field whose type cannot hold the row's kind or that has no
// presence. Empty when they agree.
std::vector<std::string> kernel_schema_mismatches(
    const google::protobuf::Descriptor& kernel = *scenario::Kernel::descriptor());

}  // namespace tcpsim::scenarios
