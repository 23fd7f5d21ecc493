#include "io/hdf5_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>

#include "io/hdf5_lock.h"
#include "io/temporary_file.h"

namespace tcpsim::io::hdf5 {
namespace {

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* error, void* out) {
  auto* lines = static_cast<std::vector<std::string>*>(out);
  std::string line = error->func_name != nullptr ? error->func_name : "?";
  line += "(): ";
  line += error->desc != nullptr ? error->desc : "failed";
  lines->push_back(std::move(line));
  return 0;
}

// The bytes of a file built in memory: the core driver's buffer, which these callbacks
// allocate, grow geometrically and, at the file's close, keep.
struct Image {
  char* data = nullptr;
  std::size_t size = 0;  // the core driver's end of file
  std::size_t capacity = 0;
  bool closed = false;

  Image() = default;
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;
  ~Image() { std::free(data); }  // NOLINT: the core driver's realloc contract
};

void* image_realloc(void* ptr, std::size_t size, H5FD_file_image_op_t /*op*/, void* udata) {
  auto* image = static_cast<Image*>(udata);
  if (ptr != image->data) return nullptr;
  if (size > image->capacity) {
    const std::size_t capacity = std::max(size, image->capacity * 2);
    void* grown = std::realloc(image->data, capacity);  // NOLINT
    if (grown == nullptr) return nullptr;
    image->data = static_cast<char*>(grown);
    image->capacity = capacity;
  }
  image->size = size;
  return image->data;
}

void* image_malloc(std::size_t size, H5FD_file_image_op_t op, void* udata) {
  auto* image = static_cast<Image*>(udata);
  if (image->data != nullptr) return nullptr;
  return image_realloc(nullptr, size, op, udata);
}

void* image_memcpy(void* destination, const void* source, std::size_t size,
                   H5FD_file_image_op_t /*op*/, void* /*udata*/) {
  return std::memcpy(destination, source, size);
}

herr_t image_free(void* ptr, H5FD_file_image_op_t op, void* udata) {
  auto* image = static_cast<Image*>(udata);
  if (ptr == nullptr) return 0;
  if (ptr != image->data || op != H5FD_FILE_IMAGE_OP_FILE_CLOSE) return -1;
  image->closed = true;  // kept: the file's bytes
  return 0;
}

void* image_udata_copy(void* udata) { return udata; }
herr_t image_udata_free(void* /*udata*/) { return 0; }

// Fills `image` with the bytes of a new HDF5 file that `contents` fills, built in memory (the
// core driver without a backing store, growing by 1 byte so that its end of file is the
// file's). HDF5 1.10 never writes to the disk itself: when a close fails on a write error
// (ENOSPC, EFBIG) it leaves the file's id registered with its cache already destroyed, and
// H5_term_library crashes at exit closing it (H5F__close_cb). In memory the close cannot fail
// so, and write_file reports the disk's errors.
void build_image(const std::string& name, const std::function<void(hid_t file)>& contents,
                 Image& image) {
  const std::lock_guard lock(hdf5_mutex());
  const SilentErrors silent;
  const std::string what = "creating the file properties";
  const Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose, what);
  check(H5Pset_obj_track_times(fcpl.get(), false), what);
  const Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, what);
  check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), what);
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), what);
  check(H5Pset_fapl_core(fapl.get(), 1, false), what);
  H5FD_file_image_callbacks_t callbacks{image_malloc, image_memcpy,     image_realloc,
                                        image_free,   image_udata_copy, image_udata_free,
                                        &image};
  check(H5Pset_file_image_callbacks(fapl.get(), &callbacks), what);
  Handle file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose,
              "creating '" + name + "' in memory");
  contents(file.get());
  file.close("closing '" + name + "'");
  if (!image.closed) throw std::runtime_error("closing '" + name + "': no file image");
}

// Creates or truncates `path`, then fills it with `image`, synced to the disk; sets `created`
// once the file is there.
void write_file(const std::string& path, const Image& image, bool& created) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw std::runtime_error("creating '" + path + "': " + std::strerror(errno));
  created = true;
  std::size_t written = 0;
  int error = 0;
  while (written < image.size && error == 0) {
    const ssize_t n = ::write(fd, image.data + written, image.size - written);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      error = errno;
    }
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) throw std::runtime_error("writing '" + path + "': " + std::strerror(error));
}

// One object's attributes copied onto its copy; `error` holds what a callback threw.
struct AttributeCopy {
  hid_t destination;
  std::exception_ptr error;
};

herr_t copy_attribute(hid_t source, const char* name, const H5A_info_t* /*info*/, void* data) {
  auto* copy = static_cast<AttributeCopy*>(data);
  try {
    const std::string what = std::string("copying attribute '") + name + "'";
    const Handle attribute(H5Aopen(source, name, H5P_DEFAULT), H5Aclose, what);
    // The type in its memory form: what the value is read as and, stored again, created with.
    // Fixed-size values are read unconverted; variable-length ones as pointers HDF5 allocates.
    const Handle type(H5Aget_type(attribute.get()), H5Tclose, what);
    const Handle space(H5Aget_space(attribute.get()), H5Sclose, what);
    const Handle acpl(H5Aget_create_plist(attribute.get()), H5Pclose, what);
    const auto count =
        static_cast<std::size_t>(check(H5Sget_simple_extent_npoints(space.get()), what));
    std::vector<std::byte> value(count * H5Tget_size(type.get()));
    const Handle copied(
        H5Acreate2(copy->destination, name, type.get(), space.get(), acpl.get(), H5P_DEFAULT),
        H5Aclose, what);
    if (count == 0) return 0;
    check(H5Aread(attribute.get(), type.get(), value.data()), what);
    const herr_t written = H5Awrite(copied.get(), type.get(), value.data());
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, value.data());
    check(written, what);
    return 0;
  } catch (...) {
    copy->error = std::current_exception();
    return -1;
  }
}

