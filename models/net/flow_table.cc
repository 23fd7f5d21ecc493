#include "models/net/flow_table.h"

#include <stdexcept>

namespace tcpsim::net {

FlowTable::FlowTable(sim::Simulator& sim, const Timeouts& timeouts, bool linux_rules,
                     Observer* observer)
    : sim_(sim),
      timeouts_(timeouts),
      linux_rules_(linux_rules),
      observer_(observer),
      handler_(sim.add_handler(*this)) {
  for (const sim::Time t : timeouts) {
    if (t < 0) throw std::invalid_argument("flow table: negative timeout");
  }
}

std::optional<FlowTable::Hit> FlowTable::find(Endpoint src, Endpoint dst) const {
  const auto it = keys_.find(FourTuple{src, dst});
  if (it == keys_.end()) return std::nullopt;
  const Index entry = it->second >> 1U;
  const auto direction = static_cast<FlowDirection>((it->second ^ entries_[entry].flipped) & 1U);
  return Hit{entry, direction};
}

FlowTable::Index FlowTable::insert(const Segment& first, Endpoint reply_src, Endpoint reply_dst) {
  const bool fresh = entries_.next() == entries_.size();
  const Index index = entries_.allocate();
  Entry& e = entries_[index];
  if (fresh) e.timer = sim_.create_timer();
  e.track = flow_start(first);
  e.original = FourTuple{first.src, first.dst};
  e.reply = FourTuple{reply_src, reply_dst};
  e.flipped = 0;
  keys_.emplace(e.original, index << 1U);
  keys_.emplace(e.reply, (index << 1U) | 1U);
  ++by_state_[static_cast<std::size_t>(e.track.state)];
  arm(index);
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
      arm(hit.entry);
      break;
    case FlowStep::kReopened:
      if (hit.direction == FlowDirection::kReply) e.flipped ^= 1U;
      arm(hit.entry);
      break;
    case FlowStep::kTracked:
      arm(hit.entry);
      break;
    case FlowStep::kIgnored:
    case FlowStep::kInvalid:
      if (!linux_rules_) arm(hit.entry);
      break;
  }
  return step;
}

void FlowTable::arm(Index entry) {
  const Entry& e = entries_[entry];
  sim_.arm(e.timer, sim_.now() + timeouts_[static_cast<std::size_t>(e.track.state)], handler_,
           kExpire, entry);
}

void FlowTable::remove(Index entry) {
  Entry& e = entries_[entry];
  sim_.cancel(e.timer);
  keys_.erase(e.original);
  keys_.erase(e.reply);
  --by_state_[static_cast<std::size_t>(e.track.state)];
  entries_.free(entry);
}

void FlowTable::handle(const sim::Event& event) {
  if (observer_ != nullptr) observer_->flow_removed(event.target);
  remove(event.target);
}

}  // namespace tcpsim::net
