// The text forms Linux uses for the port sysctls: ip_local_port_range ("32768 60999") and
// ip_local_reserved_ports ("8080,9000-9100"), read and written.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/tcp/kernel_settings.h"

namespace tcpsim::tcp {

// Two ports separated by whitespace, each in 1..65535; the order of the two is not checked
// (the row's checker does). On failure returns nullopt and stores a message in `error` if
// it is non-null.
std::optional<PortRange> parse_port_range(std::string_view text, std::string* error);
// "low high", one space between.
std::string format_port_range(PortRange range);

// Comma-separated ports ("8080") and ranges ("9000-9100"), each port in 1..65535; the empty
// string is the empty list. Same failure contract as parse_port_range.
std::optional<std::vector<PortRange>> parse_reserved_ports(std::string_view text,
                                                           std::string* error);
// The ranges in their order, a range of one port as the port alone.
std::string format_reserved_ports(const std::vector<PortRange>& ranges);

}  // namespace tcpsim::tcp
