// When connect() may take over a TIME_WAIT's 4-tuple without a bind(): Linux's
// tcp_twsk_unique() as tcp_tw_reuse, tcp_tw_reuse_delay and tcp_timestamps set it.
#pragma once

#include <cstdint>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/kernel_settings.h"
#include "models/tcp/time_wait_sock.h"

namespace tcpsim::tcp {

struct TimeWaitReuse {
  int mode = 0;  // tcp_tw_reuse: 0 off, 1 on, 2 on for loopback connections only
  bool timestamps = false;
  std::uint32_t delay_ms = 0;

  static TimeWaitReuse from(const KernelSettings& s) {
    return {s.tcp_tw_reuse, s.tcp_timestamps,
            static_cast<std::uint32_t>(s.tcp_tw_reuse_delay / sim::kMillisecond)};
  }

  // May connect() from `local` to `remote` take over a TIME_WAIT at all?
  [[nodiscard]] bool possible(net::Ipv4 local, net::Ipv4 remote) const {
    return timestamps &&
           (mode == 1 || (mode == 2 && (local.is_loopback() || remote.is_loopback())));
  }
  // Is this record, stamped `entered_ms` (tw_entry_stamp), one it may take over at `now_ms`?
  // Once true it stays true while the record stays in TIME_WAIT (for 2^31 ms): the stamp
  // never changes.
  [[nodiscard]] bool allows(const TimeWaitSock& tw, std::uint32_t entered_ms,
                            const std::vector<net::Ipv4>& addresses, std::uint32_t now_ms) const {
    if (tw.fin_wait2 || !tw.has_ts || mode == 0) return false;
    if (mode == 2 && !tw.local(addresses).address.is_loopback() &&
        !net::Ipv4{tw.remote_addr}.is_loopback()) {
      return false;
    }
    return static_cast<std::int32_t>(now_ms - (entered_ms + delay_ms)) > 0;
  }
};

}  // namespace tcpsim::tcp
