#include "models/metrics/source.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tcpsim::metrics {

MetricValues& values_of(std::vector<MetricValues>& values, const Metric& metric) {
  for (MetricValues& v : values) {
    if (v.metric == &metric) return v;
  }
  throw std::logic_error("metric '" + std::string(metric.name) +
                         "' is not registered in this group");
}

void Sample::add(const Metric& metric, std::size_t column, std::uint64_t value) {
  MetricValues& v = values_of(values_, metric);
  if (column >= metric.column_count() || v.sum.empty()) {
    throw std::logic_error("'" + std::string(metric.name) + "' has no column " +
                           std::to_string(column) + " to sample");
  }
  const std::size_t at = v.sum.size() - metric.column_count() + column;
  v.sum[at] += value;
  if (!v.max.empty()) v.max[at] = std::max(v.max[at], value);
}

void Totals::merge(const Metric& metric, const sim::Histogram& histogram) {
  MetricValues& v = values_of(values_, metric);
  if (!v.histogram) throw std::logic_error("'" + std::string(metric.name) + "' is no histogram");
  v.histogram->merge(histogram);
}

void Totals::add(const Metric& metric, double value) {
  MetricValues& v = values_of(values_, metric);
  if (std::isnan(value)) return;
  if (std::isnan(v.value)) {
    v.value = value;
    return;
  }
  switch (metric.combine) {
    case Combine::kSum:
      v.value += value;
      break;
    case Combine::kMin:
      v.value = std::min(v.value, value);
      break;
    case Combine::kMax:
      v.value = std::max(v.value, value);
      break;
  }
}

}  // namespace tcpsim::metrics
