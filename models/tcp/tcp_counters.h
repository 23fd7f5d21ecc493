// Per-host TCP counters, named after Linux's /proc/net/snmp and netstat
// (TcpExt) fields so that results compare with `nstat` output.
#pragma once

#include <cstdint>

namespace tcpsim::tcp {

struct TcpCounters {
  std::uint64_t active_opens = 0;        // Tcp.ActiveOpens: SYNs sent by connect()
  std::uint64_t passive_opens = 0;       // Tcp.PassiveOpens
  std::uint64_t attempt_fails = 0;       // Tcp.AttemptFails
  std::uint64_t estab_resets = 0;        // Tcp.EstabResets
  std::uint64_t out_rsts = 0;            // Tcp.OutRsts
  std::uint64_t retrans_segs = 0;        // Tcp.RetransSegs
  std::uint64_t listen_overflows = 0;    // TcpExt.ListenOverflows
  std::uint64_t listen_drops = 0;        // TcpExt.ListenDrops
  std::uint64_t time_waited = 0;         // TcpExt.TW: TIME_WAIT/FIN_WAIT_2 records made
  std::uint64_t tw_recycled = 0;         // TcpExt.TWRecycled
  std::uint64_t time_wait_overflow = 0;  // TcpExt.TCPTimeWaitOverflow
  std::uint64_t abort_on_data = 0;       // TcpExt.TCPAbortOnData
  std::uint64_t abort_on_close = 0;      // TcpExt.TCPAbortOnClose
  std::uint64_t abort_on_timeout = 0;    // TcpExt.TCPAbortOnTimeout
  std::uint64_t syn_challenge = 0;       // TcpExt.TCPSYNChallenge
  std::uint64_t challenge_acks = 0;      // TcpExt.TCPChallengeACK
  std::uint64_t syn_retrans = 0;         // TcpExt.TCPSynRetrans: SYN and SYN-ACK
  std::uint64_t keepalive_probes = 0;    // TcpExt.TCPKeepAlive: keepalive probes sent
  std::uint64_t tw_syn_accepted = 0;     // SYNs that reopened a TIME_WAIT 4-tuple
  std::uint64_t connect_eaddrnotavail = 0;
  std::int64_t first_eaddrnotavail_ns = -1;  // simulated time of the first, -1 if none
  std::uint64_t bind_eaddrinuse = 0;
  std::uint64_t emfile = 0;
};

}  // namespace tcpsim::tcp
