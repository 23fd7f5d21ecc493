#include "batch/run_message.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace tcpsim::batch {
namespace {

class Writer {
 public:
  template <typename T>
  requires std::is_arithmetic_v<T>
  void put(T value) { bytes_.append(reinterpret_cast<const char*>(&value), sizeof value); }
  void put(const std::string& s) {
    put(static_cast<std::uint64_t>(s.size()));
    bytes_.append(s);
  }
  template <typename T>
  void put(const std::vector<T>& items) {
    put(static_cast<std::uint64_t>(items.size()));
    for (const T& item : items) put(item);
  }
  std::string take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}

  template <typename T>
  requires std::is_arithmetic_v<T>
  void get(T& value) {
    need(sizeof value);
    std::memcpy(&value, bytes_.data() + at_, sizeof value);
    at_ += sizeof value;
  }
  void get(std::string& s) {
    std::uint64_t size = 0;
    get(size);
    need(size);
    s.assign(bytes_, at_, size);
    at_ += size;
  }
  template <typename T>
  void get(std::vector<T>& items) {
    std::uint64_t size = 0;
    get(size);
    need(size);  // every item takes at least a byte
    items.resize(size);
    for (T& item : items) get(item);
  }
  [[nodiscard]] bool done() const { return at_ == bytes_.size(); }

 private:
  void need(std::uint64_t n) const {
    if (n > bytes_.size() - at_) throw std::runtime_error("truncated run message");
  }

  const std::string& bytes_;
  std::size_t at_ = 0;
};

}  // namespace

std::string encode(const RunMessage& message) {
  const io::StudyRun& r = message.record;
  Writer w;
  w.put(r.run);
  w.put(r.point);
  w.put(r.replication);
  w.put(r.seed);
  w.put(r.values);
  w.put(r.metrics);
  w.put(r.series_file);
  w.put(r.series_path);
  w.put(message.metric_names);
  return w.take();
}

RunMessage decode_run_message(const std::string& bytes) {
  RunMessage m;
  io::StudyRun& r = m.record;
  Reader in(bytes);
  in.get(r.run);
  in.get(r.point);
  in.get(r.replication);
  in.get(r.seed);
  in.get(r.values);
  in.get(r.metrics);
  in.get(r.series_file);
  in.get(r.series_path);
  in.get(m.metric_names);
  if (!in.done()) throw std::runtime_error("run message longer than its record");
  return m;
}

}  // namespace tcpsim::batch
