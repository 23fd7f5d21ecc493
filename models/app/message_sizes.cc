#include "models/app/message_sizes.h"

#include <cmath>

#include "sim/random_stream.h"

namespace tcpsim::app {
namespace {

constexpr std::uint64_t kRequestDomain = 0x7265717565737431ULL;
constexpr std::uint64_t kResponseDomain = 0x726573706f6e7365ULL;

// Keyed so that the streams of different connections, requests and directions differ.
std::uint32_t draw(const sim::Distribution& d, std::uint64_t seed, std::uint64_t key,
                   std::uint64_t k, std::uint64_t domain) {
  sim::RandomStream rng(seed, sim::mix64(sim::mix64(key ^ domain) + k));
  return to_bytes(d.sample(rng));
}

std::uint32_t constant_bytes(const sim::Distribution& d) {
  return d.kind() == sim::Distribution::Kind::kConstant ? to_bytes(d.mean()) : 0;
}

}  // namespace

std::uint32_t to_bytes(double size) {
  if (!(size >= 1.0)) return 1;  // NaN too
  if (size >= static_cast<double>(kMaxMessageSize)) return kMaxMessageSize;
  return static_cast<std::uint32_t>(std::llround(size));
}

SizeModel::SizeModel(const MessageSizes& sizes)
    : sizes_(sizes),
      constant_request_(constant_bytes(sizes.request)),
      constant_response_(constant_bytes(sizes.response)),
      constant_(constant_request_ != 0 && constant_response_ != 0) {}

std::uint32_t SizeModel::request(std::uint64_t seed, std::uint64_t key, std::uint64_t k) const {
  if (constant_request_ != 0) return constant_request_;
  return draw(sizes_.request, seed, key, k, kRequestDomain);
}

std::uint32_t SizeModel::response(std::uint64_t seed, std::uint64_t key, std::uint64_t k) const {
  if (constant_response_ != 0) return constant_response_;
  return draw(sizes_.response, seed, key, k, kResponseDomain);
}

}  // namespace tcpsim::app
