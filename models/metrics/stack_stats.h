// What a host's TCP stack adds to its group's metrics: sockets per state, ports and
// descriptors in use, its kernel counters, the time of the first EADDRNOTAVAIL.
#pragma once

#include "models/metrics/source.h"
#include "models/tcp/tcp_stack.h"

namespace tcpsim::metrics {

class StackStats final : public Source {
 public:
  explicit StackStats(const tcp::TcpStack& stack) : stack_(stack) {}
  void sample(Sample& out) const override;
  void finish(Totals& out) const override;

 private:
  const tcp::TcpStack& stack_;
};

}  // namespace tcpsim::metrics
