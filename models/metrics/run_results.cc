#include "models/metrics/run_results.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include "sim/time.h"

namespace tcpsim::metrics {
namespace {

std::string describe(const SummaryValue& v) {
  const std::string what(v.metric->description);
  switch (v.reading) {
    case Reading::kPeak:
      return "peak after warm-up of " + what;
    case Reading::kPeakOnHost:
      return "peak after warm-up of " + std::string(v.metric->max_description);
    case Reading::kPortHeadroom:
      return "ports of the range never needed: the range minus the peak after warm-up of " +
             std::string(v.metric->max_description);
    case Reading::kMean:
      return "time-weighted mean after warm-up of " + what;
    case Reading::kLast:
      return what + ", at the end of the run";
    case Reading::kPercentiles:
      return std::string(v.percentile->name) + " of " + what;
    case Reading::kValue:
      break;
  }
  return what;
}

// Peaks and means over the samples at or after `warmup`; a sample stands for the interval
// that follows it, so the mean is time-weighted.
std::vector<double> read_series(const std::vector<sim::Time>& times, const MetricValues& v,
                                Reading reading, sim::Time warmup) {
  const std::size_t columns = v.metric->column_count();
  std::vector<double> out(columns, 0.0);
  if (reading == Reading::kPeakOnHost) {
    for (std::size_t k = 0; k < times.size(); ++k) {
      if (times[k] < warmup) continue;
      for (std::size_t c = 0; c < columns; ++c) {
        out[c] = std::max(out[c], static_cast<double>(v.max[k * columns + c]));
      }
    }
    return out;
  }
  if (reading == Reading::kLast) {
    if (!times.empty()) {
      for (std::size_t c = 0; c < columns; ++c) {
        out[c] = static_cast<double>(v.sum[(times.size() - 1) * columns + c]);
      }
    }
    return out;
  }
  double weight = 0;
  for (std::size_t k = 0; k < times.size(); ++k) {
    if (times[k] < warmup) continue;
    const std::uint64_t* row = v.sum.data() + k * columns;
    if (reading == Reading::kPeak) {
      for (std::size_t c = 0; c < columns; ++c)
        out[c] = std::max(out[c], static_cast<double>(row[c]));
    } else if (k + 1 < times.size()) {
      const auto dt = static_cast<double>(times[k + 1] - times[k]);
      for (std::size_t c = 0; c < columns; ++c) out[c] += dt * static_cast<double>(row[c]);
      weight += dt;
    }
  }
  if (reading == Reading::kMean) {
    for (double& x : out) x = weight > 0 ? x / weight : 0.0;
  }
  return out;
}

}  // namespace

void summarise(GroupResults& r, sim::Time warmup) {
  r.summary.clear();
  for (const MetricValues& v : r.metrics) {
    for (const Summarised& s : v.metric->summary) {
      if (s.name.empty()) continue;
      switch (s.reading) {
        case Reading::kPeak:
        case Reading::kMean:
        case Reading::kLast:
        case Reading::kPeakOnHost:
          r.summary.push_back({std::string(s.name), v.metric, s.reading, nullptr,
                               read_series(r.times, v, s.reading, warmup)});
          break;
        case Reading::kPortHeadroom: {
          std::vector<double> left = read_series(r.times, v, Reading::kPeakOnHost, warmup);
          for (double& x : left) {
            x = r.port_range_size == 0 ? std::numeric_limits<double>::quiet_NaN()
                                       : static_cast<double>(r.port_range_size) - x;
          }
          r.summary.push_back({std::string(s.name), v.metric, s.reading, nullptr, std::move(left)});
          break;
        }
        case Reading::kPercentiles:
          for (const Percentile& p : kPercentiles) {
            r.summary.push_back({std::string(s.name) + "_" + std::string(p.name) + "_ns",
                                 v.metric,
                                 s.reading,
                                 &p,
                                 {static_cast<double>(v.histogram->percentile(p.p))}});
          }
          break;
        case Reading::kValue:
          r.summary.push_back({std::string(s.name), v.metric, s.reading, nullptr, {v.value}});
          break;
      }
    }
  }
}

void add_metrics(GroupResults& group, std::span<const Metric> table) {
  std::vector<MetricValues>& values = group.metrics;
  for (const Metric& m : table) {
    const auto same = [&m](const MetricValues& v) {
      const Metric& o = *v.metric;
      return &o == &m || o.name == m.name || (!o.max_name.empty() && o.max_name == m.name) ||
             (!m.max_name.empty() && (m.max_name == o.name || m.max_name == o.max_name));
    };
    const auto found = std::find_if(values.begin(), values.end(), same);
    if (found != values.end()) {
      if (found->metric == &m) continue;
      throw std::logic_error("host group '" + group.name + "': two metrics named '" +
                             std::string(m.name) + "'");
    }
    MetricValues v;
    v.metric = &m;
    if (m.kind == MetricKind::kHistogram) v.histogram.emplace();
    values.push_back(std::move(v));
  }
}

void GroupResults::add_sample(sim::Time time) {
  times.push_back(time);
  for (MetricValues& v : metrics) {
    if (!v.metric->sampled()) continue;
    v.sum.resize(v.sum.size() + v.metric->column_count());
    if (!v.metric->max_name.empty()) v.max.resize(v.sum.size());
  }
}

const MetricValues& GroupResults::at(std::string_view metric) const {
  for (const MetricValues& m : metrics) {
    if (m.metric->name == metric) return m;
  }
  throw std::out_of_range("host group '" + name + "' has no metric '" + std::string(metric) + "'");
}

MetricValues& GroupResults::at(std::string_view metric) {
  return const_cast<MetricValues&>(std::as_const(*this).at(metric));
}

std::uint64_t GroupResults::sample(std::string_view series, std::size_t index,
                                   std::size_t column) const {
  for (const MetricValues& m : metrics) {
    const std::size_t at = index * m.metric->column_count() + column;
    if (m.metric->name == series) return m.sum.at(at);
    if (!m.metric->max_name.empty() && m.metric->max_name == series) return m.max.at(at);
  }
  throw std::out_of_range("host group '" + name + "' has no series '" + std::string(series) + "'");
}

const sim::Histogram& GroupResults::histogram(std::string_view metric) const {
  const MetricValues& m = at(metric);
  if (!m.histogram) throw std::out_of_range("'" + std::string(metric) + "' is no histogram");
  return *m.histogram;
}

std::vector<SummaryNumber> GroupResults::summary_numbers() const {
  std::vector<SummaryNumber> out;
  for (const SummaryValue& v : summary) {
    const bool seconds = v.reading == Reading::kPercentiles;
    std::string stem = v.name;
    if (seconds) stem.replace(stem.size() - 3, 3, "_s");  // "_ns" -> "_s"
    const std::string description = describe(v);
    const std::string_view unit = seconds ? std::string_view("s") : v.metric->unit;
    const auto& columns = v.metric->columns.names;
    for (std::size_t c = 0; c < v.values.size(); ++c) {
      const double value = seconds ? v.values[c] / static_cast<double>(sim::kSecond) : v.values[c];
      if (columns.empty()) {
        out.push_back({stem, unit, description, value});
      } else {
        out.push_back({stem + "." + std::string(columns[c]), unit,
                       description + ": " + std::string(columns[c]), value});
      }
    }
  }
  return out;
}

double GroupResults::summary_number(std::string_view number) const {
  for (const SummaryNumber& n : summary_numbers()) {
    if (n.name == number) return n.value;
  }
  throw std::out_of_range("host group '" + name + "' has no summary number '" +
                          std::string(number) + "'");
}

}  // namespace tcpsim::metrics
