#include "scenarios/overrides.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/scenario_loader.h"
#include "sim/time.h"

namespace tcpsim::scenarios {
namespace {

using ::testing::HasSubstr;

const std::string kExample = std::string(TCPSIM_SCENARIO_EXAMPLES) + "/http10_exhaustion.pbtxt";

std::string describe(const LoadResult& r) {
  std::string all;
  for (const Problem& p : r.problems) all += p.to_string() + "\n";
  return all;
}

// The message of the one problem an override produces.
std::string override_problem(const std::string& assignment) {
  const LoadResult r = load_scenario(kExample, {assignment});
  EXPECT_EQ(r.problems.size(), 1U) << describe(r);
  if (r.problems.empty()) return "";
  EXPECT_EQ(r.problems[0].file, "--set " + assignment);
  return r.problems[0].to_string();
}

TEST(Overrides, ChangeScalarsAtAnyDepth) {
  const LoadResult r = load_scenario(
      kExample, {"clients[0].load.poisson.rate=800", "groups[1].kernel.tcp_tw_reuse=1",
                 "duration=2m", "seed=18446744073709551615"});
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.scenario->clients(0).load().poisson().rate(), 800);
  EXPECT_TRUE(r.scenario->groups(1).kernel().has_tcp_tw_reuse());
  EXPECT_EQ(r.scenario->groups(1).kernel().tcp_tw_reuse(), 1);
  EXPECT_EQ(r.group("backend")->kernel.tcp_tw_reuse, 1);
  EXPECT_EQ(r.group("clients")->kernel.tcp_tw_reuse, 2);
  EXPECT_EQ(r.scenario->duration(), "2m");
  EXPECT_EQ(r.scenario->seed(), 18446744073709551615ULL);
}

TEST(Overrides, ReachKernelSettingsThroughTheResolvedGroup) {
  const LoadResult r = load_scenario(
      kExample, {"groups[0].kernel.ip_local_port_range=1024 65535",
                 "groups[0].kernel.time_wait_length=30s", "groups[0].kernel.tcp_timestamps=false",
                 "groups[0].kernel.tcp_orphan_retries=0", "groups[0].kernel.preset=rfc9293"});
  ASSERT_TRUE(r.ok()) << describe(r);
  const tcp::KernelSettings& k = r.group("clients")->kernel;
  EXPECT_EQ(k.ip_local_port_range.size(), 64512U);
  EXPECT_EQ(k.time_wait_length, 30 * sim::kSecond);
  EXPECT_FALSE(k.tcp_timestamps);
  EXPECT_EQ(k.tcp_tw_reuse, 0);  // from the rfc9293 preset
  EXPECT_TRUE(r.scenario->groups(0).kernel().has_tcp_orphan_retries());
}

TEST(Overrides, SettingAMemberOfAOneofSelectsIt) {
  const LoadResult r = load_scenario(kExample, {"clients[0].load.constant.rate=50"});
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.scenario->clients(0).load().model_case(), scenario::Load::kConstant);
  EXPECT_EQ(r.scenario->clients(0).load().constant().rate(), 50);
  EXPECT_FALSE(r.scenario->clients(0).load().has_poisson());

  const LoadResult delay = load_scenario(
      kExample, {"clients[0].retry.backoff.constant.value=1s", "clients[0].retry.delay=250ms"});
  ASSERT_TRUE(delay.ok()) << describe(delay);
  EXPECT_EQ(delay.scenario->clients(0).retry().wait_case(), scenario::Retry::kDelay);
}

TEST(Overrides, AMessageTakesTextFormat) {
  const LoadResult r =
      load_scenario(kExample, {"clients[0].pool={ keep_alive { idle_timeout: \"90s\" } }"});
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.scenario->clients(0).pool().keep_alive().idle_timeout(), "90s");

  const LoadResult none =
      load_scenario(kExample, {"clients[0].pool.bounded.max_total=4", "clients[0].pool.none={}"});
  ASSERT_TRUE(none.ok()) << describe(none);
  EXPECT_EQ(none.scenario->clients(0).pool().kind_case(), scenario::Pool::kNone);
}

TEST(Overrides, RepeatedScalarsTakeAListOrAnIndex) {
  const LoadResult r =
      load_scenario(kExample, {"servers[0].ports=80,8080", "clients[0].target_ports[0]=8080"});
  ASSERT_TRUE(r.ok()) << describe(r);
  ASSERT_EQ(r.scenario->servers(0).ports_size(), 2);
  EXPECT_EQ(r.scenario->servers(0).ports(1), 8080U);
  EXPECT_EQ(r.scenario->clients(0).target_ports(0), 8080U);
}

