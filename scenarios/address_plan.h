// The addresses of every host of a group, from its addressing plan (a base address with a
// per-host step, or an explicit list).
#pragma once

#include <vector>

#include "models/net/address.h"
#include "scenarios/scenario.pb.h"

namespace tcpsim::scenarios {

// At most this many addresses per group (a /8).
inline constexpr std::uint64_t kMaxAddressesPerGroup = std::uint64_t{1} << 24U;

// result[i] holds the addresses of host i, addresses_per_host of them; empty when count is
// 0. Refuses 0.0.0.0, 255.255.255.255, loopback (127/8), addresses past the "/prefix" of
// address_base, and repeated addresses. Throws FieldError naming the field of the HostGroup
// at fault ("address_base", "addresses[3]", "address_step", ...).
std::vector<std::vector<net::Ipv4>> plan_addresses(const scenario::HostGroup& group);

}  // namespace tcpsim::scenarios
