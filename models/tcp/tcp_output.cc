// Building and sending segments: SYN, SYN-ACK, ACK, data, FIN and RST, with
// Linux's initial sequence numbers and timestamps.
#include <algorithm>

#include "models/tcp/tcp_stack.h"

namespace tcpsim::tcp {

// secure_tcp_seq(): a keyed hash of the 4-tuple plus a clock ticking every
// 64 ns, so a new connection on an old 4-tuple starts above the old one.
std::uint32_t TcpStack::isn_for(const net::FourTuple& t) const {
  const auto h = static_cast<std::uint32_t>(net::hash_value(t) ^ secret_);
  return h + static_cast<std::uint32_t>(static_cast<std::uint64_t>(sim_.now()) >> 6U);
}

// Timestamps tick in milliseconds from a per-address-pair offset.
std::uint32_t TcpStack::ts_offset_for(const net::FourTuple& t) const {
  return static_cast<std::uint32_t>(sim::mix64(
      secret_ ^ ((std::uint64_t{t.local.address.value} << 32U) | t.remote.address.value)));
}

std::uint32_t TcpStack::now_ms() const {
  return static_cast<std::uint32_t>(sim_.now() / sim::kMillisecond);
}

void TcpStack::emit(SocketId s, std::uint8_t flags, std::uint32_t seq, std::uint32_t len) {
  const TcpSocket& sk = sockets_[s];
  net::Segment seg;
  seg.src = sk.tuple.local;
  seg.dst = sk.tuple.remote;
  seg.seq = seq;
  seg.ack = (flags & net::kAck) != 0 ? sk.rcv_nxt : 0;
  seg.len = len;
  seg.flags = flags;
  seg.src_hint = s;
  seg.dst_hint = sk.peer_hint;
  const bool syn_only = (flags & (net::kSyn | net::kAck)) == net::kSyn;
  seg.has_timestamp = syn_only ? settings_->tcp_timestamps : sk.ts_ok;
  if (syn_only) seg.syn_tag = sk.options.syn_tag;
  if (seg.has_timestamp) {
    seg.tsval = sk.ts_offset + now_ms();
    seg.tsecr = syn_only ? 0 : sk.ts_recent;
  }
  if (seg.dst.address.is_loopback()) [[unlikely]] {
    output_.transmit(seg);  // no route to cache: the host's own loopback
    return;
  }
  output_.transmit(seg, sk.route_cache);
}

void TcpStack::send_syn(SocketId s) {
  const TcpSocket& sk = sockets_[s];
  emit(s, net::kSyn, sk.iss, 0);
}

void TcpStack::send_syn_ack(SocketId s) {
  TcpSocket& sk = sockets_[s];
  emit(s, net::kSyn | net::kAck, sk.iss, 0);
  sk.ack_pending = false;
}

void TcpStack::send_ack(SocketId s) {
  TcpSocket& sk = sockets_[s];
  emit(s, net::kAck, sk.snd_nxt, 0);
  sk.ack_pending = false;
}

void TcpStack::send_challenge_ack(SocketId s) {
  ++counters_.challenge_acks;
  send_ack(s);
}

// Sends what the application wrote, in MSS-sized segments, then the FIN once
// the application has shut down writing. Every segment carries the ACK.
void TcpStack::send_data_and_fin(SocketId s) {
  TcpSocket& sk = sockets_[s];
  const bool idle = sk.snd_una == sk.snd_nxt;
  bool sent = false;
  while (sk.pending_send > 0) {
    const std::uint32_t len = std::min(sk.pending_send, settings_->mss);
    sk.pending_send -= len;
    const bool last = sk.pending_send == 0 && sk.shut_wr && !sk.fin_sent;
    emit(s, static_cast<std::uint8_t>(net::kAck | net::kPsh | (last ? net::kFin : 0)), sk.snd_nxt,
         len);
    sk.snd_nxt += len;
    if (last) {
      sk.snd_nxt += 1;
      sk.fin_sent = true;
    }
    sent = true;
  }
  if (sk.shut_wr && !sk.fin_sent) {
    emit(s, net::kFin | net::kAck, sk.snd_nxt, 0);
    sk.snd_nxt += 1;
    sk.fin_sent = true;
    sent = true;
  }
  if (sent) {
    sk.ack_pending = false;
    if (idle) {
      sk.retransmits = 0;
      sk.first_sent = sim_.now();
      arm_retransmit(s);
    }
  }
}

void TcpStack::send_rst(const TcpSocket& sk, std::uint32_t seq) {
  net::Segment seg;
  seg.src = sk.tuple.local;
  seg.dst = sk.tuple.remote;
  seg.seq = seq;
  seg.flags = net::kRst;
  ++counters_.out_rsts;
  output_.transmit(seg);
}

// RFC 9293 3.10.7.1: the reset for a segment nobody owns.
void TcpStack::send_rst_for(const net::Segment& in) {
  net::Segment seg;
  seg.src = in.dst;
  seg.dst = in.src;
  if (in.ack_flag()) {
    seg.seq = in.ack;
    seg.flags = net::kRst;
  } else {
    seg.seq = 0;
    seg.ack = in.seq + in.seg_len();
    seg.flags = net::kRst | net::kAck;
  }
  ++counters_.out_rsts;
  output_.transmit(seg);
}

void TcpStack::send_time_wait_ack(const TimeWaitSock& tw) {
  net::Segment seg;
  seg.src = tw.local(addresses_);
  seg.dst = {net::Ipv4{tw.remote_addr}, tw.remote_port};
  seg.seq = tw.snd_nxt;
  seg.ack = tw.rcv_nxt;
  seg.flags = net::kAck;
  seg.has_timestamp = tw.has_ts;
  if (tw.has_ts) {
    seg.tsval = ts_offset_for({seg.src, seg.dst}) + now_ms();
    seg.tsecr = tw.ts_recent;
  }
  output_.transmit(seg);
}

}  // namespace tcpsim::tcp
