// A client group: one connecting application on every host of a group, read from a
// scenario's `clients` entry (load, pool, close, retry) and placed on the world.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/app/client_app.h"
#include "models/metrics/source.h"
#include "scenarios/resolve_context.h"
#include "scenarios/world_node.h"

namespace tcpsim::scenarios {

struct ResolvedClient {
  std::string name;       // label in results
  int group = -1;         // the scenario group it runs on
  int target_group = -1;  // the group its requests go to
  bool loopback = false;  // a proxy's upstream on its own host, at 127.0.0.1
  std::optional<net::Ipv4> source_address;
  std::optional<tcp::PortRange> source_ports;
  app::ClientConfig config;
};

// Reads the client at `path` ("clients[0]"); servers and proxies' downstream sides must have
// been read: their listeners are checked. Nullopt when the entry has a problem (recorded in
// ctx). `stop` ends the issuing of requests. `host_group`, when set, is the group of the proxy
// whose upstream side `client` is: its own `group`, `name` and `load` must then be unset.
std::optional<ResolvedClient> resolve_client(const scenario::Client& client,
                                             const std::string& path, std::optional<int> host_group,
                                             sim::Time stop, ResolveContext& ctx);

std::unique_ptr<WorldNode> make_client_node(const ResolvedClient& client);

// A client's counters as its group's client metrics (a proxy's upstream side reports so too).
void add_client_sample(metrics::Sample& out, const app::ClientCounters& c);

// The latencies the clients of a node recorded together, as their group's histograms.
class ClientLatencyStats final : public metrics::Source {
 public:
  explicit ClientLatencyStats(const app::ClientLatencies& latencies) : latencies_(latencies) {}
  void sample(metrics::Sample& /*out*/) const override {}
  void finish(metrics::Totals& out) const override;

 private:
  const app::ClientLatencies& latencies_;
};

}  // namespace tcpsim::scenarios
