#include "scenarios/scenario_validator.h"

#include <fmt/format.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <utility>

#include "scenarios/address_plan.h"
#include "scenarios/bandwidth.h"
#include "scenarios/distributions.h"
#include "scenarios/field_error.h"
#include "scenarios/field_path.h"
#include "scenarios/kernel_resolver.h"
#include "sim/duration.h"

namespace tcpsim::scenarios {
namespace {

using sim::Time;
namespace pb = scenario;

constexpr Time kDefaultMetricsInterval = sim::kSecond;
constexpr std::string_view kLoadModels =
    "constant, poisson, on_off, ramp, step, diurnal, trace or closed_loop";

enum class Need { kOptional, kRequired };

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

class Validator {
 public:
  Validator(const pb::Scenario& s, std::filesystem::path base_dir)
      : s_(s), base_dir_(std::move(base_dir)) {}

  Validation run() {
    check_run();
    check_groups();
    check_topology();
    check_servers();
    check_clients();
    return std::move(out_);
  }

 private:
  void error(std::string path, std::string message) {
    out_.problems.push_back(Problem::of_field(std::move(path), std::move(message)));
  }

  std::optional<Time> duration(const std::string& path, const std::string& text, Need need) {
    if (text.empty()) {
      if (need == Need::kRequired) error(path, "required (a duration such as \"60s\")");
      return std::nullopt;
    }
    std::string message;
    auto t = sim::parse_duration(text, &message);
    if (!t) error(path, message);
    return t;
  }

  // As duration, refusing "0s" too.
  std::optional<Time> positive_duration(const std::string& path, const std::string& text,
                                        Need need) {
    auto t = duration(path, text, need);
    if (t && *t <= 0) {
      error(path, need == Need::kRequired ? "must be > 0"
                                          : "must be > 0 (leave it empty for the default)");
      return std::nullopt;
    }
    return t;
  }

  void fraction(const std::string& path, double value) {
    if (!(value >= 0 && value <= 1)) error(path, fmt::format("must be in [0, 1], got {}", value));
  }

  void positive_rate(const std::string& path, double value) {
    if (!(value > 0) || !std::isfinite(value)) {
      error(path, fmt::format("rate must be > 0 per second, got {}", value));
    }
  }

  void non_negative_rate(const std::string& path, double value) {
    if (!(value >= 0) || !std::isfinite(value)) {
      error(path, fmt::format("rate must be >= 0 per second, got {}", value));
    }
  }

  void port(const std::string& path, std::uint32_t value) {
    if (value < 1 || value > 65535) error(path, fmt::format("port {} is outside 1..65535", value));
  }

  template <typename D>
  void distribution(const std::string& path, const D& d) {
    try {
      (void)to_distribution(d);
    } catch (const FieldError& e) {
      error(join_field_path(path, e.field()), e.what());
    }
  }

  // Group and switch names share one namespace: links name either.
  void node_name(const std::string& path, const std::string& name, std::string_view what) {
    if (name.empty()) {
      error(path, fmt::format("required: every {} needs a name", what));
      return;
    }
    for (const char c : name) {
      if (!is_name_char(c)) {
        error(path,
              fmt::format("\"{}\": names may hold only letters, digits, '_', '-' and '.'", name));
        return;
      }
    }
    if (const auto [it, fresh] = nodes_.emplace(name, path); !fresh) {
      error(path, fmt::format("duplicate name \"{}\" (already used by {})", name, it->second));
    }
  }

  std::optional<int> group(const std::string& path, const std::string& name) {
    if (name.empty()) {
      error(path, "required: the name of a host group");
      return std::nullopt;
    }
    const auto it = group_index_.find(name);
    if (it == group_index_.end()) {
      error(path, fmt::format("unknown host group \"{}\"", name));
      return std::nullopt;
    }
    return it->second;
  }

