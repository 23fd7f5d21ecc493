// What every part of the resolve pass shares: the problems found so far and readers that turn a
// scenario field into a typed value or record a problem naming the field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/problem.h"
#include "scenarios/resolved_group.h"
#include "scenarios/scenario.pb.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace tcpsim::scenarios {

enum class Need { kOptional, kRequired };

class ResolveContext {
 public:
  ResolveContext(const scenario::Scenario& scenario, std::filesystem::path base_dir)
      : scenario_(scenario), base_dir_(std::move(base_dir)) {}

  [[nodiscard]] const scenario::Scenario& scenario() const { return scenario_; }
  // The folder relative paths (trace files) are read from.
  [[nodiscard]] const std::filesystem::path& base_dir() const { return base_dir_; }

  // Host groups, resolved first: every node kind runs on one.
  std::vector<ResolvedGroup> groups;
  std::map<std::string, int> group_index;  // first group of each name
  // A port listened on: the entry that listens ("servers[0]", "proxies[1].downstream") and
  // who closes its connections first.
  struct Listener {
    std::string path;
    scenario::Side close_first = scenario::CLIENT;
  };
  // (group, port) -> the server or proxy listening there.
  std::map<std::pair<int, std::uint32_t>, Listener> listeners;
  // Group -> the gateway it is behind ("nat_gateways[0]").
  std::map<int, std::string> gateway_of;
  // Whether group b can be reached from group a through the topology.
  std::function<bool(int, int)> reachable = [](int, int) { return true; };

  // The index of the group named `name`, or nullopt after recording a problem at `path`.
  std::optional<int> group(const std::string& path, const std::string& name);

  void error(std::string path, std::string message) {
    problems_.push_back(Problem::of_field(std::move(path), std::move(message)));
  }
  // What runs as written but is most likely a mistake (a port nobody listens on).
  void warn(std::string path, std::string message) {
    warnings_.push_back(Problem::of_field(std::move(path), std::move(message)));
  }
  [[nodiscard]] std::size_t problem_count() const { return problems_.size(); }
  [[nodiscard]] std::vector<Problem> take_problems() { return std::move(problems_); }
  [[nodiscard]] std::vector<Problem> take_warnings() { return std::move(warnings_); }

  // Unset (empty) durations give nullopt, an error too when required.
  std::optional<sim::Time> duration(const std::string& path, const std::string& text, Need need);
  // As duration, refusing "0s" too.
  std::optional<sim::Time> positive_duration(const std::string& path, const std::string& text,
                                             Need need);
  // The duration, `fallback` when unset, nullopt after recording a problem.
  std::optional<sim::Time> duration_or(const std::string& path, const std::string& text,
                                       sim::Time fallback);
  std::optional<double> fraction(const std::string& path, double value);
  std::optional<double> positive_rate(const std::string& path, double value);
  std::optional<double> non_negative_rate(const std::string& path, double value);
  std::optional<std::uint16_t> port(const std::string& path, std::uint32_t value);
  // "low high", as ip_local_port_range reads.
  std::optional<tcp::PortRange> port_range(const std::string& path, const std::string& text);
  // Seconds; an unset distribution is the constant 0.
  std::optional<sim::Distribution> time_distribution(const std::string& path,
                                                     const scenario::TimeDistribution& d);
  // Bytes of one request or response, at least 1 when constant; nullopt without a problem
  // when unset.
  std::optional<sim::Distribution> message_size(const std::string& path,
                                                const scenario::SizeDistribution& d);

 private:
  std::optional<double> rate_at_most_limit(const std::string& path, double value);

  const scenario::Scenario& scenario_;
  std::filesystem::path base_dir_;
  std::vector<Problem> problems_;
  std::vector<Problem> warnings_;
};

}  // namespace tcpsim::scenarios
