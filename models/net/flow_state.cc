#include "models/net/flow_state.h"

namespace tcpsim::net {

namespace {

// Segment classes, in the order conntrack tests the flags: RST wins, then SYN (with or
// without ACK), then FIN, then ACK.
enum Class : std::uint8_t { kSynClass, kSynAckClass, kFinClass, kAckClass, kRstClass, kNoClass };
constexpr std::size_t kClassCount = 6;

constexpr std::uint8_t kClassFlags = kFin | kSyn | kRst | kAck;

constexpr Class class_of_flags(std::uint8_t flags) {
  if ((flags & kRst) != 0) return kRstClass;
  if ((flags & kSyn) != 0) return (flags & kAck) != 0 ? kSynAckClass : kSynClass;
  if ((flags & kFin) != 0) return kFinClass;
  if ((flags & kAck) != 0) return kAckClass;
  return kNoClass;
}

constexpr auto kClassOf = [] {
  std::array<Class, kClassFlags + 1> table{};
  for (std::size_t f = 0; f < table.size(); ++f) {
    table[f] = class_of_flags(static_cast<std::uint8_t>(f));
  }
  return table;
}();

Class classify(const Segment& s) { return kClassOf[s.flags & kClassFlags]; }

// The states by their kernel abbreviations, then the table's pseudo-states invalid (sIV) and
// ignored (sIG).
enum : std::uint8_t { NO, SS, SR, ES, FW, CW, LA, TW, CL, S2, IV, IG };

using Row = std::array<std::uint8_t, kFlowStateCount>;

// Linux's tcp_conntracks (nf_conntrack_proto_tcp.c, v5.x and later): [direction][class] gives
// the next state from each current state, columns in FlowState order
// (NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE,
// SYN_SENT2).
constexpr std::array<std::array<Row, kClassCount>, 2> kNext{{
    {{
        // original direction
        Row{SS, SS, IG, IG, IG, IG, IG, SS, SS, S2},  // SYN
        Row{IV, IV, SR, IV, IV, IV, IV, IV, IV, SR},  // SYN-ACK
        Row{IV, IV, FW, FW, LA, LA, LA, TW, CL, IV},  // FIN
        Row{ES, IV, ES, ES, CW, CW, TW, TW, CL, IV},  // ACK
        Row{IV, CL, CL, CL, CL, CL, CL, CL, CL, CL},  // RST
        Row{IV, IV, IV, IV, IV, IV, IV, IV, IV, IV},  // none of these flags
    }},
    {{
        // reply direction
        Row{IV, S2, IV, IV, IV, IV, IV, SS, IV, S2},  // SYN
        Row{IV, SR, IG, IG, IG, IG, IG, IG, IG, SR},  // SYN-ACK
        Row{IV, IV, FW, FW, LA, LA, LA, TW, CL, IV},  // FIN
        Row{IV, IG, SR, ES, CW, CW, TW, TW, CL, IG},  // ACK
        Row{IV, CL, CL, CL, CL, CL, CL, CL, CL, CL},  // RST
        Row{IV, IV, IV, IV, IV, IV, IV, IV, IV, IV},  // none of these flags
    }},
}};

std::uint8_t bit(FlowDirection d) { return d == FlowDirection::kOriginal ? 1U : 2U; }

// The move to `next`, a state of the table (not sIV or sIG). Most segments end here; the
// flags are set without branching on the direction, which alternates segment by segment.
FlowStep move(FlowTrack& track, FlowDirection direction, Class index, std::uint8_t old_state,
              std::uint8_t next) {
  track.last_index = index;
  track.last_direction = direction;
  track.state = static_cast<FlowState>(next);
  const bool begins_close = next == FW && next != old_state;
  track.close_initiated |= static_cast<std::uint8_t>(begins_close ? bit(direction) : 0U);
  if (index == kRstClass && !track.seen_reply) return FlowStep::kRemoved;
  track.seen_reply = track.seen_reply || direction == FlowDirection::kReply;
  return FlowStep::kTracked;
}

}  // namespace

std::string_view flow_state_name(FlowState state) {
  return kFlowStateNames[static_cast<std::size_t>(state)];
}

const std::array<std::string_view, kFlowStateCount>& flow_state_names() { return kFlowStateNames; }

namespace {

// The table's special cases: a SYN on a closing or closed flow, sIG and sIV.
[[gnu::noinline]] FlowStep flow_step_special(FlowTrack& track, FlowDirection direction,
                                             const Segment& segment, Class index,
                                             std::uint8_t old_state, std::uint8_t next) {
  if (next == SS) {
    // RFC 1122 4.2.2.13: a SYN may reopen a connection from TIME-WAIT; conntrack also lets
    // one reopen a flow after FINs or after an RST from the same side.
    if (track.close_initiated != 0 ||
        (track.last_direction == direction && track.last_index == kRstClass)) {
      track = FlowTrack{};
      flow_step(track, FlowDirection::kOriginal, segment);
      return FlowStep::kReopened;
    }
    next = IG;
  }
  if (next == IG) {
    const bool answers_ignored_syn = index == kSynAckClass && track.last_index == kSynClass &&
                                     track.last_direction != direction &&
                                     segment.ack == track.last_end;
    if (!answers_ignored_syn) {
      track.last_index = index;
      track.last_direction = direction;
      track.last_end = segment.seq + segment.seg_len();
      if (direction == FlowDirection::kReply) track.seen_reply = true;
      return FlowStep::kIgnored;
    }
    // Both ends are in sync on a new connection the table missed: follow them.
    return move(track, direction, index, old_state, SR);
  }
  return FlowStep::kInvalid;
}

}  // namespace

FlowStep flow_step(FlowTrack& track, FlowDirection direction, const Segment& segment) {
  const Class index = classify(segment);
  const auto old_state = static_cast<std::uint8_t>(track.state);
  const std::uint8_t next = kNext[static_cast<std::size_t>(direction)][index][old_state];
  if (next < IV && (next != SS || old_state < TW)) [[likely]] {
    return move(track, direction, index, old_state, next);
  }
  return flow_step_special(track, direction, segment, index, old_state, next);
}

FlowTrack flow_start(const Segment& segment) {
  FlowTrack track;
  if (kNext[0][classify(segment)][NO] != IV) flow_step(track, FlowDirection::kOriginal, segment);
  return track;
}

}  // namespace tcpsim::net