  void check_run() {
    const auto total = positive_duration("duration", s_.duration(), Need::kRequired);
    const auto warmup = duration("warmup", s_.warmup(), Need::kOptional);
    if (total && warmup && *warmup >= *total) {
      error("warmup", fmt::format("warmup ({}) must be shorter than duration ({})",
                                  sim::format_duration(*warmup), sim::format_duration(*total)));
    }
    const auto interval = duration("metrics_interval", s_.metrics_interval(), Need::kOptional);
    if (interval && *interval <= 0) {
      error("metrics_interval",
            fmt::format("must be > 0 (default {})", sim::format_duration(kDefaultMetricsInterval)));
    }
  }

  void check_groups() {
    if (s_.groups().empty()) error("groups", "at least one host group is required");
    boost::unordered_flat_map<std::uint32_t, int> owner;
    for (int i = 0; i < s_.groups_size(); ++i) {
      const pb::HostGroup& g = s_.groups(i);
      const std::string path = indexed("groups", i);
      node_name(join_field_path(path, "name"), g.name(), "host group");
      group_index_.emplace(g.name(), i);
      if (g.count() == 0) error(join_field_path(path, "count"), "must be >= 1, got 0");

      ResolvedGroup resolved;
      resolved.name = g.name();
      std::vector<Problem> kernel_problems;
      resolved.kernel = resolve_kernel(g.kernel(), kernel_problems);
      for (Problem& p : kernel_problems) {
        error(join_field_path(join_field_path(path, "kernel"), p.field_path), std::move(p.message));
      }
      try {
        resolved.host_addresses = plan_addresses(g);
      } catch (const FieldError& e) {
        error(join_field_path(path, e.field()), e.what());
      }
      check_overlap(i, resolved.host_addresses, owner);
      out_.groups.push_back(std::move(resolved));
    }
  }

  // One problem per pair of groups sharing addresses, at the later group.
  void check_overlap(int i, const std::vector<std::vector<net::Ipv4>>& hosts,
                     boost::unordered_flat_map<std::uint32_t, int>& owner) {
    const pb::HostGroup& g = s_.groups(i);
    std::map<int, bool> reported;
    int k = 0;
    for (const auto& host : hosts) {
      for (const net::Ipv4 a : host) {
        const auto [it, fresh] = owner.emplace(a.value, i);
        if (!fresh && it->second != i && !reported[it->second]) {
          reported[it->second] = true;
          const std::string field =
              g.addresses_size() > 0 ? indexed("addresses", k) : std::string("address_base");
          error(join_field_path(indexed("groups", i), field),
                fmt::format("address {} is also an address of group \"{}\" (groups[{}])",
                            net::to_string(a), s_.groups(it->second).name(), it->second));
        }
        ++k;
      }
    }
  }

  void check_topology() {
    const pb::Topology& t = s_.topology();
    const std::size_t group_count = static_cast<std::size_t>(s_.groups_size());
    std::map<std::string, std::size_t> switch_index;
    for (int k = 0; k < t.switches_size(); ++k) {
      const std::string path = join_field_path(indexed("topology.switches", k), "name");
      node_name(path, t.switches(k).name(), "switch");
      switch_index.emplace(t.switches(k).name(), group_count + static_cast<std::size_t>(k));
    }
    connected_.emplace(group_count + static_cast<std::size_t>(t.switches_size()));
    for (int k = 0; k < t.links_size(); ++k) {
      const pb::Link& link = t.links(k);
      const std::string path = indexed("topology.links", k);
      auto end = [&](std::string_view field,
                     const std::string& name) -> std::optional<std::size_t> {
        const std::string end_path = join_field_path(path, field);
        if (name.empty()) {
          error(end_path, "required: a host group or switch name");
          return std::nullopt;
        }
        if (const auto g = group_index_.find(name); g != group_index_.end()) {
          return static_cast<std::size_t>(g->second);
        }
        if (const auto sw = switch_index.find(name); sw != switch_index.end()) return sw->second;
        error(end_path, fmt::format("unknown node \"{}\": not a host group or switch", name));
        links_complete_ = false;
        return std::nullopt;
      };
      const auto from = end("from", link.from());
      const auto to = end("to", link.to());
      if (from && to) {
        if (*from == *to) {
          error(join_field_path(path, "to"), fmt::format("links \"{}\" to itself", link.to()));
          links_complete_ = false;
        } else if (*from < group_count && *to < group_count &&
                   (s_.groups(static_cast<int>(*from)).count() != 1 ||
                    s_.groups(static_cast<int>(*to)).count() != 1)) {
          error(path, fmt::format("links groups \"{}\" and \"{}\" directly: only single-host "
                                  "groups can be; join larger groups through a switch",
                                  link.from(), link.to()));
          links_complete_ = false;
        } else {
          connected_->join(*from, *to);
        }
      }
      duration(join_field_path(path, "latency"), link.latency(), Need::kOptional);
      duration(join_field_path(path, "jitter"), link.jitter(), Need::kOptional);
      fraction(join_field_path(path, "loss"), link.loss());
      if (!link.bandwidth().empty()) {
        std::string message;
        if (!parse_bandwidth(link.bandwidth(), &message)) {
          error(join_field_path(path, "bandwidth"), message);
        }
      }
    }
  }

