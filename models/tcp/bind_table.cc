#include "models/tcp/bind_table.h"

#include <cassert>

namespace tcpsim::tcp {

std::uint8_t& BindTable::connect_slot(net::Ipv4 addr, std::uint16_t port) {
  assert(ephemeral_.contains(port));
  const auto offset = static_cast<std::uint16_t>(port - ephemeral_.low);
  auto a = std::find_if(dense_.begin(), dense_.end(),
                        [&](const Dense& d) { return d.address == addr.value; });
  if (a == dense_.end()) a = dense_.insert(dense_.end(), Dense{addr.value, {}, {}});
  if (!a->users.empty()) return a->users[offset];
  auto it = std::lower_bound(a->sparse.begin(), a->sparse.end(), offset);
  if (it != a->sparse.end() && it->offset == offset) return it->users;
  if (a->sparse.size() < kSparseMax) return a->sparse.insert(it, Held{offset, 0})->users;
  a->users.assign(ephemeral_.size(), 0);
  for (const Held& h : a->sparse) a->users[h.offset] = h.users;
  std::vector<Held>().swap(a->sparse);
  return a->users[offset];
}

void BindTable::unlist(net::Ipv4 addr, std::uint16_t port) {
  const auto offset = static_cast<std::uint16_t>(port - ephemeral_.low);
  for (auto& a : dense_) {
    if (a.address != addr.value || !a.users.empty()) continue;
    a.sparse.erase(std::lower_bound(a.sparse.begin(), a.sparse.end(), offset));
    return;
  }
}

void BindTable::add(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr) {
  if (hold == PortHold::kConnect) {
    std::uint8_t& users = connect_slot(addr, port);
    if (users == kSpilled) {
      ++overflow_[key(addr, port)];
    } else if (users == kSpilled - 1) {
      users = kSpilled;
      overflow_[key(addr, port)] = kSpilled;
    } else if (users++ == 0) {
      ++connect_ports_;
    }
    return;
  }
  BindBucket& b = buckets_[key(addr, port)];
  ++b.bind_users;
  if (!reuseaddr) ++b.non_reuse_users;
}

void BindTable::remove(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr) {
  ++removals_;
  if (hold == PortHold::kConnect) {
    std::uint8_t& users = connect_slot(addr, port);
    assert(users > 0);
    if (users == kSpilled) {
      auto it = overflow_.find(key(addr, port));
      if (--it->second == kSpilled - 1) {
        overflow_.erase(it);
        users = kSpilled - 1;
      }
    } else if (--users == 0) {
      --connect_ports_;
      unlist(addr, port);
    }
    return;
  }
  auto it = buckets_.find(key(addr, port));
  assert(it != buckets_.end() && it->second.bind_users > 0);
  --it->second.bind_users;
  if (!reuseaddr) {
    assert(it->second.non_reuse_users > 0);
    --it->second.non_reuse_users;
  }
  erase_if_unused(it);
}

void BindTable::add_listener(net::Ipv4 addr, std::uint16_t port) {
  ++buckets_[key(addr, port)].listeners;
}

void BindTable::remove_listener(net::Ipv4 addr, std::uint16_t port) {
  ++removals_;
  auto it = buckets_.find(key(addr, port));
  assert(it != buckets_.end() && it->second.listeners > 0);
  --it->second.listeners;
  erase_if_unused(it);
}

void BindTable::erase_if_unused(boost::unordered_flat_map<std::uint64_t, BindBucket>::iterator it) {
  if (it->second.bind_users == 0 && it->second.listeners == 0) buckets_.erase(it);
}

}  // namespace tcpsim::tcp
