#include "scenarios/socket_options.h"

#include <fmt/format.h>

#include <limits>

#include "scenarios/field_path.h"
#include "sim/duration.h"

namespace tcpsim::scenarios {
namespace {

// TCP_KEEPIDLE and TCP_KEEPINTVL take whole seconds in 1..32767; 0 when `text` is empty.
std::optional<std::uint16_t> keepalive_seconds(const std::string& text, const std::string& path,
                                               ResolveContext& ctx) {
  if (text.empty()) return 0;
  const std::optional<sim::Time> t = ctx.positive_duration(path, text, Need::kOptional);
  if (!t) return std::nullopt;
  if (*t % sim::kSecond != 0 || *t / sim::kSecond > tcp::kMaxKeepaliveSeconds) {
    ctx.error(path, fmt::format("must be whole seconds in 1s..{}s, got \"{}\"",
                                tcp::kMaxKeepaliveSeconds, text));
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(*t / sim::kSecond);
}

}  // namespace

std::optional<tcp::Keepalive> resolve_keepalive(const scenario::Keepalive& k,
                                                const std::string& path, ResolveContext& ctx) {
  const std::size_t problems_before = ctx.problem_count();
  tcp::Keepalive out;
  out.enabled = k.enabled();
  if (!k.enabled() && (!k.idle().empty() || !k.interval().empty() || k.has_probes())) {
    ctx.error(join_field_path(path, "enabled"),
              "must be true when idle, interval or probes is set (SO_KEEPALIVE is off)");
  }
  const auto idle = keepalive_seconds(k.idle(), join_field_path(path, "idle"), ctx);
  const auto interval = keepalive_seconds(k.interval(), join_field_path(path, "interval"), ctx);
  if (k.has_probes()) {
    if (k.probes() < 1 || k.probes() > tcp::kMaxKeepaliveProbes) {
      ctx.error(join_field_path(path, "probes"),
                fmt::format("must be in 1..{}, got {}", tcp::kMaxKeepaliveProbes, k.probes()));
    } else {
      out.probes = static_cast<std::uint8_t>(k.probes());
    }
  }
  if (ctx.problem_count() != problems_before) return std::nullopt;
  out.idle_s = *idle;
  out.intvl_s = *interval;
  return out;
}

std::optional<std::uint32_t> resolve_user_timeout(const std::string& text, const std::string& path,
                                                  ResolveContext& ctx) {
  if (text.empty()) return 0;
  const std::optional<sim::Time> t = ctx.positive_duration(path, text, Need::kOptional);
  if (!t) return std::nullopt;
  constexpr auto kMaxMs = static_cast<sim::Time>(std::numeric_limits<int>::max());
  if (*t % sim::kMillisecond != 0 || *t / sim::kMillisecond > kMaxMs) {
    ctx.error(path,
              fmt::format("must be whole milliseconds in 1ms..{}ms, got \"{}\"", kMaxMs, text));
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*t / sim::kMillisecond);
}

}  // namespace tcpsim::scenarios
