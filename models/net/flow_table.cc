#include "models/net/flow_table.h"

#include <stdexcept>

namespace tcpsim::net {

FlowTable::FlowTable(sim::Simulator& sim, const Timeouts& timeouts, bool linux_rules,
                     Observer* observer)
    : sim_(sim),
      timeouts_(timeouts),
      linux_rules_(linux_rules),
      observer_(observer),
      handler_(sim.add_handler(*this)),
      keys_(0, KeyHash{this}, KeyEqual{this}) {
  for (const sim::Time t : timeouts) {
    if (t < 0) throw std::invalid_argument("flow table: negative timeout");
  }
}

std::optional<FlowTable::Hit> FlowTable::find(Endpoint src, Endpoint dst) const {
  const auto it = keys_.find(FourTuple{src, dst});
  if (it == keys_.end()) return std::nullopt;
  const Index entry = *it >> 1U;
  const auto direction = static_cast<FlowDirection>((*it ^ entries_[entry].flipped) & 1U);
  return Hit{entry, direction};
}

FlowTable::Index FlowTable::insert(const Segment& first, Endpoint reply_src, Endpoint reply_dst) {
  const Index index = entries_.allocate();
  if (index >= generations_.size()) generations_.push_back(0);
  Entry& e = entries_[index];
  e.track = flow_start(first);
  e.original = FourTuple{first.src, first.dst};
  e.reply = FourTuple{reply_src, reply_dst};
  e.flipped = 0;
  keys_.insert(index << 1U);
  keys_.insert((index << 1U) | 1U);
  ++by_state_[static_cast<std::size_t>(e.track.state)];
  e.deadline = sim_.now() + timeouts_[static_cast<std::size_t>(e.track.state)];
  queue(index, e);
  return index;
}

FlowStep FlowTable::update(Hit hit, const Segment& segment) {
  Entry& e = entries_[hit.entry];
  const FlowState before = e.track.state;
  const FlowStep step = flow_step(e.track, hit.direction, segment);
  if (e.track.state != before) {
    --by_state_[static_cast<std::size_t>(before)];
    ++by_state_[static_cast<std::size_t>(e.track.state)];
  }
  switch (step) {
    case FlowStep::kRemoved:
      if (linux_rules_) {
        if (observer_ != nullptr) observer_->flow_removed(hit.entry);
        remove(hit.entry);
        return step;
      }
      refresh(hit.entry, e);
      break;
    case FlowStep::kReopened:
      if (hit.direction == FlowDirection::kReply) e.flipped ^= 1U;
      refresh(hit.entry, e);
      break;
    case FlowStep::kTracked:
      refresh(hit.entry, e);
      break;
    case FlowStep::kIgnored:
    case FlowStep::kInvalid:
      if (!linux_rules_) refresh(hit.entry, e);
      break;
  }
  return step;
}

void FlowTable::refresh(Index index, Entry& e) {
  e.deadline = sim_.now() + timeouts_[static_cast<std::size_t>(e.track.state)];
  if (e.deadline < e.queued_at) [[unlikely]] {
    ++generations_[index];
    queue(index, e);
  }
}

void FlowTable::queue(Index index, Entry& e) {
  e.queued_at = e.deadline;
  sim_.schedule(e.deadline, handler_, kExpire, index, generations_[index]);
}

void FlowTable::remove(Index entry) {
  Entry& e = entries_[entry];
  ++generations_[entry];
  keys_.erase(entry << 1U);
  keys_.erase((entry << 1U) | 1U);
  --by_state_[static_cast<std::size_t>(e.track.state)];
  entries_.free(entry);
}

void FlowTable::handle(const sim::Event& event) {
  if (event.a != generations_[event.target]) return;
  Entry& e = entries_[event.target];
  if (e.deadline > sim_.now()) {
    queue(event.target, e);
    return;
  }
  if (observer_ != nullptr) observer_->flow_removed(event.target);
  remove(event.target);
}

}  // namespace tcpsim::net
