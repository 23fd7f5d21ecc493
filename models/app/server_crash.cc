// ServerApp's side of a host crash: the process dies with the kernel, so its connections and
// listeners are forgotten without a system call.
#include "models/app/server_app.h"

namespace tcpsim::app {

void ServerApp::crash() {
  for (std::uint32_t c = 0; c < conns_.size(); ++c) {
    Conn& conn = conns_[c];
    if (!conn.in_use) continue;
    conn.in_use = false;
    conn.socket = tcp::kNoSocket;
    conns_.free(c);  // queued service, close and idle events find a new generation
  }
  connections_ = 0;
  listeners_.clear();
  accept_blocked_ = false;
  next_listener_ = 0;
}

}  // namespace tcpsim::app
