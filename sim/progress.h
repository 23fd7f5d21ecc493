// A Heartbeat that shows a run's progress: simulated time, events per wall-clock second and
// ETA, redrawn in place with '\r' on a terminal, or a line per interval for a log file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>

#include "sim/heartbeat.h"
#include "sim/time.h"

namespace tcpsim::sim {

// Nanoseconds of std::chrono::steady_clock.
std::int64_t steady_clock_ns();

class Progress final : public Heartbeat {
 public:
  // Wall-clock source: monotonic nanoseconds.
  using Clock = std::function<std::int64_t()>;
  // What the model holds, appended to each line (e.g. "sockets 1234"); cheap enough to call
  // once per interval.
  using Detail = std::function<std::string()>;
  static constexpr std::int64_t kDefaultInterval = 1'000'000'000;
  static constexpr std::int64_t kDefaultLogInterval = 10'000'000'000;

  // Writes to stderr: redrawn in place every second on a terminal, otherwise a line every
  // `log_interval_ns` (0: nothing).
  static Progress for_stderr(Time end, std::int64_t log_interval_ns = kDefaultLogInterval);

  // `end` is the simulated time the run stops at, or kTimeMax when unknown (no
  // percentage, no ETA). Rates are measured from construction, taken as
  // simulated time 0 with 0 events; restart() moves that baseline. With `log_lines`, each
  // line ends with a newline and none is redrawn, as a log file wants.
  explicit Progress(Time end, std::FILE* out = stderr, bool enabled = true,
                    Clock clock = steady_clock_ns, std::int64_t interval_ns = kDefaultInterval,
                    bool log_lines = false);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void set_detail(Detail detail) { detail_ = std::move(detail); }

  // Measures rates and ETA from here on, e.g. when a run continues from `now`.
  void restart(Time now, std::uint64_t events_processed);

  void beat(Time now, std::uint64_t events_processed) override;
  // If anything was shown since the last finish(), redraws the line with the
  // final state and the elapsed wall time, then ends it with a newline.
  void finish(Time now, std::uint64_t events_processed) override;

  // "sim 12.5s/2m (10.4%)  3.21 M events/s  ETA 1m03s" for the given state, the detail
  // before the ETA.
  [[nodiscard]] std::string status_line(Time now, std::uint64_t events_processed,
                                        std::int64_t wall_now) const;

 private:
  void draw(const std::string& line);

  Time end_;
  std::FILE* out_;
  bool enabled_;
  Clock clock_;
  Detail detail_;
  std::int64_t interval_;
  bool log_ = false;
  std::int64_t start_wall_ = 0;
  Time start_sim_ = 0;
  std::uint64_t start_events_ = 0;
  std::int64_t last_draw_wall_ = 0;
  std::size_t last_width_ = 0;
  bool line_open_ = false;
};

}  // namespace tcpsim::sim
