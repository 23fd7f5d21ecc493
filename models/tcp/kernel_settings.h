// A host's TCP sysctls and limits, named as Linux names them, with presets
// for common defaults; every field can be overridden after choosing a preset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/time.h"

namespace tcpsim::tcp {

struct PortRange {
  std::uint16_t low = 0;
  std::uint16_t high = 0;
  [[nodiscard]] std::uint32_t size() const { return high >= low ? high - low + 1U : 0U; }
  [[nodiscard]] bool contains(std::uint16_t p) const { return p >= low && p <= high; }
};

struct KernelSettings {
  PortRange ip_local_port_range{32768, 60999};
  std::vector<PortRange> ip_local_reserved_ports;
  int tcp_tw_reuse = 2;  // 0 off, 1 on, 2 loopback only
  sim::Time tcp_tw_reuse_delay = sim::kSecond;
  bool tcp_timestamps = true;
  sim::Time tcp_fin_timeout = 60 * sim::kSecond;
  std::uint32_t tcp_max_tw_buckets = 131072;
  int tcp_syn_retries = 6;
  int tcp_syn_linear_timeouts = 4;
  int tcp_synack_retries = 5;
  std::uint32_t somaxconn = 4096;
  bool tcp_abort_on_overflow = false;
  int tcp_orphan_retries = 0;  // 0 means 8, as in tcp_orphan_retries()
  int tcp_retries2 = 15;
  bool tcp_rfc1337 = false;
  std::uint32_t nofile = 1024;  // RLIMIT_NOFILE of the application
  // Linux: TCP_TIMEWAIT_LEN, a constant 60 s; RFC 9293: 2 x MSL.
  sim::Time time_wait_length = 60 * sim::kSecond;
  sim::Time tcp_timeout_init = sim::kSecond;
  sim::Time tcp_rto_min = 200 * sim::kMillisecond;
  sim::Time tcp_rto_max = 120 * sim::kSecond;
  // TCP_TIMEOUT_MIN (2 jiffies at HZ=250): the re-armed SYN timer after a
  // challenge ACK in SYN_SENT.
  sim::Time tcp_timeout_min = 8 * sim::kMillisecond;
  std::uint32_t mss = 1448;

  static KernelSettings linux_defaults();
  // RFC 9293 with MSL = 120 s: TIME_WAIT 240 s, no TIME_WAIT reuse.
  static KernelSettings rfc9293();
  // nullptr when the name is unknown; names: "linux", "rfc9293".
  static const KernelSettings* preset(std::string_view name);

  // Every problem found, each naming the field; empty when valid.
  [[nodiscard]] std::vector<std::string> validate() const;
};

}  // namespace tcpsim::tcp
