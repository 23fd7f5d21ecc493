#include "scenarios/scenario_resolver.h"

#include <fmt/format.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <map>
#include <numeric>
#include <utility>

#include "scenarios/address_plan.h"
#include "scenarios/bandwidth.h"
#include "scenarios/distributions.h"
#include "scenarios/enum_values.h"
#include "scenarios/field_error.h"
#include "scenarios/field_path.h"
#include "scenarios/kernel_resolver.h"
#include "scenarios/limits.h"
#include "scenarios/resolve_context.h"
#include "sim/duration.h"

namespace tcpsim::scenarios {
namespace {

namespace pb = scenario;
using sim::Time;

constexpr Time kDefaultMetricsInterval = sim::kSecond;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

class DisjointSets {
 public:
  explicit DisjointSets(std::size_t n) : parent_(n) {
    std::iota(parent_.begin(), parent_.end(), std::size_t{0});
  }
  std::size_t find(std::size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void join(std::size_t a, std::size_t b) { parent_[find(a)] = find(b); }

 private:
  std::vector<std::size_t> parent_;
};

// Which nodes of the topology reach which, as routes go: switches forward, hosts (a group's,
// a gateway) do not, so two hosts meet through a switch both reach or over a link of their own.
class Paths {
 public:
  explicit Paths(std::size_t nodes) : switches_(nodes), attached_(nodes), direct_(nodes) {}

  void link(std::size_t a, std::size_t b, bool a_switch, bool b_switch) {
    if (a_switch && b_switch) {
      switches_.join(a, b);
    } else if (a_switch) {
      attached_[b].push_back(a);
    } else if (b_switch) {
      attached_[a].push_back(b);
    } else {
      direct_[a].push_back(b);
      direct_[b].push_back(a);
    }
  }

  [[nodiscard]] bool reach(std::size_t a, std::size_t b) {
    if (a == b) return true;
    for (const std::size_t n : direct_[a]) {
      if (n == b) return true;
    }
    for (const std::size_t x : attached_[a]) {
      for (const std::size_t y : attached_[b]) {
        if (switches_.find(x) == switches_.find(y)) return true;
      }
    }
    return false;
  }
  bool reach(int a, int b) {
    return reach(static_cast<std::size_t>(a), static_cast<std::size_t>(b));
  }

 private:
  DisjointSets switches_;
  std::vector<std::vector<std::size_t>> attached_;  // switches a host node links to
  std::vector<std::vector<std::size_t>> direct_;    // host nodes it links to directly
};

class Resolver {
 public:
  Resolver(const pb::Scenario& s, std::filesystem::path base_dir)
      : s_(s), ctx_(s, std::move(base_dir)) {}

  Resolution run() {
    ResolvedScenario out;
    out.name = s_.name();
    out.seed = s_.seed();
    std::vector<Problem> enum_problems;
    check_enum_values(s_, "", enum_problems);
    for (Problem& p : enum_problems) ctx_.error(std::move(p.field_path), std::move(p.message));
    read_run(out);
    read_groups();
    read_gateways(out);
    read_topology(out);
    for (int i = 0; i < s_.servers_size(); ++i) {
      if (auto srv = resolve_server(s_.servers(i), indexed("servers", i), std::nullopt, ctx_)) {
        out.servers.push_back(std::move(*srv));
      }
    }
    // Every listener is known before the first client or upstream is read.
    std::vector<std::optional<ResolvedServer>> downstream;
    for (int i = 0; i < s_.proxies_size(); ++i) {
      downstream.push_back(resolve_proxy_downstream(s_.proxies(i), i, ctx_));
    }
    for (int i = 0; i < s_.clients_size(); ++i) {
      if (auto c = resolve_client(s_.clients(i), indexed("clients", i), std::nullopt, out.duration,
                                  ctx_)) {
        out.clients.push_back(std::move(*c));
      }
    }
    for (int i = 0; i < s_.proxies_size(); ++i) {
      if (auto p =
              resolve_proxy(s_.proxies(i), i, std::move(downstream[static_cast<std::size_t>(i)]),
                            out.duration, ctx_)) {
        out.proxies.push_back(std::move(*p));
      }
    }
    if (ctx_.problem_count() == 0) resolve_message_sizes(out);

    Resolution r;
    r.problems = ctx_.take_problems();
    r.warnings = ctx_.take_warnings();
    if (r.problems.empty()) {
      out.groups = std::move(ctx_.groups);
      r.scenario = std::move(out);
    }
    return r;
  }