  // Without links every group hangs off one implicit switch. With a link already reported
  // as broken, paths are not judged.
  bool reachable(int a, int b) {
    if (s_.topology().links().empty() || !links_complete_) return true;
    return connected_->find(static_cast<std::size_t>(a)) ==
           connected_->find(static_cast<std::size_t>(b));
  }

  void unique_label(const std::string& path, const std::string& name,
                    std::map<std::string, std::string>& seen) {
    if (name.empty()) return;
    if (const auto [it, fresh] = seen.emplace(name, path); !fresh) {
      error(path, fmt::format("duplicate name \"{}\" (already used by {})", name, it->second));
    }
  }

  void check_servers() {
    std::map<std::string, std::string> names;
    for (int i = 0; i < s_.servers_size(); ++i) {
      const pb::Server& srv = s_.servers(i);
      const std::string path = indexed("servers", i);
      auto field = [&](std::string_view f) { return join_field_path(path, f); };
      unique_label(field("name"), srv.name(), names);
      const auto g = group(field("group"), srv.group());
      if (srv.ports().empty()) error(field("ports"), "at least one listening port is required");
      for (int k = 0; k < srv.ports_size(); ++k) {
        const std::string port_path = field(indexed("ports", k));
        const std::uint32_t p = srv.ports(k);
        port(port_path, p);
        if (!g) continue;
        if (const auto [it, fresh] = listeners_.emplace(std::pair{*g, p}, i); !fresh) {
          error(port_path, it->second == i
                               ? fmt::format("port {} is listed twice", p)
                               : fmt::format("port {} of group \"{}\" is already listened on by "
                                             "servers[{}]",
                                             p, srv.group(), it->second));
        }
      }
      distribution(field("service_time"), srv.service_time());
      distribution(field("response_size"), srv.response_size());
      duration(field("close_delay"), srv.close_delay(), Need::kOptional);
      fraction(field("leak_fraction"), srv.leak_fraction());
      fraction(field("linger_zero_fraction"), srv.linger_zero_fraction());
      if (srv.has_max_accept_rate()) positive_rate(field("max_accept_rate"), srv.max_accept_rate());
      positive_duration(field("idle_timeout"), srv.idle_timeout(), Need::kOptional);
    }
  }

