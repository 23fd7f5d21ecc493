// Hold-model benchmarks of the pending-event set: at a steady population of
// `pending` events, each operation pops the earliest and pushes it back later.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <vector>

#include "sim/event_queue.h"
#include "sim/simulator.h"

namespace tcpsim::sim {
namespace {

constexpr Time kMeanIncrement = kMillisecond;
constexpr std::size_t kIncrements = 1 << 16;

// Exponential increments, drawn once so that the benchmark measures the queue.
const std::vector<Time>& increments() {
  static const std::vector<Time> table = [] {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<Time> t(kIncrements);
    for (auto& x : t) {
      x = static_cast<Time>(-std::log1p(-u(rng)) * static_cast<double>(kMeanIncrement));
    }
    return t;
  }();
  return table;
}

template <typename Queue>
struct HoldState {
  Queue queue;
  std::uint64_t seq = 0;
  std::size_t next = 0;
};

struct LaterFirst {
  bool operator()(const Event& x, const Event& y) const {
    return x.time != y.time ? x.time > y.time : x.seq > y.seq;
  }
};
using StdQueue = std::priority_queue<Event, std::vector<Event>, LaterFirst>;

void push(EventQueue& q, const Event& e) { q.push(e); }
void push(StdQueue& q, const Event& e) { q.push(e); }
Event pop(EventQueue& q) {
  Event e;
  q.pop(e);
  return e;
}
Event pop(StdQueue& q) {
  Event e = q.top();
  q.pop();
  return e;
}

// One filled queue per size, kept across the benchmark's repeated invocations.
template <typename Queue>
HoldState<Queue>& hold_state(std::size_t pending) {
  static std::map<std::size_t, std::unique_ptr<HoldState<Queue>>> states;
  auto& slot = states[pending];
  if (!slot) {
    slot = std::make_unique<HoldState<Queue>>();
    const auto& inc = increments();
    for (std::size_t i = 0; i < pending; ++i) {
      Event e;
      e.time = inc[i % kIncrements] * static_cast<Time>(1 + (i / kIncrements) % 7);
      e.seq = slot->seq++;
      e.target = static_cast<std::uint32_t>(i);
      push(slot->queue, e);
    }
  }
  return *slot;
}

template <typename Queue>
void run_hold(benchmark::State& state) {
  auto& s = hold_state<Queue>(static_cast<std::size_t>(state.range(0)));
  const auto& inc = increments();
  for (auto _ : state) {
    Event e = pop(s.queue);
    e.time += inc[s.next++ & (kIncrements - 1)];
    e.seq = s.seq++;
    push(s.queue, e);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_Hold(benchmark::State& state) { run_hold<EventQueue>(state); }
void BM_HoldStdPriorityQueue(benchmark::State& state) { run_hold<StdQueue>(state); }

BENCHMARK(BM_Hold)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Arg(10'000'000);
BENCHMARK(BM_HoldStdPriorityQueue)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Arg(10'000'000);

// Every event cancels and re-arms one other timer and re-arms its own: the
// lazy-cancellation path under a steady population of 10,000 armed timers.
// The model stops the run after each batch of events.
class CancelRearm final : public EventHandler {
 public:
  static constexpr std::uint32_t kBatch = 10'000;

  explicit CancelRearm(std::uint32_t timers) : self_(sim_.add_handler(*this)) {
    for (std::uint32_t i = 0; i < timers; ++i) {
      ids_.push_back(sim_.create_timer());
      sim_.arm(ids_.back(), increments()[i], self_, 0, i);
    }
  }
  void handle(const Event& e) override {
    const auto& inc = increments();
    ++n_;
    const auto other = static_cast<std::uint32_t>((e.target * 7919ULL + n_) % ids_.size());
    sim_.cancel(ids_[other]);
    sim_.arm(ids_[other], sim_.now() + inc[n_ & (kIncrements - 1)], self_, 0, other);
    sim_.arm(ids_[e.target], sim_.now() + inc[(n_ * 31U) & (kIncrements - 1)], self_, 0, e.target);
    if (n_ % kBatch == 0) sim_.request_stop();
  }
  Simulator& sim() { return sim_; }

 private:
  Simulator sim_;
  HandlerId self_;
  std::vector<TimerId> ids_;
  std::uint64_t n_ = 0;
};

void BM_CancelRearm(benchmark::State& state) {
  CancelRearm model(10'000);
  for (auto _ : state) model.sim().run();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * CancelRearm::kBatch);
}
BENCHMARK(BM_CancelRearm);

}  // namespace
}  // namespace tcpsim::sim

BENCHMARK_MAIN();