TEST(Overrides, LaterOverridesWin) {
  const LoadResult r = load_scenario(kExample, {"duration=3m", "duration=4m"});
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.scenario->duration(), "4m");
}

TEST(Overrides, BadPathsAndValuesNameTheOverride) {
  EXPECT_EQ(override_problem("clients[0].load.poisson.rat=1"),
            "--set clients[0].load.poisson.rat=1: no field \"rat\" in PoissonLoad (its fields: "
            "rate)");
  EXPECT_EQ(override_problem("clients[0].load.poisson.rate=fast"),
            "--set clients[0].load.poisson.rate=fast: rate expects a number, got \"fast\"");
  EXPECT_THAT(override_problem("clients[2].load.poisson.rate=1"),
              HasSubstr("index 2 is out of range: clients has 1 element"));
  EXPECT_THAT(override_problem("clients.group=x"),
              HasSubstr("clients is a repeated field: give an index, as clients[0]"));
  EXPECT_THAT(override_problem("duration[0]=1m"), HasSubstr("duration is not a repeated field"));
  EXPECT_THAT(override_problem("seed.x=1"), HasSubstr("seed is a uint64 field, not a message"));
  EXPECT_THAT(override_problem("seed=-1"), HasSubstr("seed expects an integer in [0, "));
  EXPECT_THAT(override_problem("groups[0].count=5000000000"),
              HasSubstr("count expects an integer in [0, 4294967295]"));
  EXPECT_THAT(override_problem("clients[0].bind_mode=BIND_ANY"),
              HasSubstr("bind_mode expects one of CONNECT, BIND_ZERO, BIND_ADDRESS_NO_PORT"));
  EXPECT_THAT(override_problem("groups[0].kernel.tcp_timestamps=maybe"),
              HasSubstr("tcp_timestamps expects true or false"));
  EXPECT_THAT(override_problem("clients[0].pool={ bounded { max_totl: 3 } }"),
              HasSubstr("pool expects Pool fields in text format"));
  EXPECT_THAT(override_problem("duration"), HasSubstr("expected PATH=VALUE"));
  EXPECT_THAT(override_problem("clients[x].group=a"), HasSubstr("bad field path"));
}

TEST(Overrides, InvalidValuesAreReportedAtTheOverride) {
  EXPECT_EQ(override_problem("duration=0s"), "--set duration=0s: duration: must be > 0");
  EXPECT_EQ(override_problem("groups[0].kernel.tcp_tw_reuse=7"),
            "--set groups[0].kernel.tcp_tw_reuse=7: groups[0].kernel.tcp_tw_reuse: must be 0, 1 "
            "or 2, got 7");
  EXPECT_EQ(override_problem("clients[0].pool.bounded.max_total=0"),
            "--set clients[0].pool.bounded.max_total=0: clients[0].pool.bounded.max_total: must "
            "be >= 1, got 0");
}

TEST(Overrides, AFailedOverrideChangesNothing) {
  scenario::Scenario message;
  message.add_clients()->mutable_load()->mutable_poisson()->set_rate(5);
  const scenario::Scenario before = message;
  EXPECT_THROW(apply_override(message, "clients[0].load.constant.rate=abc"), std::invalid_argument);
  EXPECT_THROW(apply_override(message, "clients[0].pool.bounded.reuse=MRU"), std::invalid_argument);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(message, before));
}

TEST(Overrides, AWrongPathIsAFieldPathErrorAWrongValueIsNot) {
  scenario::Scenario message;
  message.add_clients()->mutable_load()->mutable_poisson()->set_rate(5);
  for (const char* wrong_path : {"no_such=1", "clients[3].load.poisson.rate=1", "clients.load=1",
                                 "seed.x=1", "duration[0]=1s", "clients[x]=1"}) {
    EXPECT_THROW(apply_override(message, wrong_path), FieldPathError) << wrong_path;
  }
  for (const char* wrong_value : {"clients[0].load.poisson.rate=abc", "seed=-1"}) {
    try {
      apply_override(message, wrong_value);
      ADD_FAILURE() << wrong_value << " was accepted";
    } catch (const FieldPathError&) {
      ADD_FAILURE() << wrong_value << " blamed on the path";
    } catch (const std::invalid_argument&) {
    }
  }
}

TEST(Overrides, ReturnTheCanonicalPath) {
  scenario::Scenario message;
  message.add_groups();
  EXPECT_EQ(apply_override(message, "groups[0].kernel.somaxconn=128"),
            "groups[0].kernel.somaxconn");
  EXPECT_EQ(message.groups(0).kernel().somaxconn(), 128U);
  EXPECT_EQ(apply_override(message, "description=a=b"), "description");
  EXPECT_EQ(message.description(), "a=b");
}

}  // namespace
}  // namespace tcpsim::scenarios
