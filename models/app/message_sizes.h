// Request and response sizes, drawn per request: the k-th request on a connection takes its
// sizes from streams keyed by (seed, connection key, k), so both ends agree without sharing state.
#pragma once

#include <cstdint>

#include "sim/distribution.h"

namespace tcpsim::app {

// Draws are rounded to whole bytes and kept in [1, kMaxMessageSize].
inline constexpr std::uint32_t kMaxMessageSize = std::uint32_t{1} << 30U;

// What a server port carries, or what a client sends toward one destination: bytes per request.
struct MessageSizes {
  sim::Distribution request = sim::Distribution::constant(100);
  sim::Distribution response = sim::Distribution::constant(100);
  bool operator==(const MessageSizes&) const = default;
};

class SizeModel {
 public:
  explicit SizeModel(const MessageSizes& sizes);

  // Both sizes constant: no connection key and no stream are needed.
  [[nodiscard]] bool constant() const { return constant_; }
  // Of request k (0 for the first) on the connection whose TcpStack::connection_key is `key`.
  [[nodiscard]] std::uint32_t request(std::uint64_t seed, std::uint64_t key, std::uint64_t k) const;
  [[nodiscard]] std::uint32_t response(std::uint64_t seed, std::uint64_t key,
                                       std::uint64_t k) const;

 private:
  MessageSizes sizes_;
  std::uint32_t constant_request_ = 0;  // when sizes_.request is constant
  std::uint32_t constant_response_ = 0;
  bool constant_ = false;
};

// A real size as bytes: rounded, at least 1, at most kMaxMessageSize.
std::uint32_t to_bytes(double size);

}  // namespace tcpsim::app
