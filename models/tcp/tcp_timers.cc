// The retransmission timer (SYN, SYN-ACK, data, FIN, and a full socket's
// FIN_WAIT_2 timeout) and the dispatch of the stack's kernel events.
#include <algorithm>
#include <cassert>

#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {
namespace {

// Linux's tcp_model_timeout(): the time N retransmissions take with
// exponential backoff from `base`, capped per step at tcp_rto_max.
sim::Time model_timeout(int boundary, sim::Time base, sim::Time rto_max) {
  int linear_thresh = 0;
  while ((base << (linear_thresh + 1)) <= rto_max) ++linear_thresh;
  if (boundary <= linear_thresh) return ((sim::Time{2} << boundary) - 1) * base;
  return ((sim::Time{2} << linear_thresh) - 1) * base + (boundary - linear_thresh) * rto_max;
}

}  // namespace

void TcpStack::handle(const sim::Event& event) {
  switch (event.kind) {
    case kRetransmit:
      on_retransmit_timer(event.target);
      break;
    case kTimeWaitExpired:
      tws_.ring.expire([this](std::uint32_t t) { free_minisocket(t); });
      break;
    case kFinWait2Expired:
      on_fin_wait2_timer(event.target, static_cast<std::uint32_t>(event.a));
      break;
    case kKeepaliveProbe:
      on_keepalive_timer(event.target);
      break;
    case kNotify: {
      const SocketId s = event.target;
      if (!alive(s, static_cast<std::uint32_t>(event.a))) break;
      TcpSocket& sk = sockets_[s];
      sk.notify_pending = false;
      if (!sk.has_fd || sk.owner == nullptr) break;
      const std::uint32_t gen = sk.generation;
      if (sk.unread > 0) {
        const std::uint32_t bytes = sk.unread;
        sk.unread = 0;
        sk.owner->on_data(s, bytes);
      }
      if (alive(s, gen) && sockets_[s].peer_fin && sockets_[s].owner != nullptr) {
        sockets_[s].owner->on_peer_closed(s);
      }
      break;
    }
    default:
      assert(false);
  }
}

void TcpStack::on_retransmit_timer(SocketId s) {
  TcpSocket& sk = sockets_[s];
  const sim::Time now = sim_.now();
  switch (sk.state) {
    case TcpState::kSynSent: {
      // tcp_write_timeout(): give up on the count (syn retries plus the
      // linear ones) or on the time model, whichever comes first.
      const int retries = sk.options.syncnt != 0 ? sk.options.syncnt : settings_->tcp_syn_retries;
      const int max_retransmits = retries + settings_->tcp_syn_linear_timeouts;
      // TCP_USER_TIMEOUT replaces the time model (retransmits_timed_out()).
      const sim::Time ut = user_timeout(sk);
      if (sk.retransmits >= max_retransmits ||
          now - sk.first_sent >= (ut != 0 ? ut
                                          : model_timeout(retries, settings_->tcp_timeout_init,
                                                          settings_->tcp_rto_max))) {
        ++counters_.attempt_fails;
        ++counters_.abort_on_timeout;  // tcp_write_err()
        abort(s, SocketError::kEtimedout, false);
        return;
      }
      ++sk.retransmits;
      ++counters_.retrans_segs;
      ++counters_.syn_retrans;
      send_syn(s);
      // Linux 6.5+: the first tcp_syn_linear_timeouts retransmissions keep the
      // initial RTO; backoff doubles after that.
      if (sk.retransmits > settings_->tcp_syn_linear_timeouts) {
        sk.rto = std::min(sk.rto * 2, settings_->tcp_rto_max);
      }
      sim_.arm(sk.timer, now + clamped_rto(sk), self_, kRetransmit, s);
      return;
    }
    case TcpState::kSynReceived: {
      const bool passive = sk.parent != kNoSocket;
      const int retries =
          passive ? settings_->tcp_synack_retries
                  : (sk.options.syncnt != 0 ? sk.options.syncnt : settings_->tcp_syn_retries);
      if (sk.retransmits >= retries) {
        if (passive) {
          set_state(s, TcpState::kClosed);
          free_socket(s);  // the request is dropped silently
        } else {
          ++counters_.attempt_fails;
          ++counters_.abort_on_timeout;
          abort(s, SocketError::kEtimedout, false);
        }
        return;
      }
      ++sk.retransmits;
      ++counters_.retrans_segs;
      ++counters_.syn_retrans;
      send_syn_ack(s);
      sk.rto = std::min(sk.rto * 2, settings_->tcp_rto_max);
      arm_retransmit(s);
      return;
    }
    case TcpState::kFinWait2:
      if (sk.has_fd) return;
      if (settings_->tcp_fin_timeout > kTimeWaitLen) {
        make_minisocket(s, true);  // the last 60 s of a long tcp_fin_timeout as a record
      } else {
        abort(s, SocketError::kOk, false);  // tcp_fin_timeout ran out on the full socket
      }
      return;
    default:
      break;
  }
  if (sk.snd_una == sk.snd_nxt) return;
  const bool orphan = !sk.has_fd;
  const int limit = orphan
                        ? (settings_->tcp_orphan_retries == 0 ? 8 : settings_->tcp_orphan_retries)
                        : settings_->tcp_retries2;
  // tcp_write_timeout(): with TCP_USER_TIMEOUT, the time since the oldest unacknowledged
  // segment was first sent decides instead of the retry count.
  const sim::Time ut = user_timeout(sk);
  if (ut != 0 ? now - sk.first_sent >= ut : sk.retransmits >= limit) {
    ++counters_.abort_on_timeout;
    abort(s, SocketError::kEtimedout, false);
    return;
  }
  ++sk.retransmits;
  ++counters_.retrans_segs;
  // Go back to the oldest unacknowledged byte and resend one segment.
  const std::uint32_t outstanding = sk.snd_nxt - sk.snd_una - (sk.fin_sent ? 1U : 0U);
  if (outstanding > 0) {
    const std::uint32_t len = std::min(outstanding, settings_->mss);
    const bool with_fin = sk.fin_sent && len == outstanding;
    emit(s, static_cast<std::uint8_t>(net::kAck | net::kPsh | (with_fin ? net::kFin : 0)),
         sk.snd_una, len);
  } else {
    emit(s, net::kFin | net::kAck, sk.snd_una, 0);
  }
  sk.ack_pending = false;
  sk.rto = std::min(sk.rto * 2, settings_->tcp_rto_max);
  sim_.arm(sk.timer, now + clamped_rto(sk), self_, kRetransmit, s);
}

sim::Time TcpStack::clamped_rto(const TcpSocket& sk) const {
  const sim::Time ut = user_timeout(sk);
  if (ut == 0) return sk.rto;
  const sim::Time remaining = sk.first_sent + ut - sim_.now();
  if (remaining <= 0) return settings_->hz > 0 ? sim::kSecond / settings_->hz : 1;  // a jiffy
  return std::min(sk.rto, remaining);
}

void TcpStack::arm_retransmit(SocketId s) {
  TcpSocket& sk = sockets_[s];
  sim_.arm(sk.timer, sim_.now() + sk.rto, self_, kRetransmit, s);
}

}  // namespace tcpsim::tcp
