// For tests that check files with Debian's /usr/bin/python3 (h5py, matplotlib): run a shell
// command and ask whether the interpreter has the modules.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace tcpsim::io::test_support {

// The command's exit status, or -1 if it did not exit normally.
inline int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Whether /usr/bin/python3 imports `modules` ("h5py, numpy").
inline bool python_has(const std::string& modules) {
  return access("/usr/bin/python3", X_OK) == 0 &&
         run("/usr/bin/python3 -c 'import " + modules + "' >/dev/null 2>&1") == 0;
}

}  // namespace tcpsim::io::test_support
