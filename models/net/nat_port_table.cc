#include "models/net/nat_port_table.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "models/net/nat_presets.h"

namespace tcpsim::net {

namespace {

constexpr std::array<std::string_view, kNatFailureCount> kFailureNames{
    "no_free_port_for_destination", "host_block_exhausted", "table_full", "search_gave_up"};

constexpr std::uint64_t kNatStreamDomain = 0x6e61747461626c65ULL;
// nf_nat's first round of probes, halved per round while at least 16.
constexpr std::uint32_t kFirstRound = 128;
constexpr std::uint32_t kLastRound = 16;
constexpr std::uint32_t kMostProbes = 128 + 64 + 32 + 16 + 8;

bool nf_nat(NatPortSelection s) {
  return s == NatPortSelection::kNfNatBounded || s == NatPortSelection::kRandomFully;
}

}  // namespace

std::string_view nat_failure_name(NatFailure failure) {
  return kFailureNames[static_cast<std::size_t>(failure)];
}

const std::array<std::string_view, kNatFailureCount>& nat_failure_names() { return kFailureNames; }

NatPortTable::NatPortTable(const NatGatewayConfig& config, std::uint64_t seed, std::uint64_t entity)
    : config_(config),
      range_(config.port_high >= config.port_low ? config.port_high - config.port_low + 1U : 0U),
      per_destination_(
          config.max_per_destination == 0 ? range_ : std::min(range_, config.max_per_destination)),
      random_(config.selection == NatPortSelection::kRandom),
      rng_(seed, sim::mix64(entity ^ kNatStreamDomain)) {
  const std::string name = "NAT gateway '" + config.product + "': ";
  const std::size_t addresses = config.public_addresses.size();
  if (addresses == 0) throw std::invalid_argument(name + "no public address");
  if (addresses > 0xffff) throw std::invalid_argument(name + "too many public addresses");
  if (range_ == 0 || config.port_low == 0) {
    throw std::invalid_argument(name + "empty or invalid port range");
  }
  const bool per_host = config.allocation != NatAllocation::kOnDemand;
  if (per_host && nf_nat(config.selection)) {
    throw std::invalid_argument(name + "nf_nat port selection needs on-demand allocation");
  }
  if (config.max_per_destination != 0 && (per_host || nf_nat(config.selection))) {
    throw std::invalid_argument(name + "max_per_destination applies to on-demand pools only");
  }
  port_refs_.assign(addresses, std::vector<std::uint32_t>(range_, 0));
  ports_in_use_.assign(addresses, 0);
  peak_ports_in_use_.assign(addresses, 0);
  destinations_with_.assign(1, 0);
  if (!per_host) return;

  block_ = config.min_ports_per_host;
  if (block_ == 0 && config.ports_per_host_by_pool_size) {
    block_ = azure_lb_ports_per_vm(static_cast<std::uint32_t>(config.inside.size()));
  }
  if (block_ == 0 || block_ > range_) {
    throw std::invalid_argument(name + "ports per host must be in 1.." + std::to_string(range_));
  }
  if (config.allocation == NatAllocation::kPerHostDynamic &&
      config.max_ports_per_host < config.min_ports_per_host) {
    throw std::invalid_argument(name + "max ports per host below the minimum");
  }
  blocks_per_address_ = range_ / block_;
  hosts_.resize(config.inside.size());
  for (std::size_t h = 0; h < config.inside.size(); ++h) {
    for (const Ipv4 address : config.inside[h]) {
      host_of_.emplace(address.value, static_cast<std::uint32_t>(h));
    }
    if (next_block_ < blocks_per_address_ * addresses) {
      hosts_[h].blocks.push_back(next_block_++);
      hosts_[h].ports = block_;
    }
  }
}

std::uint32_t NatPortTable::connections_to(Endpoint remote) const {
  const auto it = destination_index_.find(remote.key());
  return it == destination_index_.end() ? 0 : destinations_[it->second].in_use;
}

std::uint32_t NatPortTable::host_ports(std::size_t host) const {
  return host < hosts_.size() ? hosts_[host].ports : 0;
}

std::uint32_t NatPortTable::destination(Endpoint remote) {
  const auto [it, added] = destination_index_.try_emplace(
      remote.key(), static_cast<std::uint32_t>(destinations_.size()));
  if (added) {
    destinations_.push_back(Destination{0, static_cast<std::uint32_t>(slots_.size())});
    const std::uint32_t pool_size =
        config_.allocation == NatAllocation::kOnDemand && !nf_nat(config_.selection) ? range_ : 0;
    for (std::size_t a = 0; a < config_.public_addresses.size(); ++a) {
      slots_.push_back(Slot{PortPool(pool_size, random_), 0});
    }
  }
  return it->second;
}

std::optional<NatPortTable::Lease> NatPortTable::lease(Endpoint inside, Endpoint remote,
                                                       const FlowTable& flows,
                                                       NatFailure& failure) {
  const std::uint32_t d = destination(remote);
  if (nf_nat(config_.selection)) return lease_nf_nat(inside, remote, d, flows, failure);
  if (config_.allocation == NatAllocation::kOnDemand) return lease_on_demand(d, failure);
  return lease_per_host(inside, d, failure);
}

std::optional<NatPortTable::Lease> NatPortTable::lease_on_demand(std::uint32_t d,
                                                                 NatFailure& failure) {
  const std::uint32_t first = destinations_[d].first_slot;
  std::uint32_t best = kNone;
  for (std::uint32_t a = 0; a < config_.public_addresses.size(); ++a) {
    const std::uint32_t in_use = slots_[first + a].in_use;
    if (in_use < per_destination_ && (best == kNone || in_use < slots_[first + best].in_use)) {
      best = a;
    }
  }
  if (best == kNone) {
    failure = NatFailure::kNoFreePortForDestination;
    return std::nullopt;
  }
  const std::uint32_t index = slots_[first + best].pool.take(rng_);
  return commit(d, static_cast<std::uint16_t>(best),
                static_cast<std::uint16_t>(config_.port_low + index), first + best, index);
}

bool NatPortTable::grow_host(Host& host) {
  if (config_.allocation != NatAllocation::kPerHostDynamic ||
      host.ports >= config_.max_ports_per_host) {
    return false;
  }
  const std::uint32_t total = blocks_per_address_ * config_.public_addresses.size();
  const std::uint32_t wanted = std::max<std::uint32_t>(
      1, std::min(host.ports, config_.max_ports_per_host - host.ports) / block_);
  const std::uint32_t granted = std::min(wanted, total - next_block_);
  for (std::uint32_t i = 0; i < granted; ++i) host.blocks.push_back(next_block_++);
  host.ports += granted * block_;
  return granted > 0;
}

std::optional<NatPortTable::Lease> NatPortTable::lease_per_host(Endpoint inside, std::uint32_t d,
                                                                NatFailure& failure) {
  const auto owner = host_of_.find(inside.address.value);
  if (owner == host_of_.end() || hosts_[owner->second].ports == 0) {
    failure = NatFailure::kHostBlockExhausted;
    return std::nullopt;
  }
  Host& host = hosts_[owner->second];
  const std::uint64_t key = (std::uint64_t{owner->second} << 32U) | d;
  const auto [it, added] =
      host_pool_of_.try_emplace(key, static_cast<std::uint32_t>(host_pools_.size()));
  if (added) host_pools_.emplace_back(host.ports, random_);
  const std::uint32_t p = it->second;
  host_pools_[p].grow(host.ports);
  if (host_pools_[p].free() == 0) {
    if (!grow_host(host)) {
      failure = NatFailure::kHostBlockExhausted;
      return std::nullopt;
    }
    host_pools_[p].grow(host.ports);
  }
  const std::uint32_t index = host_pools_[p].take(rng_);
  const std::uint32_t block = host.blocks[index / block_];
  const auto address = static_cast<std::uint16_t>(block / blocks_per_address_);
  const std::uint32_t offset = (block % blocks_per_address_) * block_ + index % block_;
  return commit(d, address, static_cast<std::uint16_t>(config_.port_low + offset), p, index);
}

// nf_nat_l4proto_unique_tuple() after get_unique_tuple(): the source port itself when free
// (not with --random-fully); then rounds of consecutive probes, each from a random 16-bit
// offset taken modulo the range, of 128, 64, 32, 16 and 8 ports (one round of the whole range
// when it is smaller than 128).
std::optional<NatPortTable::Lease> NatPortTable::lease_nf_nat(Endpoint inside, Endpoint remote,
                                                              std::uint32_t d,
                                                              const FlowTable& flows,
                                                              NatFailure& failure) {
  const std::size_t addresses = config_.public_addresses.size();
  const auto address = static_cast<std::uint16_t>(
      sim::mix64((std::uint64_t{inside.address.value} << 32U) | remote.address.value) % addresses);
  const Ipv4 ip = config_.public_addresses[address];
  auto free = [&](std::uint32_t port) {
    return !flows.contains(remote, Endpoint{ip, static_cast<std::uint16_t>(port)});
  };
  auto take = [&](std::uint32_t port) {
    return commit(d, address, static_cast<std::uint16_t>(port), kNone, 0);
  };
  const std::uint32_t low = config_.port_low;
  if (config_.selection == NatPortSelection::kNfNatBounded) {
    if (inside.port >= low && inside.port <= config_.port_high && free(inside.port)) {
      return take(inside.port);
    }
    std::uint32_t attempts = std::min(range_, kFirstRound);
    while (true) {
      auto offset = static_cast<std::uint16_t>(rng_.next_u32());
      for (std::uint32_t i = 0; i < attempts; ++i, ++offset) {
        const std::uint32_t port = low + offset % range_;
        if (free(port)) return take(port);
      }
      if (attempts >= range_ || attempts < kLastRound) break;
      attempts /= 2;
    }
  } else {
    const std::uint32_t probes = range_ <= kFirstRound ? range_ : kMostProbes;
    for (std::uint32_t i = 0; i < probes; ++i) {
      const auto port = static_cast<std::uint32_t>(low + rng_.below(range_));
      if (free(port)) return take(port);
    }
  }
  failure = slots_[destinations_[d].first_slot + address].in_use >= range_
                ? NatFailure::kNoFreePortForDestination
                : NatFailure::kSearchGaveUp;
  return std::nullopt;
}

NatPortTable::Lease NatPortTable::commit(std::uint32_t d, std::uint16_t address, std::uint16_t port,
                                         std::uint32_t pool, std::uint32_t index) {
  ++slots_[destinations_[d].first_slot + address].in_use;
  count_destination(d, true);
  if (port_ref(address, port)++ == 0) {
    peak_ports_in_use_[address] = std::max(peak_ports_in_use_[address], ++ports_in_use_[address]);
  }
  return Lease{Endpoint{config_.public_addresses[address], port}, d, pool, index, address};
}

void NatPortTable::release(const Lease& lease) {
  --slots_[destinations_[lease.destination].first_slot + lease.address].in_use;
  count_destination(lease.destination, false);
  if (--port_ref(lease.address, lease.public_endpoint.port) == 0) {
    --ports_in_use_[lease.address];
  }
  if (lease.pool == kNone) return;
  if (config_.allocation == NatAllocation::kOnDemand) {
    slots_[lease.pool].pool.put_back(lease.index);
  } else {
    host_pools_[lease.pool].put_back(lease.index);
  }
}

// destinations_with_[n] counts destinations with n connections (n >= 1), so the busiest
// moves by one step at a time.
void NatPortTable::count_destination(std::uint32_t d, bool up) {
  std::uint32_t& n = destinations_[d].in_use;
  if (n > 0) --destinations_with_[n];
  n = up ? n + 1 : n - 1;
  if (n >= destinations_with_.size()) destinations_with_.resize(destinations_with_.size() * 2);
  if (n > 0) ++destinations_with_[n];
  if (n > busiest_) {
    busiest_ = n;
    peak_busiest_ = std::max(peak_busiest_, busiest_);
  } else if (!up && n + 1 == busiest_ && destinations_with_[busiest_] == 0) {
    busiest_ = n;
  }
}

}  // namespace tcpsim::net
