#include "sim/random_stream.h"

#include <array>

namespace tcpsim::sim {
namespace {

using Wide = pcg_extras::pcg128_t;

// pcg64 keeps its state and its stream's increment protected; pointers to members formed
// through a derived class read them from any pcg64.
struct PcgState : pcg64 {
  static Wide state(const pcg64& engine) { return engine.*(&PcgState::state_); }
  static Wide increment(const pcg64& engine) { return engine.*(&PcgState::inc_); }
};

// The generator steps its state s to a * s + c (c its stream's increment); k steps take it
// to a^k * s + (a^(k-1) + ... + a + 1) * c. jumps()[k - 1] holds the two factors.
struct Jump {
  Wide times_state;
  Wide times_increment;
};

const std::array<Jump, RandomStream::kPeekRange>& jumps() {
  static const std::array<Jump, RandomStream::kPeekRange> table = [] {
    std::array<Jump, RandomStream::kPeekRange> t{};
    const Wide a = pcg_detail::default_multiplier<Wide>::multiplier();
    Jump j{a, 1};
    for (Jump& entry : t) {
      entry = j;
      j = Jump{j.times_state * a, j.times_increment * a + 1};
    }
    return t;
  }();
  return table;
}

}  // namespace

std::uint32_t RandomStream::peek_u32(std::uint64_t n) const {
  if (n >= kPeekRange) {
    RandomStream copy = *this;
    copy.discard(n);
    return copy.next_u32();
  }
  // pcg64 outputs from the state after its step: n skipped draws and the one read.
  const Jump& j = jumps()[n];
  const Wide state =
      j.times_state * PcgState::state(engine_) + j.times_increment * PcgState::increment(engine_);
  return static_cast<std::uint32_t>(pcg_detail::xsl_rr_mixin<std::uint64_t, Wide>::output(state) >>
                                    32U);
}

}  // namespace tcpsim::sim
