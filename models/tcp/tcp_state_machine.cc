// Segment arrival, following RFC 9293 section 3.10.7 state by state, with
// RFC 5961's defences and the Linux behaviours linux-tcp.md records.
#include <algorithm>
#include <cassert>

#include "models/tcp/sequence.h"
#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {

void TcpStack::receive(const net::Segment& seg) {
  if (down_) [[unlikely]]
    return;
  std::uint32_t id = kNotFound;
  if (seg.dst_hint < sockets_.size()) {
    TcpSocket& hinted = sockets_[seg.dst_hint];
    if (hinted.in_use && hinted.hashed && hinted.tuple.local == seg.dst &&
        hinted.tuple.remote == seg.src) {
      id = seg.dst_hint;
    }
  }
  if (id == kNotFound) id = connections_.find({seg.dst, seg.src});
  if (id != kNotFound && (id & kTimeWaitBit) == 0) sockets_[id].peer_hint = seg.src_hint;
  if (id != kNotFound) {
    if ((id & kTimeWaitBit) != 0) {
      segment_arrives_time_wait(id & ~kTimeWaitBit, seg);
    } else if (sockets_[id].state == TcpState::kSynSent) {
      segment_arrives_syn_sent(id, seg);
    } else {
      segment_arrives_synchronized(id, seg);
    }
    return;
  }
  const SocketId l = find_listener(seg.dst);
  if (l != kNoSocket) {
    segment_arrives_listen(l, seg, 0);
  } else {
    segment_arrives_closed(seg);
  }
}

// 3.10.7.1 CLOSED: everything but a reset is answered with a reset.
void TcpStack::segment_arrives_closed(const net::Segment& seg) {
  if (seg.rst()) return;
  send_rst_for(seg);
}

// 3.10.7.2 LISTEN. Linux (tcp_conn_request): a SYN finding the accept queue
// full is dropped without an answer; the client retransmits.
void TcpStack::segment_arrives_listen(SocketId listener, const net::Segment& seg,
                                      std::uint32_t isn) {
  if (seg.rst()) return;
  if (seg.ack_flag()) {
    send_rst_for(seg);
    return;
  }
  if (!seg.syn()) return;
  if (seg.dst.address.is_loopback() && !add_local_address(seg.dst.address)) return;
  TcpSocket& l = sockets_[listener];
  if (l.accept_queue > l.backlog) {
    ++counters_.listen_overflows;
    ++counters_.listen_drops;
    return;
  }
  // A full SYN queue would answer with a SYN cookie (tcp_syncookies = 1); the
  // handshake then completes as it does here.
  const SocketId c = allocate_socket(TcpState::kListen);
  TcpSocket& child = sockets_[c];
  const TcpSocket& parent = sockets_[listener];
  child.tuple = {seg.dst, seg.src};
  child.peer_hint = seg.src_hint;
  child.options.reuseaddr = parent.options.reuseaddr;
  child.options.syn_tag = seg.syn_tag;
  child.options.keepalive = parent.options.keepalive;
  child.options.user_timeout_ms = parent.options.user_timeout_ms;
  child.parent = listener;
  child.irs = seg.seq;
  child.rcv_nxt = seg.seq + 1;
  child.ts_ok = settings_->tcp_timestamps && seg.has_timestamp;
  child.ts_recent = seg.tsval;
  child.iss = isn != 0 ? isn : isn_for(child.tuple);
  child.ts_offset = ts_offset_for(child.tuple);
  child.snd_una = child.iss;
  child.snd_nxt = child.iss + 1;
  child.rto = settings_->tcp_timeout_init;
  child.first_sent = sim_.now();
  hash(c);
  hold_port(c, PortHold::kBind);  // inet_inherit_port(): the listener's bucket
  ++sockets_[listener].syn_queue;
  set_state(c, TcpState::kSynReceived);
  send_syn_ack(c);
  arm_retransmit(c);
}

