// Link bandwidths as scenarios write them ("10Gbit", "100Mbit", "1e9") to bits per second.
// Units are decimal (k = 1000), as in tc and network datasheets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcpsim::scenarios {

// A positive decimal number ("10", "1.5", "1e9") directly followed by an optional unit: bit,
// kbit, Mbit, Gbit, Tbit (the prefix letter in either case); a bare number is bits per
// second. The result is rounded to a whole number of bits per second and must be at least
// 1. On failure returns nullopt and, if `error` is non-null, stores a message quoting the
// input and naming the problem.
std::optional<std::uint64_t> parse_bandwidth(std::string_view text, std::string* error = nullptr);

}  // namespace tcpsim::scenarios
