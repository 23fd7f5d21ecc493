#include "cli/interrupt.h"

#include <unistd.h>

#include <csignal>
#include <cstring>

#include "io/temporary_file.h"

namespace tcpsim::cli {
namespace {

void write_message(const char* text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  static_cast<void>(ignored);
}

// Only async-signal-safe calls (signal-safety(7)).
extern "C" void on_interrupt(int signal) {
  io::remove_temporary_files();
  write_message(signal == SIGINT ? "\ntcpsim: interrupted (SIGINT)"
                                 : "\ntcpsim: terminated (SIGTERM)");
  write_message("; files being written removed, earlier output kept\n");
  ::_exit(128 + signal);
}

}  // namespace

void remove_temporaries_on_interrupt() {
  for (const int signal : {SIGINT, SIGTERM}) {
    struct sigaction old {};
    if (::sigaction(signal, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    ::sigaction(signal, &action, nullptr);
  }
}

}  // namespace tcpsim::cli
