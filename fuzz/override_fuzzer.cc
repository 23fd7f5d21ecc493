// `--set PATH=VALUE` on a scenario with a field of every kind set: the override parser, then
// the validator over what it made.
#include <google/protobuf/text_format.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "fuzz/fuzz_input.h"
#include "scenarios/overrides.h"
#include "scenarios/scenario.pb.h"
#include "scenarios/scenario_resolver.h"

namespace {

constexpr const char* kBase = R"pb(
  name: "base"
  seed: 1
  duration: "10s"
  metrics_interval: "1s"
  groups {
    name: "clients"
    count: 2
    address_base: "10.1.0.1/24"
    kernel { preset: "linux" }
  }
  groups {
    name: "backend"
    count: 1
    address_base: "10.2.0.1"
    kernel { somaxconn: 4096 }
  }
  topology {
    switches { name: "tor" }
    links { from: "clients" to: "tor" latency: "50us" bandwidth: "10Gbit" }
    links { from: "backend" to: "tor" latency: "50us" }
  }
  servers {
    name: "http"
    group: "backend"
    ports: 80
    backlog: 128
    service_time { exponential { mean: "2ms" } }
    close_first: CLIENT
  }
  clients {
    name: "c"
    group: "clients"
    target_group: "backend"
    target_ports: 80
    load { poisson { rate: 100 } }
    request_size { constant { value: 256 } }
    pool { keep_alive { idle_timeout: "90s" } }
    close { closer: CLIENT }
  }
)pb";

const tcpsim::scenario::Scenario& base() {
  static const tcpsim::scenario::Scenario scenario = [] {
    tcpsim::scenario::Scenario s;
    if (!google::protobuf::TextFormat::ParseFromString(kBase, &s)) std::abort();
    return s;
  }();
  return scenario;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcpsim;
  const std::string assignment(fuzz::text(data, size));
  if (fuzz::names_outside_files(assignment)) return -1;
  scenario::Scenario s = base();
  try {
    scenarios::apply_override(s, assignment);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  static_cast<void>(scenarios::resolve_scenario(s, fuzz::scratch_folder()));
  return 0;
}
