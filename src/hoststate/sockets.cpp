#include "hoststate/sockets.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

namespace fleetpatch::hoststate {

namespace {

constexpr std::string_view kTcpListen = "0A";
constexpr std::string_view kUdpUnconnected = "07";

std::string_view next_field(std::string_view& text) {
  std::size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
  std::size_t end = start;
  while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
  const std::string_view field = text.substr(start, end - start);
  text.remove_prefix(end);
  return field;
}

template <typename T>
bool parse_hex(std::string_view text, T& value) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

// "0100007F" (IPv4) or 32 hex digits (IPv6), each 32-bit word in little-endian byte order.
bool decode_address(std::string_view hex, std::string& out, bool& all_zero) {
  if (hex.size() != 8 && hex.size() != 32) return false;
  std::array<unsigned char, 16> bytes{};
  for (std::size_t word = 0; word < hex.size() / 8; ++word) {
    std::uint32_t value = 0;
    if (!parse_hex(hex.substr(word * 8, 8), value)) return false;
    for (std::size_t i = 0; i < 4; ++i) bytes[word * 4 + i] = (value >> (8 * i)) & 0xff;
  }
  all_zero = std::all_of(bytes.begin(), bytes.begin() + hex.size() / 2,
                         [](unsigned char b) { return b == 0; });
  char text[INET6_ADDRSTRLEN] = {};
  const int family = hex.size() == 8 ? AF_INET : AF_INET6;
  if (inet_ntop(family, bytes.data(), text, sizeof text) == nullptr) return false;
  out = text;
  return true;
}

// "ADDRESS:PORT" in /proc/net hex; the address has 8 hex digits in IPv4 tables, 32 in IPv6 ones.
bool decode_endpoint(std::string_view field, bool v6, std::string& address, std::uint16_t& port,
                     bool& zero_address) {
  const auto colon = field.find(':');
  if (colon != (v6 ? 32u : 8u)) return false;
  return decode_address(field.substr(0, colon), address, zero_address) &&
         parse_hex(field.substr(colon + 1), port);
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::vector<SocketRow> parse_proc_net(std::string_view text, std::string_view proto,
                                      std::string_view source_name,
                                      core::Diagnostics& diagnostics) {
  std::vector<SocketRow> rows;
  const bool udp = starts_with(proto, "udp");
  const bool v6 = !proto.empty() && proto.back() == '6';
  std::size_t pos = 0, line_number = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line_number == 1) continue;  // the column header
    const std::string_view slot = next_field(line);
    if (slot.empty()) continue;
    const std::string_view local = next_field(line);
    const std::string_view remote = next_field(line);
    const std::string_view state = next_field(line);
    // tx_queue:rx_queue, tr:tm->when, retrnsmt, uid, timeout, then the inode.
    for (int skip = 0; skip < 5; ++skip) next_field(line);
    const std::string_view inode_text = next_field(line);
    SocketRow row;
    row.proto = std::string(proto);
    std::string remote_address;
    std::uint16_t remote_port = 0;
    bool local_zero = false, remote_zero = false;
    const auto [ptr, ec] =
        std::from_chars(inode_text.data(), inode_text.data() + inode_text.size(), row.inode);
    if (slot.back() != ':' || !decode_endpoint(local, v6, row.address, row.port, local_zero) ||
        !decode_endpoint(remote, v6, remote_address, remote_port, remote_zero) ||
        state.size() != 2 || ec != std::errc() || ptr != inode_text.data() + inode_text.size()) {
      diagnostics.add(std::string(source_name), line_number, "malformed socket table line");
      continue;
    }
    const bool listening =
        udp ? (state == kUdpUnconnected && remote_zero && remote_port == 0) : state == kTcpListen;
    if (listening) rows.push_back(std::move(row));
  }
  return rows;
}

core::Exposure exposure_for_address(std::string_view address) {
  if (starts_with(address, "127.") || address == "::1" || starts_with(address, "::ffff:127.")) {
    return core::Exposure::kLocal;
  }
  return core::Exposure::kNetwork;
}

std::vector<core::ListeningSocket> collect_listening(const core::Env& env,
                                                     const std::string& proc_root,
                                                     const OwnerLookup& owners,
                                                     core::Diagnostics& diagnostics) {
  std::vector<SocketRow> rows;
  for (const std::string_view proto : {"tcp", "tcp6", "udp", "udp6"}) {
    const std::string path = proc_root + "/net/" + std::string(proto);
    if (!env.exists(path)) continue;  // no IPv6 in this kernel, or an offline image
    auto text = env.read_file(path);
    if (!text.ok()) {
      diagnostics.add(path, 0, text.error().message);
      continue;
    }
    auto parsed = parse_proc_net(*text, proto, path, diagnostics);
    rows.insert(rows.end(), parsed.begin(), parsed.end());
  }
  if (rows.empty()) return {};

  // Socket inode -> lowest pid holding it. Pids ascend, so the first holder seen is the lowest.
  std::map<std::uint64_t, std::int64_t> holder;
  for (const auto& row : rows) holder.emplace(row.inode, 0);
  std::size_t unreadable = 0;
  std::string first_problem;
  for (const std::int64_t pid : list_pids(env, proc_root, diagnostics)) {
    const std::string fd_dir = proc_root + "/" + std::to_string(pid) + "/fd";
    auto fds = env.list_directory(fd_dir);
    if (!fds.ok()) {
      if (fds.error().code != core::ErrorCode::kNotFound && unreadable++ == 0) {
        first_problem = fds.error().message;
      }
      continue;
    }
    const std::string fd_prefix = fd_dir + "/";
    for (const auto& fd : *fds) {
      auto target = env.read_link(fd_prefix + fd);
      if (!target.ok() || !starts_with(*target, "socket:[") || target->back() != ']') continue;
      std::uint64_t inode = 0;
      const std::string_view digits = std::string_view(*target).substr(8, target->size() - 9);
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
      if (ec != std::errc()) continue;
      const auto it = holder.find(inode);
      if (it != holder.end() && it->second == 0) it->second = pid;
    }
  }
  if (unreadable > 0) {
    diagnostics.add(proc_root, 0,
                    std::to_string(unreadable) +
                        " processes' open files could not be read (first: " + first_problem +
                        "); their sockets are reported without a process");
  }

  // Per holding process: executable and mapped files, looked up in one batch.
  struct ProcessFiles {
    std::string exe;
    std::set<std::string> mapped;
  };
  std::map<std::int64_t, ProcessFiles> processes;
  std::set<std::string> paths;
  for (const auto& [inode, pid] : holder) {
    if (pid == 0 || processes.count(pid) != 0) continue;
    ProcessFiles& files = processes[pid];
    files.exe = read_exe(env, proc_root, pid);
    if (!files.exe.empty()) paths.insert(files.exe);
    const std::string maps_path = proc_root + "/" + std::to_string(pid) + "/maps";
    if (auto maps = env.read_file(maps_path); maps.ok()) {
      core::Diagnostics ignored;  // malformed lines are reported by the restart collector
      for (const auto& m : parse_maps(*maps, maps_path, ignored)) {
        files.mapped.emplace(presumed_name(m.path));
      }
    }
    paths.insert(files.mapped.begin(), files.mapped.end());
  }
  const FileOwners owned = owners(paths);
  const auto owners_of = [&](const std::string& path) -> const std::vector<std::string>* {
    const auto it = owned.find(path);
    return it == owned.end() ? nullptr : &it->second;
  };

  std::vector<core::ListeningSocket> out;
  for (const auto& row : rows) {
    core::ListeningSocket socket;
    socket.proto = row.proto;
    socket.address = row.address;
    socket.port = row.port;
    socket.exposure = exposure_for_address(row.address);
    if (const std::int64_t pid = holder[row.inode]; pid != 0) {
      socket.pid = pid;
      const ProcessFiles& files = processes[pid];
      socket.exe = files.exe;
      if (const auto* pkgs = owners_of(files.exe); pkgs != nullptr && !pkgs->empty()) {
        socket.package = pkgs->front();
      }
      std::set<std::string> mapped_packages;
      for (const auto& path : files.mapped) {
        if (const auto* pkgs = owners_of(path)) mapped_packages.insert(pkgs->begin(), pkgs->end());
      }
      socket.mapped_packages.assign(mapped_packages.begin(), mapped_packages.end());
    }
    out.push_back(std::move(socket));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.proto, a.address, a.port, a.pid, a.exe) <
           std::tie(b.proto, b.address, b.port, b.pid, b.exe);
  });
  // SO_REUSEPORT groups show up as several identical rows; one is enough.
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace fleetpatch::hoststate
