#include "models/tcp/bind_table.h"

#include <cassert>

namespace tcpsim::tcp {

void BindTable::add(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr) {
  BindBucket& b = buckets_[key(addr, port)];
  (hold == PortHold::kConnect ? b.connect_users : b.bind_users) += 1;
  if (!reuseaddr) ++b.non_reuse_users;
}

void BindTable::remove(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr) {
  auto it = buckets_.find(key(addr, port));
  assert(it != buckets_.end());
  BindBucket& b = it->second;
  std::uint32_t& users = hold == PortHold::kConnect ? b.connect_users : b.bind_users;
  assert(users > 0);
  --users;
  if (!reuseaddr) {
    assert(b.non_reuse_users > 0);
    --b.non_reuse_users;
  }
  if (b.users() == 0 && b.listeners == 0) buckets_.erase(it);
}

void BindTable::add_listener(net::Ipv4 addr, std::uint16_t port) {
  ++buckets_[key(addr, port)].listeners;
}

void BindTable::remove_listener(net::Ipv4 addr, std::uint16_t port) {
  auto it = buckets_.find(key(addr, port));
  assert(it != buckets_.end() && it->second.listeners > 0);
  --it->second.listeners;
  if (it->second.users() == 0 && it->second.listeners == 0) buckets_.erase(it);
}

}  // namespace tcpsim::tcp
