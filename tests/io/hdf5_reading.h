// For tests that read files back through HDF5's C API: identifiers closed at the end of their
// scope, and the variable-length UTF-8 string attributes the writers use.
#pragma once

#include <hdf5.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace tcpsim::io::test_support {

class Id {
 public:
  Id(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {
    if (id < 0) throw std::runtime_error("HDF5 call failed");
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() { closer_(id_); }
  operator hid_t() const { return id_; }  // NOLINT(google-explicit-constructor)

 private:
  hid_t id_;
  herr_t (*closer_)(hid_t);
};

// The strings of the attribute `name` of `object`; throws unless they are variable-length
// UTF-8 strings.
inline std::vector<std::string> read_strings(hid_t object, const char* name) {
  const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  const Id space(H5Aget_space(attribute), H5Sclose);
  const Id type(H5Aget_type(attribute), H5Tclose);
  if (H5Tis_variable_str(type) <= 0 || H5Tget_cset(type) != H5T_CSET_UTF8) {
    throw std::runtime_error(std::string(name) + " is not a variable-length UTF-8 string");
  }
  std::vector<char*> texts(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  if (H5Aread(attribute, type, texts.data()) < 0) throw std::runtime_error(name);
  std::vector<std::string> out;
  for (char* t : texts) {
    out.emplace_back(t);
    H5free_memory(t);
  }
  return out;
}

}  // namespace tcpsim::io::test_support
