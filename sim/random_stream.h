// One independent pseudo-random stream per simulated entity, keyed by (seed, entity),
// so a run is reproducible and adding an entity leaves every other entity's draws unchanged.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <pcg_random.hpp>

namespace tcpsim::sim {

// The splitmix64 finaliser: a bijection on 64-bit words with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

namespace random_detail {

inline constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
inline constexpr std::uint64_t kSeedDomain = 0x5eed5eed0d0d0001ULL;
inline constexpr std::uint64_t kStreamDomain = 0x57ea357ea3000002ULL;

// For a fixed key this is injective in `index` (odd multiplier, then bijections),
// and for a fixed index it is injective in `key`.
constexpr std::uint64_t keyed_hash(std::uint64_t key, std::uint64_t domain, std::uint64_t index) {
  return mix64(mix64(key ^ domain) + index * kGolden);
}

}  // namespace random_detail

// The seed of sub-run `index` (e.g. replication r of a sweep point) of a run seeded with `seed`.
// Distinct indices give distinct seeds.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index) {
  return random_detail::keyed_hash(seed, random_detail::kSeedDomain, index);
}

class RandomStream {
 public:
  using result_type = std::uint64_t;

  RandomStream(std::uint64_t seed, std::uint64_t entity) : engine_(make_engine(seed, entity)) {}

  std::uint64_t next_u64() { return engine_(); }
  std::uint32_t next_u32() { return static_cast<std::uint32_t>(engine_() >> 32U); }
  // Skips `n` draws of next_u64() (or next_u32()) in O(log n).
  void discard(std::uint64_t n) { engine_.discard(n); }
  // What next_u32() would return after discard(n), the stream left as it is: a jump of the
  // generator by a precomputed power of its step for n < kPeekRange (a few multiplies),
  // discard() on a copy beyond.
  static constexpr std::uint64_t kPeekRange = 1024;
  [[nodiscard]] std::uint32_t peek_u32(std::uint64_t n) const;

  // A multiple of 2^-53 in [0, 1).
  double uniform01() { return static_cast<double>(next_u64() >> 11U) * 0x1.0p-53; }

  // Unbiased integer in [0, n) by Lemire's multiply-and-reject; n must be > 0.
  std::uint64_t below(std::uint64_t n) {
    using Wide = pcg_extras::pcg128_t;
    Wide m = static_cast<Wide>(next_u64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (std::uint64_t{0} - n) % n;
      while (low < threshold) {
        m = static_cast<Wide>(next_u64()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64U);
  }

  // Uniform in [a, b).
  double uniform(double a, double b) { return a + (b - a) * uniform01(); }

  double exponential(double mean) { return -mean * std::log(1.0 - uniform01()); }

  // Marsaglia's polar method; the second variate of each pair is kept for the next call.
  double normal(double mean, double stddev) {
    if (has_spare_) {
      has_spare_ = false;
      return mean + stddev * spare_;
    }
    double u = 0;
    double v = 0;
    double s = 0;
    do {
      u = 2.0 * uniform01() - 1.0;
      v = 2.0 * uniform01() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double factor = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * factor;
    has_spare_ = true;
    return mean + stddev * (u * factor);
  }

  // UniformRandomBitGenerator, for std::shuffle and the like.
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return next_u64(); }

 private:
  static pcg64 make_engine(std::uint64_t seed, std::uint64_t entity) {
    using Wide = pcg_extras::pcg128_t;
    const std::uint64_t key = random_detail::keyed_hash(seed, random_detail::kStreamDomain, entity);
    auto word = [key](std::uint64_t i) { return mix64(key + i * random_detail::kGolden); };
    const Wide state = (static_cast<Wide>(word(1)) << 64U) | word(2);
    const Wide stream = (static_cast<Wide>(word(3)) << 64U) | word(4);
    return pcg64(state, stream);
  }

  pcg64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace tcpsim::sim
