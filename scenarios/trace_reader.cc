#include "scenarios/trace_reader.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <string_view>

namespace tcpsim::scenarios {
namespace {

constexpr double kMaxTraceSeconds = 100.0 * 365 * 24 * 3600;
constexpr std::size_t kMaxProblems = 10;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> cells(std::string_view line) {
  std::vector<std::string_view> out;
  while (true) {
    const std::size_t comma = line.find(',');
    out.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return out;
    line.remove_prefix(comma + 1);
  }
}

bool parse_number(std::string_view text, double& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

TraceRead read_arrival_trace(const std::string& path) {
  TraceRead out;
  std::ifstream in(path);
  if (!in) {
    out.problems.push_back(fmt::format("{}: cannot read the file", path));
    return out;
  }
  std::size_t column = 0;
  bool header = false;
  bool first = true;
  double previous = 0;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (out.problems.size() >= kMaxProblems) break;
    const std::string_view text = trim(line);
    if (text.empty()) continue;
    const std::vector<std::string_view> row = cells(text);
    const auto problem = [&](const std::string& message) {
      out.problems.push_back(fmt::format("{}:{}: {}", path, number, message));
    };
    double seconds = 0;
    if (first) {
      first = false;
      if (!parse_number(row[0], seconds)) {
        bool found = false;
        for (std::size_t i = 0; i < row.size(); ++i) {
          if (row[i] == "time_s") {
            column = i;
            found = true;
          }
        }
        if (!found) problem("a header line needs a \"time_s\" column");
        header = true;
        continue;
      }
    }
    if (!header && row.size() > 1) {
      problem(
          fmt::format("{} columns: without a header line, each line holds one number", row.size()));
      continue;
    }
    if (column >= row.size()) {
      problem(fmt::format("no column {} (time_s) on this line", column + 1));
      continue;
    }
    if (!parse_number(row[column], seconds)) {
      problem(fmt::format("\"{}\" is not a number of seconds", row[column]));
      continue;
    }
    if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxTraceSeconds) {
      problem(fmt::format("{} is not a time in [0, 100 years) of seconds", row[column]));
      continue;
    }
    if (seconds < previous) {
      problem(fmt::format("{} comes before the previous arrival ({}): times must not decrease",
                          row[column], previous));
      continue;
    }
    if (out.times.size() >= kMaxTraceArrivals) {
      problem(fmt::format("more than {} arrivals", kMaxTraceArrivals));
      break;
    }
    previous = seconds;
    out.times.push_back(sim::from_seconds(seconds));
  }
  return out;
}

}  // namespace tcpsim::scenarios
