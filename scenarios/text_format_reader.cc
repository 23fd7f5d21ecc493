#include "scenarios/text_format_reader.h"

#include <google/protobuf/io/tokenizer.h>

#include <string_view>

namespace tcpsim::scenarios {
namespace {

// Columns as the Protobuf tokenizer counts them: 0-based, a tab advancing to the next
// multiple of 8.
int advance(int column, char c) { return c == '\t' ? column + 8 - column % 8 : column + 1; }

std::string_view line_of(std::string_view text, int line) {
  std::size_t start = 0;
  for (int i = 0; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  return text.substr(start, text.find('\n', start) - start);
}

// The parser reports an unknown field at the token after its name; this moves the column
// back to the name itself when it is found there.
int unknown_field_column(std::string_view text, int line, int column, const std::string& message) {
  static constexpr std::string_view kMarker = "has no field named \"";
  const std::size_t at = message.find(kMarker);
  if (at == std::string::npos) return column;
  const std::size_t name_start = at + kMarker.size();
  const std::size_t name_end = message.find('"', name_start);
  if (name_end == std::string::npos) return column;
  const std::string_view name = std::string_view(message).substr(name_start, name_end - name_start);

  const std::string_view row = line_of(text, line);
  std::size_t end = 0;
  for (int c = 0; end < row.size() && c < column; ++end) c = advance(c, row[end]);
  while (end > 0 && (row[end - 1] == ' ' || row[end - 1] == '\t')) --end;
  if (end < name.size() || row.substr(end - name.size(), name.size()) != name) return column;
  int c = 0;
  for (std::size_t i = 0; i < end - name.size(); ++i) c = advance(c, row[i]);
  return c;
}

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  Collector(const std::string& text, const std::string& file, std::vector<Problem>& problems)
      : text_(text), file_(file), problems_(problems) {}

  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    add(line, column, message);
  }
  // Unknown fields arrive here (the parser is told to skip them), and are problems too.
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    add(line, column, message);
  }

 private:
  void add(int line, int column, const std::string& message) {
    const bool known = line >= 0;
    problems_.push_back(
        Problem{.file = file_,
                .line = known ? line + 1 : 0,
                .col = known ? unknown_field_column(text_, line, column, message) + 1 : 0,
                .field_path = {},
                .message = message});
  }

  const std::string& text_;
  const std::string& file_;
  std::vector<Problem>& problems_;
};

}  // namespace

bool read_text_format(const std::string& text, const std::string& file,
                      google::protobuf::Message& out,
                      google::protobuf::TextFormat::ParseInfoTree& tree,
                      std::vector<Problem>& problems) {
  Collector collector(text, file, problems);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  parser.AllowUnknownField(true);
  return parser.ParseFromString(text, &out);
}

}  // namespace tcpsim::scenarios
