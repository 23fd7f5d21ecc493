// What a client application has done so far, as plain counters and levels that
// the metrics sampler copies into a host group's sample.
#pragma once

#include <array>
#include <cstdint>

#include "models/tcp/socket_error.h"

namespace tcpsim::app {

// Counters are cumulative since the start; pool_* are levels at the time read.
struct ClientCounters {
  std::uint64_t connects_attempted = 0;
  std::uint64_t connects_succeeded = 0;
  std::array<std::uint64_t, tcp::kSocketErrorCount> connects_failed{};  // by errno
  std::uint64_t requests_issued = 0;
  std::uint64_t requests_completed = 0;
  // The sum of the five causes below.
  std::uint64_t requests_failed = 0;
  std::uint64_t failed_connect = 0;       // no connection could be opened, retries spent
  std::uint64_t failed_connection = 0;    // reset or closed before the response, retries spent
  std::uint64_t failed_pool_timeout = 0;  // waited wait_timeout for a pooled connection
  std::uint64_t failed_pool_full = 0;     // the pool's wait queue was full
  std::uint64_t failed_timeout = 0;       // no full response within request_timeout
  std::uint64_t retries = 0;
  std::uint64_t request_bytes = 0;   // of the requests sent
  std::uint64_t response_bytes = 0;  // of the responses read to the end
  std::uint32_t pool_busy = 0;
  std::uint32_t pool_idle = 0;
  std::uint32_t pool_waiting = 0;
  std::uint32_t pool_connecting = 0;
};

}  // namespace tcpsim::app
