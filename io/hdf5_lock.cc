#include "io/hdf5_lock.h"

namespace tcpsim::io {

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace tcpsim::io