 private:
  void read_run(ResolvedScenario& out) {
    const auto total = ctx_.positive_duration("duration", s_.duration(), Need::kRequired);
    const auto warmup = ctx_.duration("warmup", s_.warmup(), Need::kOptional);
    if (total && warmup && *warmup >= *total) {
      ctx_.error("warmup",
                 fmt::format("warmup ({}) must be shorter than duration ({})",
                             sim::format_duration(*warmup), sim::format_duration(*total)));
    }
    const auto interval = ctx_.duration("metrics_interval", s_.metrics_interval(), Need::kOptional);
    if (interval && *interval <= 0) {
      ctx_.error("metrics_interval", fmt::format("must be > 0 (default {})",
                                                 sim::format_duration(kDefaultMetricsInterval)));
    } else if (const Time step = interval.value_or(kDefaultMetricsInterval);
               total && (interval || s_.metrics_interval().empty()) &&
               *total / step > limits::kMaxSamples) {
      const Time least = (*total + limits::kMaxSamples - 1) / limits::kMaxSamples;
      ctx_.error(
          s_.metrics_interval().empty() ? "duration" : "metrics_interval",
          fmt::format("{} samples of {} over {}: at most {} (metrics_interval >= {})",
                      *total / step, sim::format_duration(step), sim::format_duration(*total),
                      limits::kMaxSamples, sim::format_duration(least)));
    }
    out.duration = total.value_or(0);
    out.warmup = warmup.value_or(0);
    out.interval = interval.value_or(kDefaultMetricsInterval);
  }

  // Group and switch names share one namespace: links name either.
  void node_name(const std::string& path, const std::string& name, std::string_view what) {
    if (name.empty()) {
      ctx_.error(path, fmt::format("required: every {} needs a name", what));
      return;
    }
    for (const char c : name) {
      if (!is_name_char(c)) {
        ctx_.error(
            path,
            fmt::format("\"{}\": names may hold only letters, digits, '_', '-' and '.'", name));
        return;
      }
    }
    if (const auto [it, fresh] = nodes_.emplace(name, path); !fresh) {
      ctx_.error(path, fmt::format("duplicate name \"{}\" (already used by {})", name, it->second));
    }
  }

  void read_groups() {
    if (s_.groups().empty()) ctx_.error("groups", "at least one host group is required");
    for (int i = 0; i < s_.groups_size(); ++i) {
      const pb::HostGroup& g = s_.groups(i);
      const std::string path = indexed("groups", i);
      node_name(join_field_path(path, "name"), g.name(), "host group");
      ctx_.group_index.emplace(g.name(), i);
      if (g.count() == 0) ctx_.error(join_field_path(path, "count"), "must be >= 1, got 0");

      ResolvedGroup resolved;
      resolved.name = g.name();
      std::vector<Problem> kernel_problems;
      resolved.kernel = resolve_kernel(g.kernel(), kernel_problems);
      for (Problem& p : kernel_problems) {
        ctx_.error(join_field_path(join_field_path(path, "kernel"), p.field_path),
                   std::move(p.message));
      }
      try {
        resolved.host_addresses = plan_addresses(g);
      } catch (const FieldError& e) {
        ctx_.error(join_field_path(path, e.field()), e.what());
      }
      check_overlap(i, resolved.host_addresses);
      ctx_.groups.push_back(std::move(resolved));
    }
  }

  // One problem per pair of groups sharing addresses, at the later group.
  void check_overlap(int i, const std::vector<std::vector<net::Ipv4>>& hosts) {
    const pb::HostGroup& g = s_.groups(i);
    std::map<int, bool> reported;
    int k = 0;
    for (const auto& host : hosts) {
      for (const net::Ipv4 a : host) {
        const auto [it, fresh] = address_owner_.emplace(a.value, i);
        if (!fresh && it->second != i && !reported[it->second]) {
          reported[it->second] = true;
          const std::string field =
              g.addresses_size() > 0 ? indexed("addresses", k) : std::string("address_base");
          ctx_.error(join_field_path(indexed("groups", i), field),
                     fmt::format("address {} is also an address of group \"{}\" (groups[{}])",
                                 net::to_string(a), s_.groups(it->second).name(), it->second));
        }
        ++k;
      }
    }
  }

  void read_gateways(ResolvedScenario& out) {
    for (int i = 0; i < s_.nat_gateways_size(); ++i) {
      const pb::NatGateway& g = s_.nat_gateways(i);
      node_name(join_field_path(indexed("nat_gateways", i), "name"), g.name(), "NAT gateway");
      gateway_index_.emplace(g.name(), i);
      if (auto r = resolve_gateway(g, i, address_owner_, ctx_))
        out.gateways.push_back(std::move(*r));
    }
  }

