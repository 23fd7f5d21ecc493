// SO_KEEPALIVE: probes on an idle connection, as Linux's tcp_keepalive_timer() sends them,
// and the reset after the last unanswered one (or after TCP_USER_TIMEOUT).
#include <algorithm>

#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {

sim::Time TcpStack::keepalive_idle(const TcpSocket& sk) const {
  const std::uint16_t s = sk.options.keepalive.idle_s;
  return s != 0 ? sim::Time{s} * sim::kSecond : settings_->tcp_keepalive_time;
}

sim::Time TcpStack::keepalive_intvl(const TcpSocket& sk) const {
  const std::uint16_t s = sk.options.keepalive.intvl_s;
  return s != 0 ? sim::Time{s} * sim::kSecond : settings_->tcp_keepalive_intvl;
}

int TcpStack::keepalive_probes(const TcpSocket& sk) const {
  const std::uint8_t n = sk.options.keepalive.probes;
  return n != 0 ? n : settings_->tcp_keepalive_probes;
}

void TcpStack::set_keepalive(SocketId s, const Keepalive& keepalive) {
  TcpSocket& sk = sockets_[s];
  const bool was_on = sk.options.keepalive.enabled;
  sk.options.keepalive = keepalive;
  if (!keepalive.enabled) {
    if (sk.keepalive_timer != sim::kNoTimer) sim_.cancel(sk.keepalive_timer);
    return;
  }
  const bool synchronized = sk.state != TcpState::kClosed && sk.state != TcpState::kListen &&
                            sk.state != TcpState::kSynSent && sk.state != TcpState::kSynReceived;
  if (!was_on && synchronized) start_keepalive(s);
}

// tcp_finish_connect() and tcp_create_openreq_child(): the first probe is due after the idle
// time.
void TcpStack::start_keepalive(SocketId s) {
  TcpSocket& sk = sockets_[s];
  if (!sk.options.keepalive.enabled) return;
  if (sk.keepalive_timer == sim::kNoTimer) sk.keepalive_timer = sim_.create_timer();
  sk.probes_out = 0;
  sim_.arm(sk.keepalive_timer, sim_.now() + keepalive_idle(sk), self_, kKeepaliveProbe, s);
}

// tcp_keepalive_timer(). Idle is counted from the last acceptable ACK; a connection with data
// in flight is left to its retransmission timer. The probe carries SND.UNA - 1, which the
// peer's stack finds outside its window and answers with an ACK (tcp_xmit_probe_skb()).
void TcpStack::on_keepalive_timer(SocketId s) {
  TcpSocket& sk = sockets_[s];
  if (!sk.options.keepalive.enabled || !sk.has_fd) return;
  switch (sk.state) {
    case TcpState::kClosed:
    case TcpState::kListen:
    case TcpState::kSynSent:
    case TcpState::kSynReceived:
      return;
    default:
      break;
  }
  const sim::Time now = sim_.now();
  const sim::Time idle = keepalive_idle(sk);
  sim::Time next = idle;
  if (sk.snd_una == sk.snd_nxt && sk.pending_send == 0) {
    const sim::Time elapsed = now - sk.last_received;
    if (elapsed >= idle) {
      const sim::Time ut = user_timeout(sk);
      if ((ut != 0 && elapsed >= ut && sk.probes_out > 0) ||
          (ut == 0 && sk.probes_out >= keepalive_probes(sk))) {
        // tcp_send_active_reset(), then tcp_write_err().
        ++counters_.abort_on_timeout;
        abort(s, SocketError::kEtimedout, true);
        return;
      }
      ++counters_.keepalive_probes;
      emit(s, net::kAck, sk.snd_una - 1, 0);
      if (sk.probes_out < 255) ++sk.probes_out;
      next = keepalive_intvl(sk);
    } else {
      next = idle - elapsed;
    }
  }
  sim_.arm(sk.keepalive_timer, now + next, self_, kKeepaliveProbe, s);
}

}  // namespace tcpsim::tcp
