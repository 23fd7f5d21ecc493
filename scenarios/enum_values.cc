#include "scenarios/enum_values.h"

#include <fmt/format.h>

#include "scenarios/field_path.h"

namespace tcpsim::scenarios {
namespace {

namespace gp = google::protobuf;

void check_value(const gp::EnumDescriptor& type, int value, const std::string& path,
                 std::vector<Problem>& problems) {
  if (type.FindValueByNumber(value) != nullptr) return;
  std::string known;
  for (int i = 0; i < type.value_count(); ++i) {
    known += fmt::format("{}{} ({})", i == 0 ? "" : ", ", type.value(i)->name(),
                         type.value(i)->number());
  }
  problems.push_back(Problem::of_field(
      path, fmt::format("{} is not a value of {} (known: {})", value, type.name(), known)));
}

}  // namespace

void check_enum_values(const gp::Message& message, const std::string& path,
                       std::vector<Problem>& problems) {
  const gp::Reflection& reflection = *message.GetReflection();
  std::vector<const gp::FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const gp::FieldDescriptor* f : fields) {
    const std::string field = join_field_path(path, f->name());
    if (f->is_repeated()) {
      const int n = reflection.FieldSize(message, f);
      for (int i = 0; i < n; ++i) {
        const std::string item = indexed(field, i);
        if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_ENUM) {
          check_value(*f->enum_type(), reflection.GetRepeatedEnumValue(message, f, i), item,
                      problems);
        } else if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE) {
          check_enum_values(reflection.GetRepeatedMessage(message, f, i), item, problems);
        }
      }
    } else if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_ENUM) {
      check_value(*f->enum_type(), reflection.GetEnumValue(message, f), field, problems);
    } else if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE) {
      check_enum_values(reflection.GetMessage(message, f), field, problems);
    }
  }
}

}  // namespace tcpsim::scenarios