  void read_topology(ResolvedScenario& out) {
    const pb::Topology& t = s_.topology();
    const std::size_t group_count = static_cast<std::size_t>(s_.groups_size());
    std::map<std::string, std::size_t> switch_index;
    for (int k = 0; k < t.switches_size(); ++k) {
      const std::string path = join_field_path(indexed("topology.switches", k), "name");
      node_name(path, t.switches(k).name(), "switch");
      switch_index.emplace(t.switches(k).name(), group_count + static_cast<std::size_t>(k));
      out.switches.push_back(t.switches(k).name());
    }
    const std::size_t gateway_base = group_count + static_cast<std::size_t>(t.switches_size());
    const std::size_t node_count = gateway_base + static_cast<std::size_t>(s_.nat_gateways_size());
    auto paths = std::make_shared<Paths>(node_count);
    bool complete = true;  // no link was refused
    const auto is_switch = [&](std::size_t n) { return n >= group_count && n < gateway_base; };
    for (int k = 0; k < t.links_size(); ++k) {
      const pb::Link& link = t.links(k);
      const std::string path = indexed("topology.links", k);
      auto end = [&](std::string_view field,
                     const std::string& name) -> std::optional<std::size_t> {
        const std::string end_path = join_field_path(path, field);
        if (name.empty()) {
          ctx_.error(end_path, "required: a host group or switch name");
          return std::nullopt;
        }
        if (const auto g = ctx_.group_index.find(name); g != ctx_.group_index.end()) {
          return static_cast<std::size_t>(g->second);
        }
        if (const auto sw = switch_index.find(name); sw != switch_index.end()) return sw->second;
        if (const auto gw = gateway_index_.find(name); gw != gateway_index_.end()) {
          return gateway_base + static_cast<std::size_t>(gw->second);
        }
        ctx_.error(end_path,
                   fmt::format("unknown node \"{}\": not a host group, switch or gateway", name));
        complete = false;
        return std::nullopt;
      };
      const auto from = end("from", link.from());
      const auto to = end("to", link.to());
      if (from && to) {
        if (*from == *to) {
          ctx_.error(join_field_path(path, "to"), fmt::format("links \"{}\" to itself", link.to()));
          complete = false;
        } else if (*from < group_count && *to < group_count &&
                   (s_.groups(static_cast<int>(*from)).count() != 1 ||
                    s_.groups(static_cast<int>(*to)).count() != 1)) {
          ctx_.error(path, fmt::format("links groups \"{}\" and \"{}\" directly: only single-host "
                                       "groups can be; join larger groups through a switch",
                                       link.from(), link.to()));
          complete = false;
        } else {
          paths->link(*from, *to, is_switch(*from), is_switch(*to));
        }
      }
      ResolvedLink resolved;
      resolved.from = from ? static_cast<int>(*from) : -1;
      resolved.to = to ? static_cast<int>(*to) : -1;
      resolved.params.latency =
          ctx_.duration_or(join_field_path(path, "latency"), link.latency(), 0).value_or(0);
      resolved.params.jitter =
          ctx_.duration_or(join_field_path(path, "jitter"), link.jitter(), 0).value_or(0);
      resolved.params.loss = ctx_.fraction(join_field_path(path, "loss"), link.loss()).value_or(0);
      if (!link.bandwidth().empty()) {
        std::string message;
        if (const auto bps = parse_bandwidth(link.bandwidth(), &message)) {
          resolved.params.bandwidth_bps = *bps;
        } else {
          ctx_.error(join_field_path(path, "bandwidth"), message);
        }
      }
      out.links.push_back(resolved);
    }
    // Without links every group hangs off one implicit switch. With a link already reported
    // as broken, paths are not judged.
    if (!t.links().empty() && complete) {
      // A group behind a gateway reaches others through it.
      std::map<int, int> via;
      for (int i = 0; i < s_.nat_gateways_size(); ++i) {
        for (const std::string& name : s_.nat_gateways(i).inside_groups()) {
          if (const auto g = ctx_.group_index.find(name); g != ctx_.group_index.end()) {
            via.emplace(g->second, static_cast<int>(gateway_base) + i);
          }
        }
      }
      ctx_.reachable = [paths, via](int a, int b) {
        const auto gw = via.find(a);
        const auto gw_b = via.find(b);
        if (gw == via.end() || (gw_b != via.end() && gw_b->second == gw->second)) {
          return paths->reach(a, b);
        }
        return paths->reach(a, gw->second) && paths->reach(gw->second, b);
      };
      for (int i = 0; i < s_.nat_gateways_size(); ++i) {
        const auto gw = static_cast<int>(gateway_base) + i;
        for (int k = 0; k < s_.nat_gateways(i).inside_groups_size(); ++k) {
          const auto g = ctx_.group_index.find(s_.nat_gateways(i).inside_groups(k));
          if (g != ctx_.group_index.end() && !paths->reach(g->second, gw)) {
            ctx_.error(indexed(join_field_path(indexed("nat_gateways", i), "inside_groups"), k),
                       fmt::format("no path from group \"{}\" to the gateway through "
                                   "topology.links",
                                   g->first));
          }
        }
      }
    }
  }

