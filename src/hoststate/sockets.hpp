// Listening sockets and how exposed they are: /proc/net/{tcp,tcp6,udp,udp6} give the bound
// address, port and socket inode; /proc/PID/fd links ("socket:[INODE]") give the process; its
// executable and mapped libraries give the packages whose code answers on that port.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/env.hpp"
#include "core/host_report.hpp"
#include "hoststate/restart.hpp"

namespace fleetpatch::hoststate {

/// One listening row of a /proc/net table.
struct SocketRow {
  std::string proto;  // "tcp", "tcp6", "udp", "udp6"
  std::string address;
  std::uint16_t port = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const SocketRow&, const SocketRow&) = default;
};

/// Parses one /proc/net/<proto> table and keeps the listening rows: TCP in state LISTEN (0A),
/// UDP bound but unconnected (state 07 with a zero remote address). Addresses are printed the
/// usual way ("127.0.0.1", "::1"); the kernel writes them as 32-bit words in the host's byte
/// order, which this reads as little-endian (x86, arm64, ppc64le, riscv64 — a big-endian host
/// scanned over SSH would show its addresses byte-swapped). Malformed lines are diagnostics.
std::vector<SocketRow> parse_proc_net(std::string_view text, std::string_view proto,
                                      std::string_view source_name, core::Diagnostics& diagnostics);

/// kLocal for loopback addresses (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104), kNetwork for anything
/// else, wildcards (0.0.0.0, ::) included: they accept connections on every interface.
core::Exposure exposure_for_address(std::string_view address);

/// Every listening socket under `proc_root`, with the lowest pid holding it (pre-forked servers
/// share one socket), the executable, its package and the packages of everything it maps.
/// Sockets whose process we may not inspect keep pid null and empty exe. Sorted by proto,
/// address, port, pid.
std::vector<core::ListeningSocket> collect_listening(const core::Env& env,
                                                     const std::string& proc_root,
                                                     const OwnerLookup& owners,
                                                     core::Diagnostics& diagnostics);

}  // namespace fleetpatch::hoststate
