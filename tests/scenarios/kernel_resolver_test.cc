// A kernel block read through the table of kernel settings: scenario.Kernel and the table
// agree field for field, the schema's comments state the rows' defaults, every bad value
// is reported at its field, and resolved settings written back read the same.

#include "scenarios/kernel_resolver.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "models/tcp/kernel_knobs.h"
#include "sim/duration.h"

namespace tcpsim::tcp {

void PrintTo(const KernelKnob& knob, std::ostream* os) { *os << knob.name(); }

}  // namespace tcpsim::tcp

namespace tcpsim::scenarios {
namespace {

namespace pb = google::protobuf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

const pb::Descriptor& kernel_descriptor() { return *scenario::Kernel::descriptor(); }

bool adjusts_port_range(std::string_view field) {
  return field == "ip_local_port_range_low" || field == "ip_local_port_range_high";
}

std::vector<std::string> lines(const std::vector<Problem>& problems) {
  std::vector<std::string> out;
  for (const Problem& p : problems) out.push_back(p.field_path + ": " + p.message);
  return out;
}

// Sets the field named like the row from the row's text form.
void set_field(scenario::Kernel& k, std::string_view name, const std::string& text) {
  const pb::FieldDescriptor* field = kernel_descriptor().FindFieldByName(std::string(name));
  ASSERT_NE(field, nullptr) << name;
  if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
    k.GetReflection()->SetString(&k, field, text);
  } else {
    ASSERT_TRUE(pb::TextFormat::ParseFieldValueFromString(text, field, &k)) << name << text;
  }
}

scenario::Kernel kernel(const std::string& text) {
  scenario::Kernel k;
  EXPECT_TRUE(pb::TextFormat::ParseFromString(text, &k)) << text;
  return k;
}

TEST(KernelSchema, EveryFieldHasARowAndEveryRowAField) {
  const pb::Descriptor& d = kernel_descriptor();
  for (int i = 0; i < d.field_count(); ++i) {
    const std::string& name = d.field(i)->name();
    if (name == "preset" || adjusts_port_range(name)) continue;
    EXPECT_NE(tcp::find_kernel_knob(name), nullptr) << name;
  }
  for (const tcp::KernelKnob& knob : tcp::kernel_knobs()) {
    EXPECT_NE(d.FindFieldByName(std::string(knob.name())), nullptr) << knob.name();
  }
  EXPECT_EQ(static_cast<std::size_t>(d.field_count()), tcp::kernel_knobs().size() + 3);
  EXPECT_THAT(kernel_schema_mismatches(), IsEmpty());
}

TEST(KernelSchema, NamesAFieldWithoutRowARowWithoutFieldAndAFieldOfTheWrongType) {
  pb::FileDescriptorProto file;
  kernel_descriptor().file()->CopyTo(&file);
  for (pb::DescriptorProto& message : *file.mutable_message_type()) {
    if (message.name() != "Kernel") continue;
    for (pb::FieldDescriptorProto& field : *message.mutable_field()) {
      if (field.name() == "mss") field.set_name("tcp_ecn");
      if (field.name() == "somaxconn") field.set_type(pb::FieldDescriptorProto::TYPE_INT32);
    }
  }
  pb::DescriptorPool pool;
  const pb::FileDescriptor* built = pool.BuildFile(file);
  ASSERT_NE(built, nullptr);
  EXPECT_THAT(
      kernel_schema_mismatches(*built->FindMessageTypeByName("Kernel")),
      ElementsAre("field somaxconn is not an optional uint32",
                  "field tcp_ecn has no kernel setting", "kernel setting mss has no field"));
}

// The comment above each field of `message Kernel` in scenario.proto, by field name.
std::map<std::string, std::string> kernel_field_comments() {
  std::ifstream in(TCPSIM_SCENARIO_PROTO);
  EXPECT_TRUE(in) << TCPSIM_SCENARIO_PROTO;
  const std::regex field_line(R"(^\s*(optional\s+)?\w+\s+(\w+)\s*=\s*\d+;)");
  std::map<std::string, std::string> comments;
  std::string line;
  std::string comment;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside) {
      inside = line == "message Kernel {";
      continue;
    }
    if (line == "}") break;
    const std::size_t slashes = line.find("//");
    std::smatch m;
    if (slashes != std::string::npos && line.find_first_not_of(' ') == slashes) {
      comment += line.substr(slashes + 2);
    } else if (std::regex_search(line, m, field_line)) {
      comments[m[2]] = comment;
      comment.clear();
    } else {
      comment.clear();
    }
  }
  return comments;
}

