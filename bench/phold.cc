#include "bench/phold.h"

#include <stdexcept>

#include "sim/time.h"

namespace tcpsim::bench {

Phold::Phold(sim::Simulator& sim, const PholdConfig& config)
    : sim_(sim),
      self_(sim.add_handler(*this)),
      lookahead_(sim::from_seconds(config.lookahead)),
      exp_mean_ns_((config.mean - config.lookahead) * static_cast<double>(sim::kSecond)),
      remote_(config.remote),
      end_(sim::from_seconds(config.end)),
      lps_(config.lps) {
  if (config.lps == 0) throw std::invalid_argument("phold: lps must be > 0");
  if (config.lookahead < 0) throw std::invalid_argument("phold: lookahead must be >= 0");
  if (config.mean < config.lookahead) {
    throw std::invalid_argument("phold: mean must be >= lookahead");
  }
  if (config.remote < 0 || config.remote > 1) {
    throw std::invalid_argument("phold: remote must be in [0, 1]");
  }
  rngs_.reserve(lps_);
  for (std::uint32_t lp = 0; lp < lps_; ++lp) rngs_.emplace_back(config.seed, lp);
  sim_.reserve(static_cast<std::size_t>(lps_) * config.start_events);
  for (std::uint32_t lp = 0; lp < lps_; ++lp) {
    for (std::uint32_t i = 0; i < config.start_events; ++i) {
      const sim::Time at = draw_delay(rngs_[lp]);
      if (at < end_) sim_.schedule(at, self_, 0, lp);
    }
  }
}

sim::Time Phold::draw_delay(sim::RandomStream& rng) const {
  if (exp_mean_ns_ <= 0) return lookahead_;
  return lookahead_ + static_cast<sim::Time>(rng.exponential(exp_mean_ns_));
}

void Phold::handle(const sim::Event& event) {
  trace_hash_ = (trace_hash_ ^ static_cast<std::uint64_t>(event.time)) * 0x100000001b3ULL;
  trace_hash_ = (trace_hash_ ^ event.target) * 0x100000001b3ULL;
  sim::RandomStream& rng = rngs_[event.target];
  std::uint32_t dest = event.target;
  if (rng.uniform01() <= remote_) dest = static_cast<std::uint32_t>(rng.below(lps_));
  const sim::Time at = event.time + draw_delay(rng);
  if (at < end_) sim_.schedule(at, self_, 0, dest);
}

}  // namespace tcpsim::bench
