#include "sim/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <string_view>
#include <utility>

#include "sim/duration.h"

namespace tcpsim::sim {
namespace {

// Simulated time is shown to about 1/1000 of `reference`, so the line stays short and steady.
Time display_step(Time reference) {
  Time step = 1;
  while (step <= reference / 1000 / 10) {
    step *= 10;
  }
  return step;
}

std::string format_rate(double per_second) {
  constexpr std::array<std::string_view, 5> kPrefixes{"", "k ", "M ", "G ", "T "};
  std::size_t prefix = 0;
  while (per_second >= 999.5 && prefix + 1 < kPrefixes.size()) {
    per_second /= 1000;
    ++prefix;
  }
  if (per_second == 0) {
    return "0 events/s";
  }
  const int decimals = per_second >= 99.95 ? 0 : (per_second >= 9.995 ? 1 : 2);
  return fmt::format("{:.{}f} {}events/s", per_second, decimals, kPrefixes[prefix]);
}

// Whole seconds, fixed-width minutes and seconds once a larger unit is shown: "45s", "1m03s",
// "2h05m09s".
std::string format_wall(double seconds) {
  constexpr double kLimit = 100.0 * 3600.0;
  if (!std::isfinite(seconds) || seconds >= kLimit) {
    return ">100h";
  }
  const long long s = std::llround(seconds < 0 ? 0.0 : seconds);
  if (s < 60) {
    return fmt::format("{}s", s);
  }
  if (s < 3600) {
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  return fmt::format("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60);
}

std::string sim_field(Time now, Time end) {
  const bool known_end = end != kTimeMax;
  const Time step = display_step(known_end ? end : now);
  std::string field = fmt::format("sim {}", format_duration(now - now % step));
  if (known_end) {
    const double fraction = end > 0 ? std::clamp(to_seconds(now) / to_seconds(end), 0.0, 1.0) : 1.0;
    field += fmt::format("/{} ({:.1f}%)", format_duration(end), 100.0 * fraction);
  }
  return field;
}

}  // namespace

std::int64_t steady_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Progress Progress::for_stderr(Time end, std::int64_t log_interval_ns) {
  if (isatty(fileno(stderr)) != 0) return Progress(end, stderr, true);
  return Progress(end, stderr, log_interval_ns > 0, steady_clock_ns, log_interval_ns, true);
}

Progress::Progress(Time end, std::FILE* out, bool enabled, Clock clock, std::int64_t interval_ns,
                   bool log_lines)
    : end_(end),
      out_(out),
      enabled_(enabled),
      clock_(std::move(clock)),
      interval_(interval_ns),
      log_(log_lines) {
  restart(0, 0);
}

void Progress::restart(Time now, std::uint64_t events_processed) {
  start_wall_ = clock_();
  start_sim_ = now;
  start_events_ = events_processed;
  last_draw_wall_ = start_wall_;
}

void Progress::beat(Time now, std::uint64_t events_processed) {
  if (!enabled_) {
    return;
  }
  const std::int64_t wall = clock_();
  if (wall - last_draw_wall_ < interval_) {
    return;
  }
  last_draw_wall_ = wall;
  draw(status_line(now, events_processed, wall));
}

void Progress::finish(Time now, std::uint64_t events_processed) {
  if (!enabled_ || !line_open_) {
    return;
  }
  const std::int64_t wall = clock_();
  const double elapsed = static_cast<double>(wall - start_wall_) / 1e9;
  const double events = static_cast<double>(events_processed - start_events_);
  std::string line = fmt::format("{}  {}", sim_field(now, end_),
                                 format_rate(elapsed > 0 ? events / elapsed : 0.0));
  if (detail_) line += "  " + detail_();
  draw(line + "  in " + format_wall(elapsed));
  if (!log_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
  line_open_ = false;
  last_width_ = 0;
}

std::string Progress::status_line(Time now, std::uint64_t events_processed,
                                  std::int64_t wall_now) const {
  std::string line = sim_field(now, end_);
  const auto wall_elapsed = static_cast<double>(wall_now - start_wall_);
  const auto sim_elapsed = static_cast<double>(now - start_sim_);
  const double events = static_cast<double>(events_processed - start_events_);
  line += "  ";
  line += format_rate(wall_elapsed > 0 ? events / (wall_elapsed / 1e9) : 0.0);
  if (detail_) line += "  " + detail_();
  if (end_ != kTimeMax) {
    if (now >= end_) {
      line += "  ETA 0s";
    } else if (sim_elapsed <= 0 || wall_elapsed <= 0) {
      line += "  ETA --";
    } else {
      const double remaining = static_cast<double>(end_ - now);
      line += fmt::format("  ETA {}", format_wall(remaining * wall_elapsed / sim_elapsed / 1e9));
    }
  }
  return line;
}

void Progress::draw(const std::string& line) {
  if (log_) {
    fmt::print(out_, "{}\n", line);
    std::fflush(out_);
    line_open_ = true;
    return;
  }
  const std::size_t pad = last_width_ > line.size() ? last_width_ - line.size() : 0;
  fmt::print(out_, "\r{}{:{}}", line, "", pad);
  std::fflush(out_);
  last_width_ = line.size();
  line_open_ = true;
}

}  // namespace tcpsim::sim
