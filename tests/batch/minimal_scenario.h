// The smallest scenario the batch tests sweep: one client host, one server host, Poisson
// requests; six lines, each ending in a newline.
#pragma once

namespace tcpsim::batch::test_support {

inline constexpr const char* kMinimalScenario = R"(seed: 3
duration: "10s"
groups { name: "c" count: 1 address_base: "10.0.0.1" }
groups { name: "s" count: 1 address_base: "10.0.1.1" }
servers { group: "s" ports: 80 }
clients { group: "c" target_group: "s" target_ports: 80 load { poisson { rate: 10 } } }
)";

}  // namespace tcpsim::batch::test_support
