#include "models/app/host_crashes.h"

#include <stdexcept>
#include <utility>

#include "models/tcp/socket_error.h"

namespace tcpsim::app {

HostCrashes::HostCrashes(sim::Simulator& sim, tcp::TcpStack& stack, ServerApp& server,
                         std::vector<Crash> crashes)
    : sim_(sim),
      stack_(stack),
      server_(server),
      crashes_(std::move(crashes)),
      self_(sim.add_handler(*this)) {
  sim::Time up = 0;
  for (const Crash& c : crashes_) {
    if (c.downtime <= 0) throw std::invalid_argument("host crashes: downtime must be > 0");
    if (c.at < up) {
      throw std::invalid_argument("host crashes: a crash starts before the previous restart");
    }
    up = c.at + c.downtime;
  }
}

void HostCrashes::start() {
  for (const Crash& c : crashes_) {
    sim_.schedule(c.at, self_, kCrash, 0);
    sim_.schedule(c.at + c.downtime, self_, kRestart, 0);
  }
}

void HostCrashes::handle(const sim::Event& event) {
  if (event.kind == kCrash) {
    ++crashed_;
    server_.crash();
    stack_.crash();
    return;
  }
  stack_.restart();
  const tcp::SocketError e = server_.start();
  if (e != tcp::SocketError::kOk) {
    throw std::logic_error(std::string("host crashes: the server could not listen again: ") +
                           std::string(tcp::name(e)));
  }
}

}  // namespace tcpsim::app
