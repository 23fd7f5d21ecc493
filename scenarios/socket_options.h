// The socket options a scenario sets on a client's or server's sockets, read and checked as
// Linux's setsockopt() would take them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "models/tcp/tcp_socket.h"
#include "scenarios/resolve_context.h"
#include "scenarios/scenario.pb.h"

namespace tcpsim::scenarios {

// SO_KEEPALIVE and TCP_KEEP* from the `Keepalive` at `path`; nullopt after recording a problem.
std::optional<tcp::Keepalive> resolve_keepalive(const scenario::Keepalive& keepalive,
                                                const std::string& path, ResolveContext& ctx);

// TCP_USER_TIMEOUT in ms from the duration at `path`, 0 when empty; nullopt after recording a
// problem.
std::optional<std::uint32_t> resolve_user_timeout(const std::string& text, const std::string& path,
                                                  ResolveContext& ctx);

}  // namespace tcpsim::scenarios
