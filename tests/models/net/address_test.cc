#include "models/net/address.h"

#include <gtest/gtest.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <set>
#include <string>

namespace tcpsim::net {
namespace {

TEST(Ipv4, ParsesDottedQuadInHostByteOrder) {
  EXPECT_EQ(parse_ipv4("10.0.0.1"), Ipv4{0x0a000001U});
  EXPECT_EQ(parse_ipv4("0.0.0.0"), Ipv4{0U});
  EXPECT_EQ(parse_ipv4("255.255.255.255"), Ipv4{0xffffffffU});
  EXPECT_EQ(parse_ipv4("192.168.1.254"), Ipv4{0xc0a801feU});
  EXPECT_EQ(parse_ipv4("1.20.100.200"), Ipv4{0x011464c8U});
}

TEST(Endpoint, KeyPacksTheAddressAboveThePortAndUnpacksAgain) {
  const Endpoint e{Ipv4{0x0a000001U}, 443};
  EXPECT_EQ(e.key(), 0x0a00000101bbULL);
  EXPECT_EQ(Endpoint::from_key(e.key()), e);
  const Endpoint top{Ipv4{0xffffffffU}, 65535};
  EXPECT_EQ(top.key(), 0xffffffffffffULL);
  EXPECT_EQ(Endpoint::from_key(top.key()), top);
  EXPECT_EQ((Endpoint{Ipv4{0}, 80}.key()), 80U);
  EXPECT_NE((Endpoint{Ipv4{1}, 0}.key()), (Endpoint{Ipv4{0}, 1}.key()));
}

TEST(Ipv4, RoundTripsThroughText) {
  for (const char* text :
       {"0.0.0.0", "127.0.0.1", "10.1.2.3", "172.16.254.1", "255.255.255.255", "1.0.10.100"}) {
    const auto parsed = parse_ipv4(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(to_string(*parsed), text);
  }
  for (std::uint32_t v : {0U, 1U, 0x7f000001U, 0xdeadbeefU, 0xffffffffU, 0x0a0b0c0dU}) {
    EXPECT_EQ(parse_ipv4(to_string(Ipv4{v})), Ipv4{v}) << v;
  }
}

TEST(Ipv4, RejectsMalformedText) {
  for (const char* text : {
           "",           // empty
           "1.2.3",      // three octets
           "1.2.3.4.5",  // five octets
           "256.0.0.1",  // octet out of range
           "1.2.3.256",  // last octet out of range
           "1..2.3",     // empty octet
           ".1.2.3",     // leading dot
           "1.2.3.4.",   // trailing dot
           "01.2.3.4",   // leading zero (rejected, as inet_pton does)
           "1.2.3.00",   // leading zero
           "0001.2.3.4",
           "+1.2.3.4",  // sign
           "-1.2.3.4",
           " 1.2.3.4",  // spaces
           "1.2.3.4 ",   "1. 2.3.4",
           "1.2.3.a",  // not a digit
           "0x1.2.3.4",  "1.2.3.4:80", "1000.1.1.1", "99999999999.1.1.1",
       }) {
    EXPECT_FALSE(parse_ipv4(text).has_value()) << '"' << text << '"';
  }
}

TEST(Ipv4, LoopbackIsAll127Slash8) {
  EXPECT_TRUE(parse_ipv4("127.0.0.1")->is_loopback());
  EXPECT_TRUE(parse_ipv4("127.255.255.254")->is_loopback());
  EXPECT_FALSE(parse_ipv4("126.255.255.255")->is_loopback());
  EXPECT_FALSE(parse_ipv4("128.0.0.1")->is_loopback());
}

TEST(Endpoint, FormatsAsAddressColonPort) {
  EXPECT_EQ(to_string(Endpoint{Ipv4{0x0a000001U}, 80}), "10.0.0.1:80");
  EXPECT_EQ(to_string(Endpoint{Ipv4{0}, 0}), "0.0.0.0:0");
  EXPECT_EQ(to_string(Endpoint{Ipv4{0xc0a80001U}, 65535}), "192.168.0.1:65535");
}

FourTuple tuple(std::uint32_t la, std::uint16_t lp, std::uint32_t ra, std::uint16_t rp) {
  return FourTuple{{Ipv4{la}, lp}, {Ipv4{ra}, rp}};
}

TEST(FourTupleHash, EqualTuplesHashEqualAndEveryFieldMatters) {
  const FourTuple t = tuple(0x0a000001U, 40000, 0x0a000002U, 80);
  EXPECT_EQ(hash_value(t), hash_value(tuple(0x0a000001U, 40000, 0x0a000002U, 80)));
  EXPECT_EQ(FourTupleHash{}(t), hash_value(t));
  EXPECT_NE(hash_value(t), hash_value(t.reversed()));
  EXPECT_NE(hash_value(t), hash_value(tuple(0x0a000003U, 40000, 0x0a000002U, 80)));
  EXPECT_NE(hash_value(t), hash_value(tuple(0x0a000001U, 40001, 0x0a000002U, 80)));
  EXPECT_NE(hash_value(t), hash_value(tuple(0x0a000001U, 40000, 0x0a000004U, 80)));
  EXPECT_NE(hash_value(t), hash_value(tuple(0x0a000001U, 40000, 0x0a000002U, 81)));
}

// The tuples of one client towards one server differ only in the source port: their hashes
// must still spread over the low bits a flat table uses for its buckets.
TEST(FourTupleHash, SpreadsSequentialPortsOverLowAndHighBits) {
  std::set<std::size_t> full;
  std::set<std::size_t> low12;
  std::set<std::size_t> high12;
  constexpr int kPorts = 28232;
  for (int p = 32768; p < 32768 + kPorts; ++p) {
    const std::size_t h =
        hash_value(tuple(0x0a000001U, static_cast<std::uint16_t>(p), 0x0a000002U, 443));
    full.insert(h);
    low12.insert(h & 0xfffU);
    high12.insert(h >> 52U);
  }
  EXPECT_EQ(full.size(), static_cast<std::size_t>(kPorts));
  // 28232 balls into 4096 bins leave about 4096 * exp(-6.9) = 4 empty on average.
  EXPECT_GE(low12.size(), 4070U);
  EXPECT_GE(high12.size(), 4070U);
}

TEST(FourTupleHash, KeysABoostFlatMap) {
  boost::unordered_flat_map<FourTuple, int, FourTupleHash> map;
  for (std::uint16_t p = 1; p <= 1000; ++p) map.emplace(tuple(1, p, 2, 80), p);
  EXPECT_EQ(map.size(), 1000U);
  EXPECT_EQ(map.at(tuple(1, 777, 2, 80)), 777);
  EXPECT_FALSE(map.contains(tuple(2, 80, 1, 777)));
}

}  // namespace
}  // namespace tcpsim::net
