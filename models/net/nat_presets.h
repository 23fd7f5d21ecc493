// The documented rules of cloud NAT gateways and Linux MASQUERADE as NatGatewayConfigs, for a
// scenario to start from and override field by field (sources: docs/middleboxes reference).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "models/net/nat_gateway_config.h"

namespace tcpsim::net {

// "aws_nat_gateway", "azure_nat_gateway", "azure_lb_outbound", "gcp_cloud_nat",
// "linux_masquerade".
const std::array<std::string_view, 5>& nat_preset_names();

// The preset's config, without public addresses or inside hosts (the scenario's). Throws
// std::invalid_argument for an unknown name.
NatGatewayConfig nat_preset(std::string_view name);

// Azure Load Balancer's default SNAT ports per VM by backend pool size: 1-50 VMs 1,024;
// 51-100 512; 101-200 256; 201-400 128; 401-800 64; 801-1,000 32 (and beyond, assumed).
std::uint32_t azure_lb_ports_per_vm(std::uint32_t vms);

}  // namespace tcpsim::net
