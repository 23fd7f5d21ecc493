// Explicit source ports chosen in user space, a range as HAProxy's `source addr:low-high`
// (include/haproxy/port_range.h) or a list: a FIFO ring of the free ports, one taken per
// connection.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "models/tcp/kernel_settings.h"

namespace tcpsim::app {

// The ring starts as low..high in order; a port given back goes behind every free one, so
// it is taken again only after all of them (its TIME_WAIT, if any, has had the longest
// time to end). HAProxy gives a port back when the connection's descriptor is closed, not
// when its TIME_WAIT ends: the bind() with SO_REUSEADDR then takes the port over, and the
// kernel lets connect() reuse the TIME_WAIT 4-tuple when timestamps are on (linux-tcp.md
// 1.4). Unlike IP_LOCAL_PORT_RANGE (Linux 6.3), which can only narrow ip_local_port_range
// for one socket, this range may lie anywhere: `source 0.0.0.0:2049-60999` (haproxy/haproxy
// #1881, #2050) gives 58,951 ports where the kernel's default range has 28,232.
class SourcePortRange {
 public:
  explicit SourcePortRange(tcp::PortRange range) : SourcePortRange(ports_of(range), Ring{}) {}
  // The ring starts as `ports`, in their order.
  static SourcePortRange listed(std::vector<std::uint16_t> ports) {
    return SourcePortRange(std::move(ports), Ring{});
  }

  // The next free port, or 0 when none is free.
  std::uint16_t take() {
    if (free_ == 0) return 0;
    const std::uint16_t port = ports_[head_];
    head_ = next(head_);
    --free_;
    return port;
  }
  // `port` was taken from this range and is free again.
  void give_back(std::uint16_t port) {
    ports_[(head_ + free_) % ports_.size()] = port;
    ++free_;
  }

  [[nodiscard]] std::uint32_t free() const { return free_; }
  [[nodiscard]] std::uint32_t size() const { return static_cast<std::uint32_t>(ports_.size()); }

 private:
  struct Ring {};  // keeps this constructor out of brace-initialisation from a PortRange
  SourcePortRange(std::vector<std::uint16_t> ports, Ring)
      : ports_(std::move(ports)), free_(static_cast<std::uint32_t>(ports_.size())) {}
  static std::vector<std::uint16_t> ports_of(tcp::PortRange range) {
    std::vector<std::uint16_t> ports(range.size());
    for (std::uint32_t i = 0; i < ports.size(); ++i) {
      ports[i] = static_cast<std::uint16_t>(range.low + i);
    }
    return ports;
  }

  [[nodiscard]] std::uint32_t next(std::uint32_t i) const {
    return i + 1 == ports_.size() ? 0 : i + 1;
  }

  std::vector<std::uint16_t> ports_;
  std::uint32_t head_ = 0;
  std::uint32_t free_ = 0;
};

}  // namespace tcpsim::app
