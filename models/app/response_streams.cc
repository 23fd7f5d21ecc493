#include "models/app/response_streams.h"

#include <cassert>

namespace tcpsim::app {

void ResponseStreams::open(std::uint64_t connection) { queues_.try_emplace(connection); }

void ResponseStreams::close(std::uint64_t connection) {
  const auto it = queues_.find(connection);
  if (it == queues_.end()) return;
  for (std::uint32_t n = it->second.head; n != kNone;) {
    const std::uint32_t next = nodes_[n].next;
    nodes_.free(n);
    n = next;
  }
  queues_.erase(it);
}

void ResponseStreams::record(std::uint64_t connection, std::uint32_t stream) {
  const auto it = queues_.find(connection);
  assert(it != queues_.end());
  const std::uint32_t n = nodes_.allocate();
  nodes_[n] = {stream, kNone};
  Queue& q = it->second;
  if (q.tail == kNone) {
    q.head = n;
  } else {
    nodes_[q.tail].next = n;
  }
  q.tail = n;
}

std::uint32_t ResponseStreams::front(std::uint64_t connection) const {
  const auto it = queues_.find(connection);
  if (it == queues_.end() || it->second.head == kNone) return kNone;
  return nodes_[it->second.head].stream;
}

void ResponseStreams::pop(std::uint64_t connection) {
  const auto it = queues_.find(connection);
  if (it == queues_.end() || it->second.head == kNone) return;
  Queue& q = it->second;
  const std::uint32_t n = q.head;
  q.head = nodes_[n].next;
  if (q.head == kNone) q.tail = kNone;
  nodes_.free(n);
}

}  // namespace tcpsim::app
