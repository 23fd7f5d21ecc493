// PHOLD, the standard synthetic benchmark of discrete-event kernels, with the
// semantics of ROSS's models/phold so that event rates compare like for like.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/event.h"
#include "sim/random_stream.h"
#include "sim/simulator.h"

namespace tcpsim::bench {

// Times are in model units of one simulated second each.
struct PholdConfig {
  std::uint32_t lps = 1024;
  std::uint32_t start_events = 1;
  double lookahead = 1.0;
  double mean = 1.0;  // mean delay, lookahead included
  double remote = 0.25;
  double end = 10000.0;
  std::uint64_t seed = 1;
};

// Each event, on arrival at its LP, sends one event to a destination that is
// uniform over all LPs with probability `remote` (itself otherwise), after
// lookahead + Exp(mean - lookahead); events at or past `end` are not sent.
class Phold final : public sim::EventHandler {
 public:
  Phold(sim::Simulator& sim, const PholdConfig& config);

  void handle(const sim::Event& event) override;

  // Order-sensitive hash of (time, LP) over every processed event.
  [[nodiscard]] std::uint64_t trace_hash() const { return trace_hash_; }
  [[nodiscard]] sim::Time end_time() const { return end_; }

 private:
  [[nodiscard]] sim::Time draw_delay(sim::RandomStream& rng) const;

  sim::Simulator& sim_;
  sim::HandlerId self_;
  sim::Time lookahead_;
  double exp_mean_ns_;
  double remote_;
  sim::Time end_;
  std::uint32_t lps_;
  std::vector<sim::RandomStream> rngs_;
  std::uint64_t trace_hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace tcpsim::bench