// 3.10.7.3 SYN-SENT.
void TcpStack::segment_arrives_syn_sent(SocketId s, const net::Segment& seg) {
  TcpSocket& sk = sockets_[s];
  if (seg.ack_flag() && (seq_le(seg.ack, sk.iss) || seq_gt(seg.ack, sk.snd_nxt))) {
    if (seg.rst()) return;
    // Typically a challenge ACK from a stale socket on the server holding this
    // 4-tuple (linux-tcp.md 4): reset it, and retry the SYN at once
    // (TCP_TIMEOUT_MIN) if none was retransmitted yet.
    send_rst(sk, seg.ack);
    if (sk.retransmits == 0) {
      sim_.arm(sk.timer, sim_.now() + settings_->tcp_timeout_min, self_, kRetransmit, s);
    }
    return;
  }
  if (seg.rst()) {
    if (!seg.ack_flag()) return;
    ++counters_.attempt_fails;
    abort(s, SocketError::kEconnrefused, false);
    return;
  }
  if (!seg.syn()) return;
  sk.irs = seg.seq;
  sk.rcv_nxt = seg.seq + 1;
  sk.ts_ok = settings_->tcp_timestamps && seg.has_timestamp;
  sk.ts_recent = seg.tsval;
  if (seg.ack_flag()) {
    sk.snd_una = seg.ack;
    sim_.cancel(sk.timer);
    take_rtt_sample(sk);
    sk.last_received = sim_.now();
    set_state(s, TcpState::kEstablished);
    if (sk.options.keepalive.enabled) start_keepalive(s);
    send_ack(s);
    const std::uint32_t gen = sk.generation;
    sk.connect_reported = true;
    if (sk.owner != nullptr) sk.owner->on_connected(s, SocketError::kOk);
    if (alive(s, gen) && sockets_[s].state == TcpState::kEstablished &&
        sockets_[s].pending_send > 0) {
      send_data_and_fin(s);
    }
    return;
  }
  // Simultaneous open: both SYNs crossed.
  set_state(s, TcpState::kSynReceived);
  sk.retransmits = 0;
  sk.rto = settings_->tcp_timeout_init;
  sk.first_sent = sim_.now();
  send_syn_ack(s);
  arm_retransmit(s);
}

// 3.10.7.4, first check: is the segment inside the receive window?
bool TcpStack::acceptable(const TcpSocket& sk, const net::Segment& seg) const {
  constexpr std::uint32_t kRcvWnd = 65535;
  const std::uint32_t len = seg.seg_len();
  const std::uint32_t wnd_end = sk.rcv_nxt + kRcvWnd;
  if (len == 0) return seq_in(seg.seq, sk.rcv_nxt, wnd_end);
  return seq_in(seg.seq, sk.rcv_nxt, wnd_end) || seq_in(seg.seq + len - 1, sk.rcv_nxt, wnd_end);
}

void TcpStack::take_rtt_sample(TcpSocket& sk) {
  if (sk.retransmits != 0) {
    sk.rto = settings_->tcp_timeout_init;  // Karn: no sample from a retransmitted SYN
    return;
  }
  // tcp_rtt_estimator() on the first sample: mdev = 2 x rtt, so the RTO is
  // rtt + max(2 rtt, tcp_rto_min).
  const sim::Time rtt = sim_.now() - sk.first_sent;
  sk.srtt = rtt;
  sk.rttvar = rtt / 2;
  sk.rto = std::clamp(rtt + std::max(2 * rtt, settings_->tcp_rto_min), settings_->tcp_rto_min,
                      settings_->tcp_rto_max);
}

