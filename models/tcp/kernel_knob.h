// One kernel setting of KernelSettings as a row: its name, member, checker, doc and text
// form, so that readers, checkers and printers of settings need no code per setting.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/tcp/kernel_settings.h"
#include "sim/time.h"

namespace tcpsim::tcp {

// The value kinds, each with its text form: a decimal int or uint, "true"/"false", a
// duration ("250ms", sim/duration.h), a port range "low high", a reserved-port list
// "8080,9000-9100".
enum class KnobKind { kInt, kUint, kBool, kDuration, kPortRange, kPortList };

// A row's checker: its kind and the bounds of its value (of each port for port kinds). A
// non-empty `at_most` names a row of the same kind whose value bounds this one from above.
struct KnobCheck {
  KnobKind kind = KnobKind::kInt;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::string_view at_most;
};

// The checkers the rows of kernel_knob_list.h are written with.
namespace knob_checks {

constexpr KnobCheck int_in(int min, int max) { return {KnobKind::kInt, min, max, {}}; }
constexpr KnobCheck int_at_least(int min) {
  return {KnobKind::kInt, min, std::numeric_limits<int>::max(), {}};
}
constexpr KnobCheck uint_at_least(std::uint32_t min) {
  return {KnobKind::kUint, min, std::numeric_limits<std::uint32_t>::max(), {}};
}
constexpr KnobCheck uint_in(std::uint32_t min, std::uint32_t max) {
  return {KnobKind::kUint, min, max, {}};
}
constexpr KnobCheck flag() { return {KnobKind::kBool, 0, 1, {}}; }
constexpr KnobCheck duration_in(sim::Time min, sim::Time max = sim::kTimeMax,
                                std::string_view at_most = {}) {
  return {KnobKind::kDuration, min, max, at_most};
}
constexpr KnobCheck port_range() { return {KnobKind::kPortRange, 1, 65535, {}}; }
constexpr KnobCheck port_list() { return {KnobKind::kPortList, 1, 65535, {}}; }

}  // namespace knob_checks

class KernelKnob {
 public:
  // Alternatives in the order of KnobKind.
  using Member =
      std::variant<int KernelSettings::*, std::uint32_t KernelSettings::*, bool KernelSettings::*,
                   sim::Time KernelSettings::*, PortRange KernelSettings::*,
                   std::vector<PortRange> KernelSettings::*>;

  // Refuses to compile when the checker's kind is not the member's.
  consteval KernelKnob(std::string_view name, Member member, KnobCheck check, std::string_view doc)
      : name_(name), doc_(doc), member_(member), check_(check) {
    if (member.index() != static_cast<std::size_t>(check.kind)) {
      throw "the checker's kind does not match the member's type";
    }
  }

  [[nodiscard]] std::string_view name() const { return name_; }
  [[nodiscard]] std::string_view doc() const { return doc_; }
  [[nodiscard]] KnobKind kind() const { return check_.kind; }
  [[nodiscard]] const KnobCheck& bounds() const { return check_; }

  // Reads `text` (the kind's text form) into s's member. On failure leaves s untouched and
  // returns the message, which quotes the text.
  std::optional<std::string> parse(std::string_view text, KernelSettings& s) const;
  // The text form of s's member; parse reads it back to the same value.
  [[nodiscard]] std::string format(const KernelSettings& s) const;
  // The message when s's member breaks the checker's bounds; nullopt when it is fine.
  [[nodiscard]] std::optional<std::string> check(const KernelSettings& s) const;

 private:
  std::string_view name_;
  std::string_view doc_;
  Member member_;
  KnobCheck check_;
};

}  // namespace tcpsim::tcp
