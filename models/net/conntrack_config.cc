#include "models/net/conntrack_config.h"

#include <algorithm>

namespace tcpsim::net {

ConntrackConfig ConntrackConfig::linux_defaults() {
  ConntrackConfig c;
  c.max_entries = 262'144;
  auto set = [&c](FlowState state, sim::Time value) {
    c.timeouts[static_cast<std::size_t>(state)] = value;
  };
  set(FlowState::kSynSent, 120 * sim::kSecond);
  set(FlowState::kSynRecv, 60 * sim::kSecond);
  set(FlowState::kEstablished, 432'000 * sim::kSecond);
  set(FlowState::kFinWait, 120 * sim::kSecond);
  set(FlowState::kCloseWait, 60 * sim::kSecond);
  set(FlowState::kLastAck, 30 * sim::kSecond);
  set(FlowState::kTimeWait, 120 * sim::kSecond);
  set(FlowState::kClose, 10 * sim::kSecond);
  set(FlowState::kSynSent2, 120 * sim::kSecond);
  return c;
}

ConntrackConfig ConntrackConfig::kube_proxy(std::uint32_t cores) {
  ConntrackConfig c = linux_defaults();
  c.max_entries = std::max<std::uint64_t>(32'768ULL * cores, 131'072);
  c.timeouts[static_cast<std::size_t>(FlowState::kCloseWait)] = sim::kHour;
  c.timeouts[static_cast<std::size_t>(FlowState::kEstablished)] = 24 * sim::kHour;
  return c;
}

}  // namespace tcpsim::net
