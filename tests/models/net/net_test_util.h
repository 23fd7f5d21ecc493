// What the network tests share: addresses from text, segments from their header fields, and a
// receiver that records what arrives and when.
#pragma once

#include <cstdint>
#include <vector>

#include "models/net/address.h"
#include "models/net/segment.h"
#include "models/net/segment_receiver.h"
#include "sim/simulator.h"

namespace tcpsim::net::testing {

inline Ipv4 ip(const char* text) { return *parse_ipv4(text); }

inline Segment seg(Endpoint src, Endpoint dst, std::uint8_t flags, std::uint32_t seq = 0,
                   std::uint32_t len = 0) {
  Segment s;
  s.src = src;
  s.dst = dst;
  s.flags = flags;
  s.seq = seq;
  s.len = len;
  return s;
}

struct Arrival {
  sim::Time time;
  Segment segment;
};

struct Recorder : SegmentReceiver {
  explicit Recorder(const sim::Simulator& s) : sim(&s) {}
  const sim::Simulator* sim;
  std::vector<Arrival> got;
  void receive(const Segment& s) override { got.push_back({sim->now(), s}); }
  [[nodiscard]] std::vector<sim::Time> times() const {
    std::vector<sim::Time> out;
    for (const Arrival& a : got) out.push_back(a.time);
    return out;
  }
};

}  // namespace tcpsim::net::testing
