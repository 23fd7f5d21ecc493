// TIME_WAIT and orphaned FIN_WAIT_2 records: created from a full socket, timed
// by one FIFO list per duration, and freed on expiry, reset, reuse or a new SYN.
#include <algorithm>
#include <cassert>

#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {

void TcpStack::make_minisocket(SocketId s, bool fin_wait2) {
  TcpSocket& sk = sockets_[s];
  if (tw_alive_ >= settings_.tcp_max_tw_buckets) {
    // inet_twsk_alloc() fails: the connection closes at once.
    ++counters_.time_wait_overflow;
    set_state(s, TcpState::kClosed);
    sim_.cancel(sk.timer);
    unhash(s);
    release_port(s);
    if (!sk.has_fd) free_socket(s);
    return;
  }
  const TcpState record_state = fin_wait2 ? TcpState::kFinWait2 : TcpState::kTimeWait;
  // The connection moves on to the record's state, with the socket for now.
  if (sk.state != record_state) set_state(s, record_state);
  const std::uint32_t t = tws_.allocate();
  TimeWaitSock& tw = tws_[t];
  tw.local_index = static_cast<std::uint8_t>(
      std::find(addresses_.begin(), addresses_.end(), sk.tuple.local.address) - addresses_.begin());
  tw.remote_addr = sk.tuple.remote.address.value;
  tw.local_port = sk.tuple.local.port;
  tw.remote_port = sk.tuple.remote.port;
  tw.snd_nxt = sk.snd_nxt;
  tw.rcv_nxt = sk.rcv_nxt;
  tw.ts_recent = sk.ts_recent;
  tw.has_ts = sk.ts_ok;
  tw.entered_ms = now_ms();
  tw.reuseaddr = sk.options.reuseaddr;
  set_state(t | kTimeWaitBit, record_state, false);
  ++tw.generation;
  // The record takes over the 4-tuple and the port.
  tw.port_hold = sk.port_hold;
  sk.port_hold = PortHold::kNone;
  connections_.replace(s, t | kTimeWaitBit);
  sk.hashed = false;
  ++tw_alive_;
  (fin_wait2 ? fin_wait2_timers_ : time_wait_timers_).add(t, tw.generation);

  // The full socket is gone, or CLOSED if the application still holds it;
  // its connection lives on in the record, so nobody hears of this.
  sim_.cancel(sk.timer);
  set_state(s, TcpState::kClosed, false);
  if (!sk.has_fd) free_socket(s);
}

void TcpStack::free_minisocket(std::uint32_t t) {
  TimeWaitSock& tw = tws_[t];
  assert(tw.in_use);
  connections_.erase(t | kTimeWaitBit);
  if (tw.port_hold != PortHold::kNone) {
    binds_.remove(tw.local(addresses_).address, tw.local_port, tw.port_hold, tw.reuseaddr);
  }
  --tw_alive_;
  set_state(t | kTimeWaitBit, kNoState);
  tws_.free(t);
}

// inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN): a fresh full period.
void TcpStack::restart_time_wait(std::uint32_t t) {
  TimeWaitSock& tw = tws_[t];
  ++tw.generation;
  time_wait_timers_.add(t, tw.generation);
  connections_.time_wait_restarted(t);
}

void TcpStack::on_minisocket_timer(std::uint32_t t, std::uint32_t generation, bool fin_wait2) {
  TimeWaitSock& tw = tws_[t];
  if (!tw.in_use || tw.generation != generation || tw.fin_wait2 != fin_wait2) return;
  free_minisocket(t);
}

}  // namespace tcpsim::tcp
