// A temporary file being written, registered so that a signal handler can remove it
// before the process ends (remove_temporary_files is async-signal-safe).
#pragma once

#include <string>

namespace tcpsim::io {

struct TemporaryFileSlot;

// Registers `path` for the object's lifetime; the file itself is neither created nor removed.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& path);
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile();

 private:
  TemporaryFileSlot* slot_;
};

// Unlinks every registered path; only async-signal-safe calls. For a handler that ends the
// process: a file registered meanwhile by another thread may be missed.
void remove_temporary_files() noexcept;

// Paths `stem.tmp.<digits>`, stale temporaries of `stem` (io writes `path.tmp.<pid>`), in
// `stem`'s folder.
bool is_temporary_of(const std::string& file_name, const std::string& stem_name);

}  // namespace tcpsim::io
