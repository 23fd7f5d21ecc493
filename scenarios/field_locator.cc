#include "scenarios/field_locator.h"

#include <stdexcept>
#include <vector>

#include "scenarios/field_path.h"

namespace tcpsim::scenarios {

std::optional<TextLocation> FieldLocator::locate(std::string_view path) const {
  std::vector<PathSegment> segments;
  try {
    segments = parse_field_path(path);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  std::optional<TextLocation> found;
  const google::protobuf::Descriptor* type = root_;
  const google::protobuf::TextFormat::ParseInfoTree* tree = tree_;
  for (const PathSegment& seg : segments) {
    const google::protobuf::FieldDescriptor* f = type->FindFieldByName(seg.name);
    if (f == nullptr) break;
    const int index = f->is_repeated() ? seg.index.value_or(0) : -1;
    auto location = tree->GetLocation(f, index);
    // The parser records one location per `name: [ ... ]` list, not one per element: an
    // element past the recorded ones is in the last list written before it.
    for (int before = index - 1; location.line < 0 && before >= 0; --before) {
      location = tree->GetLocation(f, before);
    }
    if (location.line < 0) break;
    found = TextLocation{location.line + 1, location.column + 1};
    if (f->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) break;
    tree = tree->GetTreeForNested(f, index);
    if (tree == nullptr) break;
    type = f->message_type();
  }
  return found;
}

}  // namespace tcpsim::scenarios
