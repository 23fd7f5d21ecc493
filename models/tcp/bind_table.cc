#include "models/tcp/bind_table.h"

#include <cassert>

namespace tcpsim::tcp {

BindTable::Address& BindTable::address(net::Ipv4 addr) {
  auto a = std::find_if(connect_.begin(), connect_.end(),
                        [&](const Address& d) { return d.address == addr.value; });
  if (a == connect_.end()) a = connect_.insert(connect_.end(), Address{addr.value, {}, {}});
  return *a;
}

void BindTable::to_bitmap(Address& a) {
  a.bits = std::make_unique<std::uint64_t[]>(words(ephemeral_.size()));
  a.set.for_each([&](std::uint16_t offset) { a.flip(offset); });
  a.set = PortOffsetSet();
}

void BindTable::add_connect(net::Ipv4 addr, std::uint16_t port) {
  assert(ephemeral_.contains(port));
  const auto offset = static_cast<std::uint16_t>(port - ephemeral_.low);
  Address& a = address(addr);
  if (a.bits) {
    if (!a.test(offset)) {
      ++connect_ports_;
      a.flip(offset);
      return;
    }
  } else if (a.set.size() < PortOffsetSet::max_size(a.set.capacity())) {
    if (a.set.insert(offset)) {
      ++connect_ports_;
      return;
    }
  } else if (!a.set.contains(offset)) {  // full: it grows, or its ports move to the bitmap
    ++connect_ports_;
    const std::size_t range = ephemeral_.size();
    if (a.set.size() < max_in_set(range)) {
      a.set.rehash(set_capacity(range, a.set.size() + 1));
      a.set.insert(offset);
    } else {
      to_bitmap(a);
      a.flip(offset);
    }
    return;
  }
  ++shared_.try_emplace(key(addr, port), 1).first->second;  // held already
}

void BindTable::remove_connect(net::Ipv4 addr, std::uint16_t port) {
  assert(ephemeral_.contains(port));
  const auto offset = static_cast<std::uint16_t>(port - ephemeral_.low);
  Address& a = address(addr);
  assert(a.test(offset));
  if (!shared_.empty()) {
    const auto it = shared_.find(key(addr, port));
    if (it != shared_.end()) {
      if (--it->second == 1) shared_.erase(it);
      return;
    }
  }
  --connect_ports_;
  if (a.bits) {
    a.flip(offset);
  } else {
    a.set.erase(offset);
  }
}

void BindTable::add(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr) {
  if (hold == PortHold::kConnect) {
    add_connect(addr, port);
    return;
  }
  BindBucket& b = buckets_[key(addr, port)];
  ++b.bind_users;
  if (!reuseaddr) ++b.non_reuse_users;
}

void BindTable::remove(net::Ipv4 addr, std::uint16_t port, PortHold hold, bool reuseaddr) {
  ++removals_;
  if (hold == PortHold::kConnect) {
    remove_connect(addr, port);
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