// Every object under a copied object: its attributes copied onto the object of the same
// path under `destination`.
struct TreeCopy {
  hid_t destination;
  std::exception_ptr error;
};

herr_t copy_attributes(hid_t source_root, const char* name, const H5O_info_t* info, void* data) {
  auto* tree = static_cast<TreeCopy*>(data);
  try {
    if (info->num_attrs == 0) return 0;
    const std::string what = std::string("copying the attributes of '") + name + "'";
    const Handle from(H5Oopen(source_root, name, H5P_DEFAULT), H5Oclose, what);
    const Handle to(H5Oopen(tree->destination, name, H5P_DEFAULT), H5Oclose, what);
    AttributeCopy copy{to.get(), nullptr};
    hsize_t index = 0;
    const herr_t status =
        H5Aiterate2(from.get(), H5_INDEX_NAME, H5_ITER_INC, &index, copy_attribute, &copy);
    if (copy.error) {
      H5Eclear2(H5E_DEFAULT);  // the iteration's own report of the failed callback
      std::rethrow_exception(copy.error);
    }
    check(status, what);
    return 0;
  } catch (...) {
    tree->error = std::current_exception();
    return -1;
  }
}

}  // namespace

std::string problem() {
  std::vector<std::string> lines;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &lines);
  H5Eclear2(H5E_DEFAULT);
  if (lines.empty()) return "unknown HDF5 error";
  if (lines.size() == 1) return lines.front();
  return lines.front() + ": " + lines.back();
}

Handle string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "copying the string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "making strings variable-length");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "making strings UTF-8");
  return type;
}

void write_attribute(hid_t object, const std::string& name, hid_t file_type, hid_t memory_type,
                     std::span<const hsize_t> dims, const void* data) {
  const std::string what = "writing attribute '" + name + "'";
  const Handle space(dims.empty()
                         ? H5Screate(H5S_SCALAR)
                         : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                     H5Sclose, what);
  Handle acpl(H5Pcreate(H5P_ATTRIBUTE_CREATE), H5Pclose, what);
  check(H5Pset_char_encoding(acpl.get(), H5T_CSET_UTF8), what);
  const Handle attribute(
      H5Acreate2(object, name.c_str(), file_type, space.get(), acpl.get(), H5P_DEFAULT), H5Aclose,
      what);
  check(H5Awrite(attribute.get(), memory_type, data), what);
}

void string_attribute(hid_t object, const std::string& name, const std::string& value) {
  const Handle type = string_type();
  const char* text = value.c_str();
  write_attribute(object, name, type.get(), type.get(), {}, &text);
}

void strings_attribute(hid_t object, const std::string& name,
                       const std::vector<std::string>& values) {
  std::vector<const char*> texts;
  texts.reserve(values.size());
  for (const std::string& s : values) texts.push_back(s.c_str());
  const Handle type = string_type();
  const std::array<hsize_t, 1> dims{values.size()};
  write_attribute(object, name, type.get(), type.get(), dims, texts.data());
}

void copy_object(hid_t source, const std::string& source_name, hid_t destination,
                 const std::string& destination_name) {
  const std::string what = "copying '" + source_name + "' to '" + destination_name + "'";
  const Handle ocpypl(H5Pcreate(H5P_OBJECT_COPY), H5Pclose, what);
  check(H5Pset_copy_object(ocpypl.get(), H5O_COPY_WITHOUT_ATTR_FLAG), what);
  const Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose, what);
  check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), what);
  check(H5Ocopy(source, source_name.c_str(), destination, destination_name.c_str(), ocpypl.get(),
                lcpl.get()),
        what);
  const Handle from(H5Oopen(source, source_name.c_str(), H5P_DEFAULT), H5Oclose, what);
  const Handle to(H5Oopen(destination, destination_name.c_str(), H5P_DEFAULT), H5Oclose, what);
  TreeCopy tree{to.get(), nullptr};
  const herr_t status =
      H5Ovisit2(from.get(), H5_INDEX_NAME, H5_ITER_INC, copy_attributes, &tree, H5O_INFO_NUM_ATTRS);
  if (tree.error) {
    H5Eclear2(H5E_DEFAULT);  // the visit's own report of the failed callback
    std::rethrow_exception(tree.error);
  }
  check(status, what);
}

void write_atomically(const std::string& path, std::string_view kind,
                      const std::function<void(hid_t file)>& contents) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  try {
    Image image;
    build_image(temp, contents, image);
    const TemporaryFile registered(temp);
    bool created = false;
    try {
      write_file(temp, image, created);
      std::error_code ec;
      std::filesystem::rename(temp, path, ec);
      if (ec) {
        throw std::runtime_error("renaming '" + temp + "' to '" + path + "': " + ec.message());
      }
    } catch (const std::exception&) {
      std::error_code ignored;
      if (created) std::filesystem::remove(temp, ignored);
      throw;
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot write " + std::string(kind) + " '" + path + "': " + e.what());
  }
}

}  // namespace tcpsim::io::hdf5
