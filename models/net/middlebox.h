// A node on a segment's path that may rewrite or drop it: a NAT gateway, or the conntrack
// table of a host (the network calls it for every segment the node sees).
#pragma once

#include <cstdint>

#include "models/net/segment.h"

namespace tcpsim::net {

class Middlebox {
 public:
  // kReset: the segment is dropped and the box answers its sender with an RST, as AWS's NAT
  // gateway does for a connection whose mapping expired.
  enum class Verdict : std::uint8_t { kForward, kDrop, kReset };

  // What the network may ask a box that tracks flows to keep with each (where the inside host
  // of the flow is), so that it need not look the host up for each reply; none by default.
  static constexpr std::uint64_t kNoNote = ~std::uint64_t{0};

  virtual ~Middlebox() = default;
  // A segment sent by a host behind the box (or by the host itself, for a host filter);
  // may rewrite the source, and only when it returns kForward (the network answers the
  // segment as given with an RST on kReset). `flow_hint` is kept by the sender between the
  // segments of one connection (0 at first): a box that tracks flows may leave there where
  // it found this one and look there first next time. A flow this segment starts may keep
  // `note`.
  virtual Verdict outbound(Segment& segment, std::uint32_t& flow_hint, std::uint64_t note) = 0;
  // A segment addressed to the box's public address (may rewrite the destination), or
  // received by the host itself, for a host filter. `note` is left the note kept with the
  // segment's flow, or kNoNote.
  virtual Verdict inbound(Segment& segment, std::uint32_t& flow_hint, std::uint64_t& note) = 0;

  Verdict outbound(Segment& segment) {
    std::uint32_t hint = 0;
    return outbound(segment, hint, kNoNote);
  }
  Verdict inbound(Segment& segment) {
    std::uint32_t hint = 0;
    std::uint64_t note = kNoNote;
    return inbound(segment, hint, note);
  }
};

// The RST a middle node answers `offending` with, from its destination to its source
// (RFC 9293 section 3.10.7.1): <SEQ=SEG.ACK><CTL=RST> when it carries an ACK, otherwise
// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
inline Segment reset_for(const Segment& offending) {
  Segment rst;
  rst.src = offending.dst;
  rst.dst = offending.src;
  if (offending.ack_flag()) {
    rst.seq = offending.ack;
    rst.flags = kRst;
  } else {
    rst.ack = offending.seq + offending.seg_len();
    rst.flags = kRst | kAck;
  }
  rst.window = 0;
  return rst;
}

}  // namespace tcpsim::net
