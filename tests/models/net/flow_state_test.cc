#include "models/net/flow_state.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tcpsim::net {
namespace {

constexpr FlowDirection kOut = FlowDirection::kOriginal;
constexpr FlowDirection kBack = FlowDirection::kReply;

Segment with(std::uint8_t flags, std::uint32_t seq = 0, std::uint32_t ack = 0) {
  Segment s;
  s.flags = flags;
  s.seq = seq;
  s.ack = ack;
  return s;
}

struct Step {
  FlowDirection direction;
  std::uint8_t flags;
};

// Feeds the steps to a flow created by the first one and returns the state names after each.
std::vector<std::string> run(const std::vector<Step>& steps) {
  FlowTrack track = flow_start(with(steps.front().flags));
  std::vector<std::string> states{std::string(flow_state_name(track.state))};
  for (std::size_t i = 1; i < steps.size(); ++i) {
    const FlowStep step = flow_step(track, steps[i].direction, with(steps[i].flags));
    EXPECT_EQ(step, FlowStep::kTracked) << "step " << i;
    states.emplace_back(flow_state_name(track.state));
  }
  return states;
}

const std::vector<Step> kHandshake{{kOut, kSyn}, {kBack, kSyn | kAck}, {kOut, kAck}};

std::vector<Step> handshake_then(std::vector<Step> more) {
  std::vector<Step> all = kHandshake;
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

TEST(FlowState, NamesAreLinuxs) {
  const std::vector<std::string> expected{"NONE",     "SYN_SENT",   "SYN_RECV", "ESTABLISHED",
                                          "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
                                          "CLOSE",    "SYN_SENT2"};
  ASSERT_EQ(flow_state_names().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(flow_state_name(static_cast<FlowState>(i)), expected[i]);
    EXPECT_EQ(flow_state_names()[i], expected[i]);
  }
}

TEST(FlowState, CloseStartedByTheOriginalSide) {
  EXPECT_EQ(run(handshake_then({{kBack, kAck},         // data acknowledged
                                {kOut, kFin | kAck},   // client closes
                                {kBack, kAck},         // server acknowledges
                                {kBack, kFin | kAck},  // server closes
                                {kOut, kAck}})),       // last ACK
            (std::vector<std::string>{"SYN_SENT", "SYN_RECV", "ESTABLISHED", "ESTABLISHED",
                                      "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT"}));
}

TEST(FlowState, CloseStartedByTheReplySide) {
  EXPECT_EQ(
      run(handshake_then({{kBack, kFin | kAck}, {kOut, kAck}, {kOut, kFin | kAck}, {kBack, kAck}})),
      (std::vector<std::string>{"SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
                                "LAST_ACK", "TIME_WAIT"}));
}

TEST(FlowState, AFinThatAlsoAcknowledgesTheOtherFinGoesStraightToLastAck) {
  EXPECT_EQ(run(handshake_then({{kOut, kFin | kAck}, {kBack, kFin | kAck}, {kOut, kAck}})),
            (std::vector<std::string>{"SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "LAST_ACK",
                                      "TIME_WAIT"}));
}

TEST(FlowState, SimultaneousClose) {
  EXPECT_EQ(
      run(handshake_then({{kOut, kFin | kAck}, {kBack, kFin | kAck}, {kOut, kAck}, {kBack, kAck}})),
      (std::vector<std::string>{"SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "LAST_ACK",
                                "TIME_WAIT", "TIME_WAIT"}));
}

TEST(FlowState, SimultaneousOpenPassesThroughSynSent2) {
  EXPECT_EQ(run({{kOut, kSyn}, {kBack, kSyn}, {kOut, kSyn | kAck}, {kBack, kAck}}),
            (std::vector<std::string>{"SYN_SENT", "SYN_SENT2", "SYN_RECV", "SYN_RECV"}));
}

TEST(FlowState, ResetOfAnEstablishedFlowClosesIt) {
  EXPECT_EQ(run(handshake_then({{kBack, kRst}})),
            (std::vector<std::string>{"SYN_SENT", "SYN_RECV", "ESTABLISHED", "CLOSE"}));
  EXPECT_EQ(run(handshake_then({{kOut, kRst | kAck}})),
            (std::vector<std::string>{"SYN_SENT", "SYN_RECV", "ESTABLISHED", "CLOSE"}));
}

TEST(FlowState, AResetBeforeAnyReplyRemovesTheEntry) {
  // A refused connection: the only reply is the RST.
  FlowTrack refused = flow_start(with(kSyn));
  EXPECT_EQ(flow_step(refused, kBack, with(kRst | kAck)), FlowStep::kRemoved);
  // The client gives up before any answer.
  FlowTrack abandoned = flow_start(with(kSyn));
  EXPECT_EQ(flow_step(abandoned, kOut, with(kRst)), FlowStep::kRemoved);
  // After a reply, an RST only closes.
  FlowTrack answered = flow_start(with(kSyn));
  ASSERT_EQ(flow_step(answered, kBack, with(kSyn | kAck)), FlowStep::kTracked);
  EXPECT_EQ(flow_step(answered, kOut, with(kRst)), FlowStep::kTracked);
  EXPECT_EQ(answered.state, FlowState::kClose);
}

TEST(FlowState, ANewSynReopensATimeWaitFlowFromEitherSide) {
  for (const FlowDirection side : {kOut, kBack}) {
    FlowTrack track = flow_start(with(kSyn));
    const std::vector<Step> rest{{kBack, kSyn | kAck},
                                 {kOut, kAck},
                                 {kOut, kFin | kAck},
                                 {kBack, kFin | kAck},
                                 {kOut, kAck}};
    for (const Step& s : rest) {
      ASSERT_EQ(flow_step(track, s.direction, with(s.flags)), FlowStep::kTracked);
    }
    ASSERT_EQ(track.state, FlowState::kTimeWait);
    EXPECT_EQ(flow_step(track, side, with(kSyn, 1000)), FlowStep::kReopened);
    EXPECT_EQ(track.state, FlowState::kSynSent);
    EXPECT_FALSE(track.seen_reply);
    EXPECT_EQ(track.close_initiated, 0);
    // The new flow runs from the SYN's sender, now the original side.
    EXPECT_EQ(flow_step(track, kBack, with(kSyn | kAck, 5000, 1001)), FlowStep::kTracked);
    EXPECT_EQ(track.state, FlowState::kSynRecv);
  }
}

TEST(FlowState, ASynAfterTheSameSidesResetReopensButNotAfterThePeers) {
  FlowTrack own = flow_start(with(kSyn));
  ASSERT_EQ(flow_step(own, kBack, with(kSyn | kAck)), FlowStep::kTracked);
  ASSERT_EQ(flow_step(own, kOut, with(kRst)), FlowStep::kTracked);
  EXPECT_EQ(flow_step(own, kOut, with(kSyn)), FlowStep::kReopened);

  FlowTrack peer = flow_start(with(kSyn));
  ASSERT_EQ(flow_step(peer, kBack, with(kSyn | kAck)), FlowStep::kTracked);
  ASSERT_EQ(flow_step(peer, kBack, with(kRst)), FlowStep::kTracked);
  EXPECT_EQ(flow_step(peer, kOut, with(kSyn)), FlowStep::kIgnored);
  EXPECT_EQ(peer.state, FlowState::kClose);
}

TEST(FlowState, ASynOnAnEstablishedFlowIsIgnoredUntilItsSynAckResyncs) {
  FlowTrack track = flow_start(with(kSyn));
  for (const Step& s : std::vector<Step>{{kBack, kSyn | kAck}, {kOut, kAck}}) {
    ASSERT_EQ(flow_step(track, s.direction, with(s.flags)), FlowStep::kTracked);
  }
  EXPECT_EQ(flow_step(track, kOut, with(kSyn, 7000)), FlowStep::kIgnored);
  EXPECT_EQ(track.state, FlowState::kEstablished);
  // A SYN-ACK for another SYN stays ignored; the one answering seq 7000 resyncs.
  EXPECT_EQ(flow_step(track, kBack, with(kSyn | kAck, 1, 4242)), FlowStep::kIgnored);
  EXPECT_EQ(flow_step(track, kOut, with(kSyn, 7000)), FlowStep::kIgnored);
  EXPECT_EQ(flow_step(track, kBack, with(kSyn | kAck, 1, 7001)), FlowStep::kTracked);
  EXPECT_EQ(track.state, FlowState::kSynRecv);
}

TEST(FlowState, InvalidSegmentsLeaveTheStateAlone) {
  FlowTrack track = flow_start(with(kSyn));
  EXPECT_EQ(flow_step(track, kOut, with(kAck)), FlowStep::kInvalid);  // no SYN-ACK yet
  EXPECT_EQ(flow_step(track, kOut, with(kFin)), FlowStep::kInvalid);  // FIN before answer
  EXPECT_EQ(flow_step(track, kOut, with(kPsh)), FlowStep::kInvalid);  // no flag it knows
  EXPECT_EQ(flow_step(track, kOut, with(kSyn)), FlowStep::kTracked);  // SYN retransmitted
  EXPECT_EQ(track.state, FlowState::kSynSent);
}

TEST(FlowState, OnlyASynOrABareAckStartsAFlow) {
  EXPECT_EQ(flow_start(with(kSyn)).state, FlowState::kSynSent);
  EXPECT_EQ(flow_start(with(kAck)).state, FlowState::kEstablished);  // picked up mid-stream
  EXPECT_EQ(flow_start(with(kAck | kPsh)).state, FlowState::kEstablished);
  EXPECT_EQ(flow_start(with(kSyn | kAck)).state, FlowState::kNone);
  EXPECT_EQ(flow_start(with(kFin | kAck)).state, FlowState::kNone);
  EXPECT_EQ(flow_start(with(kRst)).state, FlowState::kNone);
}

}  // namespace
}  // namespace tcpsim::net
