// The kernel's TCP counters as `nstat -az` names them (/proc/net/snmp's Tcp and
// /proc/net/netstat's TcpExt fields), each read from a host's tcp::TcpCounters.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "models/tcp/tcp_counters.h"

namespace tcpsim::metrics {

struct NstatCounter {
  std::string_view name;
  std::uint64_t tcp::TcpCounters::*member;
};

// In the kernel's order: Tcp first, then TcpExt as /proc/net/netstat lists them.
inline constexpr std::array<NstatCounter, 18> kNstatCounters{{
    {"TcpActiveOpens", &tcp::TcpCounters::active_opens},
    {"TcpPassiveOpens", &tcp::TcpCounters::passive_opens},
    {"TcpAttemptFails", &tcp::TcpCounters::attempt_fails},
    {"TcpEstabResets", &tcp::TcpCounters::estab_resets},
    {"TcpRetransSegs", &tcp::TcpCounters::retrans_segs},
    {"TcpOutRsts", &tcp::TcpCounters::out_rsts},
    {"TcpExtTW", &tcp::TcpCounters::time_waited},
    {"TcpExtTWRecycled", &tcp::TcpCounters::tw_recycled},
    {"TcpExtListenOverflows", &tcp::TcpCounters::listen_overflows},
    {"TcpExtListenDrops", &tcp::TcpCounters::listen_drops},
    {"TcpExtTCPAbortOnData", &tcp::TcpCounters::abort_on_data},
    {"TcpExtTCPAbortOnClose", &tcp::TcpCounters::abort_on_close},
    {"TcpExtTCPAbortOnTimeout", &tcp::TcpCounters::abort_on_timeout},
    {"TcpExtTCPTimeWaitOverflow", &tcp::TcpCounters::time_wait_overflow},
    {"TcpExtTCPChallengeACK", &tcp::TcpCounters::challenge_acks},
    {"TcpExtTCPSYNChallenge", &tcp::TcpCounters::syn_challenge},
    {"TcpExtTCPSynRetrans", &tcp::TcpCounters::syn_retrans},
    {"TcpExtTCPKeepAlive", &tcp::TcpCounters::keepalive_probes},
}};

inline constexpr std::array<std::string_view, kNstatCounters.size()> kNstatNames = [] {
  std::array<std::string_view, kNstatCounters.size()> names{};
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = kNstatCounters[i].name;
  return names;
}();

using NstatValues = std::array<std::uint64_t, kNstatCounters.size()>;

inline NstatValues nstat_values(const tcp::TcpCounters& c) {
  NstatValues v{};
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = c.*kNstatCounters[i].member;
  return v;
}

}  // namespace tcpsim::metrics