// 3.10.7.4: SYN-RECEIVED and the synchronized states.
void TcpStack::segment_arrives_synchronized(SocketId s, const net::Segment& seg) {
  TcpSocket& sk = sockets_[s];
  const std::uint32_t gen = sk.generation;
  if (sk.state == TcpState::kSynReceived && seg.syn() && !seg.ack_flag() && seg.seq == sk.irs) {
    send_syn_ack(s);  // our SYN-ACK was lost: answer the retransmitted SYN
    return;
  }
  if (!acceptable(sk, seg)) {
    if (seg.rst()) return;
    if (seg.syn()) {
      ++counters_.syn_challenge;  // tcp_validate_incoming(): syn_challenge
      send_challenge_ack(s);
    } else {
      send_ack(s);
    }
    return;
  }
  if (seg.rst()) {
    process_rst(s, seg);
    return;
  }
  if (seg.syn()) {
    // RFC 5961 section 4: a SYN on a synchronized connection gets a challenge
    // ACK; the peer, if it really restarted, answers with a RST.
    ++counters_.syn_challenge;
    send_challenge_ack(s);
    return;
  }
  if (!seg.ack_flag()) return;
  sk.last_received = sim_.now();  // tcp_ack(): rcv_tstamp, and the peer answered
  sk.probes_out = 0;
  if (seg.has_timestamp && sk.ts_ok) sk.ts_recent = seg.tsval;
  if (!process_ack(s, seg)) return;
  process_text_and_fin(s, seg);
  if (alive(s, gen) && sockets_[s].ack_pending) send_ack(s);
}

// RFC 5961 section 3: only a reset at exactly RCV.NXT resets; one elsewhere in
// the window draws a challenge ACK.
bool TcpStack::process_rst(SocketId s, const net::Segment& seg) {
  TcpSocket& sk = sockets_[s];
  if (seg.seq != sk.rcv_nxt) {
    send_challenge_ack(s);
    return false;
  }
  switch (sk.state) {
    case TcpState::kSynReceived:
      if (sk.parent != kNoSocket) {
        ++counters_.attempt_fails;        // tcp_check_req()
        set_state(s, TcpState::kClosed);  // the request is forgotten; LISTEN goes on
        free_socket(s);
      } else {
        ++counters_.attempt_fails;
        abort(s, SocketError::kEconnrefused, false);
      }
      break;
    case TcpState::kEstablished:
    case TcpState::kCloseWait:
      abort(s, SocketError::kEconnreset, false);
      break;
    case TcpState::kFinWait1:
    case TcpState::kFinWait2:
      abort(s, SocketError::kEconnreset, false);
      break;
    default:  // CLOSING, LAST_ACK
      abort(s, SocketError::kOk, false);
      break;
  }
  return true;
}

// Fifth check of 3.10.7.4. Returns false when the segment is finished with.
bool TcpStack::process_ack(SocketId s, const net::Segment& seg) {
  TcpSocket& sk = sockets_[s];
  if (sk.state == TcpState::kSynReceived) {
    if (!(seq_lt(sk.snd_una, seg.ack) && seq_le(seg.ack, sk.snd_nxt))) {
      send_rst(sk, seg.ack);
      return false;
    }
    if (sk.parent != kNoSocket) return complete_passive_open(s, seg);
    // Our side of a simultaneous open.
    sk.snd_una = seg.ack;
    sim_.cancel(sk.timer);
    set_state(s, TcpState::kEstablished);
    if (sk.options.keepalive.enabled) start_keepalive(s);
    const std::uint32_t gen = sk.generation;
    sk.connect_reported = true;
    if (sk.owner != nullptr) sk.owner->on_connected(s, SocketError::kOk);
    if (!alive(s, gen)) return false;
    if (sockets_[s].pending_send > 0 && sockets_[s].state == TcpState::kEstablished) {
      send_data_and_fin(s);
    }
    return true;
  }
  if (seq_gt(seg.ack, sk.snd_nxt)) {
    send_ack(s);  // acknowledges something not yet sent
    return false;
  }
  if (seq_gt(seg.ack, sk.snd_una)) {
    sk.snd_una = seg.ack;
    sk.retransmits = 0;
    if (sk.snd_una == sk.snd_nxt) {
      sim_.cancel(sk.timer);
    } else {
      sk.first_sent = sim_.now();  // retrans_stamp of what is left, near enough
      arm_retransmit(s);
    }
  }
  const bool fin_acked = sk.fin_sent && sk.snd_una == sk.snd_nxt;
  switch (sk.state) {
    case TcpState::kFinWait1:
      if (fin_acked) {
        set_state(s, TcpState::kFinWait2);
        if (sk.has_fd || sk.parent != kNoSocket) return true;
        // tcp_rcv_state_process() for an orphan: data or a FIN beyond RCV.NXT
        // after close() ends the connection with a reset ("out of order FIN
        // after close"); an in-order FIN goes on to TIME_WAIT below; anything
        // else turns the socket into a FIN_WAIT_2 record.
        if (seg.seg_len() > 0 && seq_gt(seg.seq + seg.len, sk.rcv_nxt)) {
          ++counters_.abort_on_data;
          send_rst_for(seg);
          abort(s, SocketError::kOk, false);
          return false;
        }
        if (seg.seg_len() == 0) {
          orphan_fin_wait2(s);
          return false;
        }
        sim_.arm(sk.timer, wheel_.expiry(sim_.now(), settings_->tcp_fin_timeout), self_,
                 kRetransmit, s);
      }
      return true;
    case TcpState::kClosing:
      if (fin_acked) {
        enter_time_wait(s);
        return false;
      }
      return true;
    case TcpState::kLastAck:
      if (fin_acked) abort(s, SocketError::kOk, false);
      return false;
    default:
      return true;
  }
}

