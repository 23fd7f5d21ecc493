// What a node (a host's TCP stack, a client application, later a proxy or a NAT gateway)
// adds to its host group's metrics: levels and counters at each sample, the rest at the end.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "models/metrics/metric.h"
#include "models/metrics/run_results.h"
#include "sim/histogram.h"

namespace tcpsim::metrics {

// The group's current sample, as sources add to it.
class Sample {
 public:
  // `order` remembers which entry of `values` each add() of the previous sample
  // found: sources add in the same order every time, so the next one is a hit.
  Sample(std::vector<MetricValues>& values, std::vector<std::uint32_t>& order)
      : values_(values), order_(order) {}
  // One source's value of a level or counter: added to the group's sum and, for a level with
  // a max_name, compared with the largest value so far. Throws std::logic_error for a
  // metric the group does not hold.
  void add(const Metric& metric, std::size_t column, std::uint64_t value) {
    const std::size_t k = adds_++;
    MetricValues& v = k < order_.size() && values_[order_[k]].metric == &metric
                          ? values_[order_[k]]
                          : values_for(metric, k);
    const std::size_t columns = metric.column_count();
    if (column >= columns || v.sum.empty()) [[unlikely]] {
      no_column(metric, column);
    }
    const std::size_t at = v.sum.size() - columns + column;
    v.sum[at] += value;
    if (!v.max.empty()) v.max[at] = std::max(v.max[at], value);
  }
  void add(const Metric& metric, std::uint64_t value) { add(metric, 0, value); }

 private:
  // The entry of `metric`, found by search; remembered as the k-th add's.
  MetricValues& values_for(const Metric& metric, std::size_t k);
  [[noreturn]] static void no_column(const Metric& metric, std::size_t column);

  std::vector<MetricValues>& values_;
  std::vector<std::uint32_t>& order_;
  std::size_t adds_ = 0;
};

// The group's histograms and scalars at the end of the run.
class Totals {
 public:
  explicit Totals(std::vector<MetricValues>& values) : values_(values) {}
  void merge(const Metric& metric, const sim::Histogram& histogram);
  // Combined with the other sources' values as the metric's `combine` says.
  void add(const Metric& metric, double value);

 private:
  std::vector<MetricValues>& values_;
};

class Source {
 public:
  virtual ~Source() = default;
  // The metrics this source declares beyond kHostGroupMetrics; they join its group's.
  [[nodiscard]] virtual std::span<const Metric> metrics() const { return {}; }
  virtual void sample(Sample& out) const = 0;
  virtual void finish(Totals& /*out*/) const {}
};

// The values of `metric` in `values`; throws std::logic_error if absent.
MetricValues& values_of(std::vector<MetricValues>& values, const Metric& metric);

}  // namespace tcpsim::metrics