  void check_clients() {
    std::map<std::string, std::string> names;
    for (int i = 0; i < s_.clients_size(); ++i) {
      const pb::Client& c = s_.clients(i);
      const std::string path = indexed("clients", i);
      auto field = [&](std::string_view f) { return join_field_path(path, f); };
      unique_label(field("name"), c.name(), names);
      const auto g = group(field("group"), c.group());
      const auto target = group(field("target_group"), c.target_group());
      if (g && target && !reachable(*g, *target)) {
        error(field("target_group"),
              fmt::format("no path from group \"{}\" to group \"{}\" through topology.links",
                          c.group(), c.target_group()));
      }
      if (c.target_ports().empty()) {
        error(field("target_ports"), "at least one destination port is required");
      }
      for (int k = 0; k < c.target_ports_size(); ++k) {
        const std::string port_path = field(indexed("target_ports", k));
        const std::uint32_t p = c.target_ports(k);
        port(port_path, p);
        if (!target || p < 1 || p > 65535) continue;
        const auto it = listeners_.find({*target, p});
        if (it == listeners_.end()) {
          error(port_path,
                fmt::format("no server listens on port {} of group \"{}\"", p, c.target_group()));
        } else if (c.close().closer() == pb::SERVER &&
                   s_.servers(it->second).close_first() == pb::CLIENT) {
          error(join_field_path(field("close"), "closer"),
                fmt::format("the client waits for the server to close, but servers[{}] (port {}) "
                            "waits for the client (close_first: CLIENT): neither would close",
                            it->second, p));
        }
      }
      check_load(field("load"), c.load());
      distribution(field("request_size"), c.request_size());
      distribution(field("response_size"), c.response_size());
      check_pool(field("pool"), c.pool());
      const std::string close = field("close");
      duration(join_field_path(close, "delay"), c.close().delay(), Need::kOptional);
      fraction(join_field_path(close, "linger_zero_fraction"), c.close().linger_zero_fraction());
      const std::string retry = field("retry");
      if (c.retry().has_delay()) {
        duration(join_field_path(retry, "delay"), c.retry().delay(), Need::kOptional);
      }
      if (c.retry().has_backoff()) {
        distribution(join_field_path(retry, "backoff"), c.retry().backoff());
      }
      if (c.has_tcp_syncnt() && (c.tcp_syncnt() < 1 || c.tcp_syncnt() > 127)) {
        error(field("tcp_syncnt"), fmt::format("must be in 1..127, got {}", c.tcp_syncnt()));
      }
    }
  }

  void check_load(const std::string& path, const pb::Load& load) {
    auto field = [&](std::string_view model, std::string_view f) {
      return join_field_path(join_field_path(path, model), f);
    };
    switch (load.model_case()) {
      case pb::Load::kConstant:
        positive_rate(field("constant", "rate"), load.constant().rate());
        break;
      case pb::Load::kPoisson:
        positive_rate(field("poisson", "rate"), load.poisson().rate());
        break;
      case pb::Load::kOnOff: {
        const pb::OnOffLoad& m = load.on_off();
        positive_rate(field("on_off", "on_rate"), m.on_rate());
        positive_duration(field("on_off", "on_duration"), m.on_duration(), Need::kRequired);
        positive_duration(field("on_off", "off_duration"), m.off_duration(), Need::kRequired);
        break;
      }
      case pb::Load::kRamp: {
        const pb::RampLoad& m = load.ramp();
        non_negative_rate(field("ramp", "from_rate"), m.from_rate());
        non_negative_rate(field("ramp", "to_rate"), m.to_rate());
        if (m.from_rate() == 0 && m.to_rate() == 0) {
          error(field("ramp", "to_rate"), "from_rate and to_rate are both 0: no load");
        }
        positive_duration(field("ramp", "over"), m.over(), Need::kRequired);
        break;
      }
      case pb::Load::kStep:
        check_steps(join_field_path(path, "step"), load.step());
        break;
      case pb::Load::kDiurnal: {
        const pb::DiurnalLoad& m = load.diurnal();
        positive_rate(field("diurnal", "mean_rate"), m.mean_rate());
        fraction(field("diurnal", "amplitude"), m.amplitude());
        positive_duration(field("diurnal", "period"), m.period(), Need::kOptional);
        duration(field("diurnal", "phase"), m.phase(), Need::kOptional);
        break;
      }
      case pb::Load::kTrace:
        check_trace(field("trace", "csv_path"), load.trace().csv_path());
        break;
      case pb::Load::kClosedLoop:
        if (load.closed_loop().users() < 1) {
          error(field("closed_loop", "users"), "must be >= 1, got 0");
        }
        distribution(field("closed_loop", "think_time"), load.closed_loop().think_time());
        break;
      case pb::Load::MODEL_NOT_SET:
        error(path, fmt::format("missing load model (one of {})", kLoadModels));
        break;
    }
  }

