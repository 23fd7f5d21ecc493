#include "cli/machine_memory.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace tcpsim::cli {
namespace {

// A number from a one-line file ("max" or unreadable: nullopt).
std::optional<std::uint64_t> read_number(const char* path) {
  std::ifstream in(path);
  std::uint64_t v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

// MemAvailable from /proc/meminfo, in bytes.
std::optional<std::uint64_t> mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    std::uint64_t kib = 0;
    if (words >> key >> kib && key == "MemAvailable:") return kib * 1024;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> available_memory() {
  std::optional<std::uint64_t> avail = mem_available();
  const auto limit = [&](std::optional<std::uint64_t> v) {
    if (v) avail = avail ? std::min(*avail, *v) : *v;
  };
  // cgroup v2, then v1: the limit less what the group already uses.
  if (const auto max = read_number("/sys/fs/cgroup/memory.max")) {
    const std::uint64_t used = read_number("/sys/fs/cgroup/memory.current").value_or(0);
    limit(*max > used ? *max - used : 0);
  } else if (const auto v1 = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
    const std::uint64_t used =
        read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes").value_or(0);
    limit(*v1 > used ? *v1 - used : 0);
  }
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) limit(as.rlim_cur);
  return avail;
}

}  // namespace tcpsim::cli
