// How much memory a run may use on this machine: what the kernel reports available,
// within the cgroup's limit and the process's address-space limit.
#pragma once

#include <cstdint>
#include <optional>

namespace tcpsim::cli {

// Bytes; nullopt when nothing can be read (no /proc).
std::optional<std::uint64_t> available_memory();

}  // namespace tcpsim::cli
