// Short connections churned end to end through the TCP stacks and the network:
// every lifecycle is connect, a 100-byte request, a 100-byte response and a
// close by the client, each segment a kernel event.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <malloc.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "models/net/network.h"
#include "models/net/topology.h"
#include "models/tcp/host_stack.h"
#include "sim/random_stream.h"
#include "sim/simulator.h"

namespace tcpsim::bench {
namespace {

using tcp::SocketError;
using tcp::SocketId;

constexpr std::uint32_t kMessageBytes = 100;
constexpr std::uint16_t kServerPort = 80;

// Heap bytes the process holds (glibc's count over all arenas). Unlike the resident set, it
// falls when memory is freed, so a benchmark run after a larger one measures its own growth.
std::size_t heap_bytes_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

net::Ipv4 client_address(std::uint32_t i) {
  return net::Ipv4{(10U << 24U) | (1U << 16U) | (i + 1)};
}
const net::Ipv4 kServerAddress{(10U << 24U) | 1U};

class Server final : public tcp::SocketOwner {
 public:
  explicit Server(tcp::TcpStack& stack) : stack_(stack) {
    const SocketId l = stack.socket(*this).socket;
    stack.bind(l, {kServerAddress, kServerPort});
    stack.listen(l, 4096);
  }
  void on_connected(SocketId, SocketError) override {}
  void on_acceptable(SocketId listener) override {
    while (stack_.accept(listener, *this).error == SocketError::kOk) {
    }
  }
  void on_data(SocketId s, std::uint32_t) override { stack_.send(s, kMessageBytes); }
  void on_peer_closed(SocketId s) override { stack_.close(s); }

 private:
  tcp::TcpStack& stack_;
};

// Poisson arrivals of new connections from one client host.
class Client final : public tcp::SocketOwner, public sim::EventHandler {
 public:
  Client(sim::Simulator& sim, tcp::TcpStack& stack, double rate, std::uint64_t seed,
         std::uint32_t id)
      : sim_(sim), stack_(stack), mean_gap_ns_(1e9 / rate), rng_(seed, id) {
    self_ = sim.add_handler(*this);
    sim.schedule(next_gap(), self_, 0, 0);
  }
  void handle(const sim::Event&) override {
    const tcp::Opened o = stack_.socket(*this);
    if (o.error == SocketError::kOk) {
      if (stack_.connect(o.socket, {kServerAddress, kServerPort}) != SocketError::kOk) {
        ++failed;
        stack_.close(o.socket);
      }
    } else {
      ++failed;
    }
    sim_.schedule_after(next_gap(), self_, 0, 0);
  }
  void on_connected(SocketId s, SocketError e) override {
    if (e != SocketError::kOk) {
      ++failed;
      stack_.close(s);
      return;
    }
    stack_.send(s, kMessageBytes);
  }
  void on_data(SocketId s, std::uint32_t) override {
    stack_.close(s);
    ++completed;
  }
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;

 private:
  sim::Time next_gap() { return static_cast<sim::Time>(rng_.exponential(mean_gap_ns_)) + 1; }
  sim::Simulator& sim_;
  tcp::TcpStack& stack_;
  double mean_gap_ns_;
  sim::RandomStream rng_;
  sim::HandlerId self_ = 0;
};

struct World {
  World(std::uint32_t clients, double total_rate, int tw_reuse = 2) {
    const net::NodeId sw = topology.add_switch("sw");
    const net::NodeId server_node = topology.add_host("server", {kServerAddress});
    topology.add_link(server_node, sw, {25 * sim::kMicrosecond, 0, 0, 0});
    for (std::uint32_t i = 0; i < clients; ++i) {
      const net::NodeId n = topology.add_host(fmt::format("c{}", i), {client_address(i)});
      topology.add_link(n, sw, {25 * sim::kMicrosecond, 0, 0, 0});
    }
    network = std::make_unique<net::Network>(sim, topology, net::NetworkOptions{1});
    tcp::KernelSettings settings = tcp::KernelSettings::linux_defaults();
    settings.tcp_max_tw_buckets = 1U << 24U;
    settings.nofile = 1U << 20U;
    settings.tcp_tw_reuse = tw_reuse;
    server_host = std::make_unique<tcp::HostStack>(sim, *network, settings,
                                                   std::vector<net::Ipv4>{kServerAddress}, 1, 0);
    server = std::make_unique<Server>(server_host->stack());
    for (std::uint32_t i = 0; i < clients; ++i) {
      hosts.push_back(std::make_unique<tcp::HostStack>(
          sim, *network, settings, std::vector<net::Ipv4>{client_address(i)}, 1, i + 1));
      apps.push_back(
          std::make_unique<Client>(sim, hosts.back()->stack(), total_rate / clients, 1, i));
    }
  }
  std::uint64_t completed() const {
    std::uint64_t n = 0;
    for (const auto& a : apps) n += a->completed;
    return n;
  }
  std::uint64_t failed() const {
    std::uint64_t n = 0;
    for (const auto& a : apps) n += a->failed;
    return n;
  }
  std::uint64_t time_wait() const {
    std::uint64_t n = 0;
    for (const auto& h : hosts) n += h->stack().count(tcp::TcpState::kTimeWait);
    return n;
  }

