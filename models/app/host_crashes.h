// A server host's power failures at given times: at each crash the host's stack loses every
// socket silently and its server forgets them; after the downtime both come back.
#pragma once

#include <cstdint>
#include <vector>

#include "models/app/server_app.h"
#include "models/tcp/tcp_stack.h"
#include "sim/simulator.h"

namespace tcpsim::app {

struct Crash {
  sim::Time at = 0;        // when the host goes down, >= 0
  sim::Time downtime = 0;  // until it is up and listening again, > 0
};

class HostCrashes final : public sim::EventHandler {
 public:
  // Throws std::invalid_argument unless each crash starts at or after the previous restart
  // and every downtime is > 0.
  HostCrashes(sim::Simulator& sim, tcp::TcpStack& stack, ServerApp& server,
              std::vector<Crash> crashes);
  HostCrashes(const HostCrashes&) = delete;
  HostCrashes& operator=(const HostCrashes&) = delete;

  // Schedules every crash and restart; call once, before the clock reaches the first.
  void start();
  [[nodiscard]] std::uint64_t crashes() const { return crashed_; }
  void handle(const sim::Event& event) override;

 private:
  enum Kind : sim::EventKind { kCrash, kRestart };

  sim::Simulator& sim_;
  tcp::TcpStack& stack_;
  ServerApp& server_;
  std::vector<Crash> crashes_;
  sim::HandlerId self_;
  std::uint64_t crashed_ = 0;
};

}  // namespace tcpsim::app
