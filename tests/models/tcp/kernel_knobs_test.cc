// The table of kernel settings: every row reads what it writes, its checker refuses exactly
// the values outside its bounds and names the row, and the presets pass every checker.

#include "models/tcp/kernel_knobs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "sim/duration.h"

namespace tcpsim::tcp {

void PrintTo(const KernelKnob& knob, std::ostream* os) { *os << knob.name(); }

namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

bool numeric(const KernelKnob& knob) {
  return knob.kind() == KnobKind::kInt || knob.kind() == KnobKind::kUint ||
         knob.kind() == KnobKind::kDuration;
}

std::string text(const KernelKnob& knob, std::int64_t v) {
  return knob.kind() == KnobKind::kDuration ? sim::format_duration(v) : std::to_string(v);
}

// The values of the row's type (a duration is never negative) just outside its bounds.
std::vector<std::int64_t> just_outside(const KernelKnob& knob) {
  std::int64_t lowest = 0;
  std::int64_t highest = 0;
  switch (knob.kind()) {
    case KnobKind::kInt:
      lowest = std::numeric_limits<int>::min();
      highest = std::numeric_limits<int>::max();
      break;
    case KnobKind::kUint:
      highest = std::numeric_limits<std::uint32_t>::max();
      break;
    case KnobKind::kDuration:
      highest = sim::kTimeMax;
      break;
    default:
      return {};
  }
  std::vector<std::int64_t> values;
  if (knob.bounds().min > lowest) values.push_back(knob.bounds().min - 1);
  if (knob.bounds().max < highest) values.push_back(knob.bounds().max + 1);
  return values;
}

// Settings whose every member differs from Linux's defaults.
KernelSettings all_changed() {
  KernelSettings s;
  s.ip_local_port_range = {1024, 2047};
  s.ip_local_reserved_ports = {{1030, 1030}, {1100, 1199}};
  s.tcp_tw_reuse = 1;
  s.tcp_tw_reuse_delay = 1500 * sim::kMillisecond;
  s.tcp_timestamps = false;
  s.tcp_fin_timeout = 5 * sim::kSecond;
  s.tcp_max_tw_buckets = 0;
  s.tcp_syn_retries = 2;
  s.tcp_syn_linear_timeouts = 0;
  s.tcp_synack_retries = 1;
  s.somaxconn = 128;
  s.tcp_abort_on_overflow = true;
  s.tcp_orphan_retries = 3;
  s.tcp_retries2 = 8;
  s.tcp_keepalive_time = 600 * sim::kSecond;
  s.tcp_keepalive_intvl = 30 * sim::kSecond;
  s.tcp_keepalive_probes = 5;
  s.tcp_rfc1337 = true;
  s.nofile = 65536;
  s.time_wait_length = 90 * sim::kSecond + 1;
  s.tcp_timeout_init = 3 * sim::kSecond;
  s.tcp_rto_min = 5 * sim::kMillisecond;
  s.tcp_rto_max = 60 * sim::kSecond;
  s.tcp_timeout_min = 4 * sim::kMillisecond;
  s.hz = 1000;
  s.mss = 8960;
  s.nf_conntrack = true;
  s.nf_conntrack_max = 4096;
  s.nf_conntrack_tcp_timeout_syn_sent = 11 * sim::kSecond;
  s.nf_conntrack_tcp_timeout_syn_recv = 12 * sim::kSecond;
  s.nf_conntrack_tcp_timeout_established = 13 * sim::kSecond;
  s.nf_conntrack_tcp_timeout_fin_wait = 14 * sim::kSecond;
  s.nf_conntrack_tcp_timeout_close_wait = 15 * sim::kSecond;
  s.nf_conntrack_tcp_timeout_last_ack = 16 * sim::kSecond;
  s.nf_conntrack_tcp_timeout_time_wait = 17 * sim::kSecond;
  s.nf_conntrack_tcp_timeout_close = 18 * sim::kSecond;
  return s;
}

TEST(KernelKnobs, NamesAreUniqueAndBoundsNameRowsOfTheirKind) {
  std::set<std::string_view> names;
  for (const KernelKnob& knob : kernel_knobs()) {
    EXPECT_TRUE(names.insert(knob.name()).second) << knob.name();
    EXPECT_EQ(find_kernel_knob(knob.name()), &knob);
    EXPECT_FALSE(knob.doc().empty()) << knob.name();
    EXPECT_LE(knob.bounds().min, knob.bounds().max) << knob.name();
    if (!knob.bounds().at_most.empty()) {
      const KernelKnob* bound = find_kernel_knob(knob.bounds().at_most);
      ASSERT_NE(bound, nullptr) << knob.name();
      EXPECT_EQ(bound->kind(), knob.kind()) << knob.name();
    }
  }
  EXPECT_EQ(names.size(), 36U);
  EXPECT_EQ(find_kernel_knob("tcp_ecn"), nullptr);
}

TEST(KernelKnobs, PresetsPassEveryChecker) {
  for (const std::string_view name : KernelSettings::preset_names()) {
    const KernelSettings* preset = KernelSettings::preset(name);
    ASSERT_NE(preset, nullptr) << name;
    EXPECT_THAT(preset->validate(), IsEmpty()) << name;
  }
  EXPECT_THAT(all_changed().validate(), IsEmpty());
  EXPECT_EQ(KernelSettings::preset("freebsd"), nullptr);
}

TEST(KernelKnobs, Rfc9293OverridesFourRowsOfLinux) {
  const KernelSettings linux_defaults = KernelSettings::linux_defaults();
  const KernelSettings rfc = KernelSettings::rfc9293();
  std::vector<std::string> differ;
  for (const KernelKnob& knob : kernel_knobs()) {
    if (knob.format(rfc) != knob.format(linux_defaults)) {
      differ.push_back(std::string(knob.name()) + "=" + knob.format(rfc));
    }
  }
  EXPECT_THAT(differ, ElementsAre("ip_local_port_range=49152 65535", "tcp_tw_reuse=0",
                                  "time_wait_length=4m", "hz=0"));
}

TEST(KernelKnobs, ReadingEveryRowsTextGivesTheSameSettings) {
  const KernelSettings changed = all_changed();
  const KernelSettings linux_defaults = KernelSettings::linux_defaults();
  KernelSettings read;
  for (const KernelKnob& knob : kernel_knobs()) {
    EXPECT_NE(knob.format(changed), knob.format(linux_defaults)) << knob.name();
    EXPECT_EQ(knob.parse(knob.format(changed), read), std::nullopt) << knob.name();
  }
  EXPECT_EQ(read, changed);
  EXPECT_EQ(find_kernel_knob("time_wait_length")->format(changed), "1m30.000000001s");
  EXPECT_EQ(find_kernel_knob("ip_local_reserved_ports")->format(changed), "1030,1100-1199");
  EXPECT_EQ(find_kernel_knob("tcp_timestamps")->format(changed), "false");
}

TEST(KernelKnobs, TextThatDoesNotReadLeavesTheValueAndIsQuoted) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"tcp_tw_reuse", "x"},
      {"tcp_tw_reuse", "1.5"},
      {"tcp_syn_retries", "9999999999"},
      {"somaxconn", "-1"},
      {"tcp_timestamps", "maybe"},
      {"tcp_fin_timeout", "soon"},
      {"ip_local_port_range", "1024"},
      {"ip_local_reserved_ports", "80-"}};
  for (const auto& [name, value] : cases) {
    KernelSettings s;
    const auto error = find_kernel_knob(name)->parse(value, s);
    ASSERT_TRUE(error) << name << "=" << value;
    EXPECT_THAT(*error, ::testing::HasSubstr("\"" + std::string(value) + "\""));
    EXPECT_EQ(s, KernelSettings::linux_defaults()) << name << "=" << value;
  }
  KernelSettings s;
  EXPECT_EQ(find_kernel_knob("tcp_tw_reuse")->parse("x", s), "\"x\": expected an integer");
  EXPECT_EQ(find_kernel_knob("somaxconn")->parse("-1", s),
            "\"-1\": expected a non-negative integer");
  EXPECT_EQ(find_kernel_knob("tcp_syn_retries")->parse("9999999999", s),
            "\"9999999999\": out of range -2147483648..2147483647");
  EXPECT_EQ(find_kernel_knob("tcp_timestamps")->parse("maybe", s),
            "\"maybe\": expected true or false");
}

