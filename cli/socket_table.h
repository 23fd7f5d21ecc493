// `tcpsim run --ss HOST@TIME`: the request's syntax, and a recorded socket
// table printed the way `ss -tano` and `ss -s` show a host's TCP sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "models/metrics/run_results.h"
#include "scenarios/world.h"

namespace tcpsim::cli {

// "clients-0@30s": the host up to the last '@', a duration after it. On a
// malformed request returns nullopt and stores a message, naming `option`, in `error`.
std::optional<scenarios::SocketTableRequest> parse_socket_table_request(
    std::string_view text, std::string* error, std::string_view option = "--ss");

// A timer's remaining time as ss prints it (misc/ss.c print_ms_timer):
// "200ms", "007ms", "5.500ms" (5.5 s), "59sec", "1min", "1min30sec", "12min";
// whole milliseconds, truncated. Zero prints as "0ms" where ss prints nothing.
std::string ss_timer_text(sim::Time left);

// The `ss -s` line for TCP. estab counts ESTABLISHED and CLOSE-WAIT, as the
// kernel's CurrEstab (RFC 1213 tcpCurrEstab) does; closed counts sockets in
// CLOSED (UNCONN) that an application still holds; orphaned counts sockets no
// descriptor refers to in FIN-WAIT-1, FIN-WAIT-2 (records included), CLOSING
// or LAST-ACK; timewait counts TIME-WAIT records.
struct SocketTotals {
  std::uint64_t total = 0;
  std::uint64_t estab = 0;
  std::uint64_t closed = 0;
  std::uint64_t orphaned = 0;
  std::uint64_t timewait = 0;
};
SocketTotals socket_totals(const metrics::SocketTable& table);

// A heading naming the host and time, the `ss -s` line
// "TCP: N (estab E, closed C, orphaned O, timewait T)", then the rows as
// `ss -tano` lists them: State, Recv-Q, Send-Q (SocketRow's),
// Local Address:Port, Peer Address:Port and the timer, e.g.
// "timer:(timewait,59sec,0)" or "timer:(on,200ms,1)". Listeners come first,
// with peer "*:*"; the other rows keep the stack's table order.
std::string socket_table(const metrics::SocketTable& table);

}  // namespace tcpsim::cli
