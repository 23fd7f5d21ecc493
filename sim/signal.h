// A list of subscribers a model tells of its events (SimGrid's on_* signals):
// any number connect, and emitting with none connected costs one branch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace tcpsim::sim {

// Subscribers are called in the order they connected. One connected while the
// signal is being emitted hears the next emission; one disconnected while it
// is being emitted is not called again.
template <class... Args>
class Signal {
 public:
  using Subscriber = std::function<void(Args...)>;
  using Connection = std::uint32_t;

  Signal() = default;
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

  Connection connect(Subscriber subscriber) {
    subscribers_.push_back(std::make_unique<Entry>(std::move(subscriber), true));
    ++live_;
    return static_cast<Connection>(subscribers_.size() - 1);
  }
  void disconnect(Connection c) {
    if (c >= subscribers_.size() || !subscribers_[c]->connected) return;
    subscribers_[c]->connected = false;
    if (!emitting_) subscribers_[c]->call = nullptr;  // else it may be the one running
    --live_;
  }
  [[nodiscard]] bool empty() const { return live_ == 0; }
  [[nodiscard]] std::size_t size() const { return live_; }

  void operator()(Args... args) const {
    if (live_ == 0) [[likely]]
      return;
    emit(args...);
  }

 private:
  struct Entry {
    Subscriber call;
    bool connected;
  };

  [[gnu::noinline]] void emit(Args... args) const {
    struct Emitting {
      bool& flag;
      bool outer = !flag;
      ~Emitting() {
        if (outer) flag = false;
      }
    } guard{emitting_};
    emitting_ = true;
    const std::size_t n = subscribers_.size();
    for (std::size_t i = 0; i < n; ++i) {
      const Entry& e = *subscribers_[i];
      if (e.connected) e.call(args...);
    }
  }

  // Entries stay put when a subscriber connects another from inside a call.
  std::vector<std::unique_ptr<Entry>> subscribers_;
  std::uint32_t live_ = 0;
  mutable bool emitting_ = false;
};

}  // namespace tcpsim::sim
