// Heap bytes per TIME_WAIT record with millions alive on one client host:
// the client opens N connections toward enough server addresses to have the
// ports, each closes at once, and all N sit in TIME_WAIT when it measures.
//
//   time_wait_memory [--alive N]
//
// The client shuts down its side and closes 1 ms later, once the peer's FIN
// is in.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "models/tcp/segment_output.h"
#include "models/tcp/tcp_stack.h"
#include "sim/simulator.h"
#include "sim/slot_pool.h"

namespace tcpsim::bench {
namespace {

using tcp::SocketError;
using tcp::SocketId;

constexpr std::uint16_t kServerPort = 80;
constexpr std::uint32_t kAddressesPerServer = 250;
constexpr std::uint32_t kConnectionsPerDestination = 25'000;  // of 28,232 ports
constexpr sim::Time kLatency = 5 * sim::kMicrosecond;

std::size_t heap_bytes_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kb = 0;
      status >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

// Carries segments between stacks with a fixed delay.
class Wire final : public tcp::SegmentOutput, public sim::EventHandler {
 public:
  explicit Wire(sim::Simulator& sim) : sim_(sim), self_(sim.add_handler(*this)) {}
  void attach(net::Ipv4 address, tcp::TcpStack& stack) { stacks_[address.value] = &stack; }
  void transmit(const net::Segment& seg) override {
    const std::uint32_t slot = in_flight_.allocate();
    in_flight_[slot] = seg;
    sim_.schedule_after(kLatency, self_, 0, slot);
  }
  void handle(const sim::Event& e) override {
    const net::Segment seg = in_flight_[e.target];
    in_flight_.free(e.target);
    stacks_.find(seg.dst.address.value)->second->receive(seg);
  }

 private:
  sim::Simulator& sim_;
  sim::HandlerId self_;
  boost::unordered_flat_map<std::uint32_t, tcp::TcpStack*> stacks_;
  sim::SlotPool<net::Segment> in_flight_;
};

class Server final : public tcp::SocketOwner {
 public:
  explicit Server(tcp::TcpStack& stack) : stack_(stack) {
    const SocketId l = stack.socket(*this).socket;
    stack.bind(l, {net::Ipv4{0}, kServerPort});
    stack.listen(l, 4096);
  }
  void on_connected(SocketId, SocketError) override {}
  void on_acceptable(SocketId listener) override {
    while (stack_.accept(listener, *this).error == SocketError::kOk) {
    }
  }
  void on_peer_closed(SocketId s) override { stack_.close(s); }

 private:
  tcp::TcpStack& stack_;
};

// Opens `total` connections, one every `gap`, round robin over the destinations.
class Client final : public tcp::SocketOwner, public sim::EventHandler {
 public:
  Client(sim::Simulator& sim, tcp::TcpStack& stack, std::vector<net::Endpoint> destinations,
         std::uint64_t total, sim::Time gap)
      : sim_(sim),
        stack_(stack),
        destinations_(std::move(destinations)),
        total_(total),
        gap_(gap),
        self_(sim.add_handler(*this)) {
    sim.schedule(gap, self_, 0, 0);
  }
  void handle(const sim::Event&) override {
    close_shut_down(sim_.now() - sim::kMillisecond);
    const tcp::Opened o = stack_.socket(*this);
    if (o.error != SocketError::kOk ||
        stack_.connect(o.socket, destinations_[opened_ % destinations_.size()]) !=
            SocketError::kOk) {
      ++failed;
      if (o.error == SocketError::kOk) stack_.close(o.socket);
    }
    if (++opened_ < total_) sim_.schedule_after(gap_, self_, 0, 0);
  }
  void on_connected(SocketId s, SocketError e) override {
    if (e != SocketError::kOk) {
      ++failed;
      stack_.close(s);
    } else {
      stack_.shutdown_write(s);
      shut_down_.emplace_back(sim_.now(), s);
    }
  }
  // Closes the sockets shut down by `until`.
  void close_shut_down(sim::Time until) {
    while (!shut_down_.empty() && shut_down_.front().first <= until) {
      stack_.close(shut_down_.front().second);
      shut_down_.pop_front();
    }
  }
  std::uint64_t failed = 0;

