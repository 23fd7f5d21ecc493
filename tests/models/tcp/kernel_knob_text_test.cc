// The text forms of the port sysctls, read as Linux accepts them and written back.

#include "models/tcp/kernel_knob_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tcpsim::tcp {
namespace {

using ::testing::HasSubstr;

TEST(KernelKnobText, ReadsThePortRangeAsLinuxWritesIt) {
  std::string error;
  const auto range = parse_port_range("32768 60999", &error);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->low, 32768);
  EXPECT_EQ(range->high, 60999);
  EXPECT_TRUE(parse_port_range("1024\t65535", &error));
  EXPECT_TRUE(parse_port_range("  1024   65535 ", &error));
  EXPECT_FALSE(parse_port_range("1024", &error));
  EXPECT_THAT(error, HasSubstr("expected two ports"));
  EXPECT_FALSE(parse_port_range("1024-65535", &error));
  EXPECT_FALSE(parse_port_range("0 100", &error));
  EXPECT_THAT(error, HasSubstr("port 0 is outside 1..65535"));
  EXPECT_FALSE(parse_port_range("1 70000", &error));
  EXPECT_THAT(error, HasSubstr("port 70000 is outside 1..65535"));
  EXPECT_FALSE(parse_port_range("a b", &error));
  EXPECT_THAT(error, HasSubstr("expected a port number, got \"a\""));
}

TEST(KernelKnobText, ReadsReservedPortLists) {
  std::string error;
  const auto ranges = parse_reserved_ports("8080,9000-9100", &error);
  ASSERT_TRUE(ranges);
  ASSERT_EQ(ranges->size(), 2U);
  EXPECT_EQ((*ranges)[0].low, 8080);
  EXPECT_EQ((*ranges)[0].high, 8080);
  EXPECT_EQ((*ranges)[1].low, 9000);
  EXPECT_EQ((*ranges)[1].high, 9100);
  EXPECT_TRUE(parse_reserved_ports("", &error)->empty());
  EXPECT_FALSE(parse_reserved_ports("80,", &error));
  EXPECT_FALSE(parse_reserved_ports("80,x", &error));
  EXPECT_FALSE(parse_reserved_ports("80-", &error));
}

TEST(KernelKnobText, WritesWhatItReads) {
  EXPECT_EQ(format_port_range({32768, 60999}), "32768 60999");
  EXPECT_EQ(format_port_range({1, 65535}), "1 65535");
  EXPECT_EQ(format_reserved_ports({}), "");
  EXPECT_EQ(format_reserved_ports({{8080, 8080}}), "8080");
  const std::vector<PortRange> ranges = {{9000, 9100}, {8080, 8080}, {1, 2}};
  EXPECT_EQ(format_reserved_ports(ranges), "9000-9100,8080,1-2");
  std::string error;
  EXPECT_EQ(parse_reserved_ports(format_reserved_ports(ranges), &error), ranges);
  EXPECT_EQ(parse_port_range(format_port_range({1024, 2048}), &error), (PortRange{1024, 2048}));
}

}  // namespace
}  // namespace tcpsim::tcp