// The accept queue takes the child if it has room (it holds backlog + 1).
// SND.UNA moves only then: a request left acked by a full queue accepts the
// same ACK again, as tcp_check_req() does, when the SYN-ACK is retransmitted.
bool TcpStack::complete_passive_open(SocketId s, const net::Segment& seg) {
  TcpSocket& sk = sockets_[s];
  const SocketId listener = sk.parent;
  TcpSocket& l = sockets_[listener];
  if (l.accept_queue > l.backlog) {
    ++counters_.listen_overflows;
    ++counters_.listen_drops;
    if (settings_->tcp_abort_on_overflow) {
      send_rst(sk, seg.ack);
      set_state(s, TcpState::kClosed);
      free_socket(s);
    } else {
      sk.request_acked = true;  // ignored: the SYN-ACK timer will try again
    }
    return false;
  }
  sk.snd_una = seg.ack;
  sim_.cancel(sk.timer);
  take_rtt_sample(sk);
  ++counters_.passive_opens;   // tcp_create_openreq_child(), after the overflow check
  sk.connect_reported = true;  // failures from now on are on_error()
  --l.syn_queue;
  ++l.accept_queue;
  if (l.accept_tail == kNoSocket) {
    l.accept_head = s;
  } else {
    sockets_[l.accept_tail].next_in_queue = s;
  }
  l.accept_tail = s;
  sk.queued = true;
  set_state(s, TcpState::kEstablished);
  if (sk.options.keepalive.enabled) start_keepalive(s);
  process_text_and_fin(s, seg);
  if (sockets_[s].ack_pending) send_ack(s);
  if (l.owner != nullptr) l.owner->on_acceptable(listener);
  return false;
}

// Sixth to eighth checks of 3.10.7.4: segment text, then FIN.
void TcpStack::process_text_and_fin(SocketId s, const net::Segment& seg) {
  TcpSocket& sk = sockets_[s];
  const std::uint32_t gen = sk.generation;
  std::uint32_t delivered = 0;
  const bool receiving = sk.state == TcpState::kEstablished || sk.state == TcpState::kFinWait1 ||
                         sk.state == TcpState::kFinWait2;
  if (seg.len > 0 && receiving) {
    if (seg.seq == sk.rcv_nxt) {
      if (!sk.has_fd && sk.parent == kNoSocket) {
        // New data after close(): Linux resets (TCPAbortOnData).
        ++counters_.abort_on_data;
        abort(s, SocketError::kOk, true);
        return;
      }
      sk.rcv_nxt += seg.len;
      if (sk.has_fd && !sk.notify_pending) {
        delivered = seg.len;
      } else {
        sk.unread += seg.len;
      }
    }
    sk.ack_pending = true;
  }
  const bool fin = seg.fin() && seg.seq + seg.len == sk.rcv_nxt;
  if (delivered > 0 && sk.owner != nullptr) {
    sk.owner->on_data(s, delivered);
    if (!alive(s, gen)) return;
  }
  if (fin) peer_fin(s);
}

