#include "models/app/client_socket.h"

namespace tcpsim::app {

tcp::Opened start_connect(tcp::TcpStack& stack, tcp::SocketOwner& owner, std::uint64_t user,
                          net::Endpoint remote, net::Ipv4 source, const ConnectOptions& options,
                          bool linger_zero, std::uint32_t syn_tag, std::uint16_t source_port) {
  const tcp::Opened opened = stack.socket(owner, user);
  if (opened.error != tcp::SocketError::kOk) return opened;
  const tcp::SocketId s = opened.socket;
  tcp::SocketOptions& o = stack.options(s);
  o.linger_zero = linger_zero;
  o.syncnt = options.syncnt;
  o.keepalive = options.keepalive;
  o.user_timeout_ms = options.user_timeout_ms;
  o.syn_tag = syn_tag;
  tcp::SocketError e = tcp::SocketError::kOk;
  if (source_port != 0) {
    o.reuseaddr = options.source_port_reuseaddr;  // HAProxy's tcp_bind_socket() sets it
    e = stack.bind(s, {options.source_address, source_port});
  } else {
    switch (options.bind_mode) {
      case BindMode::kConnect:
        break;
      case BindMode::kBindZero:
        e = stack.bind(s, {options.source_address, 0});
        break;
      case BindMode::kBindAddressNoPort:
        o.bind_address_no_port = true;
        e = stack.bind(s, {options.source_address.value != 0 ? options.source_address : source, 0});
        break;
    }
  }
  if (e == tcp::SocketError::kOk) e = stack.connect(s, remote);
  if (e != tcp::SocketError::kOk) {
    stack.close(s);
    return {tcp::kNoSocket, e};
  }
  return opened;
}

}  // namespace tcpsim::app
