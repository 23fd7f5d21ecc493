#include "models/net/nat_presets.h"

#include <span>
#include <stdexcept>
#include <string>

#include "models/net/conntrack_config.h"

namespace tcpsim::net {

namespace {

constexpr std::array<std::string_view, 5> kNames{"aws_nat_gateway", "azure_nat_gateway",
                                                 "azure_lb_outbound", "gcp_cloud_nat",
                                                 "linux_masquerade"};

using Timeouts = std::array<sim::Time, kFlowStateCount>;

void set(Timeouts& t, std::span<const FlowState> states, sim::Time value) {
  for (const FlowState s : states) t[static_cast<std::size_t>(s)] = value;
}

constexpr std::array kHalfOpen{FlowState::kSynSent, FlowState::kSynRecv, FlowState::kSynSent2};
constexpr std::array kClosing{FlowState::kFinWait, FlowState::kCloseWait, FlowState::kLastAck,
                              FlowState::kTimeWait};
constexpr std::array kEstablished{FlowState::kEstablished};
constexpr std::array kClose{FlowState::kClose};

// AWS NAT Gateway: 55,000 connections per public IP to one destination, up to 8 IPs; one
// documented idle timeout, 350 s, after which it answers with an RST. Nothing shorter is
// documented after FIN or RST, so every state keeps a mapping 350 s; the port choice is
// assumed random.
NatGatewayConfig aws() {
  NatGatewayConfig c;
  c.max_public_addresses = 8;
  c.max_per_destination = 55'000;
  c.selection = NatPortSelection::kRandom;
  c.timeouts.fill(350 * sim::kSecond);
  c.reset_expired = true;
  return c;
}

// Azure NAT Gateway: 64,512 ports per IP from one on-demand pool, random selection; reuse
// toward the same destination 65 s after FIN, 16 s after RST, 30 s half-open; idle 4 min;
// 50,000 per IP to one destination, 2 M in all.
NatGatewayConfig azure_nat() {
  NatGatewayConfig c;
  c.max_public_addresses = 16;
  c.max_per_destination = 50'000;
  c.max_entries = 2'000'000;
  c.selection = NatPortSelection::kRandom;
  set(c.timeouts, kHalfOpen, 30 * sim::kSecond);
  set(c.timeouts, kEstablished, 4 * sim::kMinute);
  set(c.timeouts, kClosing, 65 * sim::kSecond);
  set(c.timeouts, kClose, 16 * sim::kSecond);
  return c;
}

// Azure Load Balancer outbound rules: 64,000 ports per frontend IP, per-VM blocks by pool
// size, one port per destination ip:port, idle 4 min. Its reuse delays after FIN and RST and
// its port choice are not documented: assumed as Azure NAT Gateway's.
NatGatewayConfig azure_lb() {
  NatGatewayConfig c = azure_nat();
  c.port_high = 1024 + 64'000 - 1;
  c.max_public_addresses = 0;
  c.max_per_destination = 0;
  c.max_entries = 0;
  c.allocation = NatAllocation::kPerHostStatic;
  c.ports_per_host_by_pool_size = true;
  return c;
}

// GCP Cloud NAT: 64,512 ports per IP; static minimum 64 ports per VM (dynamic: 32 doubling up
// to 65,536); TIME_WAIT 120 s, transitory 30 s, established idle 1,200 s. After an RST the
// mapping is taken as closed (TIME_WAIT's 120 s); the port choice is assumed random.
NatGatewayConfig gcp() {
  NatGatewayConfig c;
  c.allocation = NatAllocation::kPerHostStatic;
  c.min_ports_per_host = 64;
  c.max_ports_per_host = 65'536;
  c.selection = NatPortSelection::kRandom;
  set(c.timeouts, kHalfOpen, 30 * sim::kSecond);
  set(c.timeouts, std::array{FlowState::kFinWait, FlowState::kCloseWait, FlowState::kLastAck},
      30 * sim::kSecond);
  set(c.timeouts, kEstablished, 1'200 * sim::kSecond);
  set(c.timeouts, std::array{FlowState::kTimeWait, FlowState::kClose}, 120 * sim::kSecond);
  return c;
}

// Linux MASQUERADE: conntrack's timeouts and table size, nf_nat's bounded port search.
NatGatewayConfig linux_masquerade() {
  const ConntrackConfig conntrack = ConntrackConfig::linux_defaults();
  NatGatewayConfig c;
  c.max_entries = conntrack.max_entries;
  c.timeouts = conntrack.timeouts;
  c.selection = NatPortSelection::kNfNatBounded;
  c.linux_conntrack = true;
  return c;
}

}  // namespace

const std::array<std::string_view, 5>& nat_preset_names() { return kNames; }

NatGatewayConfig nat_preset(std::string_view name) {
  NatGatewayConfig c;
  if (name == "aws_nat_gateway") {
    c = aws();
  } else if (name == "azure_nat_gateway") {
    c = azure_nat();
  } else if (name == "azure_lb_outbound") {
    c = azure_lb();
  } else if (name == "gcp_cloud_nat") {
    c = gcp();
  } else if (name == "linux_masquerade") {
    c = linux_masquerade();
  } else {
    throw std::invalid_argument("unknown NAT gateway preset '" + std::string(name) + "'");
  }
  c.product = std::string(name);
  return c;
}

std::uint32_t azure_lb_ports_per_vm(std::uint32_t vms) {
  if (vms <= 50) return 1024;
  if (vms <= 100) return 512;
  if (vms <= 200) return 256;
  if (vms <= 400) return 128;
  if (vms <= 800) return 64;
  return 32;
}

}  // namespace tcpsim::net
