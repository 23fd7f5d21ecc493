#include "scenarios/conntrack_node.h"

#include <array>
#include <limits>
#include <span>
#include <vector>

#include "models/metrics/source.h"
#include "models/net/conntrack.h"

namespace tcpsim::scenarios {
namespace {

inline constexpr std::array<metrics::Metric, 4> kConntrackMetrics{{
    {.name = "conntrack_entries",
     .unit = "entries",
     .description = "conntrack entries in each state, summed over the group's hosts",
     .kind = metrics::MetricKind::kLevel,
     .width = metrics::Width::k32,
     .columns = {"states", net::kFlowStateNames},
     .max_name = "conntrack_entries_max",
     .max_description = "conntrack entries in each state on the host with the most",
     .summary = {{{"conntrack_entries_peak", metrics::Reading::kPeak}}}},
    {.name = "conntrack_full_drops",
     .unit = "segments",
     .description = "first segments of new flows dropped because the host's table held "
                    "nf_conntrack_max entries (\"nf_conntrack: table full, dropping packet\"), "
                    "summed over the group's hosts (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .summary = {{{"conntrack_full_drops", metrics::Reading::kLast}}}},
    {.name = "conntrack_first_drop_s",
     .unit = "s",
     .description = "time of the first table-full drop on any host, NaN when none",
     .kind = metrics::MetricKind::kScalar,
     .summary = {{{"conntrack_first_drop_s", metrics::Reading::kValue}}},
     .combine = metrics::Combine::kMin},
    {.name = "conntrack_created",
     .unit = "entries",
     .description = "conntrack entries created, summed over the group's hosts (cumulative)",
     .kind = metrics::MetricKind::kCounter,
     .summary = {{{"conntrack_created", metrics::Reading::kLast}}}},
}};

class ConntrackStats final : public metrics::Source {
 public:
  explicit ConntrackStats(const net::Conntrack& table) : table_(table) {}
  [[nodiscard]] std::span<const metrics::Metric> metrics() const override {
    return kConntrackMetrics;
  }
  void sample(metrics::Sample& out) const override {
    const auto& states = table_.entries_by_state();
    for (std::size_t k = 0; k < states.size(); ++k) {
      out.add(metrics::find(kConntrackMetrics, "conntrack_entries"), k, states[k]);
    }
    out.add(metrics::find(kConntrackMetrics, "conntrack_full_drops"),
            table_.counters().dropped_table_full);
    out.add(metrics::find(kConntrackMetrics, "conntrack_created"),
            table_.counters().entries_created);
  }
  void finish(metrics::Totals& out) const override {
    const sim::Time first = table_.counters().first_drop;
    out.add(metrics::find(kConntrackMetrics, "conntrack_first_drop_s"),
            first < 0 ? std::numeric_limits<double>::quiet_NaN() : sim::to_seconds(first));
  }

 private:
  const net::Conntrack& table_;
};

class ConntrackNode final : public WorldNode {
 public:
  explicit ConntrackNode(int group) : group_(static_cast<std::size_t>(group)) {}

  void build(WorldModel& world) override {
    for (std::size_t i = 0; i < world.hosts[group_].size(); ++i) {
      const tcp::KernelSettings& kernel = world.hosts[group_][i]->stack().settings();
      tables_.push_back(std::make_unique<net::Conntrack>(world.sim, conntrack_config(kernel)));
      world.network->set_filter(world.host_nodes[group_][i], *tables_.back());
      stats_.push_back(std::make_unique<ConntrackStats>(*tables_.back()));
    }
  }

  void add_metrics(metrics::Sampler& sampler,
                   const std::vector<std::size_t>& sampler_groups) override {
    for (const auto& s : stats_) sampler.add_source(sampler_groups[group_], *s);
  }

  void start() override {}

 private:
  std::size_t group_;
  std::vector<std::unique_ptr<net::Conntrack>> tables_;
  std::vector<std::unique_ptr<ConntrackStats>> stats_;
};

}  // namespace

net::ConntrackConfig conntrack_config(const tcp::KernelSettings& k) {
  net::ConntrackConfig c = net::ConntrackConfig::linux_defaults();
  c.max_entries = k.nf_conntrack_max;
  const auto set = [&c](net::FlowState s, sim::Time t) {
    c.timeouts[static_cast<std::size_t>(s)] = t;
  };
  set(net::FlowState::kSynSent, k.nf_conntrack_tcp_timeout_syn_sent);
  set(net::FlowState::kSynSent2, k.nf_conntrack_tcp_timeout_syn_sent);
  set(net::FlowState::kSynRecv, k.nf_conntrack_tcp_timeout_syn_recv);
  set(net::FlowState::kEstablished, k.nf_conntrack_tcp_timeout_established);
  set(net::FlowState::kFinWait, k.nf_conntrack_tcp_timeout_fin_wait);
  set(net::FlowState::kCloseWait, k.nf_conntrack_tcp_timeout_close_wait);
  set(net::FlowState::kLastAck, k.nf_conntrack_tcp_timeout_last_ack);
  set(net::FlowState::kTimeWait, k.nf_conntrack_tcp_timeout_time_wait);
  set(net::FlowState::kClose, k.nf_conntrack_tcp_timeout_close);
  return c;
}

std::unique_ptr<WorldNode> make_conntrack_node(int group) {
  return std::make_unique<ConntrackNode>(group);
}

}  // namespace tcpsim::scenarios
