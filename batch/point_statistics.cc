#include "batch/point_statistics.h"

#include <array>
#include <cmath>
#include <limits>
#include <map>

namespace tcpsim::batch {

double t975(unsigned df) {
  static constexpr std::array<double, 30> kTable{
      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
      2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
      2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (df == 0) return std::numeric_limits<double>::quiet_NaN();
  if (df <= kTable.size()) return kTable[df - 1];
  constexpr double z = 1.959963984540054;
  const double n = df;
  const double z3 = z * z * z;
  const double z5 = z3 * z * z;
  const double z7 = z5 * z * z;
  return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

std::vector<io::StudyPoint> point_statistics(const std::vector<io::StudyRun>& runs,
                                             std::size_t metric_count) {
  std::map<std::uint64_t, std::vector<const io::StudyRun*>> by_point;
  for (const io::StudyRun& r : runs) by_point[r.point].push_back(&r);
  std::vector<io::StudyPoint> points;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (const auto& [number, members] : by_point) {
    io::StudyPoint p;
    p.point = number;
    p.replications = static_cast<std::uint32_t>(members.size());
    p.values = members.front()->values;
    p.mean.assign(metric_count, kNaN);
    p.ci95.assign(metric_count, kNaN);
    for (std::size_t m = 0; m < metric_count; ++m) {
      double sum = 0;
      unsigned n = 0;
      for (const io::StudyRun* r : members) {
        if (std::isnan(r->metrics[m])) continue;
        sum += r->metrics[m];
        ++n;
      }
      if (n == 0) continue;
      const double mean = sum / n;
      p.mean[m] = mean;
      if (n < 2) continue;
      double squares = 0;
      for (const io::StudyRun* r : members) {
        if (!std::isnan(r->metrics[m])) squares += (r->metrics[m] - mean) * (r->metrics[m] - mean);
      }
      p.ci95[m] = t975(n - 1) * std::sqrt(squares / (n - 1) / n);
    }
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace tcpsim::batch
