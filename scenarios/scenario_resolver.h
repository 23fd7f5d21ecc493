// The one resolve pass: a parsed scenario becomes typed configs (run, kernels and addresses,
// topology, servers, clients) or the list of every problem, each naming its field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/net/topology.h"
#include "scenarios/client_node.h"
#include "scenarios/gateway_node.h"
#include "scenarios/problem.h"
#include "scenarios/proxy_node.h"
#include "scenarios/resolved_group.h"
#include "scenarios/scenario.pb.h"
#include "scenarios/server_node.h"
#include "sim/time.h"

namespace tcpsim::scenarios {

struct ResolvedLink {
  // A group index, groups.size() + a switch index, or groups.size() + switches.size() + a
  // gateway index.
  int from = -1;
  int to = -1;
  net::LinkParams params;
};

struct ResolvedScenario {
  std::string name;
  std::uint64_t seed = 0;
  sim::Time duration = 0;
  sim::Time warmup = 0;
  sim::Time interval = sim::kSecond;
  std::vector<ResolvedGroup> groups;
  std::vector<std::string> switches;
  std::vector<ResolvedLink> links;  // empty: every group hangs off one implicit switch
  std::vector<ResolvedServer> servers;
  std::vector<ResolvedClient> clients;
  std::vector<ResolvedProxy> proxies;
  std::vector<ResolvedGateway> gateways;

  // The group of that name, or nullptr.
  [[nodiscard]] const ResolvedGroup* group(std::string_view name) const;
};

struct Resolution {
  // Set when there was no problem.
  std::optional<ResolvedScenario> scenario;
  // Field paths set, locations left to the caller.
  std::vector<Problem> problems;
  // The same, of what runs but is likely a mistake.
  std::vector<Problem> warnings;
};

// `base_dir` is the folder relative paths in the scenario (trace files) are resolved against.
Resolution resolve_scenario(const scenario::Scenario& scenario,
                            const std::filesystem::path& base_dir);

}  // namespace tcpsim::scenarios