  void check_steps(const std::string& path, const pb::StepLoad& m) {
    if (m.steps().empty()) {
      error(join_field_path(path, "steps"), "at least one step is required");
      return;
    }
    std::optional<Time> previous;
    bool any_load = false;
    for (int k = 0; k < m.steps_size(); ++k) {
      const std::string step = join_field_path(path, indexed("steps", k));
      const auto at = duration(join_field_path(step, "at"), m.steps(k).at(), Need::kRequired);
      if (at && previous && *at <= *previous) {
        error(join_field_path(step, "at"),
              fmt::format("steps must be in increasing time order: {} is not after {}",
                          sim::format_duration(*at), sim::format_duration(*previous)));
      }
      if (at) previous = at;
      non_negative_rate(join_field_path(step, "rate"), m.steps(k).rate());
      any_load = any_load || m.steps(k).rate() > 0;
    }
    if (!any_load) error(join_field_path(path, "steps"), "every step has rate 0: no load");
  }

  void check_trace(const std::string& path, const std::string& csv_path) {
    if (csv_path.empty()) {
      error(path, "required: the CSV file of arrival times");
      return;
    }
    std::filesystem::path file(csv_path);
    if (file.is_relative()) file = base_dir_ / file;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      error(path, fmt::format("no such file: {}", file.string()));
    }
  }

  void check_pool(const std::string& path, const pb::Pool& pool) {
    auto field = [&](std::string_view kind, std::string_view f) {
      return join_field_path(join_field_path(path, kind), f);
    };
    switch (pool.kind_case()) {
      case pb::Pool::kKeepAlive:
        positive_duration(field("keep_alive", "idle_timeout"), pool.keep_alive().idle_timeout(),
                          Need::kOptional);
        break;
      case pb::Pool::kBounded: {
        const pb::BoundedPool& b = pool.bounded();
        if (b.max_total() < 1) error(field("bounded", "max_total"), "must be >= 1, got 0");
        const std::uint32_t max_idle = b.has_max_idle() ? b.max_idle() : b.max_total();
        if (b.has_max_idle() && b.max_idle() > b.max_total()) {
          error(field("bounded", "max_idle"), fmt::format("max_idle ({}) must be <= max_total ({})",
                                                          b.max_idle(), b.max_total()));
        } else if (b.min_idle() > max_idle) {
          error(field("bounded", "min_idle"),
                fmt::format("min_idle ({}) must be <= max_idle ({}{})", b.min_idle(), max_idle,
                            b.has_max_idle() ? "" : ", from max_total"));
        }
        positive_duration(field("bounded", "idle_timeout"), b.idle_timeout(), Need::kOptional);
        positive_duration(field("bounded", "max_lifetime"), b.max_lifetime(), Need::kOptional);
        positive_duration(join_field_path(field("bounded", "wait_queue"), "timeout"),
                          b.wait_queue().timeout(), Need::kOptional);
        break;
      }
      case pb::Pool::kMultiplexed: {
        const pb::MultiplexedPool& m = pool.multiplexed();
        if (m.has_max_streams() && m.max_streams() < 1) {
          error(field("multiplexed", "max_streams"), "must be >= 1, got 0");
        }
        if (m.has_connections_per_origin() && m.connections_per_origin() < 1) {
          error(field("multiplexed", "connections_per_origin"), "must be >= 1, got 0");
        }
        positive_duration(field("multiplexed", "idle_timeout"), m.idle_timeout(), Need::kOptional);
        break;
      }
      case pb::Pool::kNone:
      case pb::Pool::KIND_NOT_SET:
        break;
    }
  }

  const pb::Scenario& s_;
  std::filesystem::path base_dir_;
  Validation out_;
  std::map<std::string, std::string> nodes_;  // group and switch names -> the path naming them
  std::map<std::string, int> group_index_;    // first group of each name
  std::map<std::pair<int, std::uint32_t>, int> listeners_;  // (group, port) -> server
  std::optional<DisjointSets> connected_;                   // groups, then switches
  bool links_complete_ = true;                              // no link was refused
};

}  // namespace

Validation validate_scenario(const scenario::Scenario& scenario,
                             const std::filesystem::path& base_dir) {
  return Validator(scenario, base_dir).run();
}

}  // namespace tcpsim::scenarios
