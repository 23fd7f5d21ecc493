// Human-readable durations ("250us", "1.5s", "1h30m") to and from simulated Time.
// Conversions are exact integer arithmetic: nothing is rounded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sim/time.h"

namespace tcpsim::sim {

// Accepts one or more concatenated terms, each a non-negative decimal number
// ("5", "1.5", ".5", "5.") directly followed by a unit: ns, us (or µs), ms, s,
// m, h, d. Other spellings ("sec", "min"), signs, whitespace, a bare number
// (even "0"), precision finer than 1ns and values beyond kTimeMax are errors.
// On failure returns nullopt and, if `error` is non-null, stores a message
// that quotes the input and names the problem.
std::optional<Time> parse_duration(std::string_view text, std::string* error = nullptr);

// As parse_duration, but throws std::invalid_argument carrying the message.
Time parse_duration_or_throw(std::string_view text);

// The shortest exact form: "0s", "1ns", "250us", "1.5ms", "1.5s", "1m30s",
// "1h", "2d3h0.25s". parse_duration(format_duration(t)) == t for every t >= 0;
// negative values get a leading "-".
std::string format_duration(Time t);

}  // namespace tcpsim::sim
