#include "cli/socket_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "models/net/address.h"
#include "models/tcp/tcp_stack.h"
#include "sim/duration.h"

namespace tcpsim::cli {
namespace {

using tcp::TcpState;

std::string_view timer_name(std::uint8_t timer) {
  switch (static_cast<tcp::SocketTimer>(timer)) {
    case tcp::SocketTimer::kRetransmit:
      return "on";
    case tcp::SocketTimer::kKeepalive:
      return "keepalive";
    case tcp::SocketTimer::kTimeWait:
      return "timewait";
    default:
      return "unknown";
  }
}

struct Cells {
  std::string_view state;
  std::string recv_q;
  std::string send_q;
  std::string local_address;
  std::string local_port;
  std::string peer_address;
  std::string peer_port;
  std::string timer;
};

Cells cells_of(const metrics::SocketRow& row) {
  Cells c;
  c.state = tcp::ss_name(row.state);
  c.recv_q = std::to_string(row.recv_q);
  c.send_q = std::to_string(row.send_q);
  c.local_address = net::to_string(row.tuple.local.address);
  c.local_port = std::to_string(row.tuple.local.port);
  const bool listen = row.state == TcpState::kListen;
  c.peer_address = listen ? std::string(1, '*') : net::to_string(row.tuple.remote.address);
  c.peer_port = listen ? std::string(1, '*') : std::to_string(row.tuple.remote.port);
  if (row.timer_left >= 0) {
    c.timer = fmt::format("timer:({},{},{})", timer_name(row.timer), ss_timer_text(row.timer_left),
                          row.retransmits);
  }
  return c;
}

}  // namespace

std::optional<scenarios::SocketTableRequest> parse_socket_table_request(std::string_view text,
                                                                        std::string* error,
                                                                        std::string_view option) {
  const std::size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) {
    if (error != nullptr) {
      *error = fmt::format("{} '{}': expected HOST@TIME, e.g. clients-0@30s", option, text);
    }
    return std::nullopt;
  }
  std::string why;
  const std::optional<sim::Time> time = sim::parse_duration(text.substr(at + 1), &why);
  if (!time) {
    if (error != nullptr) *error = fmt::format("{} '{}': {}", option, text, why);
    return std::nullopt;
  }
  return scenarios::SocketTableRequest{std::string(text.substr(0, at)), *time};
}

std::string ss_timer_text(sim::Time left) {
  const auto timeout = static_cast<std::uint64_t>(std::max<sim::Time>(left, 0) / sim::kMillisecond);
  if (timeout == 0) return "0ms";
  std::uint64_t secs = timeout / 1000;
  const std::uint64_t minutes = secs / 60;
  secs %= 60;
  std::uint64_t msecs = timeout % 1000;
  std::string out;
  if (minutes != 0) {
    msecs = 0;
    out += fmt::format("{}min", minutes);
    if (minutes > 9) secs = 0;
  }
  if (secs != 0) {
    if (secs > 9) msecs = 0;
    out += fmt::format("{}{}", secs, msecs != 0 ? "." : "sec");
  }
  if (msecs != 0) out += fmt::format("{:03}ms", msecs);
  return out;
}

SocketTotals socket_totals(const metrics::SocketTable& table) {
  SocketTotals t;
  for (const metrics::SocketRow& r : table.rows) {
    ++t.total;
    switch (r.state) {
      case TcpState::kEstablished:
      case TcpState::kCloseWait:
        ++t.estab;
        break;
      case TcpState::kClosed:
        ++t.closed;
        break;
      case TcpState::kFinWait1:
      case TcpState::kFinWait2:
      case TcpState::kClosing:
      case TcpState::kLastAck:
        if (!r.has_fd) ++t.orphaned;
        break;
      case TcpState::kTimeWait:
        ++t.timewait;
        break;
      default:
        break;
    }
  }
  return t;
}

std::string socket_table(const metrics::SocketTable& table) {
  const SocketTotals totals = socket_totals(table);
  std::string out =
      fmt::format("sockets of {} at {}\n", table.host, sim::format_duration(table.time));
  out += fmt::format("TCP: {} (estab {}, closed {}, orphaned {}, timewait {})\n\n", totals.total,
                     totals.estab, totals.closed, totals.orphaned, totals.timewait);

  std::vector<const metrics::SocketRow*> order;
  order.reserve(table.rows.size());
  for (const auto& r : table.rows) order.push_back(&r);
  std::stable_partition(order.begin(), order.end(),
                        [](const metrics::SocketRow* r) { return r->state == TcpState::kListen; });
  std::vector<Cells> cells;
  cells.reserve(order.size());
  for (const metrics::SocketRow* r : order) cells.push_back(cells_of(*r));

  constexpr std::string_view kLocal = "Local Address";
  constexpr std::string_view kPeer = "Peer Address";
  constexpr std::string_view kPort = "Port";
  std::size_t state_w = std::string_view("State").size();
  std::size_t local_w = kLocal.size();
  std::size_t local_port_w = kPort.size();
  std::size_t peer_w = kPeer.size();
  std::size_t peer_port_w = kPort.size();
  for (const Cells& c : cells) {
    state_w = std::max(state_w, c.state.size());
    local_w = std::max(local_w, c.local_address.size());
    local_port_w = std::max(local_port_w, c.local_port.size());
    peer_w = std::max(peer_w, c.peer_address.size());
    peer_port_w = std::max(peer_port_w, c.peer_port.size());
  }
  // Addresses are right-aligned and ports left-aligned about the ':', as ss does.
  auto line = [&](std::string_view state, std::string_view recv_q, std::string_view send_q,
                  std::string_view local, std::string_view local_port, std::string_view peer,
                  std::string_view peer_port, std::string_view timer) {
    std::string l = fmt::format("{:<{}} {:<6} {:<6} {:>{}}:{:<{}} {:>{}}:{:<{}}", state, state_w,
                                recv_q, send_q, local, local_w, local_port, local_port_w, peer,
                                peer_w, peer_port, peer_port_w);
    if (!timer.empty()) {
      l += ' ';
      l += timer;
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    return l + '\n';
  };
  out += line("State", "Recv-Q", "Send-Q", kLocal, kPort, kPeer, kPort, "Timer");
  for (const Cells& c : cells) {
    out += line(c.state, c.recv_q, c.send_q, c.local_address, c.local_port, c.peer_address,
                c.peer_port, c.timer);
  }
  return out;
}

}  // namespace tcpsim::cli