  // The sizes of the messages on each server (and proxy's downstream side): model 0 is the
  // server's own (its response size, 100-byte requests), then one per client (or proxy's
  // upstream side) that sets sizes of its own, whose connections name it in their SYNs; a
  // client's response size, when unset, is the server's.
  void resolve_message_sizes(ResolvedScenario& out) {
    std::vector<std::pair<ResolvedServer*, const pb::Server*>> servers;
    for (std::size_t i = 0; i < out.servers.size(); ++i) {
      servers.emplace_back(&out.servers[i], &s_.servers(static_cast<int>(i)));
    }
    std::vector<std::pair<ResolvedClient*, const pb::Client*>> clients;
    for (std::size_t i = 0; i < out.clients.size(); ++i) {
      clients.emplace_back(&out.clients[i], &s_.clients(static_cast<int>(i)));
    }
    for (std::size_t i = 0; i < out.proxies.size(); ++i) {
      servers.emplace_back(&out.proxies[i].downstream,
                           &s_.proxies(static_cast<int>(i)).downstream());
      clients.emplace_back(&out.proxies[i].upstream, &s_.proxies(static_cast<int>(i)).upstream());
    }
    std::map<std::pair<int, std::uint32_t>, std::size_t> server_of;  // (group, port) -> server
    for (std::size_t si = 0; si < servers.size(); ++si) {
      app::ServerConfig& srv = servers[si].first->config;
      for (const net::Endpoint& ep : srv.listen)
        server_of[{servers[si].first->group, ep.port}] = si;
      app::MessageSizes own;
      own.response = size_or(servers[si].second->response_size(), own.response);
      srv.sizes = {own};
    }
    // A client keeps one copy of each distinct model and, per destination, which it is.
    constexpr std::size_t kNoServer = ~std::size_t{0};
    for (auto& [c, in] : clients) {
      const bool own_sizes = in->has_request_size() || in->has_response_size();
      std::map<std::size_t, std::uint32_t> tag_on;    // server -> this client's model there
      std::map<std::size_t, std::uint32_t> model_of;  // server -> its index in config.sizes
      for (const net::Endpoint& dest : c->config.destinations) {
        const auto server = server_of.find({c->target_group, dest.port});
        const std::size_t si = server == server_of.end() ? kNoServer : server->second;
        const auto [model, fresh_model] =
            model_of.try_emplace(si, static_cast<std::uint32_t>(c->config.sizes.size()));
        c->config.size_of.push_back(model->second);
        if (si == kNoServer) {  // nobody listens: connects are refused
          if (fresh_model) {
            app::MessageSizes m;
            m.request = size_or(in->request_size(), m.request);
            m.response = size_or(in->response_size(), m.response);
            c->config.sizes.push_back(std::move(m));
          }
          c->config.size_tags.push_back(0);
          continue;
        }
        std::vector<app::MessageSizes>& models = servers[si].first->config.sizes;
        const auto [it, fresh] =
            tag_on.try_emplace(si, own_sizes ? static_cast<std::uint32_t>(models.size()) : 0U);
        if (fresh && own_sizes) {
          app::MessageSizes m = models[0];
          m.request = size_or(in->request_size(), m.request);
          m.response = size_or(in->response_size(), m.response);
          models.push_back(std::move(m));
        }
        if (fresh_model) c->config.sizes.push_back(models[it->second]);
        c->config.size_tags.push_back(it->second);
      }
    }
  }

  // Every distribution was checked where it was written.
  static sim::Distribution size_or(const pb::SizeDistribution& d, const sim::Distribution& unset) {
    return d.kind_case() == pb::SizeDistribution::KIND_NOT_SET ? unset : to_distribution(d);
  }

  const pb::Scenario& s_;
  ResolveContext ctx_;
  std::map<std::string, std::string> nodes_;  // group and switch names -> the path naming them
  AddressOwners address_owner_;  // of the groups' addresses, then the gateways' public ones
  std::map<std::string, int> gateway_index_;
};

}  // namespace

const ResolvedGroup* ResolvedScenario::group(std::string_view group_name) const {
  for (const ResolvedGroup& g : groups) {
    if (g.name == group_name) return &g;
  }
  return nullptr;
}

Resolution resolve_scenario(const scenario::Scenario& scenario,
                            const std::filesystem::path& base_dir) {
  return Resolver(scenario, base_dir).run();
}

}  // namespace tcpsim::scenarios
