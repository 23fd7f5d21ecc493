// The size and per-state timeouts of a Linux conntrack table (nf_conntrack_max and the
// nf_conntrack_tcp_timeout_* sysctls), with the kernel's and kube-proxy's defaults.
#pragma once

#include <array>
#include <cstdint>

#include "models/net/flow_state.h"
#include "sim/time.h"

namespace tcpsim::net {

struct ConntrackConfig {
  std::uint64_t max_entries = 0;  // nf_conntrack_max; 0 = unlimited
  std::array<sim::Time, kFlowStateCount> timeouts{};

  // The kernel's defaults: SYN_SENT 120 s, SYN_RECV 60 s, ESTABLISHED 432,000 s (5 days),
  // FIN_WAIT 120 s, CLOSE_WAIT 60 s, LAST_ACK 30 s, TIME_WAIT 120 s, CLOSE 10 s, SYN_SENT2
  // 120 s; nf_conntrack_max at its largest default, 262,144 (memory / 16,384 buckets,
  // clamped to 1,024..262,144).
  static ConntrackConfig linux_defaults();
  // kube-proxy's settings: nf_conntrack_max = max(32,768 x cores, 131,072), CLOSE_WAIT 1 h,
  // ESTABLISHED 24 h, the rest the kernel's.
  static ConntrackConfig kube_proxy(std::uint32_t cores);
};

}  // namespace tcpsim::net
