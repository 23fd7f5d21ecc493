#include "io/temporary_file.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <stdexcept>

namespace tcpsim::io {

// Slots are never freed, only reused, so a handler walking the list never reads freed memory.
struct TemporaryFileSlot {
  std::atomic<bool> claimed{false};
  std::atomic<bool> live{false};
  char path[PATH_MAX] = {};
  TemporaryFileSlot* next = nullptr;
};

namespace {

std::atomic<TemporaryFileSlot*> slots{nullptr};

}  // namespace

TemporaryFile::TemporaryFile(const std::string& path) : slot_(nullptr) {
  if (path.size() >= PATH_MAX) throw std::runtime_error("path too long: '" + path + "'");
  for (TemporaryFileSlot* s = slots.load(); s != nullptr && slot_ == nullptr; s = s->next) {
    bool expected = false;
    if (s->claimed.compare_exchange_strong(expected, true)) slot_ = s;
  }
  if (slot_ == nullptr) {
    slot_ = new TemporaryFileSlot;  // NOLINT: kept for the process's lifetime, reused
    slot_->claimed = true;
    slot_->next = slots.load();
    while (!slots.compare_exchange_weak(slot_->next, slot_)) {
    }
  }
  std::memcpy(slot_->path, path.c_str(), path.size() + 1);
  slot_->live = true;
}

TemporaryFile::~TemporaryFile() {
  slot_->live = false;
  slot_->claimed = false;
}

void remove_temporary_files() noexcept {
  for (TemporaryFileSlot* s = slots.load(); s != nullptr; s = s->next) {
    if (s->live) ::unlink(s->path);
  }
}

bool is_temporary_of(const std::string& file_name, const std::string& stem_name) {
  const std::string prefix = stem_name + ".tmp.";
  if (file_name.size() <= prefix.size() || !file_name.starts_with(prefix)) return false;
  return std::all_of(file_name.begin() + static_cast<std::ptrdiff_t>(prefix.size()),
                     file_name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace tcpsim::io
