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

MetricValues& Sample::values_for(const Metric& metric, std::size_t k) {
  MetricValues& v = values_of(values_, metric);
  const auto index = static_cast<std::uint32_t>(&v - values_.data());
  if (k < order_.size()) {
    order_[k] = index;
  } else {
    order_.push_back(index);
  }
  return v;
}

void Sample::no_column(const Metric& metric, std::size_t column) {
  throw std::logic_error("'" + std::string(metric.name) + "' has no column " +
                         std::to_string(column) + " to sample");
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
