// A host's crash and restart: every socket and record vanishes at once, without a segment,
// and the host answers nothing until it is up again.
#include <vector>

#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {

void TcpStack::crash() {
  // Listener links first, so that freeing sockets in any order finds no queue to unlink from.
  for (SocketId s = 0; s < sockets_.size(); ++s) {
    TcpSocket& sk = sockets_[s];
    if (!sk.in_use) continue;
    sk.parent = kNoSocket;
    sk.next_in_queue = kNoSocket;
    sk.queued = false;
    sk.accept_head = kNoSocket;
    sk.accept_tail = kNoSocket;
    sk.accept_queue = 0;
    sk.syn_queue = 0;
  }
  for (SocketId s = 0; s < sockets_.size(); ++s) {
    TcpSocket& sk = sockets_[s];
    if (!sk.in_use) continue;
    sk.has_fd = false;
    sk.owner = nullptr;
    if (sk.keepalive_timer != sim::kNoTimer) sim_.cancel(sk.keepalive_timer);
    if (sk.state != TcpState::kClosed) set_state(s, TcpState::kClosed);
    free_socket(s);
  }
  fds_ = 0;
  std::vector<std::uint32_t> records;
  tws_.ring.for_each_live([&](std::uint32_t id, const TimeWaitSock& /*tw*/, sim::Time /*expiry*/) {
    records.push_back(id);
  });
  for (std::uint32_t slot = 0; slot < tws_.fin_wait2.size(); ++slot) {
    if (tws_.fin_wait2[slot].sock.in_use) records.push_back(slot | kFinWait2Bit);
  }
  for (const std::uint32_t t : records) free_minisocket(t);
  bind_search_failed_ = false;
  down_ = true;
}

void TcpStack::restart() {
  down_ = false;
  secret_ = rng_.next_u64();
  perturb_.reset(rng_);
}

}  // namespace tcpsim::tcp
