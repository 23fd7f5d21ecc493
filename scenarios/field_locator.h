// Maps field paths ("clients[0].load.poisson.rate") to where the scenario text wrote them,
// from the locations the text-format parser records.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/text_format.h>

#include <optional>
#include <string_view>

namespace tcpsim::scenarios {

struct TextLocation {
  int line = 0;  // 1-based
  int col = 0;   // 1-based
};

class FieldLocator {
 public:
  // Both must outlive the locator.
  FieldLocator(const google::protobuf::Descriptor* root,
               const google::protobuf::TextFormat::ParseInfoTree* tree)
      : root_(root), tree_(tree) {}

  // Where the deepest field along `path` that the text wrote begins (a missing field is
  // placed at the block that should hold it); nullopt when the text wrote none of it.
  // A repeated field without index stands for its first element.
  [[nodiscard]] std::optional<TextLocation> locate(std::string_view path) const;

 private:
  const google::protobuf::Descriptor* root_;
  const google::protobuf::TextFormat::ParseInfoTree* tree_;
};

}  // namespace tcpsim::scenarios
