// A NAT gateway: a node of the topology with public addresses that the connections of the host
// groups behind it leave with, read from a scenario's `nat_gateways` entry, its preset
// expanded, and placed on the world.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/net/nat_gateway_config.h"
#include "scenarios/resolve_context.h"
#include "scenarios/world_node.h"

namespace tcpsim::scenarios {

struct ResolvedGateway {
  std::string name;                // its node's name and its label in results
  std::vector<int> inside_groups;  // scenario groups behind it
  // The preset with the entry's overrides; `inside` is filled when the world is built.
  net::NatGatewayConfig config;
};

// Who owns each address so far: a group's index in ctx.groups, or -1 - a gateway's index.
using AddressOwners = boost::unordered_flat_map<std::uint32_t, int>;

// Reads nat_gateways[index]; groups must have been read. `taken` holds the addresses owned so
// far (groups' and earlier gateways') and gains this one's. Nullopt when the entry has a
// problem (recorded in ctx).
std::optional<ResolvedGateway> resolve_gateway(const scenario::NatGateway& gateway, int index,
                                               AddressOwners& taken, ResolveContext& ctx);

// Every setting of `config` in `out`, the preset expanded, so that reading `out` back gives
// the same gateway.
void write_gateway(const net::NatGatewayConfig& config, scenario::NatGateway& out);

// `index`: the gateway's place in the scenario (WorldModel::gateway_nodes); its tables are
// sized for `expected_flows` mappings (MemoryEstimate::gateway_flows).
std::unique_ptr<WorldNode> make_gateway_node(const ResolvedGateway& gateway, std::size_t index,
                                             std::uint64_t expected_flows);

}  // namespace tcpsim::scenarios
