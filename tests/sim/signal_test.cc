#include "sim/signal.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tcpsim::sim {
namespace {

TEST(Signal, CallsEverySubscriberInTheOrderTheyConnected) {
  Signal<const std::string&, int> signal;
  std::vector<std::string> heard;
  signal.connect(
      [&](const std::string& s, int n) { heard.push_back("a:" + s + std::to_string(n)); });
  signal.connect(
      [&](const std::string& s, int n) { heard.push_back("b:" + s + std::to_string(n)); });
  signal("x", 1);
  signal("y", 2);
  EXPECT_EQ(heard, (std::vector<std::string>{"a:x1", "b:x1", "a:y2", "b:y2"}));
  EXPECT_EQ(signal.size(), 2U);
}

TEST(Signal, WithNobodyConnectedIsEmptyAndEmittingDoesNothing) {
  Signal<int> signal;
  EXPECT_TRUE(signal.empty());
  signal(1);
  int calls = 0;
  const auto c = signal.connect([&](int) { ++calls; });
  EXPECT_FALSE(signal.empty());
  signal(2);
  signal.disconnect(c);
  signal.disconnect(c);  // twice: no effect
  EXPECT_TRUE(signal.empty());
  signal(3);
  EXPECT_EQ(calls, 1);
}

TEST(Signal, DisconnectingOneLeavesTheOthers) {
  Signal<int> signal;
  std::vector<int> heard;
  signal.connect([&](int n) { heard.push_back(10 + n); });
  const auto middle = signal.connect([&](int n) { heard.push_back(20 + n); });
  signal.connect([&](int n) { heard.push_back(30 + n); });
  signal.disconnect(middle);
  signal(1);
  EXPECT_EQ(heard, (std::vector<int>{11, 31}));
}

TEST(Signal, SubscribersMayConnectAndDisconnectWhileItIsEmitted) {
  Signal<int> signal;
  std::vector<int> heard;
  Signal<int>::Connection self = 0;
  // The first subscriber removes itself and adds another, which hears only
  // the next emission; the one after it is still called this time.
  self = signal.connect([&](int n) {
    heard.push_back(100 + n);
    signal.disconnect(self);
    for (int i = 0; i < 50; ++i) {  // enough to grow the subscriber list
      signal.connect([&heard, i](int m) {
        if (i == 0) heard.push_back(300 + m);
      });
    }
  });
  signal.connect([&](int n) { heard.push_back(200 + n); });
  signal(1);
  signal(2);
  EXPECT_EQ(heard, (std::vector<int>{101, 201, 202, 302}));
  EXPECT_EQ(signal.size(), 51U);
}

}  // namespace
}  // namespace tcpsim::sim
