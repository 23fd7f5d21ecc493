#include "cli/nstat_table.h"

#include <fmt/format.h>

#include "sim/duration.h"

namespace tcpsim::cli {

std::string nstat_table(const metrics::NstatTable& table) {
  std::string out =
      fmt::format("counters of {} at {}\n#kernel\n", table.host, sim::format_duration(table.time));
  for (std::size_t i = 0; i < table.values.size(); ++i) {
    out += fmt::format("{:<32}{}\n", metrics::kNstatNames[i], table.values[i]);
  }
  return out;
}

}  // namespace tcpsim::cli
