#include "models/net/address.h"

#include "sim/random_stream.h"

namespace tcpsim::net {

std::optional<Ipv4> parse_ipv4(std::string_view text) {
  std::uint32_t value = 0;
  std::size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    const std::size_t start = pos;
    std::uint32_t part = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - start == 3) return std::nullopt;
      part = part * 10U + static_cast<std::uint32_t>(text[pos] - '0');
      ++pos;
    }
    const std::size_t digits = pos - start;
    if (digits == 0 || part > 255U || (digits > 1 && text[start] == '0')) return std::nullopt;
    value = (value << 8U) | part;
  }
  if (pos != text.size()) return std::nullopt;
  return Ipv4{value};
}

std::string to_string(Ipv4 address) {
  std::string out;
  out.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address.value >> static_cast<unsigned>(shift)) & 0xffU);
    if (shift > 0) out += '.';
  }
  return out;
}

std::string to_string(Endpoint endpoint) {
  return to_string(endpoint.address) + ':' + std::to_string(endpoint.port);
}

std::size_t hash_value(const FourTuple& t) {
  return static_cast<std::size_t>(
      sim::mix64(t.address_word() ^ sim::mix64(t.port_word() ^ 0x243f6a8885a308d3ULL)));
}

}  // namespace tcpsim::net