  sim::Simulator sim;
  net::Topology topology;
  std::unique_ptr<net::Network> network;
  std::unique_ptr<tcp::HostStack> server_host;
  std::unique_ptr<Server> server;
  std::vector<std::unique_ptr<tcp::HostStack>> hosts;
  std::vector<std::unique_ptr<Client>> apps;
};

// 100 client hosts at 20,000 connections/s in all: after 60 s of simulated
// time 1.2 million TIME_WAIT records are alive on the clients.
void BM_ConnectionChurn(benchmark::State& state) {
  const sim::Time duration = state.range(0) * sim::kSecond;
  std::uint64_t lifecycles = 0;
  double bytes_per_tw = 0;
  std::uint64_t tw_alive = 0;
  std::uint64_t failed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto world = std::make_unique<World>(100, 20000.0);
    const std::size_t heap_before = heap_bytes_in_use();
    state.ResumeTiming();
    world->sim.run_until(duration);
    state.PauseTiming();
    tw_alive = world->time_wait();
    bytes_per_tw = tw_alive == 0 ? 0.0
                                 : static_cast<double>(heap_bytes_in_use() - heap_before) /
                                       static_cast<double>(tw_alive);
    lifecycles += world->completed();
    failed += world->failed();
    world.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(lifecycles));
  state.counters["bytes_per_time_wait"] = bytes_per_tw;
  state.counters["time_wait_alive"] = static_cast<double>(tw_alive);
  state.counters["failed"] = static_cast<double>(failed);
  state.counters["lifecycles"] = static_cast<double>(lifecycles);
}
BENCHMARK(BM_ConnectionChurn)->Arg(70)->Arg(10)->Unit(benchmark::kMillisecond)->Iterations(1);

// One client host at 20,000 connections/s to one server port, with tcp_tw_reuse 0 or 1, for
// `ms` of simulated time. Its 28,232 ports last 1.4 s without reuse: in the first 1.3 s both
// settings complete the same lifecycles, but with reuse on connect() must look past TIME_WAITs
// younger than tcp_tw_reuse_delay (the even ports fill at 0.7 s); items_per_second compares them.
// Longer runs with reuse on show its steady state (a TIME_WAIT reused for every connect).
void BM_OneHostChurn(benchmark::State& state) {
  const int reuse = static_cast<int>(state.range(0));
  const sim::Time duration = state.range(1) * sim::kMillisecond;
  std::uint64_t lifecycles = 0;
  std::uint64_t failed = 0;
  std::uint64_t recycled = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto world = std::make_unique<World>(1, 20000.0, reuse);
    state.ResumeTiming();
    world->sim.run_until(duration);
    state.PauseTiming();
    lifecycles += world->completed();
    failed += world->failed();
    recycled += world->hosts[0]->stack().counters().tw_recycled;
    world.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(lifecycles));
  state.counters["failed"] = static_cast<double>(failed);
  state.counters["lifecycles"] = static_cast<double>(lifecycles);
  state.counters["tw_recycled"] = static_cast<double>(recycled);
}
BENCHMARK(BM_OneHostChurn)
    ->ArgNames({"reuse", "ms"})
    ->Args({0, 1300})
    ->Args({1, 1300})
    ->Args({1, 10000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace tcpsim::bench

BENCHMARK_MAIN();
