#include "models/tcp/kernel_settings.h"

#include <fmt/format.h>

namespace tcpsim::tcp {

KernelSettings KernelSettings::linux_defaults() { return KernelSettings{}; }

KernelSettings KernelSettings::rfc9293() {
  KernelSettings s;
  s.time_wait_length = 240 * sim::kSecond;
  s.tcp_tw_reuse = 0;
  s.ip_local_port_range = {49152, 65535};
  return s;
}

const KernelSettings* KernelSettings::preset(std::string_view name) {
  static const KernelSettings kLinux = linux_defaults();
  static const KernelSettings kRfc = rfc9293();
  if (name == "linux") return &kLinux;
  if (name == "rfc9293") return &kRfc;
  return nullptr;
}

std::vector<std::string> KernelSettings::validate() const {
  std::vector<std::string> problems;
  auto bad = [&](std::string_view field, const std::string& why) {
    problems.push_back(fmt::format("{}: {}", field, why));
  };
  if (ip_local_port_range.low == 0 || ip_local_port_range.low > ip_local_port_range.high) {
    bad("ip_local_port_range", fmt::format("low ({}) must be >= 1 and <= high ({})",
                                           ip_local_port_range.low, ip_local_port_range.high));
  }
  for (const PortRange& r : ip_local_reserved_ports) {
    if (r.low > r.high) {
      bad("ip_local_reserved_ports", fmt::format("range {}-{} has low > high", r.low, r.high));
    }
  }
  if (tcp_tw_reuse < 0 || tcp_tw_reuse > 2) {
    bad("tcp_tw_reuse", fmt::format("must be 0, 1 or 2, got {}", tcp_tw_reuse));
  }
  if (tcp_tw_reuse_delay < sim::kMillisecond || tcp_tw_reuse_delay > 60 * sim::kSecond) {
    bad("tcp_tw_reuse_delay", "must be between 1ms and 60s");
  }
  if (tcp_fin_timeout <= 0) bad("tcp_fin_timeout", "must be > 0");
  if (tcp_syn_retries < 1 || tcp_syn_retries > 127) {
    bad("tcp_syn_retries", fmt::format("must be in 1..127, got {}", tcp_syn_retries));
  }
  if (tcp_syn_linear_timeouts < 0 || tcp_syn_linear_timeouts > 20) {
    bad("tcp_syn_linear_timeouts",
        fmt::format("must be in 0..20, got {}", tcp_syn_linear_timeouts));
  }
  if (tcp_synack_retries < 1 || tcp_synack_retries > 255) {
    bad("tcp_synack_retries", fmt::format("must be in 1..255, got {}", tcp_synack_retries));
  }
  if (somaxconn == 0) bad("somaxconn", "must be > 0");
  if (tcp_orphan_retries < 0) bad("tcp_orphan_retries", "must be >= 0");
  if (tcp_retries2 < 1) bad("tcp_retries2", "must be >= 1");
  if (nofile < 1) bad("nofile", "must be >= 1");
  if (time_wait_length <= 0) bad("time_wait_length", "must be > 0");
  if (tcp_timeout_init <= 0) bad("tcp_timeout_init", "must be > 0");
  if (tcp_rto_min <= 0 || tcp_rto_min > tcp_rto_max) {
    bad("tcp_rto_min", "must be > 0 and <= tcp_rto_max");
  }
  if (tcp_timeout_min <= 0) bad("tcp_timeout_min", "must be > 0");
  if (mss < 64) bad("mss", fmt::format("must be >= 64, got {}", mss));
  return problems;
}

}  // namespace tcpsim::tcp
