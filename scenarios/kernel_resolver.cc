#include "scenarios/kernel_resolver.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/text_format.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "models/tcp/kernel_knobs.h"

namespace tcpsim::scenarios {
namespace {

namespace pb = google::protobuf;

constexpr std::string_view kPreset = "preset";
constexpr std::string_view kPortRange = "ip_local_port_range";
constexpr std::string_view kPortRangeLow = "ip_local_port_range_low";
constexpr std::string_view kPortRangeHigh = "ip_local_port_range_high";

bool is_special(std::string_view field) {
  return field == kPreset || field == kPortRangeLow || field == kPortRangeHigh;
}

void add(std::vector<Problem>& problems, std::string_view field, std::string message) {
  problems.push_back(Problem::of_field(std::string(field), std::move(message)));
}

// The field's type that carries each kind's values.
pb::FieldDescriptor::CppType cpp_type_of(tcp::KnobKind kind) {
  switch (kind) {
    case tcp::KnobKind::kInt:
      return pb::FieldDescriptor::CPPTYPE_INT32;
    case tcp::KnobKind::kUint:
      return pb::FieldDescriptor::CPPTYPE_UINT32;
    case tcp::KnobKind::kBool:
      return pb::FieldDescriptor::CPPTYPE_BOOL;
    case tcp::KnobKind::kDuration:
    case tcp::KnobKind::kPortRange:
    case tcp::KnobKind::kPortList:
      break;
  }
  return pb::FieldDescriptor::CPPTYPE_STRING;
}

const tcp::KernelKnob& knob_of(const pb::FieldDescriptor& field) {
  const tcp::KernelKnob* knob = tcp::find_kernel_knob(field.name());
  if (knob == nullptr) {
    throw std::logic_error(fmt::format("scenario.Kernel.{} has no kernel setting", field.name()));
  }
  return *knob;
}

// The field's value as the row's text form: strings as they are, numbers and booleans as
// text format prints them.
std::string field_text(const scenario::Kernel& k, const pb::FieldDescriptor& field) {
  if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
    return k.GetReflection()->GetString(k, &field);
  }
  std::string text;
  pb::TextFormat::PrintFieldValueToString(k, &field, -1, &text);
  return text;
}

void set_field_text(scenario::Kernel& k, const pb::FieldDescriptor& field,
                    const std::string& text) {
  if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
    k.GetReflection()->SetString(&k, &field, text);
  } else if (!pb::TextFormat::ParseFieldValueFromString(text, &field, &k)) {
    throw std::logic_error(
        fmt::format("scenario.Kernel.{} cannot hold \"{}\"", field.name(), text));
  }
}

std::optional<std::uint16_t> port_end(std::vector<Problem>& problems, std::string_view field,
                                      std::uint32_t value) {
  if (value < 1 || value > 65535) {
    add(problems, field, fmt::format("port {} is outside 1..65535", value));
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// The field a checker's problem with `knob` points at.
std::string_view field_of(const scenario::Kernel& k, std::string_view knob) {
  if (knob == kPortRange && !k.has_ip_local_port_range()) {
    if (k.has_ip_local_port_range_low()) return kPortRangeLow;
    if (k.has_ip_local_port_range_high()) return kPortRangeHigh;
  }
  return knob;
}

}  // namespace

tcp::KernelSettings resolve_kernel(const scenario::Kernel& k, std::vector<Problem>& problems) {
  tcp::KernelSettings s = tcp::KernelSettings::linux_defaults();
  if (const tcp::KernelSettings* base =
          tcp::KernelSettings::preset(k.preset().empty() ? "linux" : k.preset())) {
    s = *base;
  } else {
    add(problems, kPreset,
        fmt::format("unknown preset \"{}\" (known: {})", k.preset(),
                    fmt::join(tcp::KernelSettings::preset_names(), ", ")));
  }

  std::vector<const pb::FieldDescriptor*> fields;
  k.GetReflection()->ListFields(k, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    if (is_special(field->name())) continue;
    if (auto error = knob_of(*field).parse(field_text(k, *field), s)) {
      add(problems, field->name(), std::move(*error));
    }
  }
  if (k.has_ip_local_port_range_low()) {
    if (const auto p = port_end(problems, kPortRangeLow, k.ip_local_port_range_low())) {
      s.ip_local_port_range.low = *p;
    }
  }
  if (k.has_ip_local_port_range_high()) {
    if (const auto p = port_end(problems, kPortRangeHigh, k.ip_local_port_range_high())) {
      s.ip_local_port_range.high = *p;
    }
  }

  // A value that did not parse has been reported above and left the preset's value in place,
  // so it is not reported twice.
  for (tcp::KnobProblem& p : tcp::check_kernel_settings(s)) {
    add(problems, field_of(k, p.knob), std::move(p.message));
  }
  return s;
}

void write_kernel(const tcp::KernelSettings& settings, scenario::Kernel& kernel) {
  if (kernel.preset().empty()) kernel.set_preset("linux");
  kernel.clear_ip_local_port_range_low();
  kernel.clear_ip_local_port_range_high();
  const pb::Descriptor& descriptor = *scenario::Kernel::descriptor();
  for (const tcp::KernelKnob& knob : tcp::kernel_knobs()) {
    const pb::FieldDescriptor* field = descriptor.FindFieldByName(std::string(knob.name()));
    if (field == nullptr) {
      throw std::logic_error(fmt::format("kernel setting {} has no field", knob.name()));
    }
    set_field_text(kernel, *field, knob.format(settings));
  }
}

std::vector<std::string> kernel_schema_mismatches(const pb::Descriptor& descriptor) {
  std::vector<std::string> mismatches;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const pb::FieldDescriptor& field = *descriptor.field(i);
    if (is_special(field.name())) continue;
    const tcp::KernelKnob* knob = tcp::find_kernel_knob(field.name());
    if (knob == nullptr) {
      mismatches.push_back(fmt::format("field {} has no kernel setting", field.name()));
    } else if (field.is_repeated() || !field.has_presence() ||
               field.cpp_type() != cpp_type_of(knob->kind())) {
      mismatches.push_back(
          fmt::format("field {} is not an optional {}", field.name(),
                      pb::FieldDescriptor::CppTypeName(cpp_type_of(knob->kind()))));
    }
  }
  for (const tcp::KernelKnob& knob : tcp::kernel_knobs()) {
    if (is_special(knob.name())) {
      mismatches.push_back(fmt::format("kernel setting {} has a reserved name", knob.name()));
    } else if (descriptor.FindFieldByName(std::string(knob.name())) == nullptr) {
      mismatches.push_back(fmt::format("kernel setting {} has no field", knob.name()));
    }
  }
  return mismatches;
}

}  // namespace tcpsim::scenarios
