#include "models/tcp/bind_table.h"

#include <gtest/gtest.h>

#include <vector>

namespace tcpsim::tcp {
namespace {

const net::Ipv4 kA{0x0a000001};
const net::Ipv4 kB{0x0a000002};

TEST(BindTable, CountsConnectHoldersPerAddressAndPort) {
  BindTable t({40000, 40099});
  t.add(kA, 40000, PortHold::kConnect, false);
  t.add(kA, 40000, PortHold::kConnect, false);
  t.add(kB, 40000, PortHold::kConnect, false);
  EXPECT_EQ(t.connect_users(kA, 40000), 2U);
  EXPECT_EQ(t.connect_users(kB, 40000), 1U);
  EXPECT_EQ(t.ports_in_use(), 2U);
  t.remove(kA, 40000, PortHold::kConnect, false);
  t.remove(kA, 40000, PortHold::kConnect, false);
  EXPECT_EQ(t.connect_users(kA, 40000), 0U);
  EXPECT_EQ(t.ports_in_use(), 1U);
}

TEST(BindTable, APortSharedByThousandsOfConnectionsKeepsAnExactCount) {
  // One local port toward 1000 destinations.
  BindTable t({40000, 40099});
  for (int i = 0; i < 1000; ++i) t.add(kA, 40007, PortHold::kConnect, false);
  EXPECT_EQ(t.connect_users(kA, 40007), 1000U);
  EXPECT_EQ(t.ports_in_use(), 1U);
  for (int i = 0; i < 999; ++i) t.remove(kA, 40007, PortHold::kConnect, false);
  EXPECT_EQ(t.connect_users(kA, 40007), 1U);
  t.remove(kA, 40007, PortHold::kConnect, false);
  EXPECT_EQ(t.connect_users(kA, 40007), 0U);
  EXPECT_EQ(t.ports_in_use(), 0U);
}

// An address holding few ports keeps them in a set; past 896 here (a set no larger than its
// bitmap) it marks them in the bitmap: the counts read the same either way, and a port
// whose count falls to 0 is free.
TEST(BindTable, CountsReadTheSameListedAndInTheArray) {
  BindTable t({32768, 60999});
  std::vector<std::uint32_t> want(28232, 0);
  std::uint32_t seed = 7;
  const auto next = [&] { return seed = seed * 1103515245U + 12345U; };
  for (int round = 0; round < 16000; ++round) {
    const std::uint32_t o = (next() >> 8U) % 2400 * 37 % 28232;  // 2,400 ports spread out
    const auto port = static_cast<std::uint16_t>(32768 + o);
    if (want[o] > 0 && (next() >> 16U) % 3 == 0) {
      t.remove(kA, port, PortHold::kConnect, false);
      --want[o];
    } else {
      t.add(kA, port, PortHold::kConnect, false);
      ++want[o];
    }
    const std::uint32_t probe = (next() >> 8U) % 2400 * 37 % 28232;
    ASSERT_EQ(t.connect_users(kA, static_cast<std::uint16_t>(32768 + probe)), want[probe]);
    ASSERT_EQ(t.connect_users(kA, port), want[o]);
  }
  std::size_t held = 0;
  for (const std::uint32_t n : want) held += n > 0 ? 1 : 0;
  EXPECT_GT(held, 1024U);  // the bitmap took over
  EXPECT_EQ(t.ports_in_use(), held);
  EXPECT_EQ(BindTable::bytes_for(28232, 100), 256U);    // room for 128
  EXPECT_EQ(BindTable::bytes_for(28232, 200), 1024U);   // 512 slots
  EXPECT_EQ(BindTable::bytes_for(28232, 600), 1536U);   // 768 slots: 672 fit
  EXPECT_EQ(BindTable::bytes_for(28232, 700), 2048U);   // 1,024 slots
  EXPECT_EQ(BindTable::bytes_for(28232, 1025), 3536U);  // 442 words of 64 ports
}

// Ports shared by many connections or by a few keep their counts when the list becomes a
// bitmap.
TEST(BindTable, SharedCountsSurviveTheMoveToTheBitmap) {
  BindTable t({32768, 60999});
  for (int i = 0; i < 1000; ++i) t.add(kA, 32768, PortHold::kConnect, false);
  for (int i = 0; i < 3; ++i) t.add(kA, 32770, PortHold::kConnect, false);
  for (std::uint16_t p = 40000; p < 42000; ++p) t.add(kA, p, PortHold::kConnect, false);
  EXPECT_EQ(t.ports_in_use(), 2002U);
  EXPECT_EQ(t.connect_users(kA, 32768), 1000U);
  EXPECT_EQ(t.connect_users(kA, 32770), 3U);
  EXPECT_EQ(t.connect_users(kA, 41999), 1U);
  EXPECT_EQ(t.connect_users(kB, 32768), 0U);
  for (int i = 0; i < 999; ++i) t.remove(kA, 32768, PortHold::kConnect, false);
  EXPECT_EQ(t.connect_users(kA, 32768), 1U);
  t.remove(kA, 32768, PortHold::kConnect, false);
  EXPECT_EQ(t.connect_users(kA, 32768), 0U);
  t.add(kA, 32768, PortHold::kConnect, false);
  t.add(kA, 32768, PortHold::kConnect, false);
  EXPECT_EQ(t.connect_users(kA, 32768), 2U);
  for (int i = 0; i < 3; ++i) t.remove(kA, 32770, PortHold::kConnect, false);
  EXPECT_EQ(t.connect_users(kA, 32770), 0U);
  EXPECT_EQ(t.ports_in_use(), 2001U);
}

TEST(BindTable, BindHoldersAndListenersLiveInBuckets) {
  BindTable t({40000, 40099});
  EXPECT_FALSE(t.bound(kA, 80));
  t.add(net::Ipv4{0}, 80, PortHold::kBind, true);
  EXPECT_TRUE(t.bound(kA, 80));  // a wildcard bind covers every address
  t.add_listener(net::Ipv4{0}, 80);
  const BindBucket* b = t.bucket(net::Ipv4{0}, 80);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->bind_users, 1U);
  EXPECT_EQ(b->non_reuse_users, 0U);
  EXPECT_EQ(b->listeners, 1U);
  t.remove(net::Ipv4{0}, 80, PortHold::kBind, true);
  EXPECT_TRUE(t.bound(kA, 80));  // the listener still holds it
  t.remove_listener(net::Ipv4{0}, 80);
  EXPECT_FALSE(t.bound(kA, 80));
  EXPECT_EQ(t.ports_in_use(), 0U);
}

}  // namespace
}  // namespace tcpsim::tcp
