// Each file in bad/ holds one mistake; loading it reports exactly that problem, at the place
// the text wrote it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "scenarios/scenario_loader.h"

namespace tcpsim::scenarios {
namespace {

using ::testing::HasSubstr;

struct BadCase {
  std::string name;  // bad/<name>.pbtxt
  int line;
  int col;
  std::string field_path;  // empty for syntax errors
  std::string message_part;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

std::string bad_file(const std::string& name) {
  return std::string(TCPSIM_SCENARIO_TEST_DATA) + "/bad/" + name + ".pbtxt";
}

class BadScenarioTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadScenarioTest, ReportsTheOneProblemWithItsPlace) {
  const BadCase& c = GetParam();
  const std::string file = bad_file(c.name);
  const LoadResult result = load_scenario(file);
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.problems.size(), 1U) << [&] {
    std::string all;
    for (const Problem& p : result.problems) all += p.to_string() + "\n";
    return all;
  }();
  const Problem& p = result.problems[0];
  EXPECT_EQ(p.file, file);
  EXPECT_EQ(p.line, c.line);
  EXPECT_EQ(p.col, c.col);
  EXPECT_EQ(p.field_path, c.field_path);
  EXPECT_THAT(p.message, HasSubstr(c.message_part));
  const std::string prefix = file + ":" + std::to_string(c.line) + ":" + std::to_string(c.col) +
                             ": " + (c.field_path.empty() ? "" : c.field_path + ": ");
  EXPECT_EQ(p.to_string(), prefix + p.message);
}

INSTANTIATE_TEST_SUITE_P(
    BadFiles, BadScenarioTest,
    ::testing::Values(
        BadCase{"unknown_field", 3, 1, "", "has no field named \"colour\""},
        BadCase{"syntax_error", 3, 10, "", "Expected \":\""},
        BadCase{"bad_enum", 23, 3, "", "Unknown enumeration value of \"NOBODY\""},
        BadCase{"bad_duration", 3, 1, "duration", "invalid duration \"2mins\": unknown unit"},
        BadCase{"port_range_low_above_high", 8, 12, "groups[0].kernel.ip_local_port_range",
                "low (60999) must be >= 1 and <= high (32768)"},
        BadCase{"rate_not_positive", 28, 20, "clients[0].load.poisson.rate",
                "must be > 0 per second, got -5"},
        BadCase{"unknown_group_in_link", 16, 11, "topology.links[0].from",
                "unknown node \"clinets\""},
        BadCase{"pool_max_idle_above_max_total", 30, 29, "clients[0].pool.bounded.max_idle",
                "max_idle (20) must be <= max_total (10)"},
        BadCase{"leak_fraction_above_one", 22, 3, "servers[0].leak_fraction",
                "must be in [0, 1], got 1.5"},
        BadCase{"warmup_not_shorter", 4, 1, "warmup",
                "warmup (1m) must be shorter than duration (1m)"},
        BadCase{"duplicate_group", 10, 3, "groups[1].name",
                "duplicate name \"clients\" (already used by groups[0].name)"},
        BadCase{"unknown_preset", 13, 12, "groups[1].kernel.preset",
                "unknown preset \"freebsd\" (known: linux, rfc9293, kubernetes_node)"},
        BadCase{"bad_ipv4", 12, 3, "groups[1].address_base", "invalid IPv4 address \"10.2.0.256\""},
        BadCase{"missing_load", 24, 1, "clients[0].load", "missing load model"},
        BadCase{"kernel_value_out_of_range", 10, 5, "groups[0].kernel.tcp_tw_reuse",
                "must be 0, 1 or 2, got 3"},
        BadCase{"bad_distribution", 22, 18, "servers[0].service_time.exponential",
                "mean must be > 0, got 0"},
        BadCase{"bad_bandwidth", 17, 53, "topology.links[1].bandwidth", "unknown unit \"Gbps\""},
        BadCase{"overlapping_addresses", 12, 3, "groups[1].address_base",
                "address 10.1.0.2 is also an address of group \"clients\""},
        BadCase{"zero_count", 11, 3, "groups[1].count", "must be >= 1, got 0"},
        BadCase{"request_size_zero", 29, 29, "clients[0].request_size.constant.value",
                "a message carries at least 1 byte, got 0"},
        BadCase{"bad_trace", 27, 18, "clients[0].load.trace.csv_path",
                "bad_trace.csv:3: \"soon\" is not a number of seconds"},
        BadCase{"proxy_upstream_with_load", 24, 5, "proxies[0].upstream.load",
                "must be unset: a proxy forwards its downstream requests"},
        BadCase{"proxy_port_taken", 17, 16, "proxies[0].downstream.ports[0]",
                "port 8080 of group \"pod\" is already listened on by servers[0]"},
        BadCase{"gateway_unknown_preset", 11, 3, "nat_gateways[0].preset",
                "unknown preset \"aws_nat\" (known: aws_nat_gateway, azure_nat_gateway, "
                "azure_lb_outbound, gcp_cloud_nat, linux_masquerade)"},
        BadCase{"gateway_public_address_taken", 18, 3, "nat_gateways[0].public_addresses[0]",
                "address 203.0.113.1 is also an address of group \"backend\""},
        BadCase{"gateway_public_address_of_another_gateway", 29, 3,
                "nat_gateways[1].public_addresses[0]",
                "address 198.51.100.1 is also an address of nat_gateways[0]"},
        BadCase{"gateway_bad_timeout", 14, 3, "nat_gateways[0].timeout_time_wait",
                "invalid duration \"2 minutes\""},
        BadCase{"gateway_too_many_addresses", 14, 3, "nat_gateways[0].address_count",
                "must be in 1..65536 with address_base, got 4967291"},
        BadCase{"loopback_other_group", 12, 3, "clients[0].loopback",
                "needs target_group to be the client's own group, got \"backend\""},
        BadCase{"source_ports_listed_twice", 12, 3, "clients[0].source_ports[2]",
                "port 41000 is listed twice"},
        BadCase{"response_size_too_large", 17, 30, "servers[0].response_size.constant.value",
                "must be <= 1073741824 bytes (1 GiB), got 4294967296"},
        BadCase{"request_size_too_large", 23, 36, "clients[0].request_size.uniform.hi",
                "must be <= 1073741824 bytes (1 GiB), got 1000000000000"},
        BadCase{"somaxconn_too_large", 14, 12, "groups[1].kernel.somaxconn", "got 2147483648"},
        BadCase{"metrics_interval_too_short", 4, 1, "metrics_interval",
                "3600000000000 samples of 1ns over 1h: at most 1000000 (metrics_interval >= "
                "3.6ms)"},
        BadCase{"closed_loop_users_too_many", 22, 24, "clients[0].load.closed_loop.users",
                "100000 users on each of 1000 hosts make 100000000, more than the 10000000"},
        BadCase{"rate_too_high", 22, 20, "clients[0].load.poisson.rate",
                "rate must be <= 1e+07 per second per host, got 1e+12"},
        BadCase{"enum_number_out_of_range", 23, 3, "clients[0].bind_mode",
                "7 is not a value of BindMode (known: CONNECT (0), BIND_ZERO (1), "
                "BIND_ADDRESS_NO_PORT (2))"},
        BadCase{"connect_only_with_pool", 24, 3, "clients[0].connect_only",
                "needs pool none (or unset): a probe's connection is not reused"},
        BadCase{"half_close_hold_server_closes", 24, 26, "clients[0].close.half_close_hold",
                "needs closer CLIENT"},
        BadCase{"retry_on_timeout_without_timeout", 23, 26, "clients[0].retry.on_timeout",
                "needs request_timeout"},
        BadCase{"max_retries_too_many", 23, 11, "clients[0].retry.max_retries",
                "must be <= 1000, got 4000000000"},
        BadCase{"trace_nan_time", 22, 18, "clients[0].load.trace.csv_path",
                "nan_trace.csv:3: nan is not a time in [0, 100 years) of seconds"},
        BadCase{"crash_before_restart", 23, 13, "servers[0].crashes[1].at",
                "12s is before the previous crash's restart at 15s"},
        BadCase{"crash_group_shared", 22, 3, "servers[0].crashes",
                "the hosts of group \"backend\" crash, but clients[1] runs there too"},
        BadCase{"keepalive_idle_fraction", 28, 29, "clients[0].keepalive.idle",
                "must be whole seconds in 1s..32767s, got \"1.5s\""},
        BadCase{"keepalive_not_enabled", 22, 3, "servers[0].keepalive.enabled",
                "must be true when idle, interval or probes is set"},
        BadCase{"user_timeout_fraction", 28, 3, "clients[0].tcp_user_timeout",
                "must be whole milliseconds in 1ms..2147483647ms, got \"1500us\""},
        BadCase{"trace_two_columns", 22, 18, "clients[0].load.trace.csv_path",
                "two_column_trace.csv:2: 2 columns: without a header line, each line holds "
                "one number"}),
    [](const ::testing::TestParamInfo<BadCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace tcpsim::scenarios
