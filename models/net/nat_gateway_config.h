// What a NAT gateway is made of: its public addresses and ports, how it hands ports out, and
// how long a mapping outlives its last segment in each flow state. Presets: nat_presets.h.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/net/address.h"
#include "models/net/flow_state.h"
#include "sim/time.h"

namespace tcpsim::net {

enum class NatPortSelection : std::uint8_t {
  kSequential,    // fresh ports in order, then the longest-released first
  kRandom,        // uniform among the free ports toward the destination
  kNfNatBounded,  // Linux nf_nat_l4proto_unique_tuple: keep the source port if free, else a
                  // bounded search (128 + 64 + 32 + 16 + 8 tries) that can fail with ports free
  kRandomFully,   // --random-fully: no attempt at the source port; each try drawn at random
};

enum class NatAllocation : std::uint8_t {
  kOnDemand,        // one pool shared by every host behind the gateway
  kPerHostStatic,   // each host owns a block of min_ports_per_host ports
  kPerHostDynamic,  // the block starts at min_ports_per_host and doubles up to max
};

struct NatGatewayConfig {
  std::string product;                 // preset name: "aws_nat_gateway", ...
  std::vector<Ipv4> public_addresses;  // >= 1
  // The product's limit (AWS 8, Azure NAT Gateway 16; 0 = none), for the scenario's checks:
  // the model itself takes any number.
  std::uint32_t max_public_addresses = 0;
  std::uint16_t port_low = 1024;  // ports usable on each public address
  std::uint16_t port_high = 65535;
  // Connections per public address toward one destination (ip, port); 0 = the port count.
  // kOnDemand only.
  std::uint32_t max_per_destination = 0;
  std::uint64_t max_entries = 0;  // mappings in all; 0 = unlimited
  NatAllocation allocation = NatAllocation::kOnDemand;
  // Per-host block (GCP minimum ports per VM, Azure Load Balancer ports per VM). With
  // kPerHostStatic, 0 and ports_per_host_by_pool_size take azure_lb_ports_per_vm(hosts).
  std::uint32_t min_ports_per_host = 0;
  std::uint32_t max_ports_per_host = 0;  // kPerHostDynamic: the block doubles up to this
  bool ports_per_host_by_pool_size = false;
  NatPortSelection selection = NatPortSelection::kSequential;
  // How long a mapping lives in each flow state without a segment: the idle timeout
  // (ESTABLISHED), transitory or half-open states, TIME_WAIT, CLOSE (after an RST).
  std::array<sim::Time, kFlowStateCount> timeouts{};
  bool reset_on_exhaustion = false;  // answer a SYN that gets no port with an RST
  bool reset_expired = false;        // answer a segment with no mapping with an RST (AWS)
  // Mappings follow Linux conntrack exactly: an RST before any reply removes the mapping at
  // once, and segments the table ignores or finds invalid refresh nothing. Otherwise every
  // segment restarts the timeout of the mapping's state and an RST leaves it in CLOSE.
  bool linux_conntrack = false;
  std::vector<std::vector<Ipv4>> inside;  // the hosts behind, each by its addresses
};

}  // namespace tcpsim::net
