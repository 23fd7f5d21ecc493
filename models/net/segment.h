// A TCP segment in flight: the header fields that connection lifecycles depend
// on (RFC 9293 section 3.1) plus the timestamp option (RFC 7323).
#pragma once

#include <cstdint>

#include "models/net/address.h"

namespace tcpsim::net {

enum SegmentFlags : std::uint8_t {
  kFin = 0x01,
  kSyn = 0x02,
  kRst = 0x04,
  kPsh = 0x08,
  kAck = 0x10,
};

struct Segment {
  Endpoint src;
  Endpoint dst;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint32_t len = 0;  // payload bytes
  std::uint32_t tsval = 0;
  std::uint32_t tsecr = 0;
  std::uint16_t window = 65535;
  std::uint8_t flags = 0;
  bool has_timestamp = false;
  // Opaque demultiplexing hints, not wire fields: the sender's own connection
  // id and the one it last learned from the receiver, so the receiver can skip
  // its 4-tuple hash lookup after checking the hint (as Linux's early demux
  // caches the socket). kNoHint when unknown.
  std::uint32_t src_hint = kNoHint;
  std::uint32_t dst_hint = kNoHint;
  // Not a wire field either: on a SYN, what the client application tells the server of the
  // connection (which model its message sizes follow), as a request's headers would.
  std::uint32_t syn_tag = 0;
  static constexpr std::uint32_t kNoHint = ~std::uint32_t{0};

  [[nodiscard]] bool syn() const { return (flags & kSyn) != 0; }
  [[nodiscard]] bool ack_flag() const { return (flags & kAck) != 0; }
  [[nodiscard]] bool fin() const { return (flags & kFin) != 0; }
  [[nodiscard]] bool rst() const { return (flags & kRst) != 0; }
  // Sequence space consumed: payload plus one each for SYN and FIN.
  [[nodiscard]] std::uint32_t seg_len() const {
    return len + (syn() ? 1U : 0U) + (fin() ? 1U : 0U);
  }
};

}  // namespace tcpsim::net
