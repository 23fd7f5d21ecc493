// A proxy group: on every host of a group, a server to the clients that target it and a client
// of its upstream group, read from a scenario's `proxies` entry and placed on the world.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "scenarios/client_node.h"
#include "scenarios/resolve_context.h"
#include "scenarios/server_node.h"
#include "scenarios/world_node.h"

namespace tcpsim::scenarios {

struct ResolvedProxy {
  std::string name;  // label in results
  int group = -1;    // the scenario group it runs on
  ResolvedServer downstream;
  ResolvedClient upstream;
  sim::Time upstream_timeout = 0;  // 0: none
  std::uint32_t error_response_size = 100;
};

// Reads proxies[index]'s group and downstream side and claims its ports in ctx.listeners, as
// resolve_server does; before any client is read. Nullopt after recording a problem.
std::optional<ResolvedServer> resolve_proxy_downstream(const scenario::Proxy& proxy, int index,
                                                       ResolveContext& ctx);

// Reads the rest of proxies[index] once every listener is known; `downstream` is what
// resolve_proxy_downstream gave. Nullopt when it or the upstream side has a problem.
std::optional<ResolvedProxy> resolve_proxy(const scenario::Proxy& proxy, int index,
                                           std::optional<ResolvedServer> downstream, sim::Time stop,
                                           ResolveContext& ctx);

std::unique_ptr<WorldNode> make_proxy_node(const ResolvedProxy& proxy);

}  // namespace tcpsim::scenarios
