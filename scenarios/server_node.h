// A server group: one listening application on every host of a group, read from a scenario's
// `servers` entry and placed on the world.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/app/host_crashes.h"
#include "models/app/server_app.h"
#include "scenarios/resolve_context.h"
#include "scenarios/world_node.h"

namespace tcpsim::scenarios {

struct ResolvedServer {
  std::string name;  // label in results
  int group = -1;    // the scenario group it runs on
  app::ServerConfig config;
  std::vector<app::Crash> crashes;  // of every host of the group
};

// Reads the server at `path` ("servers[0]") and claims its ports in ctx.listeners. Nullopt
// when the entry has a problem (recorded in ctx). `host_group`, when set, is the group of the
// proxy whose downstream side `server` is: its own `group` and `name` must then be unset.
std::optional<ResolvedServer> resolve_server(const scenario::Server& server,
                                             const std::string& path, std::optional<int> host_group,
                                             ResolveContext& ctx);

std::unique_ptr<WorldNode> make_server_node(const ResolvedServer& server);

}  // namespace tcpsim::scenarios
