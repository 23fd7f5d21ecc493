#include "scenarios/address_plan.h"

#include <fmt/format.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "scenarios/field_error.h"

namespace tcpsim::scenarios {
namespace {

struct Base {
  net::Ipv4 address;
  int prefix = 0;  // 0: no bound
};

Base parse_base(const std::string& text) {
  const std::size_t slash = text.find('/');
  const std::string_view quad = std::string_view(text).substr(0, slash);
  const auto address = net::parse_ipv4(quad);
  if (!address) {
    throw FieldError("address_base",
                     fmt::format("invalid IPv4 address \"{}\" (expected a dotted quad such as "
                                 "10.1.0.1, optionally followed by /prefix)",
                                 text));
  }
  Base base{*address, 0};
  if (slash != std::string::npos) {
    const std::string_view digits = std::string_view(text).substr(slash + 1);
    const auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), base.prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        base.prefix < 1 || base.prefix > 32) {
      throw FieldError(
          "address_base",
          fmt::format("invalid prefix length \"/{}\" in \"{}\" (expected 1..32)", digits, text));
    }
  }
  return base;
}

// Why `a` cannot be a host address, or nullopt if it can.
std::optional<std::string> unusable(net::Ipv4 a) {
  if (a.value == 0) return "0.0.0.0 cannot be a host address";
  if (a.value == 0xFFFFFFFFU) return "255.255.255.255 cannot be a host address";
  if (a.is_loopback()) {
    return fmt::format("{} is a loopback address (127/8 is every host's own)", net::to_string(a));
  }
  return std::nullopt;
}

std::vector<std::vector<net::Ipv4>> from_base(const scenario::HostGroup& g,
                                              std::uint32_t per_host) {
  const Base base = parse_base(g.address_base());
  const std::uint32_t step = g.has_address_step() ? g.address_step() : per_host;
  if (step < per_host) {
    throw FieldError("address_step",
                     fmt::format("must be >= addresses_per_host ({}), got {}", per_host, step));
  }
  const std::uint64_t first = base.address.value;
  const std::uint64_t last =
      first + (std::uint64_t{g.count()} - 1) * step + (std::uint64_t{per_host} - 1);
  if (last > 0xFFFFFFFFU) {
    throw FieldError("address_base",
                     fmt::format("{} hosts x {} addresses from {} (step {}) run past "
                                 "255.255.255.255",
                                 g.count(), per_host, net::to_string(base.address), step));
  }
  if (base.prefix > 0) {
    const std::uint64_t host_mask =
        (std::uint64_t{1} << (32U - static_cast<unsigned>(base.prefix))) - 1;
    const std::uint64_t limit = first | host_mask;
    if (last > limit) {
      throw FieldError(
          "address_base",
          fmt::format("the group's addresses run from {} to {}, past the end of {}/{} ({})",
                      net::to_string(base.address),
                      net::to_string(net::Ipv4{static_cast<std::uint32_t>(last)}),
                      net::to_string(net::Ipv4{static_cast<std::uint32_t>(first & ~host_mask)}),
                      base.prefix, net::to_string(net::Ipv4{static_cast<std::uint32_t>(limit)})));
    }
  }
  std::vector<std::vector<net::Ipv4>> hosts(g.count());
  for (std::uint32_t i = 0; i < g.count(); ++i) {
    hosts[i].reserve(per_host);
    for (std::uint32_t j = 0; j < per_host; ++j) {
      const net::Ipv4 a{static_cast<std::uint32_t>(first + std::uint64_t{i} * step + j)};
      if (const auto why = unusable(a)) {
        throw FieldError("address_base", fmt::format("address of host {}: {}", i, *why));
      }
      hosts[i].push_back(a);
    }
  }
  return hosts;
}

std::vector<std::vector<net::Ipv4>> from_list(const scenario::HostGroup& g,
                                              std::uint32_t per_host) {
  const std::uint64_t expected = std::uint64_t{g.count()} * per_host;
  if (static_cast<std::uint64_t>(g.addresses_size()) != expected) {
    throw FieldError("addresses",
                     fmt::format("has {} entries, expected count x addresses_per_host = {} x {} "
                                 "= {}",
                                 g.addresses_size(), g.count(), per_host, expected));
  }
  boost::unordered_flat_map<std::uint32_t, int> seen;
  std::vector<std::vector<net::Ipv4>> hosts(g.count());
  for (int k = 0; k < g.addresses_size(); ++k) {
    const std::string field = fmt::format("addresses[{}]", k);
    const auto a = net::parse_ipv4(g.addresses(k));
    if (!a) {
      throw FieldError(field, fmt::format("invalid IPv4 address \"{}\" (expected a dotted quad "
                                          "such as 10.1.0.1)",
                                          g.addresses(k)));
    }
    if (const auto why = unusable(*a)) throw FieldError(field, *why);
    if (const auto [it, fresh] = seen.emplace(a->value, k); !fresh) {
      throw FieldError(field,
                       fmt::format("{} is already addresses[{}]", g.addresses(k), it->second));
    }
    hosts[static_cast<std::size_t>(k) / per_host].push_back(*a);
  }
  return hosts;
}

}  // namespace

std::vector<std::vector<net::Ipv4>> plan_addresses(const scenario::HostGroup& g) {
  const std::uint32_t per_host = g.has_addresses_per_host() ? g.addresses_per_host() : 1;
  if (per_host < 1) throw FieldError("addresses_per_host", "must be >= 1, got 0");
  const bool has_base = !g.address_base().empty();
  const bool has_list = g.addresses_size() > 0;
  if (has_base && has_list) {
    throw FieldError("addresses", "give either address_base or addresses, not both");
  }
  if (!has_base && !has_list) {
    throw FieldError("address_base",
                     "required: give address_base (\"10.1.0.1\") or the list of addresses");
  }
  if (g.count() == 0) return {};
  if (std::uint64_t{g.count()} * per_host > kMaxAddressesPerGroup) {
    throw FieldError("count", fmt::format("{} hosts x {} addresses exceed the limit of {} "
                                          "addresses per group",
                                          g.count(), per_host, kMaxAddressesPerGroup));
  }
  return has_base ? from_base(g, per_host) : from_list(g, per_host);
}

}  // namespace tcpsim::scenarios
