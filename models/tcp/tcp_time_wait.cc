// TIME_WAIT and orphaned FIN_WAIT_2 records: created from a full socket, timed
// by the TIME_WAIT ring or the FIN_WAIT_2 timer list, and freed on expiry,
// reset, reuse or a new SYN.
#include <algorithm>
#include <cassert>

#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {

void TcpStack::make_minisocket(SocketId s, bool fin_wait2) {
  TcpSocket& sk = sockets_[s];
  if (tw_alive_ >= settings_->tcp_max_tw_buckets) {
    // inet_twsk_alloc() fails: the connection closes at once.
    ++counters_.time_wait_overflow;
    set_state(s, TcpState::kClosed);
    sim_.cancel(sk.timer);
    unhash(s);
    release_port(s);
    if (!sk.has_fd) free_socket(s);
    return;
  }
  ++counters_.time_waited;  // __inet_twsk_schedule(); Linux counts TWKilled for timers <= 4 s
  const TcpState record_state = fin_wait2 ? TcpState::kFinWait2 : TcpState::kTimeWait;
  // The connection moves on to the record's state, with the socket for now.
  if (sk.state != record_state) set_state(s, record_state);
  TimeWaitSock tw;
  tw.local_index = static_cast<std::uint8_t>(
      std::find(addresses_.begin(), addresses_.end(), sk.tuple.local.address) - addresses_.begin());
  tw.remote_addr = sk.tuple.remote.address.value;
  tw.local_port = sk.tuple.local.port;
  tw.remote_port = sk.tuple.remote.port;
  tw.snd_nxt = sk.snd_nxt;
  tw.rcv_nxt = sk.rcv_nxt;
  tw.ts_recent = sk.ts_recent;
  tw.has_ts = sk.ts_ok;
  tw.reuseaddr = sk.options.reuseaddr;
  // The record takes over the 4-tuple and the port.
  tw.port_hold = sk.port_hold;
  sk.port_hold = PortHold::kNone;
  std::uint32_t t;
  if (fin_wait2) {
    const std::uint32_t slot = tws_.fin_wait2.allocate();
    tws_.fin_wait2[slot].sock = tw;
    tws_.fin_wait2[slot].entered_ms = now_ms();
    t = slot | kFinWait2Bit;
  } else {
    t = tws_.ring.push(tw);  // entered_age_ms 0: the stamp is now
  }
  set_state(t | kTimeWaitBit, record_state, false);
  connections_.replace(s, t | kTimeWaitBit);
  sk.hashed = false;
  ++tw_alive_;
  if (fin_wait2) {
    const std::uint32_t slot = t & ~kFinWait2Bit;
    fin_wait2_timers_.add_at(slot, tws_.fin_wait2.generation(slot),
                             wheel_.expiry(sim_.now(), fin_wait2_timers_.duration()));
  }

  // The full socket is gone, or CLOSED if the application still holds it;
  // its connection lives on in the record, so nobody hears of this.
  sim_.cancel(sk.timer);
  set_state(s, TcpState::kClosed, false);
  if (!sk.has_fd) free_socket(s);
}

void TcpStack::free_minisocket(std::uint32_t t) {
  const TimeWaitSock& tw = tws_[t];
  assert(tw.in_use);
  connections_.erase(t | kTimeWaitBit);
  if (tw.port_hold != PortHold::kNone) {
    binds_.remove(tw.local(addresses_).address, tw.local_port, tw.port_hold, tw.reuseaddr);
  }
  --tw_alive_;
  set_state(t | kTimeWaitBit, kNoState);
  tws_.release(t);
}

// inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN): a fresh full period.
std::uint32_t TcpStack::restart_time_wait(std::uint32_t t) {
  const std::uint32_t n = tws_.ring.push(tws_[t]);
  tws_.set_entered_ms(n, tws_.entered_ms(t), now_ms());
  // The table hands the tuple over; with TIME_WAIT reuse tracked, it judges the record anew
  // (a FIN_WAIT_2 record turned TIME_WAIT may be reusable at once).
  connections_.replace(t | kTimeWaitBit, n | kTimeWaitBit);
  tws_.release(t);
  return n;
}

void TcpStack::on_fin_wait2_timer(std::uint32_t slot, std::uint32_t generation) {
  const FinWait2Record& r = tws_.fin_wait2[slot];
  if (!r.sock.in_use || r.generation != generation || !r.sock.fin_wait2) return;
  free_minisocket(slot | kFinWait2Bit);
}

}  // namespace tcpsim::tcp