struct PresetValue {
  std::string preset;  // empty: every preset
  std::string value;
};

void PrintTo(const PresetValue& v, std::ostream* os) {
  *os << v.preset << " \"" << v.value << "\"";
}

// `Preset: v`, `Preset: linux v, rfc9293 w`, each value quoted ("32768 60999") or a bare
// word (131072, true). Empty when the comment has no such clause.
std::vector<PresetValue> preset_clause(const std::string& comment) {
  const std::size_t start = comment.find("Preset:");
  if (start == std::string::npos) return {};
  const std::regex entry(R"re(^\s*(?:(\w+)\s+(?=["\w]))?(?:"([^"]*)"|(\w+))\s*(,?))re");
  std::vector<PresetValue> values;
  std::string rest = comment.substr(start + 7);
  std::smatch m;
  while (std::regex_search(rest, m, entry)) {
    values.push_back({m[1], m[2].matched ? m[2].str() : m[3].str()});
    if (m[4].length() == 0) break;
    rest = m.suffix();
  }
  return values;
}

TEST(KernelSchema, CommentsStateEveryPresetsValueOfEachRow) {
  const std::map<std::string, std::string> comments = kernel_field_comments();
  ASSERT_EQ(comments.size(), static_cast<std::size_t>(kernel_descriptor().field_count()));
  for (const tcp::KernelKnob& knob : tcp::kernel_knobs()) {
    const auto it = comments.find(std::string(knob.name()));
    ASSERT_NE(it, comments.end()) << knob.name();
    const std::vector<PresetValue> clause = preset_clause(it->second);
    EXPECT_FALSE(clause.empty()) << knob.name() << " has no \"Preset:\" in: " << it->second;
    std::map<std::string_view, int> stated;
    for (const PresetValue& v : clause) {
      for (const std::string_view preset : tcp::KernelSettings::preset_names()) {
        if (!v.preset.empty() && v.preset != preset) continue;
        ++stated[preset];
        tcp::KernelSettings documented;
        EXPECT_EQ(knob.parse(v.value, documented), std::nullopt) << knob.name();
        EXPECT_EQ(knob.format(documented), knob.format(*tcp::KernelSettings::preset(preset)))
            << knob.name() << ": the comment says " << preset << " \"" << v.value << "\"";
      }
    }
    for (const std::string_view preset : tcp::KernelSettings::preset_names()) {
      EXPECT_EQ(stated[preset], 1) << knob.name() << ": value for preset " << preset;
    }
  }
  EXPECT_THAT(preset_clause(comments.at("time_wait_length")),
              ElementsAre(::testing::Field(&PresetValue::value, "60s"),
                          ::testing::Field(&PresetValue::value, "4m"),
                          ::testing::Field(&PresetValue::value, "60s")));
  EXPECT_THAT(preset_clause(comments.at("preset")), IsEmpty());
}

TEST(ResolveKernel, StartsFromThePresetAndAppliesEverySetField) {
  std::vector<Problem> problems;
  const tcp::KernelSettings s = resolve_kernel(
      kernel(R"(preset: "rfc9293" tcp_tw_reuse: 1 tcp_fin_timeout: "5s" somaxconn: 128
                tcp_rfc1337: true ip_local_reserved_ports: "50000,50100-50199")"),
      problems);
  EXPECT_THAT(lines(problems), IsEmpty());
  tcp::KernelSettings expected = tcp::KernelSettings::rfc9293();
  expected.tcp_tw_reuse = 1;
  expected.tcp_fin_timeout = 5 * sim::kSecond;
  expected.somaxconn = 128;
  expected.tcp_rfc1337 = true;
  expected.ip_local_reserved_ports = {{50000, 50000}, {50100, 50199}};
  EXPECT_EQ(s, expected);
}

