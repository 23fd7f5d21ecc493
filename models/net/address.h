// IPv4 addresses and TCP endpoints as plain integers, with dotted-quad text
// for input and output.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "sim/random_stream.h"

namespace tcpsim::net {

struct Ipv4 {
  std::uint32_t value = 0;  // host byte order: 10.0.0.1 is 0x0a000001
  auto operator<=>(const Ipv4&) const = default;
  [[nodiscard]] bool is_loopback() const { return (value >> 24U) == 127U; }
};

// Strict dotted quad: exactly four decimal octets 0-255 separated by '.', digits only
// (no sign, space or empty octet) and no leading zero ("01" is rejected, as inet_pton does).
std::optional<Ipv4> parse_ipv4(std::string_view text);
std::string to_string(Ipv4 address);

struct Endpoint {
  Ipv4 address;
  std::uint16_t port = 0;
  auto operator<=>(const Endpoint&) const = default;

  // The endpoint as one 48-bit integer (address << 16 | port), for hash keys.
  [[nodiscard]] constexpr std::uint64_t key() const {
    return (std::uint64_t{address.value} << 16U) | port;
  }
  [[nodiscard]] static constexpr Endpoint from_key(std::uint64_t key) {
    return {Ipv4{static_cast<std::uint32_t>(key >> 16U)}, static_cast<std::uint16_t>(key)};
  }
};

std::string to_string(Endpoint endpoint);  // "10.0.0.1:80"

// A connection's identity as seen from one side: local then remote.
struct FourTuple {
  Endpoint local;
  Endpoint remote;
  auto operator<=>(const FourTuple&) const = default;
  [[nodiscard]] FourTuple reversed() const { return {remote, local}; }
  // The tuple as two words for hashing: both addresses, then both ports.
  [[nodiscard]] constexpr std::uint64_t address_word() const {
    return (std::uint64_t{local.address.value} << 32U) | remote.address.value;
  }
  [[nodiscard]] constexpr std::uint64_t port_word() const {
    return (std::uint64_t{local.port} << 16U) | remote.port;
  }
};

// A full-avalanche 64-bit hash of all 96 bits of the tuple.
std::size_t hash_value(const FourTuple& t);

// One mix instead of hash_value's two: enough spread for a hash table that is told the
// hash is avalanching (the ports' product is a bijection, so no two ports collide).
inline std::size_t table_hash(const FourTuple& t) {
  return static_cast<std::size_t>(
      sim::mix64(t.address_word() ^ (t.port_word() * 0x9e3779b97f4a7c15ULL)));
}

// Hasher for boost::unordered_flat_map / flat_set keyed by FourTuple; it declares itself
// avalanching so the table applies no extra mixing.
struct FourTupleHash {
  using is_avalanching = std::true_type;
  std::size_t operator()(const FourTuple& t) const { return hash_value(t); }
};

}  // namespace tcpsim::net
