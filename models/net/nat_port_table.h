// Which public (address, port) a NAT gateway gives a new connection, unique per destination
// (ip, port) so that a port may serve several destinations at once, and how the ports are used.
#pragma once

#include <array>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "models/net/address.h"
#include "models/net/flow_table.h"
#include "models/net/nat_gateway_config.h"
#include "models/net/port_pool.h"
#include "sim/random_stream.h"

namespace tcpsim::net {

enum class NatFailure : std::uint8_t {
  kNoFreePortForDestination,  // every usable port toward the destination is held
  kHostBlockExhausted,        // the host's block has none free toward it and cannot grow
  kTableFull,                 // max_entries mappings (checked by the gateway)
  kSearchGaveUp,              // nf_nat's bounded search failed while ports were free
};
inline constexpr std::size_t kNatFailureCount = 4;
// "no_free_port_for_destination", "host_block_exhausted", "table_full", "search_gave_up".
std::string_view nat_failure_name(NatFailure failure);
const std::array<std::string_view, kNatFailureCount>& nat_failure_names();

// kOnDemand: per destination and public address, a PortPool over the whole range, created on
// the destination's first connection; the address with the fewest connections toward the
// destination (and under max_per_destination) serves it. kPerHost*: the ranges of all
// addresses cut into blocks of min_ports_per_host ports (a block never spans two addresses),
// handed to the hosts in order at construction; a host's pool toward a destination spans its
// blocks. Dynamic blocks double when a host finds no free port toward a destination and are
// never handed back. kNfNatBounded and kRandomFully probe the flow table instead of keeping
// pools: the address is a hash of (inside ip, remote ip), as nf_nat's find_best_ips_proto.
// Every operation is O(1) (the bounded search: at most 248 probes), with no scan of the ports.
class NatPortTable {
 public:
  struct Lease {
    Endpoint public_endpoint;
    std::uint32_t destination = 0;
    std::uint32_t pool = 0;   // where the index goes back to
    std::uint32_t index = 0;  // in that pool
    std::uint16_t address = 0;
  };

  // std::invalid_argument for a config that cannot work (no public address, an empty port
  // range, nf_nat selection with per-host blocks, ...).
  NatPortTable(const NatGatewayConfig& config, std::uint64_t seed, std::uint64_t entity);

  // A public endpoint for `inside` toward `remote`; `flows` holds the mappings (the replies'
  // keys are (remote, public endpoint)).
  std::optional<Lease> lease(Endpoint inside, Endpoint remote, const FlowTable& flows,
                             NatFailure& failure);
  void release(const Lease& lease);
  // Starts loading the port's use count, which release() writes.
  void prefetch_release(const Lease& lease) const {
    __builtin_prefetch(&port_ref(lease.address, lease.public_endpoint.port));
  }

  // Distinct ports of public address `address` (an index into public_addresses) held by at
  // least one connection.
  [[nodiscard]] std::uint32_t ports_in_use(std::size_t address) const {
    return ports_in_use_[address];
  }
  [[nodiscard]] std::uint32_t peak_ports_in_use(std::size_t address) const {
    return peak_ports_in_use_[address];
  }
  // Connections toward the destination that has the most (all addresses together), O(1).
  [[nodiscard]] std::uint32_t busiest_destination() const { return busiest_; }
  [[nodiscard]] std::uint32_t peak_busiest_destination() const { return peak_busiest_; }
  // Connections toward `remote`, all public addresses together.
  [[nodiscard]] std::uint32_t connections_to(Endpoint remote) const;
  // Destinations ever connected to.
  [[nodiscard]] std::size_t destinations() const { return destinations_.size(); }
  // Ports in the blocks of host `host` (an index into config.inside); 0 in kOnDemand.
  [[nodiscard]] std::uint32_t host_ports(std::size_t host) const;
  [[nodiscard]] std::uint32_t ports_per_address() const { return range_; }

 private:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  struct Destination {
    std::uint32_t in_use = 0;
    std::uint32_t first_slot = 0;  // into slots_, one per public address
  };
  struct Slot {
    PortPool pool;
    std::uint32_t in_use = 0;
  };
  struct Host {
    std::vector<std::uint32_t> blocks;
    std::uint32_t ports = 0;
  };

  std::uint32_t destination(Endpoint remote);
  std::optional<Lease> lease_on_demand(std::uint32_t d, NatFailure& failure);
  std::optional<Lease> lease_per_host(Endpoint inside, std::uint32_t d, NatFailure& failure);
  std::optional<Lease> lease_nf_nat(Endpoint inside, Endpoint remote, std::uint32_t d,
                                    const FlowTable& flows, NatFailure& failure);
  bool grow_host(Host& host);
  Lease commit(std::uint32_t d, std::uint16_t address, std::uint16_t port, std::uint32_t pool,
               std::uint32_t index);
  void count_destination(std::uint32_t d, bool up);
  // Connections using public port `port` of address `address`.
  [[nodiscard]] const std::uint32_t& port_ref(std::uint16_t address, std::uint16_t port) const {
    return port_refs_[address][port - config_.port_low];
  }
  std::uint32_t& port_ref(std::uint16_t address, std::uint16_t port) {
    return port_refs_[address][port - config_.port_low];
  }

  NatGatewayConfig config_;
  std::uint32_t range_;  // ports per address
  std::uint32_t per_destination_;
  bool random_;
  sim::RandomStream rng_;

  boost::unordered_flat_map<std::uint64_t, std::uint32_t> destination_index_;
  std::vector<Destination> destinations_;
  std::vector<Slot> slots_;

  std::uint32_t block_ = 0;
  std::uint32_t blocks_per_address_ = 0;
  std::uint32_t next_block_ = 0;
  std::vector<Host> hosts_;
  boost::unordered_flat_map<std::uint32_t, std::uint32_t> host_of_;       // address -> host
  boost::unordered_flat_map<std::uint64_t, std::uint32_t> host_pool_of_;  // (host, dest)
  std::vector<PortPool> host_pools_;

  std::vector<std::vector<std::uint32_t>> port_refs_;  // [address][port - port_low]
  std::vector<std::uint32_t> ports_in_use_;
  std::vector<std::uint32_t> peak_ports_in_use_;
  std::vector<std::uint32_t> destinations_with_;  // [n]: destinations with n connections
  std::uint32_t busiest_ = 0;
  std::uint32_t peak_busiest_ = 0;
};

}  // namespace tcpsim::net
