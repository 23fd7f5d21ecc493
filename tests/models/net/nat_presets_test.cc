#include "models/net/nat_presets.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tcpsim::net {
namespace {

using sim::kSecond;

sim::Time timeout(const NatGatewayConfig& c, FlowState s) {
  return c.timeouts[static_cast<std::size_t>(s)];
}

std::uint32_t ports(const NatGatewayConfig& c) { return c.port_high - c.port_low + 1U; }

TEST(NatPresets, EveryNameHasAPresetAndOthersThrow) {
  for (const std::string_view name : nat_preset_names()) {
    const NatGatewayConfig c = nat_preset(name);
    EXPECT_EQ(c.product, name);
    EXPECT_TRUE(c.public_addresses.empty());
    for (std::size_t s = 1; s < kFlowStateCount; ++s) {
      EXPECT_GT(c.timeouts[s], 0) << name << " " << flow_state_name(static_cast<FlowState>(s));
    }
  }
  EXPECT_THROW(nat_preset("aws"), std::invalid_argument);
  EXPECT_THROW(nat_preset(""), std::invalid_argument);
}

TEST(NatPresets, Aws) {
  const NatGatewayConfig c = nat_preset("aws_nat_gateway");
  EXPECT_EQ(c.max_per_destination, 55'000U);
  EXPECT_EQ(c.max_public_addresses, 8U);
  EXPECT_EQ(ports(c), 64'512U);
  EXPECT_EQ(c.allocation, NatAllocation::kOnDemand);
  EXPECT_TRUE(c.reset_expired);
  EXPECT_FALSE(c.reset_on_exhaustion);
  for (std::size_t s = 1; s < kFlowStateCount; ++s) EXPECT_EQ(c.timeouts[s], 350 * kSecond);
}

TEST(NatPresets, AzureNatGateway) {
  const NatGatewayConfig c = nat_preset("azure_nat_gateway");
  EXPECT_EQ(ports(c), 64'512U);
  EXPECT_EQ(c.max_per_destination, 50'000U);
  EXPECT_EQ(c.max_public_addresses, 16U);
  EXPECT_EQ(c.max_entries, 2'000'000U);
  EXPECT_EQ(c.allocation, NatAllocation::kOnDemand);
  EXPECT_EQ(c.selection, NatPortSelection::kRandom);
  EXPECT_EQ(timeout(c, FlowState::kSynSent), 30 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kSynRecv), 30 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kEstablished), 240 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kFinWait), 65 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kTimeWait), 65 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kClose), 16 * kSecond);
}

TEST(NatPresets, AzureLoadBalancer) {
  const NatGatewayConfig c = nat_preset("azure_lb_outbound");
  EXPECT_EQ(ports(c), 64'000U);
  EXPECT_EQ(c.allocation, NatAllocation::kPerHostStatic);
  EXPECT_TRUE(c.ports_per_host_by_pool_size);
  EXPECT_EQ(c.max_per_destination, 0U);
  EXPECT_EQ(timeout(c, FlowState::kEstablished), 240 * kSecond);
}

TEST(NatPresets, AzureLoadBalancerPortsPerVmByPoolSize) {
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> table{
      {1, 1024},  {50, 1024}, {51, 512}, {100, 512}, {101, 256}, {200, 256},
      {201, 128}, {400, 128}, {401, 64}, {800, 64},  {801, 32},  {1000, 32}};
  for (const auto& [vms, expected] : table) EXPECT_EQ(azure_lb_ports_per_vm(vms), expected) << vms;
}

TEST(NatPresets, GcpCloudNat) {
  const NatGatewayConfig c = nat_preset("gcp_cloud_nat");
  EXPECT_EQ(ports(c), 64'512U);
  EXPECT_EQ(c.allocation, NatAllocation::kPerHostStatic);
  EXPECT_EQ(c.min_ports_per_host, 64U);
  EXPECT_EQ(c.max_ports_per_host, 65'536U);
  EXPECT_EQ(timeout(c, FlowState::kTimeWait), 120 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kSynSent), 30 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kLastAck), 30 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kEstablished), 1'200 * kSecond);
}

TEST(NatPresets, LinuxMasquerade) {
  const NatGatewayConfig c = nat_preset("linux_masquerade");
  EXPECT_EQ(c.selection, NatPortSelection::kNfNatBounded);
  EXPECT_TRUE(c.linux_conntrack);
  EXPECT_EQ(c.max_entries, 262'144U);
  EXPECT_EQ(ports(c), 64'512U);
  EXPECT_EQ(timeout(c, FlowState::kTimeWait), 120 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kEstablished), 432'000 * kSecond);
  EXPECT_EQ(timeout(c, FlowState::kClose), 10 * kSecond);
}

}  // namespace
}  // namespace tcpsim::net
