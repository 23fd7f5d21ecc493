// The small readers behind validation: bandwidths, field paths, distributions and
// addressing plans.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "scenarios/address_plan.h"
#include "scenarios/bandwidth.h"
#include "scenarios/distributions.h"
#include "scenarios/field_error.h"
#include "scenarios/field_path.h"

namespace tcpsim::scenarios {
namespace {

using ::testing::HasSubstr;

TEST(Bandwidth, ReadsDecimalUnits) {
  EXPECT_EQ(parse_bandwidth("10Gbit"), 10'000'000'000ULL);
  EXPECT_EQ(parse_bandwidth("100Mbit"), 100'000'000ULL);
  EXPECT_EQ(parse_bandwidth("100mbit"), 100'000'000ULL);
  EXPECT_EQ(parse_bandwidth("1.5kbit"), 1500ULL);
  EXPECT_EQ(parse_bandwidth("2.5Gbit"), 2'500'000'000ULL);
  EXPECT_EQ(parse_bandwidth("1Tbit"), 1'000'000'000'000ULL);
  EXPECT_EQ(parse_bandwidth("1e9"), 1'000'000'000ULL);
  EXPECT_EQ(parse_bandwidth("64bit"), 64ULL);
}

TEST(Bandwidth, RefusesWhatItCannotRead) {
  std::string error;
  EXPECT_FALSE(parse_bandwidth("10Gbps", &error));
  EXPECT_EQ(error,
            "invalid bandwidth \"10Gbps\": unknown unit \"Gbps\" (one of bit, kbit, Mbit, "
            "Gbit or Tbit)");
  EXPECT_FALSE(parse_bandwidth("", &error));
  EXPECT_THAT(error, HasSubstr("empty"));
  EXPECT_FALSE(parse_bandwidth("-1Gbit", &error));
  EXPECT_THAT(error, HasSubstr("sign"));
  EXPECT_FALSE(parse_bandwidth("0", &error));
  EXPECT_THAT(error, HasSubstr("at least 1 bit per second"));
  EXPECT_FALSE(parse_bandwidth("fast", &error));
  EXPECT_FALSE(parse_bandwidth("10 Gbit", &error));
  EXPECT_FALSE(parse_bandwidth("inf", &error));
  EXPECT_FALSE(parse_bandwidth("1e300", &error));
}

TEST(FieldPath, SplitsNamesAndIndexes) {
  const auto segments = parse_field_path("clients[12].load.poisson.rate");
  ASSERT_EQ(segments.size(), 4U);
  EXPECT_EQ(segments[0].name, "clients");
  EXPECT_EQ(segments[0].index, 12);
  EXPECT_EQ(segments[3].name, "rate");
  EXPECT_FALSE(segments[3].index);
  for (const char* bad : {"", "a..b", "a.", ".a", "a[", "a[]", "a[-1]", "a[x]", "a[1]b", "a b"}) {
    EXPECT_THROW(parse_field_path(bad), std::invalid_argument) << bad;
  }
  EXPECT_EQ(join_field_path("a", "b"), "a.b");
  EXPECT_EQ(join_field_path("", "b"), "b");
  EXPECT_EQ(join_field_path("a", ""), "a");
  EXPECT_EQ(indexed("groups", 3), "groups[3]");
}

// The FieldError `fn` throws: its field and message.
template <typename Fn>
std::pair<std::string, std::string> field_error(Fn fn) {
  try {
    fn();
  } catch (const FieldError& e) {
    return {e.field(), e.what()};
  }
  return {"<nothing thrown>", ""};
}

TEST(Distributions, TimeDistributionsAreInSeconds) {
  scenario::TimeDistribution d;
  EXPECT_EQ(to_distribution(d).mean(), 0);
  d.mutable_exponential()->set_mean("2ms");
  EXPECT_DOUBLE_EQ(to_distribution(d).mean(), 0.002);
  d.mutable_uniform()->set_lo("1s");
  d.mutable_uniform()->set_hi("3s");
  EXPECT_DOUBLE_EQ(to_distribution(d).mean(), 2.0);
  d.mutable_empirical()->add_values("1s");
  d.mutable_empirical()->add_values("3s");
  EXPECT_DOUBLE_EQ(to_distribution(d).mean(), 2.0);  // equal weights by default
  d.mutable_lognormal()->set_mean("10ms");
  EXPECT_NEAR(to_distribution(d).mean(), 0.010, 1e-12);
}

TEST(Distributions, TimeProblemsNameTheParameter) {
  scenario::TimeDistribution d;
  d.mutable_uniform()->set_lo("3s");
  d.mutable_uniform()->set_hi("1s");
  auto [field, message] = field_error([&] { to_distribution(d); });
  EXPECT_EQ(field, "uniform");
  EXPECT_THAT(message, HasSubstr("hi must be >= lo"));

  d.mutable_uniform()->set_hi("1 s");
  std::tie(field, message) = field_error([&] { to_distribution(d); });
  EXPECT_EQ(field, "uniform.hi");
  EXPECT_THAT(message, HasSubstr("invalid duration \"1 s\""));

  d.mutable_constant();
  std::tie(field, message) = field_error([&] { to_distribution(d); });
  EXPECT_EQ(field, "constant.value");
  EXPECT_THAT(message, HasSubstr("required"));

  d.mutable_pareto()->set_scale("1ms");
  std::tie(field, message) = field_error([&] { to_distribution(d); });
  EXPECT_EQ(field, "pareto");
  EXPECT_THAT(message, HasSubstr("shape must be > 0"));

  d.mutable_empirical()->add_values("1ms");
  d.mutable_empirical()->add_values("2ms");
  d.mutable_empirical()->add_weights(1);
  std::tie(field, message) = field_error([&] { to_distribution(d); });
  EXPECT_EQ(field, "empirical");
  EXPECT_THAT(message, HasSubstr("weights must have 2 entries"));
}

TEST(Distributions, SizeDistributionsAreInBytes) {
  scenario::SizeDistribution d;
  d.mutable_normal()->set_mean(512);
  d.mutable_normal()->set_stddev(64);
  EXPECT_DOUBLE_EQ(to_distribution(d).mean(), 512);
  d.mutable_constant()->set_value(-1);
  const auto [field, message] = field_error([&] { to_distribution(d); });
  EXPECT_EQ(field, "constant.value");
  EXPECT_THAT(message, HasSubstr("must be >= 0 bytes"));
}

scenario::HostGroup group(std::uint32_t count, const std::string& base) {
  scenario::HostGroup g;
  g.set_name("g");
  g.set_count(count);
  g.set_address_base(base);
  return g;
}

TEST(AddressPlan, StepsFromTheBaseAddress) {
  scenario::HostGroup g = group(3, "10.0.0.1");
  auto hosts = plan_addresses(g);
  ASSERT_EQ(hosts.size(), 3U);
  EXPECT_EQ(net::to_string(hosts[2][0]), "10.0.0.3");

  g.set_addresses_per_host(2);
  hosts = plan_addresses(g);
  EXPECT_EQ(net::to_string(hosts[1][0]), "10.0.0.3");
  EXPECT_EQ(net::to_string(hosts[1][1]), "10.0.0.4");

  g.set_address_step(256);
  hosts = plan_addresses(g);
  EXPECT_EQ(net::to_string(hosts[2][1]), "10.0.2.2");

  g = group(254, "10.0.0.1/24");
  EXPECT_EQ(net::to_string(plan_addresses(g).back()[0]), "10.0.0.254");
}

TEST(AddressPlan, RefusesImpossiblePlans) {
  auto [field, message] = field_error([] { plan_addresses(group(256, "10.0.0.1/24")); });
  EXPECT_EQ(field, "address_base");
  EXPECT_THAT(message, HasSubstr("past the end of 10.0.0.0/24 (10.0.0.255)"));

  std::tie(field, message) = field_error([] { plan_addresses(group(3, "255.255.255.254")); });
  EXPECT_THAT(message, HasSubstr("run past 255.255.255.255"));

  std::tie(field, message) = field_error([] { plan_addresses(group(2, "126.255.255.255")); });
  EXPECT_THAT(message, HasSubstr("127.0.0.0 is a loopback address"));

  std::tie(field, message) = field_error([] { plan_addresses(group(2, "10.0.0.1/33")); });
  EXPECT_THAT(message, HasSubstr("invalid prefix length"));

  scenario::HostGroup g = group(2, "10.0.0.1");
  g.set_addresses_per_host(2);
  g.set_address_step(1);
  std::tie(field, message) = field_error([&] { plan_addresses(g); });
  EXPECT_EQ(field, "address_step");

  g = group(2, "");
  std::tie(field, message) = field_error([&] { plan_addresses(g); });
  EXPECT_EQ(field, "address_base");
  EXPECT_THAT(message, HasSubstr("required"));
}

TEST(AddressPlan, TakesExplicitListsHostByHost) {
  scenario::HostGroup g = group(2, "");
  g.set_addresses_per_host(2);
  for (const char* a : {"10.0.0.9", "10.0.0.7", "10.0.1.1", "10.0.1.2"}) g.add_addresses(a);
  const auto hosts = plan_addresses(g);
  EXPECT_EQ(net::to_string(hosts[0][1]), "10.0.0.7");
  EXPECT_EQ(net::to_string(hosts[1][0]), "10.0.1.1");

  g.set_addresses(3, "10.0.0.9");
  auto [field, message] = field_error([&] { plan_addresses(g); });
  EXPECT_EQ(field, "addresses[3]");
  EXPECT_THAT(message, HasSubstr("already addresses[0]"));

  g.set_addresses(3, "10.0.0");
  std::tie(field, message) = field_error([&] { plan_addresses(g); });
  EXPECT_EQ(field, "addresses[3]");
  EXPECT_THAT(message, HasSubstr("invalid IPv4 address"));

  g.add_addresses("10.9.9.9");
  std::tie(field, message) = field_error([&] { plan_addresses(g); });
  EXPECT_EQ(field, "addresses");
  EXPECT_THAT(message, HasSubstr("has 5 entries, expected"));

  g.set_address_base("10.0.0.1");
  std::tie(field, message) = field_error([&] { plan_addresses(g); });
  EXPECT_THAT(message, HasSubstr("not both"));
}

}  // namespace
}  // namespace tcpsim::scenarios