TEST(KernelKnobs, MessagesStateTheBounds) {
  const auto message = [](std::string_view name, std::string_view value) {
    KernelSettings s;
    const KernelKnob& knob = *find_kernel_knob(name);
    EXPECT_EQ(knob.parse(value, s), std::nullopt);
    return knob.check(s).value_or("accepted");
  };
  EXPECT_EQ(message("tcp_tw_reuse", "3"), "must be 0, 1 or 2, got 3");
  EXPECT_EQ(message("tcp_syn_retries", "0"), "must be in 1..127, got 0");
  EXPECT_EQ(message("tcp_orphan_retries", "-1"), "must be >= 0, got -1");
  EXPECT_EQ(message("mss", "63"), "must be >= 64, got 63");
  EXPECT_EQ(message("tcp_tw_reuse_delay", "61s"), "must be between 1ms and 1m, got 1m1s");
  EXPECT_EQ(message("tcp_fin_timeout", "0s"), "must be > 0, got 0s");
  EXPECT_EQ(message("tcp_rto_min", "3m"), "must be <= tcp_rto_max (2m), got 3m");
  EXPECT_EQ(message("tcp_rto_min", "2m"), "accepted");
  EXPECT_EQ(message("ip_local_port_range", "60999 32768"),
            "low (60999) must be >= 1 and <= high (32768)");
  EXPECT_EQ(message("ip_local_reserved_ports", "80,9100-9000"), "range 9100-9000 has low > high");
}