void TcpStack::peer_fin(SocketId s) {
  TcpSocket& sk = sockets_[s];
  const std::uint32_t gen = sk.generation;
  switch (sk.state) {
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
      sk.rcv_nxt += 1;
      sk.peer_fin = true;
      sk.ack_pending = true;
      set_state(s, TcpState::kCloseWait);
      if (sk.has_fd && sk.owner != nullptr && !sk.notify_pending) sk.owner->on_peer_closed(s);
      if (alive(s, gen) && sockets_[s].ack_pending) send_ack(s);
      return;
    case TcpState::kFinWait1:
      sk.rcv_nxt += 1;
      sk.peer_fin = true;
      send_ack(s);
      if (sk.fin_sent && sk.snd_una == sk.snd_nxt) {
        enter_time_wait(s);
      } else {
        set_state(s, TcpState::kClosing);
      }
      return;
    case TcpState::kFinWait2:
      sk.rcv_nxt += 1;
      sk.peer_fin = true;
      send_ack(s);
      enter_time_wait(s);
      return;
    default:  // CLOSE_WAIT, CLOSING, LAST_ACK: a retransmitted FIN
      sk.ack_pending = true;
      return;
  }
}

// tcp_time_wait(): the connection moves into a compact TIME_WAIT record.
void TcpStack::enter_time_wait(SocketId s) { make_minisocket(s, false); }

// 3.10.7.4 for TIME_WAIT, as Linux's tcp_timewait_state_process() does it,
// including its FIN_WAIT_2 substate.
void TcpStack::segment_arrives_time_wait(std::uint32_t tw_id, const net::Segment& seg) {
  TimeWaitSock& tw = tws_[tw_id];
  const std::uint32_t end_seq = seg.seq + seg.seg_len();
  if (tw.fin_wait2) {
    if (seg.rst()) {
      free_minisocket(tw_id);
      return;
    }
    if (seg.syn() && seq_ge(seg.seq, tw.rcv_nxt)) {
      send_rst_for(seg);
      free_minisocket(tw_id);
      return;
    }
    if (!seg.ack_flag() || !seq_gt(end_seq, tw.rcv_nxt) || end_seq == seg.seq) return;
    if (!seg.fin() || end_seq != tw.rcv_nxt + 1) {
      // New data after a half-duplex close.
      send_rst_for(seg);
      free_minisocket(tw_id);
      return;
    }
    tw.rcv_nxt = end_seq;
    if (seg.has_timestamp && tw.has_ts) tw.ts_recent = seg.tsval;
    set_state(tw_id | kTimeWaitBit, TcpState::kTimeWait);
    send_time_wait_ack(tws_[restart_time_wait(tw_id)]);
    return;
  }
  const bool paws_reject =
      tw.has_ts && seg.has_timestamp && static_cast<std::int32_t>(seg.tsval - tw.ts_recent) < 0;
  if (!paws_reject && seg.seq == tw.rcv_nxt && (seg.seg_len() == 0 || seg.rst())) {
    if (seg.rst()) {
      if (!settings_->tcp_rfc1337) {
        free_minisocket(tw_id);  // TIME_WAIT assassination (RFC 1337)
      }
      return;
    }
    restart_time_wait(tw_id);
    return;
  }
  // RFC 1122 4.2.2.13: a new SYN with a higher sequence number or a newer
  // timestamp reopens the 4-tuple.
  if (seg.syn() && !seg.rst() && !seg.ack_flag() && !paws_reject &&
      (seq_gt(seg.seq, tw.rcv_nxt) || (seg.has_timestamp && tw.has_ts &&
                                       static_cast<std::int32_t>(tw.ts_recent - seg.tsval) < 0))) {
    std::uint32_t isn = tw.snd_nxt + 65535U + 2U;
    if (isn == 0) isn = 1;
    const net::Endpoint local = tw.local(addresses_);
    free_minisocket(tw_id);
    ++counters_.tw_syn_accepted;
    const SocketId l = find_listener(local);
    if (l != kNoSocket) {
      segment_arrives_listen(l, seg, isn);
    } else {
      segment_arrives_closed(seg);
    }
    return;
  }
  if (seg.rst()) return;
  if (paws_reject || seg.ack_flag()) tw_id = restart_time_wait(tw_id);
  send_time_wait_ack(tws_[tw_id]);
}

}  // namespace tcpsim::tcp
