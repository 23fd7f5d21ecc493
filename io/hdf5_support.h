// What the HDF5 writers of this folder share: owned ids that throw with the
// library's own error text, string attributes, copying objects between files, and
// writing a file atomically.
#pragma once

#include <hdf5.h>

#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpsim::io::hdf5 {

// The API call that failed and the innermost reason, from the error stack.
std::string problem();

template <typename Id>
Id check(Id result, std::string_view what) {
  if (result < 0) throw std::runtime_error(std::string(what) + ": " + problem());
  return result;
}

// An HDF5 id closed on destruction.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle(hid_t id, Closer closer, std::string_view what) : id_(check(id, what)), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), closer_(other.closer_) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  ~Handle() {
    if (id_ >= 0) closer_(id_);
  }

  [[nodiscard]] hid_t get() const { return id_; }
  void close(std::string_view what) { check(closer_(std::exchange(id_, -1)), what); }

 private:
  hid_t id_;
  Closer closer_;
};

// Turns off HDF5's printing of error stacks for the lifetime of the object.
class SilentErrors {
 public:
  SilentErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  SilentErrors(const SilentErrors&) = delete;
  SilentErrors& operator=(const SilentErrors&) = delete;
  ~SilentErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Variable-length UTF-8 strings.
Handle string_type();

// A scalar when `dims` is empty.
void write_attribute(hid_t object, const std::string& name, hid_t file_type, hid_t memory_type,
                     std::span<const hsize_t> dims, const void* data);
void string_attribute(hid_t object, const std::string& name, const std::string& value);
void strings_attribute(hid_t object, const std::string& name,
                       const std::vector<std::string>& values);

// Copies the object `source_name` (a group with everything below it, or a dataset) of the
// location `source` to a new link `destination_name` under `destination`, usually in another
// file, with every attribute of every object copied. Datasets keep their type, shape, chunks,
// filters and stored bytes. The caller holds the HDF5 lock.
//
// H5Ocopy copies the objects but not their attributes: the attributes are read and written
// again one by one. H5Ocopy's own attribute copy crashes HDF5 before 1.14.4 (Debian 12 has
// 1.10.8) with a call through a null pointer in H5T__conv_vlen when an object holding a
// variable-length attribute keeps its attributes in dense storage (more than 8 of them, as a
// results file's histograms and summaries do): the attribute decoded from the dense storage
// never has its datatype's location set, so the conversion has no vlen callbacks
// (HDFGroup/hdf5 issues 2414 and 3214, fixed by pull request 3967).
void copy_object(hid_t source, const std::string& source_name, hid_t destination,
                 const std::string& destination_name);

// Builds the file in memory with `contents`, then writes it to `path`'s temporary sibling
// `path.tmp.<pid>` (registered as a TemporaryFile meanwhile), syncs it and renames it over
// `path`; on failure removes it and throws naming `kind` and `path`. Holds the HDF5 lock and
// keeps HDF5's error printing off while building. Needs the file's size in memory twice.
void write_atomically(const std::string& path, std::string_view kind,
                      const std::function<void(hid_t file)>& contents);

}  // namespace tcpsim::io::hdf5