 private:
  sim::Simulator& sim_;
  tcp::TcpStack& stack_;
  std::vector<net::Endpoint> destinations_;
  std::uint64_t total_;
  sim::Time gap_;
  sim::HandlerId self_;
  std::uint64_t opened_ = 0;
  std::deque<std::pair<sim::Time, SocketId>> shut_down_;
};

int run(std::uint64_t alive) {
  sim::Simulator sim;
  Wire wire(sim);
  tcp::KernelSettings settings = tcp::KernelSettings::linux_defaults();
  settings.tcp_max_tw_buckets = ~std::uint32_t{0};
  settings.nofile = 1U << 20U;

  const std::uint64_t destinations =
      (alive + kConnectionsPerDestination - 1) / kConnectionsPerDestination;
  std::vector<std::unique_ptr<tcp::TcpStack>> servers;
  std::vector<std::unique_ptr<Server>> server_apps;
  std::vector<net::Endpoint> endpoints;
  for (std::uint32_t s = 0; endpoints.size() < destinations; ++s) {
    std::vector<net::Ipv4> addresses;
    for (std::uint32_t a = 0; a < kAddressesPerServer && endpoints.size() < destinations; ++a) {
      addresses.push_back(net::Ipv4{(10U << 24U) | ((s + 1) << 8U) | (a + 1)});
      endpoints.push_back({addresses.back(), kServerPort});
    }
    servers.push_back(std::make_unique<tcp::TcpStack>(sim, settings, addresses, wire, 1, s + 1));
    for (net::Ipv4 a : addresses) wire.attach(a, *servers.back());
    server_apps.push_back(std::make_unique<Server>(*servers.back()));
  }
  const net::Ipv4 client_address{(192U << 24U) | (168U << 16U) | 1U};
  tcp::TcpStack client(sim, settings, {client_address}, wire, 1, 0);
  wire.attach(client_address, client);

  // Every connection opens within 50 s, before the first TIME_WAIT ends at 60 s.
  const sim::Time gap = std::max<sim::Time>(
      1, std::min<sim::Time>(sim::kMicrosecond / 2,
                             50 * sim::kSecond / static_cast<sim::Time>(alive)));
  Client app(sim, client, endpoints, alive, gap);
  const std::size_t heap_before = heap_bytes_in_use();
  const std::size_t rss_before = resident_bytes();
  sim.run_until(gap * static_cast<sim::Time>(alive + 1) + 10 * sim::kMillisecond);
  app.close_shut_down(sim.now());
  const std::size_t heap_after = heap_bytes_in_use();
  const std::size_t rss_after = resident_bytes();

  const std::uint32_t time_wait = client.count(tcp::TcpState::kTimeWait);
  const auto n = static_cast<double>(time_wait);
  std::printf("alive %u (asked %llu, failed %llu), %zu destinations\n", time_wait,
              static_cast<unsigned long long>(alive), static_cast<unsigned long long>(app.failed),
              endpoints.size());
  std::printf("heap bytes per TIME_WAIT %.1f\nresident bytes per TIME_WAIT %.1f\n",
              static_cast<double>(heap_after - heap_before) / n,
              static_cast<double>(rss_after - rss_before) / n);
  return time_wait == alive ? 0 : 1;
}

}  // namespace
}  // namespace tcpsim::bench

int main(int argc, char** argv) {
  CLI::App cli{"Heap bytes per TIME_WAIT record with millions alive on one host"};
  std::uint64_t alive = 10'000'000;
  cli.add_option("--alive", alive, "TIME_WAIT records to hold")
      ->check(CLI::Range(1ULL, 1ULL << 30U));
  CLI11_PARSE(cli, argc, argv);
  return tcpsim::bench::run(alive);
}
