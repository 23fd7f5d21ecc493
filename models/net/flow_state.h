// A TCP flow as Linux conntrack sees it from the middle of the path (nf_conntrack_proto_tcp.c):
// its states and the move on each segment seen in the original or the reply direction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "models/net/segment.h"

namespace tcpsim::net {

enum class FlowState : std::uint8_t {
  kNone,
  kSynSent,
  kSynRecv,
  kEstablished,
  kFinWait,
  kCloseWait,
  kLastAck,
  kTimeWait,
  kClose,
  kSynSent2,  // a SYN seen from both sides: simultaneous open
};
inline constexpr std::size_t kFlowStateCount = 10;

// Linux's names ("SYN_SENT", "TIME_WAIT", ...), also the metric columns.
inline constexpr std::array<std::string_view, kFlowStateCount> kFlowStateNames{
    "NONE",       "SYN_SENT", "SYN_RECV",  "ESTABLISHED", "FIN_WAIT",
    "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",       "SYN_SENT2"};
std::string_view flow_state_name(FlowState state);
const std::array<std::string_view, kFlowStateCount>& flow_state_names();

// Original: the direction of the segment that created the entry.
enum class FlowDirection : std::uint8_t { kOriginal, kReply };

// What conntrack remembers of a flow between segments. No window tracking: sequence numbers
// are kept only to recognise a SYN-ACK that answers a SYN the table ignored.
struct FlowTrack {
  FlowState state = FlowState::kNone;
  std::uint8_t last_index = 0;  // class of the last segment (SYN, SYN-ACK, FIN, ACK, RST, none)
  FlowDirection last_direction = FlowDirection::kOriginal;
  std::uint8_t close_initiated = 0;  // bit per direction: that side's FIN began the close
  bool seen_reply = false;
  std::uint32_t last_end = 0;  // seq + length of the last ignored segment
};

enum class FlowStep : std::uint8_t {
  kTracked,   // moved by the table: the entry's timeout restarts from its new state's
  kIgnored,   // a segment the table may be out of sync on (sIG): passes, nothing refreshed
  kInvalid,   // sIV: passes untracked, the entry is left as it was
  kReopened,  // a SYN on a closed flow: a new flow starts with the SYN's sender as original
  kRemoved,   // an RST before any reply: conntrack deletes the entry at once
};

// tcp_packet(): the table tcp_conntracks plus its special cases (reopen from TIME_WAIT or
// CLOSE, resync on the SYN-ACK of an ignored SYN, removal on an RST before any reply).
// On kReopened the track is the new flow's, in its own original direction. Not modelled:
// window and sequence checks (every segment is taken as in window), the max_retrans and
// unacknowledged-data timeouts, and the ASSURED bit.
FlowStep flow_step(FlowTrack& track, FlowDirection direction, const Segment& segment);

// The track of a new entry whose first segment is `segment`; state kNone when that segment
// creates no entry. A SYN starts SYN_SENT; a bare ACK picks up ESTABLISHED
// (nf_conntrack_tcp_loose=1, the default); a SYN-ACK, FIN or RST creates nothing.
FlowTrack flow_start(const Segment& segment);

}  // namespace tcpsim::net
