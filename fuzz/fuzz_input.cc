#include "fuzz/fuzz_input.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace tcpsim::fuzz {

const std::string& scratch_folder() {
  // Never destroyed: the exit handler that removes the folder reads it.
  static const std::string* const folder = [] {
    const char* tmp = std::getenv("TMPDIR");
    const std::filesystem::path dir = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
                                      ("tcpsim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return new std::string(dir.string());  // NOLINT
  }();
  static const bool removed_at_exit = std::atexit([] {
                                        std::error_code ignored;
                                        std::filesystem::remove_all(*folder, ignored);
                                      }) == 0;
  static_cast<void>(removed_at_exit);
  return *folder;
}

std::string scratch_file(const std::string& name, std::string_view contents) {
  const std::string path = scratch_folder() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

bool names_outside_files(std::string_view scenario_text) {
  return scenario_text.find('/') != std::string_view::npos &&
         (scenario_text.find("/dev") != std::string_view::npos ||
          scenario_text.find("/proc") != std::string_view::npos ||
          scenario_text.find("/sys") != std::string_view::npos ||
          scenario_text.find("..") != std::string_view::npos ||
          scenario_text.find("\"/") != std::string_view::npos ||
          scenario_text.find("'/") != std::string_view::npos);
}

}  // namespace tcpsim::fuzz
