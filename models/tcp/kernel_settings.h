// A host's TCP sysctls and limits, named as Linux names them, with presets
// for common defaults; every field can be overridden after choosing a preset.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/tcp/kernel_knob_list.h"
#include "sim/time.h"

namespace tcpsim::tcp {

struct PortRange {
  std::uint16_t low = 0;
  std::uint16_t high = 0;
  [[nodiscard]] std::uint32_t size() const { return high >= low ? high - low + 1U : 0U; }
  [[nodiscard]] bool contains(std::uint16_t p) const { return p >= low && p <= high; }
  bool operator==(const PortRange&) const = default;
};

// One member per row of kernel_knob_list.h, with the row's type and default (Linux's).
struct KernelSettings {
#define TCPSIM_KERNEL_SETTINGS_MEMBER(name, type, default_value, check, doc) \
  type name = default_value;
  TCPSIM_KERNEL_KNOBS(TCPSIM_KERNEL_SETTINGS_MEMBER)
#undef TCPSIM_KERNEL_SETTINGS_MEMBER

  static KernelSettings linux_defaults();
  // RFC 9293 with MSL = 120 s: TIME_WAIT 240 s, no TIME_WAIT reuse.
  static KernelSettings rfc9293();
  // Linux with conntrack loaded as kube-proxy configures it (--conntrack-min 131072,
  // established 24 h, CLOSE_WAIT 1 h).
  static KernelSettings kubernetes_node();
  // nullptr when the name is unknown; names: preset_names().
  static const KernelSettings* preset(std::string_view name);
  static std::span<const std::string_view> preset_names();

  // Every problem the rows' checkers find, each "field: message"; empty when valid.
  [[nodiscard]] std::vector<std::string> validate() const;

  bool operator==(const KernelSettings&) const = default;
};

}  // namespace tcpsim::tcp
