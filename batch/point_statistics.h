// Per-point statistics of a study: the mean of every metric over a point's replications and
// the half-width of its 95% confidence interval from Student's t distribution.
#pragma once

#include <vector>

#include "io/study_file.h"

namespace tcpsim::batch {

// The 0.975 quantile of Student's t with `df` >= 1 degrees of freedom (exact table to 30,
// then the Cornish-Fisher expansion, within 1e-4).
double t975(unsigned df);

// One StudyPoint per distinct point of `runs`, by point number. A metric's mean and interval
// are over the runs where it is not NaN; NaN when none (mean) or fewer than two (ci95).
std::vector<io::StudyPoint> point_statistics(const std::vector<io::StudyRun>& runs,
                                             std::size_t metric_count);

}  // namespace tcpsim::batch
