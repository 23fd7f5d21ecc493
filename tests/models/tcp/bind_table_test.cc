#include "models/tcp/bind_table.h"

#include <gtest/gtest.h>

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
  // One local port toward 1000 destinations: the one-byte count spills over.
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