TEST(KernelKnobs, ValidateListsEveryProblemInRowOrder) {
  KernelSettings s;
  s.mss = 1;
  s.tcp_tw_reuse = -1;
  s.ip_local_port_range = {0, 10};
  s.ip_local_reserved_ports = {{0, 5}};
  EXPECT_THAT(s.validate(),
              ElementsAre("ip_local_port_range: low (0) must be >= 1 and <= high (10)",
                          "ip_local_reserved_ports: range 0-5 is not within 1..65535",
                          "tcp_tw_reuse: must be 0, 1 or 2, got -1", "mss: must be >= 64, got 1"));
}

TEST(KernelKnobs, OnlyFlagsPortsAndTheUnboundedBucketCountHaveNoValueOutOfBounds) {
  std::vector<std::string_view> unbounded;
  for (const KernelKnob& knob : kernel_knobs()) {
    if (just_outside(knob).empty()) unbounded.push_back(knob.name());
  }
  EXPECT_THAT(unbounded,
              UnorderedElementsAre("ip_local_port_range", "ip_local_reserved_ports",
                                   "tcp_timestamps", "tcp_max_tw_buckets", "tcp_abort_on_overflow",
                                   "tcp_rfc1337", "nf_conntrack"));
}

class KnobRowTest : public ::testing::TestWithParam<KernelKnob> {};

TEST_P(KnobRowTest, RefusesTheValuesJustOutsideItsBoundsNamingTheRow) {
  const KernelKnob& knob = GetParam();
  for (const std::int64_t v : just_outside(knob)) {
    KernelSettings s;
    ASSERT_EQ(knob.parse(text(knob, v), s), std::nullopt) << text(knob, v);
    const auto problem = knob.check(s);
    ASSERT_TRUE(problem) << text(knob, v);
    EXPECT_THAT(*problem, ::testing::StartsWith("must be "));
    EXPECT_THAT(*problem, ::testing::EndsWith(", got " + text(knob, v)));
    // A bound of another row may break too (tcp_rto_max of 0s is below tcp_rto_min).
    EXPECT_THAT(s.validate(), Contains(std::string(knob.name()) + ": " + *problem));
  }
}

TEST_P(KnobRowTest, AcceptsItsBoundsAndItsDefault) {
  const KernelKnob& knob = GetParam();
  EXPECT_EQ(knob.check(KernelSettings{}), std::nullopt);
  if (!numeric(knob)) return;
  for (const std::int64_t v : {knob.bounds().min, knob.bounds().max}) {
    KernelSettings s;
    if (!knob.bounds().at_most.empty()) {
      const KernelKnob& bound = *find_kernel_knob(knob.bounds().at_most);
      ASSERT_EQ(bound.parse(text(bound, bound.bounds().max), s), std::nullopt);
    }
    ASSERT_EQ(knob.parse(text(knob, v), s), std::nullopt) << text(knob, v);
    EXPECT_EQ(knob.check(s), std::nullopt) << text(knob, v);
    EXPECT_EQ(knob.format(s), text(knob, v));
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, KnobRowTest,
                         ::testing::ValuesIn(kernel_knobs().begin(), kernel_knobs().end()),
                         [](const ::testing::TestParamInfo<KernelKnob>& row) {
                           return std::string(row.param.name());
                         });

}  // namespace
}  // namespace tcpsim::tcp