TEST(ResolveKernel, TheEndsOfThePortRangeApplyAfterTheRange) {
  std::vector<Problem> problems;
  tcp::KernelSettings s = resolve_kernel(
      kernel(R"(ip_local_port_range: "1024 65535" ip_local_port_range_low: 2000)"), problems);
  EXPECT_THAT(lines(problems), IsEmpty());
  EXPECT_EQ(s.ip_local_port_range, (tcp::PortRange{2000, 65535}));
  s = resolve_kernel(kernel("ip_local_port_range_high: 40000"), problems);
  EXPECT_EQ(s.ip_local_port_range, (tcp::PortRange{32768, 40000}));

  s = resolve_kernel(kernel("ip_local_port_range_low: 61000"), problems);
  EXPECT_THAT(lines(problems), ElementsAre("ip_local_port_range_low: low (61000) must be >= 1 "
                                           "and <= high (60999)"));
  problems.clear();
  resolve_kernel(kernel("ip_local_port_range_high: 70000"), problems);
  EXPECT_THAT(lines(problems),
              ElementsAre("ip_local_port_range_high: port 70000 is outside 1..65535"));
  problems.clear();
  resolve_kernel(kernel(R"(ip_local_port_range: "2000 3000" ip_local_port_range_high: 1000)"),
                 problems);
  EXPECT_THAT(lines(problems),
              ElementsAre("ip_local_port_range: low (2000) must be >= 1 and <= high (1000)"));
}

TEST(ResolveKernel, AnUnknownPresetIsReportedAndLinuxUsed) {
  std::vector<Problem> problems;
  const tcp::KernelSettings s = resolve_kernel(kernel(R"(preset: "bsd" mss: 9000)"), problems);
  EXPECT_THAT(lines(problems), ElementsAre("preset: unknown preset \"bsd\" (known: linux, "
                                           "rfc9293, kubernetes_node)"));
  tcp::KernelSettings expected;
  expected.mss = 9000;
  EXPECT_EQ(s, expected);
}

TEST(ResolveKernel, ReportsEveryBadFieldOnce) {
  std::vector<Problem> problems;
  resolve_kernel(kernel(R"(tcp_syn_retries: 0 tcp_fin_timeout: "soon" tcp_rto_min: "3m"
                           ip_local_reserved_ports: "9100-9000")"),
                 problems);
  EXPECT_THAT(lines(problems),
              ElementsAre("tcp_fin_timeout: invalid duration \"soon\": expected a number at "
                          "\"soon\"",
                          "ip_local_reserved_ports: range 9100-9000 has low > high",
                          "tcp_syn_retries: must be in 1..127, got 0",
                          "tcp_rto_min: must be <= tcp_rto_max (2m), got 3m"));
}

class KernelFieldTest : public ::testing::TestWithParam<tcp::KernelKnob> {};

// The values just outside the row's bounds that its field can hold, as text.
std::vector<std::string> just_outside(const tcp::KernelKnob& knob) {
  const tcp::KnobCheck& b = knob.bounds();
  std::vector<std::string> values;
  switch (knob.kind()) {
    case tcp::KnobKind::kInt:
      if (b.min > std::numeric_limits<std::int32_t>::min())
        values.push_back(std::to_string(b.min - 1));
      if (b.max < std::numeric_limits<std::int32_t>::max())
        values.push_back(std::to_string(b.max + 1));
      break;
    case tcp::KnobKind::kUint:
      if (b.min > 0) values.push_back(std::to_string(b.min - 1));
      if (b.max < std::numeric_limits<std::uint32_t>::max())
        values.push_back(std::to_string(b.max + 1));
      break;
    case tcp::KnobKind::kDuration:
      values.push_back(sim::format_duration(b.min - 1));
      if (b.max < sim::kTimeMax) values.push_back(sim::format_duration(b.max + 1));
      break;
    case tcp::KnobKind::kPortRange:
      values.push_back("60999 32768");
      break;
    case tcp::KnobKind::kPortList:
      values.push_back("8080,9100-9000");
      break;
    case tcp::KnobKind::kBool:
      break;
  }
  return values;
}

