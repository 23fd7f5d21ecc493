// Scenario distributions (of durations and of byte counts) turned into sim::Distribution,
// with every parameter checked by the Distribution factories.
#pragma once

#include "scenarios/scenario.pb.h"
#include "sim/distribution.h"

namespace tcpsim::scenarios {

// Samples are seconds. An unset distribution is the constant 0. Throws FieldError naming the
// parameter ("uniform.hi") or the kind ("exponential") at fault.
sim::Distribution to_distribution(const scenario::TimeDistribution& d);

// Samples are bytes. Same contract; byte counts below 0 are refused where they are fixed
// values (constants, uniform bounds, empirical values).
sim::Distribution to_distribution(const scenario::SizeDistribution& d);

}  // namespace tcpsim::scenarios
