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
  for (std::size_t state = 0; state < kFlowStateCount; ++state) {
    const sim::Time t = timeouts[state];
    if (t < 0) throw std::invalid_argument("flow table: negative timeout");
    std::size_t c = 0;
    while (c < lists_.size() && lists_[c]->duration() != t) ++c;
    if (c == lists_.size()) {
      lists_.push_back(std::make_unique<sim::FifoTimerList>(sim, t, *this, kListExpire));
      // A flow leaves most states soon after entering them: their places are reclaimed.
      lists_.back()->compact_with(*this);
    }
    class_of_[state] = static_cast<std::uint8_t>(c);
  }
}

std::optional<FlowTable::Hit> FlowTable::find(Endpoint src, Endpoint dst) const {
  const std::uint32_t key = key_of(FourTuple{src, dst});
  if (key == FlowKeyIndex::kNone) return std::nullopt;
  return hit_of(key);
}

// A freed entry's tuples are cleared (erase()), so a stale hint matches no segment.
std::optional<FlowTable::Hit> FlowTable::find_unhinted(Endpoint src, Endpoint dst,
                                                       std::uint32_t& hint) const {
  const std::uint32_t key = key_of(FourTuple{src, dst});
  if (key == FlowKeyIndex::kNone) {
    hint = 0;
    return std::nullopt;
  }
  hint = key + 1;
  return hit_of(key);
}

FlowTable::Index FlowTable::insert(const Segment& first, Endpoint reply_src, Endpoint reply_dst) {
  const Index index = entries_.allocate();
  Entry& e = entries_[index];
  e.track = flow_start(first);
  const FourTuple original{first.src, first.dst};
  const FourTuple reply{reply_src, reply_dst};
  e.original = StoredTuple(original);
  e.reply = StoredTuple(reply);
  e.note = 0;
  e.flipped = 0;
  const std::uint64_t reply_hash = table_hash(reply);
  keys_.prefetch(reply_hash);
  keys_.insert(table_hash(original), index << 1U);
  keys_.insert(reply_hash, (index << 1U) | 1U);
  const auto state = static_cast<std::size_t>(e.track.state);
  ++by_state_[state];
  e.deadline = sim_.now() + timeouts_[state];
  start_timer(index, e, class_of_[state]);
  return index;
}

void FlowTable::change_class(Index index, Entry& e, std::uint8_t timer_class) {
  stop_timer(e);
  start_timer(index, e, timer_class);
}

FlowStep FlowTable::update_special(Hit hit, Entry& e, FlowStep step) {
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
    case FlowStep::kIgnored:
    case FlowStep::kInvalid:
      if (!linux_rules_) refresh(hit.entry, e);
      break;
    case FlowStep::kTracked:  // update() took it
      break;
  }
  return step;
}

void FlowTable::start_timer(Index index, Entry& e, std::uint8_t timer_class) {
  e.timer_class = timer_class;
  e.queued = 0;
  e.timer = lists_[timer_class]->add(index, timer_class);
}

void FlowTable::stop_timer(Entry& e) {
  if (e.queued != 0) {
    e.queued = 0;  // its event finds the token gone
  } else {
    lists_[e.timer_class]->cancel(e.timer);
  }
}

void FlowTable::queue(Index index, Entry& e) {
  e.queued = 1;
  e.timer = ++tokens_;
  sim_.schedule(e.deadline, handler_, kExpire, index, e.timer);
}

void FlowTable::reserve(std::size_t flows) {
  entries_.reserve(flows);
  keys_.reserve(2 * flows);
}

void FlowTable::remove(Index entry) {
  Entry& e = entries_[entry];
  stop_timer(e);
  erase(entry, e);
}

void FlowTable::erase(Index index, Entry& e) {
  keys_.erase(table_hash(e.original.get()), index << 1U);
  keys_.erase(table_hash(e.reply.get()), (index << 1U) | 1U);
  --by_state_[static_cast<std::size_t>(e.track.state)];
  e.original = StoredTuple{};
  e.reply = StoredTuple{};
  entries_.free(index);
}

void FlowTable::handle(const sim::Event& event) {
  if (event.kind == kListExpire) prefetch_next(static_cast<std::uint8_t>(event.a));
  Entry& e = entries_[event.target];
  if (event.kind == kExpire && (e.queued == 0 || e.timer != event.a)) return;
  if (e.deadline > sim_.now()) {
    queue(event.target, e);
    return;
  }
  expire(event.target);
}

// Timers of a class fire in list order, often one per event: the entry after next is
// loaded two firings ahead, and the next one's keys and what the observer releases, one
// firing ahead; the observer hears of both.
void FlowTable::prefetch_next(std::uint8_t timer_class) {
  const sim::FifoTimerList& list = *lists_[timer_class];
  if (const std::uint32_t later = list.target_ahead(1); later < entries_.size()) {
    __builtin_prefetch(&entries_[later]);
    if (observer_ != nullptr) observer_->flow_expiring_later(later);
  }
  const std::uint32_t next = list.target_ahead(0);
  if (next >= entries_.size()) return;
  prefetch_keys(entries_[next]);
  if (observer_ != nullptr) observer_->flow_expiring(next);
}

// The entry's timer has fired: nothing to stop. Its keys' buckets load while the observer
// releases what the flow held.
void FlowTable::expire(Index index) {
  Entry& e = entries_[index];
  prefetch_keys(e);
  if (observer_ != nullptr) observer_->flow_removed(index);
  e.queued = 0;
  erase(index, e);
}

}  // namespace tcpsim::net
