// What validation derives for one host group and the world builder needs as is: the kernel
// settings its hosts run with and every host's addresses.
#pragma once

#include <string>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/kernel_settings.h"

namespace tcpsim::scenarios {

struct ResolvedGroup {
  std::string name;
  // The preset with the group's overrides applied.
  tcp::KernelSettings kernel;
  // host_addresses[i]: the addresses of host i, addresses_per_host of them.
  std::vector<std::vector<net::Ipv4>> host_addresses;
};

}  // namespace tcpsim::scenarios
