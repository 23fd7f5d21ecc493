// Connection tracking on the hosts of a group whose kernel loads it (nf_conntrack): a
// conntrack table per host as the network's filter for that host, with its metrics.
#pragma once

#include <memory>

#include "models/net/conntrack_config.h"
#include "models/tcp/kernel_settings.h"
#include "scenarios/world_node.h"

namespace tcpsim::scenarios {

// The table's size and timeouts as the kernel settings give them.
net::ConntrackConfig conntrack_config(const tcp::KernelSettings& kernel);

// `group`: the scenario group whose hosts track their flows.
std::unique_ptr<WorldNode> make_conntrack_node(int group);

}  // namespace tcpsim::scenarios
