#include "scenarios/kernel_resolver.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

#include "scenarios/sysctl_ports.h"
#include "sim/duration.h"

namespace tcpsim::scenarios {
namespace {

void add(std::vector<Problem>& problems, std::string field, std::string message) {
  problems.push_back(Problem::of_field(std::move(field), std::move(message)));
}

void apply_duration(std::vector<Problem>& problems, std::string_view field, bool has,
                    const std::string& text, sim::Time& out) {
  if (!has) return;
  std::string error;
  if (const auto t = sim::parse_duration(text, &error)) {
    out = *t;
  } else {
    add(problems, std::string(field), error);
  }
}

std::optional<std::uint16_t> port_end(std::vector<Problem>& problems, std::string_view field,
                                      std::uint32_t value) {
  if (value < 1 || value > 65535) {
    add(problems, std::string(field), fmt::format("port {} is outside 1..65535", value));
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// The field a problem of KernelSettings::validate about `setting` points at.
std::string field_of(const scenario::Kernel& k, std::string_view setting) {
  if (setting == "ip_local_port_range" && !k.has_ip_local_port_range()) {
    if (k.has_ip_local_port_range_low()) return "ip_local_port_range_low";
    if (k.has_ip_local_port_range_high()) return "ip_local_port_range_high";
  }
  return std::string(setting);
}

}  // namespace

tcp::KernelSettings resolve_kernel(const scenario::Kernel& k, std::vector<Problem>& problems) {
  tcp::KernelSettings s = tcp::KernelSettings::linux_defaults();
  const std::string preset = k.preset().empty() ? "linux" : k.preset();
  if (const tcp::KernelSettings* base = tcp::KernelSettings::preset(preset)) {
    s = *base;
  } else {
    add(problems, "preset",
        fmt::format("unknown preset \"{}\" (known: linux, rfc9293)", k.preset()));
  }

  std::string error;
  if (k.has_ip_local_port_range()) {
    if (const auto range = parse_port_range(k.ip_local_port_range(), &error)) {
      s.ip_local_port_range = *range;
    } else {
      add(problems, "ip_local_port_range", error);
    }
  }
  if (k.has_ip_local_port_range_low()) {
    if (const auto p = port_end(problems, "ip_local_port_range_low", k.ip_local_port_range_low())) {
      s.ip_local_port_range.low = *p;
    }
  }
  if (k.has_ip_local_port_range_high()) {
    if (const auto p =
            port_end(problems, "ip_local_port_range_high", k.ip_local_port_range_high())) {
      s.ip_local_port_range.high = *p;
    }
  }
  if (k.has_ip_local_reserved_ports()) {
    if (auto ranges = parse_reserved_ports(k.ip_local_reserved_ports(), &error)) {
      s.ip_local_reserved_ports = std::move(*ranges);
    } else {
      add(problems, "ip_local_reserved_ports", error);
    }
  }
  if (k.has_tcp_tw_reuse()) s.tcp_tw_reuse = k.tcp_tw_reuse();
  apply_duration(problems, "tcp_tw_reuse_delay", k.has_tcp_tw_reuse_delay(), k.tcp_tw_reuse_delay(),
                 s.tcp_tw_reuse_delay);
  if (k.has_tcp_timestamps()) s.tcp_timestamps = k.tcp_timestamps();
  apply_duration(problems, "tcp_fin_timeout", k.has_tcp_fin_timeout(), k.tcp_fin_timeout(),
                 s.tcp_fin_timeout);
  if (k.has_tcp_max_tw_buckets()) s.tcp_max_tw_buckets = k.tcp_max_tw_buckets();
  if (k.has_tcp_syn_retries()) s.tcp_syn_retries = k.tcp_syn_retries();
  if (k.has_tcp_syn_linear_timeouts()) s.tcp_syn_linear_timeouts = k.tcp_syn_linear_timeouts();
  if (k.has_tcp_synack_retries()) s.tcp_synack_retries = k.tcp_synack_retries();
  if (k.has_somaxconn()) s.somaxconn = k.somaxconn();
  if (k.has_tcp_abort_on_overflow()) s.tcp_abort_on_overflow = k.tcp_abort_on_overflow();
  if (k.has_tcp_orphan_retries()) s.tcp_orphan_retries = k.tcp_orphan_retries();
  if (k.has_tcp_retries2()) s.tcp_retries2 = k.tcp_retries2();
  if (k.has_tcp_rfc1337()) s.tcp_rfc1337 = k.tcp_rfc1337();
  if (k.has_nofile()) s.nofile = k.nofile();
  apply_duration(problems, "time_wait_length", k.has_time_wait_length(), k.time_wait_length(),
                 s.time_wait_length);
  apply_duration(problems, "tcp_timeout_init", k.has_tcp_timeout_init(), k.tcp_timeout_init(),
                 s.tcp_timeout_init);
  apply_duration(problems, "tcp_rto_min", k.has_tcp_rto_min(), k.tcp_rto_min(), s.tcp_rto_min);
  apply_duration(problems, "tcp_rto_max", k.has_tcp_rto_max(), k.tcp_rto_max(), s.tcp_rto_max);
  apply_duration(problems, "tcp_timeout_min", k.has_tcp_timeout_min(), k.tcp_timeout_min(),
                 s.tcp_timeout_min);
  if (k.has_mss()) s.mss = k.mss();

  // A value that did not parse has been reported above and left the preset's value in place,
  // so it is not reported twice.
  for (const std::string& p : s.validate()) {
    const std::size_t colon = p.find(": ");
    if (colon == std::string::npos) {
      add(problems, "", p);
    } else {
      add(problems, field_of(k, std::string_view(p).substr(0, colon)), p.substr(colon + 2));
    }
  }
  return s;
}

}  // namespace tcpsim::scenarios
