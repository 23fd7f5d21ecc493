// Counts heap allocations while a pooled client and a server run in steady
// state: requests, pool waits and idle timers must not allocate per event.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "app_world.h"
#include "models/app/client_app.h"
#include "models/app/server_app.h"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// GCC pairs the inlined free() with the new-expressions of this file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*n*/) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace tcpsim::app {
namespace {

TEST(SteadyStateAllocationTest, PooledRequestsDoNotAllocate) {
  // 16 pre-warmed connections at 15 erlangs: requests queue often, wait
  // timers and idle timers start and stop all the time.
  testing::World w;
  ServerConfig s;
  s.listen = {{testing::server_address(0), 80}};
  s.service_time = sim::Distribution::exponential(0.010);
  ServerApp server(w.sim, w.server(), s, 5, 100);
  ASSERT_EQ(server.start(), tcp::SocketError::kOk);
  ClientConfig c;
  c.load = LoadModel::kOpenLoop;
  c.arrivals = ArrivalProcess::poisson(1500);
  c.destinations = {{testing::server_address(0), 80}};
  c.pool.kind = PoolKind::kBounded;
  c.pool.max_total = 16;
  c.pool.min_idle = 16;
  c.pool.idle_timeout = sim::kSecond;
  c.pool.wait_timeout = 200 * sim::kMillisecond;
  ClientApp client(w.sim, w.client(), c, 5, 1);
  client.start();
  // The event queue's radix buckets for the digit of 2^30 ns are each first
  // used (and allocated) in the first 2^36 ns (69 s); the window starts after.
  w.run_until(75 * sim::kSecond);
  const std::uint64_t before = g_allocations.load();
  const std::uint64_t done_before = client.counters().requests_completed;
  const std::uint64_t waited_before = client.pool().counters().waited;
  w.run_until(135 * sim::kSecond);
  const std::uint64_t allocations = g_allocations.load() - before;
  const std::uint64_t requests = client.counters().requests_completed - done_before;
  const std::uint64_t waited = client.pool().counters().waited - waited_before;
  std::printf("%llu allocations over %llu requests (%llu waited)\n",
              static_cast<unsigned long long>(allocations),
              static_cast<unsigned long long>(requests), static_cast<unsigned long long>(waited));
  EXPECT_GT(requests, 80000U);
  EXPECT_GT(waited, 10000U);
  // Only growth to a new peak (a longer queue than ever before) may allocate.
  EXPECT_LT(static_cast<double>(allocations), 1e-3 * static_cast<double>(requests));
}

}  // namespace
}  // namespace tcpsim::app
