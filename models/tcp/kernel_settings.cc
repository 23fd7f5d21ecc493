#include "models/tcp/kernel_settings.h"

#include <fmt/format.h>

#include <array>

#include "models/tcp/kernel_knobs.h"

namespace tcpsim::tcp {
namespace {

constexpr std::array<std::string_view, 3> kPresetNames = {"linux", "rfc9293", "kubernetes_node"};

}  // namespace

KernelSettings KernelSettings::linux_defaults() { return KernelSettings{}; }

KernelSettings KernelSettings::rfc9293() {
  KernelSettings s;
  s.time_wait_length = 240 * sim::kSecond;
  s.tcp_tw_reuse = 0;
  s.ip_local_port_range = {49152, 65535};
  s.hz = 0;  // the RFC's timers are exact
  return s;
}

KernelSettings KernelSettings::kubernetes_node() {
  KernelSettings s;
  s.nf_conntrack = true;
  s.nf_conntrack_max = 131072;  // kube-proxy --conntrack-min
  s.nf_conntrack_tcp_timeout_established = 24 * 3600 * sim::kSecond;
  s.nf_conntrack_tcp_timeout_close_wait = 3600 * sim::kSecond;
  return s;
}

const KernelSettings* KernelSettings::preset(std::string_view name) {
  static const KernelSettings kLinux = linux_defaults();
  static const KernelSettings kRfc = rfc9293();
  static const KernelSettings kKubernetes = kubernetes_node();
  if (name == kPresetNames[0]) return &kLinux;
  if (name == kPresetNames[1]) return &kRfc;
  if (name == kPresetNames[2]) return &kKubernetes;
  return nullptr;
}

std::span<const std::string_view> KernelSettings::preset_names() { return kPresetNames; }

std::vector<std::string> KernelSettings::validate() const {
  std::vector<std::string> problems;
  for (const KnobProblem& p : check_kernel_settings(*this)) {
    problems.push_back(fmt::format("{}: {}", p.knob, p.message));
  }
  return problems;
}

}  // namespace tcpsim::tcp
