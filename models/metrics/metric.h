// A metric as the kind of node that measures it declares it, once: name, unit, description,
// what it is, and how the run summary reads it. Writers, summaries and plots iterate these.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>

namespace tcpsim::metrics {

enum class MetricKind : std::uint8_t {
  kLevel,      // a level at each sample, summed over the group's sources
  kCounter,    // cumulative since the start of the run, summed over the group's sources
  kHistogram,  // a distribution of durations in ns, merged over the group at the end
  kScalar,     // one number per run, combined over the group's sources at the end
};

// How the run summary reads a metric.
enum class Reading : std::uint8_t {
  kPeak,          // the largest value over the samples taken at or after warm-up
  kPeakOnHost,    // the largest value any one host reached (the max series), after warm-up
  kPortHeadroom,  // the group's port range minus kPeakOnHost: ports never needed, NaN if unknown
  kMean,          // the time-weighted mean over the samples after warm-up
  kLast,          // the last sample's value
  kPercentiles,   // a histogram's kPercentiles, as <name>_<p>_ns
  kValue,         // a scalar's value
};

// How the sources' values of a scalar make the group's; NaN (no value) is skipped.
enum class Combine : std::uint8_t { kSum, kMin, kMax };

// Of the values of levels and counters in files.
enum class Width : std::uint8_t { k32, k64 };

// A vector metric's columns (per state, per errno): the attribute that names them, their names.
struct Columns {
  std::string_view attribute{};
  std::span<const std::string_view> names{};
};

struct Summarised {
  std::string_view name{};  // empty: unused
  Reading reading = Reading::kLast;
};

struct Metric {
  std::string_view name{};  // the dataset in the results file
  std::string_view unit{};
  std::string_view description{};
  MetricKind kind = MetricKind::kLevel;
  Width width = Width::k64;
  Columns columns{};  // none: one column
  // Levels read per host: the dataset of the largest value any one source gave (empty: none).
  std::string_view max_name{};
  std::string_view max_description{};
  std::array<Summarised, 2> summary{};
  Combine combine = Combine::kSum;

  [[nodiscard]] constexpr std::size_t column_count() const {
    return columns.names.empty() ? 1 : columns.names.size();
  }
  [[nodiscard]] constexpr bool sampled() const {
    return kind == MetricKind::kLevel || kind == MetricKind::kCounter;
  }
};

struct Percentile {
  std::string_view name;
  double p;
};
inline constexpr std::array<Percentile, 4> kPercentiles{
    {{"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}, {"p999", 99.9}}};

// The row of `table` named `name`, found at compile time: a misspelt name does not compile.
template <std::size_t N>
consteval const Metric& find(const std::array<Metric, N>& table, std::string_view name) {
  for (const Metric& m : table) {
    if (m.name == name) return m;
  }
  throw std::logic_error("no such metric");
}

}  // namespace tcpsim::metrics