TEST_P(KernelFieldTest, AValueOutsideTheRowsBoundsIsReportedAtItsField) {
  const tcp::KernelKnob& knob = GetParam();
  for (const std::string& value : just_outside(knob)) {
    scenario::Kernel k;
    set_field(k, knob.name(), value);
    std::vector<Problem> problems;
    resolve_kernel(k, problems);
    // Another row may object too (tcp_rto_min above a tcp_rto_max of 0s).
    const auto at_field = std::find_if(problems.begin(), problems.end(), [&](const Problem& p) {
      return p.field_path == knob.name();
    });
    ASSERT_NE(at_field, problems.end()) << value;
    if (knob.kind() == tcp::KnobKind::kPortRange || knob.kind() == tcp::KnobKind::kPortList) {
      EXPECT_THAT(at_field->message, HasSubstr("low")) << value;
    } else {
      EXPECT_THAT(at_field->message, StartsWith("must be ")) << value;
      EXPECT_THAT(at_field->message, EndsWith(", got " + value)) << value;
    }
  }
}

TEST_P(KernelFieldTest, TextThatDoesNotReadIsReportedAtItsField) {
  const tcp::KernelKnob& knob = GetParam();
  const pb::FieldDescriptor* field = kernel_descriptor().FindFieldByName(std::string(knob.name()));
  ASSERT_NE(field, nullptr);
  if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING) return;
  scenario::Kernel k;
  set_field(k, knob.name(), "1 x");
  std::vector<Problem> problems;
  const tcp::KernelSettings s = resolve_kernel(k, problems);
  ASSERT_EQ(problems.size(), 1U) << knob.name();
  EXPECT_EQ(problems[0].field_path, knob.name());
  EXPECT_THAT(problems[0].message, HasSubstr("\"1 x\""));
  EXPECT_EQ(s, tcp::KernelSettings::linux_defaults());
}

INSTANTIATE_TEST_SUITE_P(Rows, KernelFieldTest,
                         ::testing::ValuesIn(tcp::kernel_knobs().begin(),
                                             tcp::kernel_knobs().end()),
                         [](const ::testing::TestParamInfo<tcp::KernelKnob>& row) {
                           return std::string(row.param.name());
                         });

// Resolves `k`, writes the result back into a copy of it, resolves that again.
scenario::Kernel expect_round_trip(const scenario::Kernel& k) {
  std::vector<Problem> problems;
  const tcp::KernelSettings s = resolve_kernel(k, problems);
  EXPECT_THAT(lines(problems), IsEmpty());
  scenario::Kernel written = k;
  write_kernel(s, written);
  const pb::Descriptor& d = kernel_descriptor();
  for (int i = 0; i < d.field_count(); ++i) {
    const pb::FieldDescriptor* field = d.field(i);
    if (field->name() == "preset") continue;
    EXPECT_EQ(written.GetReflection()->HasField(written, field), !adjusts_port_range(field->name()))
        << field->name();
  }
  EXPECT_EQ(resolve_kernel(written, problems), s);
  EXPECT_THAT(lines(problems), IsEmpty());
  return written;
}

