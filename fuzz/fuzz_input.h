// What the fuzz targets share: the input as text, and a scratch file the readers of files
// (trace CSVs, sweeps) are given, one per process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tcpsim::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};  // NOLINT: libFuzzer's bytes as text
}

// A folder of this process's own, made once, under $TMPDIR or /tmp.
const std::string& scratch_folder();

// Writes `contents` to `name` in the scratch folder and returns its path.
std::string scratch_file(const std::string& name, std::string_view contents);

// A fuzzed scenario naming files of the machine (devices, /proc) or outside its folder would
// make findings depend on the machine: such inputs are not tried.
bool names_outside_files(std::string_view scenario_text);

}  // namespace tcpsim::fuzz
