#include "scenarios/overrides.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "scenarios/field_path.h"

namespace tcpsim::scenarios {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

[[noreturn]] void fail(const std::string& why) { throw std::invalid_argument(why); }
[[noreturn]] void fail_path(const std::string& why) { throw FieldPathError(why); }

std::string field_names(const Descriptor* d) {
  std::string names;
  for (int i = 0; i < d->field_count(); ++i) {
    if (i > 0) names += ", ";
    names += d->field(i)->name();
  }
  return names;
}

const FieldDescriptor* find_field(const Descriptor* d, const std::string& name) {
  const FieldDescriptor* f = d->FindFieldByName(name);
  if (f == nullptr) {
    fail_path(
        fmt::format("no field \"{}\" in {} (its fields: {})", name, d->name(), field_names(d)));
  }
  return f;
}

void check_index(const Reflection* r, const Message& m, const FieldDescriptor* f, int index) {
  const int size = r->FieldSize(m, f);
  if (index >= size) {
    fail_path(fmt::format("index {} is out of range: {} has {} element{}", index, f->name(), size,
                          size == 1 ? "" : "s"));
  }
}

template <typename T>
T parse_integer(const FieldDescriptor* f, std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) return value;
  fail(fmt::format("{} expects an integer in [{}, {}], got \"{}\"", f->name(),
                   std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), text));
}

double parse_double(const FieldDescriptor* f, std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    fail(fmt::format("{} expects a number, got \"{}\"", f->name(), text));
  }
  return value;
}

bool parse_bool(const FieldDescriptor* f, std::string_view text) {
  if (text == "true" || text == "True" || text == "t" || text == "1") return true;
  if (text == "false" || text == "False" || text == "f" || text == "0") return false;
  fail(fmt::format("{} expects true or false, got \"{}\"", f->name(), text));
}

const EnumValueDescriptor* parse_enum(const FieldDescriptor* f, std::string_view text) {
  const auto* type = f->enum_type();
  if (const auto* v = type->FindValueByName(std::string(text))) return v;
  std::string names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (i > 0) names += ", ";
    names += type->value(i)->name();
  }
  fail(fmt::format("{} expects one of {}, got \"{}\"", f->name(), names, text));
}

// Sets field `f` of `m` from `text`: the singular field when index is nullopt, element
// `*index` of a repeated field when index >= 0, a new element when add is true.
void set_scalar(Message& m, const FieldDescriptor* f, std::optional<int> index, bool add,
                std::string_view text) {
  const Reflection* r = m.GetReflection();
  auto put = [&](auto set, auto set_repeated, auto add_one, auto value) {
    if (add) {
      (r->*add_one)(&m, f, value);
    } else if (index) {
      (r->*set_repeated)(&m, f, *index, value);
    } else {
      (r->*set)(&m, f, value);
    }
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      put(&Reflection::SetInt32, &Reflection::SetRepeatedInt32, &Reflection::AddInt32,
          parse_integer<std::int32_t>(f, text));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      put(&Reflection::SetInt64, &Reflection::SetRepeatedInt64, &Reflection::AddInt64,
          parse_integer<std::int64_t>(f, text));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      put(&Reflection::SetUInt32, &Reflection::SetRepeatedUInt32, &Reflection::AddUInt32,
          parse_integer<std::uint32_t>(f, text));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      put(&Reflection::SetUInt64, &Reflection::SetRepeatedUInt64, &Reflection::AddUInt64,
          parse_integer<std::uint64_t>(f, text));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      put(&Reflection::SetDouble, &Reflection::SetRepeatedDouble, &Reflection::AddDouble,
          parse_double(f, text));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      put(&Reflection::SetFloat, &Reflection::SetRepeatedFloat, &Reflection::AddFloat,
          static_cast<float>(parse_double(f, text)));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      put(&Reflection::SetBool, &Reflection::SetRepeatedBool, &Reflection::AddBool,
          parse_bool(f, text));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      put(&Reflection::SetEnum, &Reflection::SetRepeatedEnum, &Reflection::AddEnum,
          parse_enum(f, text));
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      put(&Reflection::SetString, &Reflection::SetRepeatedString, &Reflection::AddString,
          std::string(text));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      fail(fmt::format("{} is a message", f->name()));
  }
}

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (text_.empty()) text_ = fmt::format("{}:{}: {}", line + 1, column + 1, message);
  }
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
};

void set_message(Message& target, const FieldDescriptor* f, std::string_view text) {
  std::string body(text);
  const std::size_t first = body.find_first_not_of(" \t");
  const std::size_t last = body.find_last_not_of(" \t");
  if (first != std::string::npos && body[first] == '{' && body[last] == '}') {
    body = body.substr(first + 1, last - first - 1);
  }
  std::unique_ptr<Message> value(target.New());
  FirstError errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(body, value.get())) {
    fail(fmt::format("{} expects {} fields in text format: {}", f->name(),
                     f->message_type()->name(), errors.text()));
  }
  target.CopyFrom(*value);
}

std::string apply(Message& message, std::string_view assignment) {
  const std::size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) fail("expected PATH=VALUE");
  const std::string_view path = assignment.substr(0, eq);
  const std::string_view value = assignment.substr(eq + 1);
  std::vector<PathSegment> segments;
  try {
    segments = parse_field_path(path);
  } catch (const std::invalid_argument& e) {
    fail_path(e.what());
  }

  Message* m = &message;
  std::string canonical;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    const PathSegment& seg = segments[s];
    const bool last = s + 1 == segments.size();
    const Reflection* r = m->GetReflection();
    const FieldDescriptor* f = find_field(m->GetDescriptor(), seg.name);
    canonical = join_field_path(canonical, seg.index ? indexed(seg.name, *seg.index) : seg.name);
    if (seg.index && !f->is_repeated()) {
      fail_path(fmt::format("{} is not a repeated field: drop the [{}]", f->name(), *seg.index));
    }
    if (seg.index) check_index(r, *m, f, *seg.index);

    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated() && !seg.index) {
        fail_path(
            fmt::format("{} is a repeated field: give an index, as {}[0]", f->name(), f->name()));
      }
      Message* child =
          seg.index ? r->MutableRepeatedMessage(m, f, *seg.index) : r->MutableMessage(m, f);
      if (last) {
        set_message(*child, f, value);
      } else {
        m = child;
      }
      continue;
    }
    if (!last) {
      fail_path(fmt::format("{} is a {} field, not a message: nothing can follow it", f->name(),
                            f->cpp_type_name()));
    }
    if (f->is_repeated() && !seg.index) {
      std::vector<std::string> items;
      std::size_t start = 0;
      while (!value.empty()) {
        const std::size_t comma = value.find(',', start);
        items.emplace_back(value.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      r->ClearField(m, f);
      for (const std::string& item : items) set_scalar(*m, f, std::nullopt, true, item);
    } else {
      set_scalar(*m, f, seg.index, false, value);
    }
  }
  return canonical;
}

}  // namespace

std::string apply_override(Message& message, std::string_view assignment) {
  std::unique_ptr<Message> copy(message.New());
  copy->CopyFrom(message);
  std::string path = apply(*copy, assignment);
  message.GetReflection()->Swap(&message, copy.get());
  return path;
}

}  // namespace tcpsim::scenarios