TEST(WriteKernel, TheLinuxPresetRoundTrips) {
  const scenario::Kernel written = expect_round_trip(scenario::Kernel());
  EXPECT_EQ(written.preset(), "linux");
  EXPECT_EQ(written.ip_local_port_range(), "32768 60999");
  EXPECT_EQ(written.ip_local_reserved_ports(), "");
  EXPECT_EQ(written.tcp_tw_reuse(), 2);
  EXPECT_EQ(written.tcp_tw_reuse_delay(), "1s");
  EXPECT_EQ(written.tcp_rto_max(), "2m");
  EXPECT_EQ(written.tcp_timeout_min(), "8ms");
  EXPECT_TRUE(written.tcp_timestamps());
  EXPECT_EQ(written.somaxconn(), 4096U);
}

TEST(WriteKernel, TheRfc9293PresetRoundTripsUnderItsName) {
  const scenario::Kernel written = expect_round_trip(kernel(R"(preset: "rfc9293")"));
  EXPECT_EQ(written.preset(), "rfc9293");
  EXPECT_EQ(written.ip_local_port_range(), "49152 65535");
  EXPECT_EQ(written.tcp_tw_reuse(), 0);
  EXPECT_EQ(written.time_wait_length(), "4m");
}

TEST(WriteKernel, ABlockOverridingEveryFieldRoundTrips) {
  const scenario::Kernel k = kernel(R"(
    preset: "rfc9293"
    ip_local_port_range: "1024 65535"
    ip_local_port_range_low: 2000
    ip_local_port_range_high: 3000
    ip_local_reserved_ports: "2001,2100-2199"
    tcp_tw_reuse: 1
    tcp_tw_reuse_delay: "1.5s"
    tcp_timestamps: false
    tcp_fin_timeout: "5s"
    tcp_max_tw_buckets: 0
    tcp_syn_retries: 2
    tcp_syn_linear_timeouts: 0
    tcp_synack_retries: 1
    somaxconn: 128
    tcp_abort_on_overflow: true
    tcp_orphan_retries: 3
    tcp_retries2: 8
    tcp_keepalive_time: "10m"
    tcp_keepalive_intvl: "30s"
    tcp_keepalive_probes: 5
    tcp_rfc1337: true
    nofile: 65536
    time_wait_length: "90000000001ns"
    tcp_timeout_init: "3s"
    tcp_rto_min: "5ms"
    tcp_rto_max: "1m"
    tcp_timeout_min: "4ms"
    hz: 100
    mss: 8960
    nf_conntrack: true
    nf_conntrack_max: 4096
    nf_conntrack_tcp_timeout_syn_sent: "11s"
    nf_conntrack_tcp_timeout_syn_recv: "12s"
    nf_conntrack_tcp_timeout_established: "13s"
    nf_conntrack_tcp_timeout_fin_wait: "14s"
    nf_conntrack_tcp_timeout_close_wait: "15s"
    nf_conntrack_tcp_timeout_last_ack: "16s"
    nf_conntrack_tcp_timeout_time_wait: "17s"
    nf_conntrack_tcp_timeout_close: "18s")");
  const pb::Descriptor& d = kernel_descriptor();
  for (int i = 0; i < d.field_count(); ++i) {
    EXPECT_TRUE(k.GetReflection()->HasField(k, d.field(i))) << d.field(i)->name();
  }
  std::vector<Problem> problems;
  const tcp::KernelSettings s = resolve_kernel(k, problems);
  for (const tcp::KernelKnob& knob : tcp::kernel_knobs()) {
    EXPECT_NE(knob.format(s), knob.format(tcp::KernelSettings::rfc9293())) << knob.name();
  }
  const scenario::Kernel written = expect_round_trip(k);
  EXPECT_EQ(written.preset(), "rfc9293");
  EXPECT_EQ(written.ip_local_port_range(), "2000 3000");
  EXPECT_EQ(written.ip_local_reserved_ports(), "2001,2100-2199");
  EXPECT_EQ(written.time_wait_length(), "1m30.000000001s");
  EXPECT_EQ(written.tcp_tw_reuse_delay(), "1.5s");
  EXPECT_FALSE(written.tcp_timestamps());
  EXPECT_EQ(written.tcp_max_tw_buckets(), 0U);
}

}  // namespace
}  // namespace tcpsim::scenarios
