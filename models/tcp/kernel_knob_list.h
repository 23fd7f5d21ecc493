// Every kernel setting, one row each: X(name, C++ type, default, checker, doc), the checkers
// those of kernel_knob.h. KernelSettings takes its members from these rows and kernel_knobs()
// its table; scenario.proto's Kernel has one field per row, of the same name.
#pragma once

// clang-format off
#define TCPSIM_KERNEL_KNOBS(X)                                                                   \
  X(ip_local_port_range, PortRange, (PortRange{32768, 60999}), port_range(),                     \
    "net.ipv4.ip_local_port_range: the ports connect() and bind(0) choose from, \"low high\"")   \
  X(ip_local_reserved_ports, std::vector<PortRange>, {}, port_list(),                            \
    "net.ipv4.ip_local_reserved_ports: ports never chosen as ephemeral ports")                   \
  X(tcp_tw_reuse, int, 2, int_in(0, 2),                                                          \
    "net.ipv4.tcp_tw_reuse: 0 off, 1 reuse TIME_WAIT ports for outgoing connections, "           \
    "2 for loopback only")                                                                       \
  X(tcp_tw_reuse_delay, sim::Time, sim::kSecond,                                                 \
    duration_in(sim::kMillisecond, 60 * sim::kSecond),                                           \
    "net.ipv4.tcp_tw_reuse_delay: how old a TIME_WAIT socket must be before reuse")              \
  X(tcp_timestamps, bool, true, flag(),                                                          \
    "net.ipv4.tcp_timestamps: send and expect TCP timestamps (tcp_tw_reuse needs them)")         \
  X(tcp_fin_timeout, sim::Time, 60 * sim::kSecond, duration_in(sim::kNanosecond),                \
    "net.ipv4.tcp_fin_timeout: how long an orphaned socket stays in FIN_WAIT_2")                 \
  X(tcp_max_tw_buckets, std::uint32_t, 131072, uint_at_least(0),                                 \
    "net.ipv4.tcp_max_tw_buckets: TIME_WAIT sockets beyond this count are destroyed at once")    \
  X(tcp_syn_retries, int, 6, int_in(1, 127),                                                     \
    "net.ipv4.tcp_syn_retries: SYN retransmissions before connect() fails with ETIMEDOUT")       \
  X(tcp_syn_linear_timeouts, int, 4, int_in(0, 20),                                              \
    "net.ipv4.tcp_syn_linear_timeouts: SYN retransmissions before the timeout starts doubling")  \
  X(tcp_synack_retries, int, 5, int_in(1, 255),                                                  \
    "net.ipv4.tcp_synack_retries: SYN-ACK retransmissions of a passive open")                    \
  X(somaxconn, std::uint32_t, 4096, uint_in(1, std::numeric_limits<int>::max()),                 \
    "net.core.somaxconn: upper bound of every listen backlog (an int)")                          \
  X(tcp_abort_on_overflow, bool, false, flag(),                                                  \
    "net.ipv4.tcp_abort_on_overflow: reset, not drop, a handshake the full accept queue refuses")\
  X(tcp_orphan_retries, int, 0, int_at_least(0),                                                 \
    "net.ipv4.tcp_orphan_retries: FIN retransmissions of an orphaned socket; 0 means 8")         \
  X(tcp_retries2, int, 15, int_at_least(1),                                                      \
    "net.ipv4.tcp_retries2: data retransmissions before an established connection is dropped")  \
  X(tcp_keepalive_time, sim::Time, 7200 * sim::kSecond, duration_in(sim::kSecond),              \
    "net.ipv4.tcp_keepalive_time: idle time of an SO_KEEPALIVE connection before its first "   \
    "probe")                                                                                     \
  X(tcp_keepalive_intvl, sim::Time, 75 * sim::kSecond, duration_in(sim::kSecond),               \
    "net.ipv4.tcp_keepalive_intvl: time between unanswered keepalive probes")                   \
  X(tcp_keepalive_probes, int, 9, int_in(1, 127),                                                \
    "net.ipv4.tcp_keepalive_probes: unanswered probes before the connection is reset")          \
  X(tcp_rfc1337, bool, false, flag(),                                                           \
    "net.ipv4.tcp_rfc1337: ignore RST in TIME_WAIT (RFC 1337)")                                  \
  X(nofile, std::uint32_t, 1024, uint_at_least(1),                                               \
    "RLIMIT_NOFILE of the applications: open sockets per process before EMFILE")                 \
  X(time_wait_length, sim::Time, 60 * sim::kSecond, duration_in(sim::kNanosecond),               \
    "length of TIME_WAIT (Linux: the constant TCP_TIMEWAIT_LEN; RFC 9293: 2 x MSL)")             \
  X(tcp_timeout_init, sim::Time, sim::kSecond, duration_in(sim::kNanosecond),                    \
    "TCP_TIMEOUT_INIT: the first retransmission timeout of SYN and SYN-ACK")                     \
  X(tcp_rto_min, sim::Time, 200 * sim::kMillisecond,                                             \
    duration_in(sim::kNanosecond, sim::kTimeMax, "tcp_rto_max"),                                 \
    "TCP_RTO_MIN: lower bound of the retransmission timeout")                                    \
  X(tcp_rto_max, sim::Time, 120 * sim::kSecond, duration_in(sim::kNanosecond),                   \
    "TCP_RTO_MAX: upper bound of the retransmission timeout")                                    \
  X(tcp_timeout_min, sim::Time, 8 * sim::kMillisecond, duration_in(sim::kNanosecond),            \
    "TCP_TIMEOUT_MIN (2 jiffies at HZ=250): the re-armed SYN timer after a challenge ACK "       \
    "in SYN_SENT")                                                                               \
  X(hz, int, 250, int_in(0, 1000),                                                               \
    "CONFIG_HZ: ticks per second of the kernel's timer wheel, which ends TIME_WAIT and "         \
    "FIN_WAIT_2 timers at the end of their wheel bucket (60 s: 2.048 s late at most at 250); "   \
    "0 for exact timers")                                                                        \
  X(mss, std::uint32_t, 1448, uint_at_least(64),                                                 \
    "maximum segment size, in bytes")                                                            \
  X(nf_conntrack, bool, false, flag(),                                                           \
    "netfilter connection tracking is loaded (stateful rules, NAT, kube-proxy): every flow the " \
    "host sends or receives takes an entry")                                                     \
  X(nf_conntrack_max, std::uint32_t, 262144, uint_at_least(1),                                   \
    "net.netfilter.nf_conntrack_max: entries before new flows are dropped (\"table full\")")      \
  X(nf_conntrack_tcp_timeout_syn_sent, sim::Time, 120 * sim::kSecond,                            \
    duration_in(sim::kSecond), "net.netfilter.nf_conntrack_tcp_timeout_syn_sent")                \
  X(nf_conntrack_tcp_timeout_syn_recv, sim::Time, 60 * sim::kSecond,                             \
    duration_in(sim::kSecond), "net.netfilter.nf_conntrack_tcp_timeout_syn_recv")                \
  X(nf_conntrack_tcp_timeout_established, sim::Time, 432000 * sim::kSecond,                      \
    duration_in(sim::kSecond), "net.netfilter.nf_conntrack_tcp_timeout_established")             \
  X(nf_conntrack_tcp_timeout_fin_wait, sim::Time, 120 * sim::kSecond,                            \
    duration_in(sim::kSecond), "net.netfilter.nf_conntrack_tcp_timeout_fin_wait")                \
  X(nf_conntrack_tcp_timeout_close_wait, sim::Time, 60 * sim::kSecond,                           \
    duration_in(sim::kSecond), "net.netfilter.nf_conntrack_tcp_timeout_close_wait")              \
  X(nf_conntrack_tcp_timeout_last_ack, sim::Time, 30 * sim::kSecond,                             \
    duration_in(sim::kSecond), "net.netfilter.nf_conntrack_tcp_timeout_last_ack")                \
  X(nf_conntrack_tcp_timeout_time_wait, sim::Time, 120 * sim::kSecond,                           \
    duration_in(sim::kSecond), "net.netfilter.nf_conntrack_tcp_timeout_time_wait")               \
  X(nf_conntrack_tcp_timeout_close, sim::Time, 10 * sim::kSecond,                                \
    duration_in(sim::kSecond), "net.netfilter.nf_conntrack_tcp_timeout_close")
// clang-format on
