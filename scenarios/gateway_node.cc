#include "scenarios/gateway_node.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <mutex>
#include <span>
#include <stdexcept>
#include <utility>

#include "models/metrics/source.h"
#include "models/net/nat_gateway.h"
#include "models/net/nat_presets.h"
#include "scenarios/field_path.h"
#include "scenarios/limits.h"
#include "sim/duration.h"

namespace tcpsim::scenarios {
namespace {

namespace pb = scenario;

// The timeout fields of NatGateway, by the flow state each one sets.
struct TimeoutField {
  net::FlowState state;
  std::string_view field;
  const std::string& (pb::NatGateway::*get)() const;
  bool (pb::NatGateway::*has)() const;
  void (pb::NatGateway::*set)(const std::string&);
};
const std::array<TimeoutField, 8> kTimeoutFields{{
    {net::FlowState::kSynSent, "timeout_syn_sent", &pb::NatGateway::timeout_syn_sent,
     &pb::NatGateway::has_timeout_syn_sent, &pb::NatGateway::set_timeout_syn_sent},
    {net::FlowState::kSynRecv, "timeout_syn_recv", &pb::NatGateway::timeout_syn_recv,
     &pb::NatGateway::has_timeout_syn_recv, &pb::NatGateway::set_timeout_syn_recv},
    {net::FlowState::kEstablished, "timeout_established", &pb::NatGateway::timeout_established,
     &pb::NatGateway::has_timeout_established, &pb::NatGateway::set_timeout_established},
    {net::FlowState::kFinWait, "timeout_fin_wait", &pb::NatGateway::timeout_fin_wait,
     &pb::NatGateway::has_timeout_fin_wait, &pb::NatGateway::set_timeout_fin_wait},
    {net::FlowState::kCloseWait, "timeout_close_wait", &pb::NatGateway::timeout_close_wait,
     &pb::NatGateway::has_timeout_close_wait, &pb::NatGateway::set_timeout_close_wait},
    {net::FlowState::kLastAck, "timeout_last_ack", &pb::NatGateway::timeout_last_ack,
     &pb::NatGateway::has_timeout_last_ack, &pb::NatGateway::set_timeout_last_ack},
    {net::FlowState::kTimeWait, "timeout_time_wait", &pb::NatGateway::timeout_time_wait,
     &pb::NatGateway::has_timeout_time_wait, &pb::NatGateway::set_timeout_time_wait},
    {net::FlowState::kClose, "timeout_close", &pb::NatGateway::timeout_close,
     &pb::NatGateway::has_timeout_close, &pb::NatGateway::set_timeout_close},
}};

std::size_t index_of(net::FlowState s) { return static_cast<std::size_t>(s); }

inline constexpr std::array<std::string_view, net::kNatFailureCount> kFailureNames = {
    "no_free_port", "host_block_exhausted", "table_full", "search_gave_up"};
inline constexpr std::array<std::string_view, 3> kDropNames = {"exhausted", "no_mapping_out",
                                                               "no_mapping_in"};

// A gateway's metrics, then one counting its allocation failures by the product's own name.
template <std::size_t N>
consteval std::array<metrics::Metric, N + 1> with_product(
    const std::array<metrics::Metric, N>& common, std::string_view name,
    std::string_view description) {
  std::array<metrics::Metric, N + 1> out{};
  for (std::size_t k = 0; k < N; ++k) out[k] = common[k];
  out[N] = {.name = name,
            .unit = "SYNs",
            .description = description,
            .kind = metrics::MetricKind::kCounter,
            .summary = {{{name, metrics::Reading::kLast}}}};
  return out;
}

inline constexpr std::array<metrics::Metric, 7> kGatewayMetrics{{
    {.name = "nat_ports_in_use",
     .unit = "ports",
     .description = "public ports held by mappings (closing ones included), summed over the "
                    "gateway's public addresses",
     .kind = metrics::MetricKind::kLevel,
     .width = metrics::Width::k32,
     .max_name = "nat_ports_in_use_max",
     .max_description = "public ports held on the public address with the most",
     .summary = {{{"nat_ports_in_use_peak", metrics::Reading::kPeak},
                  {"nat_ports_in_use_mean", metrics::Reading::kMean}}}},
    {.name = "nat_busiest_destination",
     .unit = "ports",
     .description = "public ports held toward the destination (address, port) with the most, "
                    "on one public address",
     .kind = metrics::MetricKind::kLevel,
     .width = metrics::Width::k32,
     .summary = {{{"nat_dest_ports_peak", metrics::Reading::kPeak}}}},
    {.name = "nat_entries",
     .unit = "mappings",
     .description = "mappings in each flow state",
     .kind = metrics::MetricKind::kLevel,
     .width = metrics::Width::k32,
     .columns = {"states", net::kFlowStateNames},
     .summary = {{{"nat_entries_peak", metrics::Reading::kPeak}}}},
    {.name = "nat_allocation_failures",
     .unit = "SYNs",
     .description = "new connections' SYNs that got no public port, by reason (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .columns = {"reasons", kFailureNames},
     .summary = {{{"nat_allocation_failures", metrics::Reading::kLast}}}},
    {.name = "nat_first_failure_s",
     .unit = "s",
     .description = "time of the first SYN that got no public port, NaN when none",
     .kind = metrics::MetricKind::kScalar,
     .summary = {{{"nat_first_failure_s", metrics::Reading::kValue}}},
     .combine = metrics::Combine::kMin},
    {.name = "nat_dropped",
     .unit = "segments",
     .description = "segments the gateway dropped: SYNs it had no port for, segments of no "
                    "mapping from inside and from outside (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .columns = {"causes", kDropNames},
     .summary = {{{"nat_dropped", metrics::Reading::kLast}}}},
    {.name = "nat_mappings_created",
     .unit = "mappings",
     .description = "mappings created since the start of the run (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .summary = {{{"nat_mappings_created", metrics::Reading::kLast}}}},
}};

inline constexpr auto kAwsMetrics =
    with_product(kGatewayMetrics, "ErrorPortAllocation",
                 "AWS CloudWatch's ErrorPortAllocation: times the NAT gateway could not "
                 "allocate a source port (cumulative)");
inline constexpr auto kAzureMetrics =
    with_product(kGatewayMetrics, "snat_connections_failed",
                 "Azure's SNAT Connection Count with connection state Failed: SNAT port "
                 "exhaustion (cumulative)");
inline constexpr auto kGcpMetrics =
    with_product(kGatewayMetrics, "OUT_OF_RESOURCES",
                 "GCP's nat/dropped_sent_packets_count with reason OUT_OF_RESOURCES (cumulative)");
inline constexpr auto kLinuxMetrics =
    with_product(kGatewayMetrics, "conntrack_drop",
                 "conntrack -S drop: new flows dropped because conntrack or nf_nat had no "
                 "room (\"nf_conntrack: table full, dropping packet\", no free port) "
                 "(cumulative)");

std::span<const metrics::Metric> metrics_of(std::string_view product) {
  if (product == "aws_nat_gateway") return kAwsMetrics;
  if (product == "azure_nat_gateway" || product == "azure_lb_outbound") return kAzureMetrics;
  if (product == "gcp_cloud_nat") return kGcpMetrics;
  return kLinuxMetrics;
}

// The gateway, then one public address each: their ports in use sum to the gateway's and the
// largest is nat_ports_in_use_max.
class GatewayStats final : public metrics::Source {
 public:
  GatewayStats(const net::NatGateway& gateway, std::size_t address)
      : gateway_(gateway), address_(address) {}
  [[nodiscard]] std::span<const metrics::Metric> metrics() const override {
    return metrics_of(gateway_.config().product);
  }
  void sample(metrics::Sample& out) const override {
    const auto& table = metrics();
    const auto metric = [&](std::string_view name) -> const metrics::Metric& {
      for (const metrics::Metric& m : table) {
        if (m.name == name) return m;
      }
      throw std::logic_error("no such metric");
    };
    out.add(metric("nat_ports_in_use"), gateway_.ports_in_use(address_));
    if (address_ != 0) return;
    out.add(metric("nat_busiest_destination"), gateway_.busiest_destination());
    const auto& states = gateway_.entries_by_state();
    for (std::size_t k = 0; k < states.size(); ++k) out.add(metric("nat_entries"), k, states[k]);
    const net::NatCounters& c = gateway_.counters();
    std::uint64_t failures = 0;
    for (std::size_t k = 0; k < c.allocation_failures.size(); ++k) {
      out.add(metric("nat_allocation_failures"), k, c.allocation_failures[k]);
      failures += c.allocation_failures[k];
    }
    out.add(table.back(), failures);
    out.add(metric("nat_dropped"), 0, c.dropped_exhausted);
    out.add(metric("nat_dropped"), 1, c.dropped_no_mapping);
    out.add(metric("nat_dropped"), 2, c.dropped_inbound_no_mapping);
    out.add(metric("nat_mappings_created"), c.mappings_created);
  }
  void finish(metrics::Totals& out) const override {
    if (address_ != 0) return;
    const sim::Time first = gateway_.counters().first_failure;
    out.add(metrics()[4],
            first < 0 ? std::numeric_limits<double>::quiet_NaN() : sim::to_seconds(first));
  }

 private:
  const net::NatGateway& gateway_;
  std::size_t address_;
};

// The series of ports in use on each public address: its columns are the gateway's addresses,
// so the metric is made once per set of addresses and kept for the life of the program, as
// results refer to their metrics.
const metrics::Metric& ports_by_address_metric(const std::vector<net::Ipv4>& addresses) {
  struct Interned {
    std::vector<std::string> names;
    std::vector<std::string_view> views;
    metrics::Metric metric;
  };
  static std::mutex mutex;
  static std::map<std::vector<std::uint32_t>, std::unique_ptr<Interned>> interned;
  std::vector<std::uint32_t> key;
  for (const net::Ipv4 a : addresses) key.push_back(a.value);
  const std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<Interned>& slot = interned[key];
  if (!slot) {
    slot = std::make_unique<Interned>();
    for (const net::Ipv4 a : addresses) slot->names.push_back(net::to_string(a));
    for (const std::string& n : slot->names) slot->views.emplace_back(n);
    slot->metric = {.name = "nat_ports_by_address",
                    .unit = "ports",
                    .description = "public ports held by mappings on each public address",
                    .kind = metrics::MetricKind::kLevel,
                    .width = metrics::Width::k32,
                    .columns = {"addresses", slot->views}};
  }
  return slot->metric;
}

class AddressPorts final : public metrics::Source {
 public:
  explicit AddressPorts(const net::NatGateway& gateway)
      : gateway_(gateway), metric_(ports_by_address_metric(gateway.config().public_addresses)) {}
  [[nodiscard]] std::span<const metrics::Metric> metrics() const override { return {&metric_, 1}; }
  void sample(metrics::Sample& out) const override {
    for (std::size_t a = 0; a < gateway_.config().public_addresses.size(); ++a) {
      out.add(metric_, a, gateway_.ports_in_use(a));
    }
  }

 private:
  const net::NatGateway& gateway_;
  const metrics::Metric& metric_;
};

class GatewayNode final : public WorldNode {
 public:
  GatewayNode(const ResolvedGateway& gateway, std::size_t index, std::uint64_t expected_flows)
      : gateway_(gateway), index_(index), expected_flows_(expected_flows) {}

  void build(WorldModel& world) override {
    net::NatGatewayConfig config = gateway_.config;
    std::vector<net::NodeId> inside;
    for (const int g : gateway_.inside_groups) {
      const auto gi = static_cast<std::size_t>(g);
      for (std::size_t i = 0; i < world.hosts[gi].size(); ++i) {
        config.inside.push_back(world.hosts[gi][i]->stack().addresses());
        inside.push_back(world.host_nodes[gi][i]);
      }
    }
    box_ = std::make_unique<net::NatGateway>(world.sim, std::move(config), world.seed,
                                             world.next_app_id());
    // The estimate is the mean level; the peak lies above it by the count's fluctuation. Room
    // that is never used costs address space only, and outgrowing the room copies the table.
    box_->reserve(expected_flows_ + expected_flows_ / 8);
    world.network->add_gateway(world.gateway_nodes[index_], *box_, inside);
    for (std::size_t a = 0; a < gateway_.config.public_addresses.size(); ++a) {
      stats_.push_back(std::make_unique<GatewayStats>(*box_, a));
    }
    by_address_ = std::make_unique<AddressPorts>(*box_);
  }

  void add_metrics(metrics::Sampler& sampler,
                   const std::vector<std::size_t>& /*sampler_groups*/) override {
    const std::size_t g = sampler.add_node_group(gateway_.name);
    for (const auto& s : stats_) sampler.add_source(g, *s);
    sampler.add_source(g, *by_address_);
  }

  void start() override {}

 private:
  const ResolvedGateway& gateway_;
  std::size_t index_;
  std::uint64_t expected_flows_;
  std::unique_ptr<net::NatGateway> box_;
  std::vector<std::unique_ptr<GatewayStats>> stats_;
  std::unique_ptr<AddressPorts> by_address_;
};

class GatewayReader {
 public:
  GatewayReader(const pb::NatGateway& g, int index, AddressOwners& taken, ResolveContext& ctx)
      : g_(g), index_(index), path_(indexed("nat_gateways", index)), taken_(taken), ctx_(ctx) {}

  std::optional<ResolvedGateway> read() {
    const std::size_t problems_before = ctx_.problem_count();
    ResolvedGateway out;
    out.name = g_.name();
    if (g_.preset().empty()) {
      ctx_.error(field("preset"), fmt::format("required: one of {}", preset_list()));
      return std::nullopt;
    }
    try {
      out.config = net::nat_preset(g_.preset());
    } catch (const std::invalid_argument&) {
      ctx_.error(field("preset"),
                 fmt::format("unknown preset \"{}\" (known: {})", g_.preset(), preset_list()));
      return std::nullopt;
    }
    inside(out);
    public_addresses(out.config);
    const std::uint32_t most = out.config.max_public_addresses;
    if (most != 0 && out.config.public_addresses.size() > most) {
      ctx_.error(field(g_.public_addresses().empty() ? "address_count" : "public_addresses"),
                 fmt::format("{} takes at most {} public addresses, got {}", g_.preset(), most,
                             out.config.public_addresses.size()));
    }
    overrides(out.config);
    if (ctx_.problem_count() != problems_before) return std::nullopt;
    return out;
  }

 private:
  std::string field(std::string_view f) const { return join_field_path(path_, f); }

  static std::string preset_list() {
    std::string names;
    for (const std::string_view n : net::nat_preset_names()) {
      names += names.empty() ? "" : ", ";
      names += n;
    }
    return names;
  }

  void inside(ResolvedGateway& out) {
    if (g_.inside_groups().empty()) {
      ctx_.error(field("inside_groups"), "at least one host group behind the gateway is required");
    }
    for (int k = 0; k < g_.inside_groups_size(); ++k) {
      const std::string path = field(indexed("inside_groups", k));
      const auto g = ctx_.group(path, g_.inside_groups(k));
      if (!g) continue;
      if (const auto [it, fresh] = ctx_.gateway_of.emplace(*g, path_); !fresh) {
        ctx_.error(path, fmt::format("group \"{}\" is already behind {}", g_.inside_groups(k),
                                     it->second));
        continue;
      }
      out.inside_groups.push_back(*g);
    }
  }

  void public_addresses(net::NatGatewayConfig& cfg) {
    const bool listed = !g_.public_addresses().empty();
    const bool planned = !g_.address_base().empty() || g_.address_count() != 0;
    if (listed == planned) {
      ctx_.error(field("public_addresses"),
                 listed ? "give either public_addresses or address_base and address_count, not "
                          "both"
                        : "required: the public addresses (public_addresses, or address_base "
                          "and address_count)");
      return;
    }
    if (listed) {
      for (int k = 0; k < g_.public_addresses_size(); ++k) {
        const std::string path = field(indexed("public_addresses", k));
        const auto a = net::parse_ipv4(g_.public_addresses(k));
        if (!a) {
          ctx_.error(path, fmt::format("\"{}\" is not a dotted quad", g_.public_addresses(k)));
          continue;
        }
        claim(path, *a, cfg);
      }
      return;
    }
    const auto base = net::parse_ipv4(g_.address_base());
    if (!base) {
      ctx_.error(field("address_base"),
                 fmt::format("\"{}\" is not a dotted quad", g_.address_base()));
      return;
    }
    if (g_.address_count() == 0 || g_.address_count() > limits::kMaxPublicAddresses) {
      ctx_.error(field("address_count"),
                 fmt::format("must be in 1..{} with address_base, got {}",
                             limits::kMaxPublicAddresses, g_.address_count()));
      return;
    }
    if (std::uint64_t{base->value} + g_.address_count() - 1 > 0xffffffffULL) {
      ctx_.error(field("address_count"), fmt::format("{} addresses from {} go past 255.255.255.255",
                                                     g_.address_count(), net::to_string(*base)));
      return;
    }
    for (std::uint32_t k = 0; k < g_.address_count(); ++k) {
      claim(field("address_base"), net::Ipv4{base->value + k}, cfg);
    }
  }

  void claim(const std::string& path, net::Ipv4 a, net::NatGatewayConfig& cfg) {
    if (a.is_loopback() || a.value == 0) {
      ctx_.error(path, fmt::format("{} cannot be a public address", net::to_string(a)));
      return;
    }
    if (const auto [it, fresh] = taken_.emplace(a.value, -1 - index_); !fresh) {
      const int owner = it->second;
      const std::string owner_name =
          owner >= 0
              ? fmt::format("group \"{}\"", ctx_.groups[static_cast<std::size_t>(owner)].name)
              : indexed("nat_gateways", -1 - owner);
      ctx_.error(path,
                 fmt::format("address {} is also an address of {}", net::to_string(a), owner_name));
      return;
    }
    cfg.public_addresses.push_back(a);
  }

  void overrides(net::NatGatewayConfig& cfg) {
    if (g_.has_port_range()) {
      if (const auto r = ctx_.port_range(field("port_range"), g_.port_range())) {
        cfg.port_low = r->low;
        cfg.port_high = r->high;
      }
    }
    if (g_.has_max_per_destination()) {
      if (g_.max_per_destination() == 0) {
        ctx_.error(field("max_per_destination"), "must be >= 1");
      } else {
        cfg.max_per_destination = g_.max_per_destination();
      }
    }
    if (g_.has_max_entries()) {
      if (g_.max_entries() == 0) {
        ctx_.error(field("max_entries"), "must be >= 1");
      } else {
        cfg.max_entries = g_.max_entries();
      }
    }
    switch (g_.allocation()) {
      case pb::NatGateway::ON_DEMAND:
        cfg.allocation = net::NatAllocation::kOnDemand;
        break;
      case pb::NatGateway::PER_HOST_STATIC:
        cfg.allocation = net::NatAllocation::kPerHostStatic;
        break;
      case pb::NatGateway::PER_HOST_DYNAMIC:
        cfg.allocation = net::NatAllocation::kPerHostDynamic;
        break;
      default:
        break;
    }
    if (g_.has_min_ports_per_host()) {
      if (g_.min_ports_per_host() == 0) {
        ctx_.error(field("min_ports_per_host"), "must be >= 1");
      } else {
        cfg.min_ports_per_host = g_.min_ports_per_host();
        cfg.ports_per_host_by_pool_size = false;
      }
    }
    if (g_.has_max_ports_per_host()) cfg.max_ports_per_host = g_.max_ports_per_host();
    switch (g_.port_selection()) {
      case pb::NatGateway::SEQUENTIAL:
        cfg.selection = net::NatPortSelection::kSequential;
        break;
      case pb::NatGateway::RANDOM:
        cfg.selection = net::NatPortSelection::kRandom;
        break;
      case pb::NatGateway::NF_NAT_BOUNDED:
        cfg.selection = net::NatPortSelection::kNfNatBounded;
        break;
      case pb::NatGateway::RANDOM_FULLY:
        cfg.selection = net::NatPortSelection::kRandomFully;
        break;
      default:
        break;
    }
    for (const TimeoutField& t : kTimeoutFields) {
      if (!(g_.*t.has)()) continue;
      if (const auto d = ctx_.positive_duration(field(t.field), (g_.*t.get)(), Need::kRequired)) {
        cfg.timeouts[index_of(t.state)] = *d;
      }
    }
    if (g_.has_reset_on_exhaustion()) cfg.reset_on_exhaustion = g_.reset_on_exhaustion();
    if (g_.has_reset_expired()) cfg.reset_expired = g_.reset_expired();
    const std::uint32_t ports = cfg.port_high - cfg.port_low + 1U;
    if (cfg.allocation != net::NatAllocation::kOnDemand && !cfg.ports_per_host_by_pool_size &&
        cfg.min_ports_per_host == 0) {
      ctx_.error(field("min_ports_per_host"), "required with a per-host allocation");
    }
    if (cfg.min_ports_per_host > ports) {
      ctx_.error(field("min_ports_per_host"),
                 fmt::format("{} is more than the {} ports of a public address",
                             cfg.min_ports_per_host, ports));
    }
    if (cfg.allocation == net::NatAllocation::kPerHostDynamic &&
        cfg.max_ports_per_host < cfg.min_ports_per_host) {
      ctx_.error(field("max_ports_per_host"),
                 fmt::format("must be >= min_ports_per_host ({}), got {}", cfg.min_ports_per_host,
                             cfg.max_ports_per_host));
    }
  }

  const pb::NatGateway& g_;
  int index_;
  std::string path_;
  AddressOwners& taken_;
  ResolveContext& ctx_;
};

}  // namespace

std::optional<ResolvedGateway> resolve_gateway(const scenario::NatGateway& gateway, int index,
                                               AddressOwners& taken, ResolveContext& ctx) {
  return GatewayReader(gateway, index, taken, ctx).read();
}

std::unique_ptr<WorldNode> make_gateway_node(const ResolvedGateway& gateway, std::size_t index,
                                             std::uint64_t expected_flows) {
  return std::make_unique<GatewayNode>(gateway, index, expected_flows);
}

void write_gateway(const net::NatGatewayConfig& c, scenario::NatGateway& out) {
  out.set_port_range(fmt::format("{} {}", c.port_low, c.port_high));
  // 0 (no limit) is no value a scenario can write: the preset's 0 stays when unset.
  if (c.max_per_destination != 0) out.set_max_per_destination(c.max_per_destination);
  if (c.max_entries != 0) out.set_max_entries(c.max_entries);
  switch (c.allocation) {
    case net::NatAllocation::kOnDemand:
      out.set_allocation(pb::NatGateway::ON_DEMAND);
      break;
    case net::NatAllocation::kPerHostStatic:
      out.set_allocation(pb::NatGateway::PER_HOST_STATIC);
      break;
    case net::NatAllocation::kPerHostDynamic:
      out.set_allocation(pb::NatGateway::PER_HOST_DYNAMIC);
      break;
  }
  if (!c.ports_per_host_by_pool_size && c.min_ports_per_host != 0) {
    out.set_min_ports_per_host(c.min_ports_per_host);
  }
  if (c.max_ports_per_host != 0) out.set_max_ports_per_host(c.max_ports_per_host);
  switch (c.selection) {
    case net::NatPortSelection::kSequential:
      out.set_port_selection(pb::NatGateway::SEQUENTIAL);
      break;
    case net::NatPortSelection::kRandom:
      out.set_port_selection(pb::NatGateway::RANDOM);
      break;
    case net::NatPortSelection::kNfNatBounded:
      out.set_port_selection(pb::NatGateway::NF_NAT_BOUNDED);
      break;
    case net::NatPortSelection::kRandomFully:
      out.set_port_selection(pb::NatGateway::RANDOM_FULLY);
      break;
  }
  for (const TimeoutField& t : kTimeoutFields) {
    (out.*t.set)(sim::format_duration(c.timeouts[index_of(t.state)]));
  }
  out.set_reset_on_exhaustion(c.reset_on_exhaustion);
  out.set_reset_expired(c.reset_expired);
}

}  // namespace tcpsim::scenarios
