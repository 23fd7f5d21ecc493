// The one lock around every call into the HDF5 library, which is built serial and is not
// thread-safe: every writer and reader of this folder holds it.
#pragma once

#include <mutex>

namespace tcpsim::io {

std::mutex& hdf5_mutex();

}  // namespace tcpsim::io
