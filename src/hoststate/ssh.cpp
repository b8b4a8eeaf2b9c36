#include "hoststate/ssh.hpp"

#include <algorithm>
#include <charconv>
#include <random>

#include "hoststate/file_owners.hpp"
#include "hoststate/kernel.hpp"
#include "hoststate/livepatch.hpp"
#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {

namespace {

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// POSIX shell single quoting: 'it'\''s'.
std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::string random_boundary() {
  std::random_device device;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string out = "--fleetpatch-";
  for (int i = 0; i < 32; ++i) out += "0123456789abcdef"[digit(device)];
  return out;
}

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

// ssh's last meaningful stderr line (it may print banners or warnings before the error).
std::string last_line(std::string_view text) {
  text = trim(text);
  const auto newline = text.rfind('\n');
  return std::string(trim(newline == std::string_view::npos ? text : text.substr(newline + 1)));
}

}  // namespace

std::string SshTarget::display() const {
  std::string out = user.empty() ? host : user + "@" + host;
  if (port) out += ":" + std::to_string(*port);
  return out;
}

core::Result<SshTarget> parse_ssh_target(std::string_view text) {
  SshTarget target;
  const std::string original(text);
  if (const auto at = text.rfind('@'); at != std::string_view::npos) {
    target.user = std::string(text.substr(0, at));
    text.remove_prefix(at + 1);
    if (target.user.empty()) return core::invalid_argument("empty user in '" + original + "'");
  }
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return core::invalid_argument("unclosed '[' in '" + original + "'");
    }
    target.host = std::string(text.substr(1, close - 1));
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return core::invalid_argument("junk after ']' in '" + original + "'");
      port_text = rest.substr(1);
      if (port_text.empty()) return core::invalid_argument("empty port in '" + original + "'");
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const auto colon = text.find(':');
    target.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (port_text.empty()) return core::invalid_argument("empty port in '" + original + "'");
  } else {
    target.host = std::string(text);  // a name, an IPv4 address or a bare IPv6 address
  }
  if (target.host.empty()) return core::invalid_argument("no host in '" + original + "'");
  if (target.host.front() == '-') {
    return core::invalid_argument("host may not start with '-': '" + original + "'");
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [ptr, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return core::invalid_argument("invalid port '" + std::string(port_text) + "' in '" +
                                    original + "'");
    }
    target.port = static_cast<std::uint16_t>(port);
  }
  return target;
}

std::vector<std::string> ssh_command(const SshTarget& target, const SshOptions& options) {
  std::vector<std::string> argv = {options.ssh_binary, "-T", "-x", "-a"};
  const auto opt = [&](std::string value) {
    argv.push_back("-o");
    argv.push_back(std::move(value));
  };
  if (!options.config_file.empty()) {
    argv.push_back("-F");
    argv.push_back(options.config_file);
  }
  // Never ask anything: no password, no passphrase, no host key question.
  opt("BatchMode=yes");
  opt("PreferredAuthentications=publickey");
  opt("PasswordAuthentication=no");
  opt("KbdInteractiveAuthentication=no");
  opt("StrictHostKeyChecking=" + std::string(options.accept_new_host_key ? "accept-new" : "yes"));
  opt("ConnectTimeout=" + std::to_string(std::max<long long>(1, options.connect_timeout.count())));
  // A peer that vanishes after connecting is noticed instead of waited for.
  opt("ServerAliveInterval=" +
      std::to_string(std::max<long long>(1, options.connect_timeout.count())));
  opt("ServerAliveCountMax=3");
  opt("Compression=yes");  // the file lists compress about tenfold
  opt("LogLevel=ERROR");   // keep stderr for errors: it is what describe_ssh_failure() reads
  if (!options.known_hosts_file.empty()) opt("UserKnownHostsFile=" + options.known_hosts_file);
  if (!options.identity_file.empty()) {
    argv.push_back("-i");
    argv.push_back(options.identity_file);
    opt("IdentitiesOnly=yes");
  }
  if (target.port) {
    argv.push_back("-p");
    argv.push_back(std::to_string(*target.port));
  }
  if (!target.user.empty()) {
    argv.push_back("-l");
    argv.push_back(target.user);
  }
  argv.push_back("--");
  argv.push_back(target.host);
  // Whatever the login shell, run the script with a POSIX sh reading stdin.
  argv.push_back("exec /bin/sh -s");
  return argv;
}

std::string remote_script(std::string_view boundary) {
  std::string s;
  s += "B=" + shell_quote(boundary) + "\n";
  s += R"SH(LC_ALL=C; export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin:/snap/bin"; export PATH
# Read-only: every command below only reads files or prints state.
f() {
  [ -e "$1" ] && [ ! -d "$1" ] || return 0
  printf '%s F %s\n' "$B" "$1"
  { e=$(cat -- "$1" 2>&1 1>&3); r=$?; } 3>&1
  if [ "$r" -ne 0 ]; then printf '\n%s E %s\n%s\n' "$B" "$1" "$e"; else printf '\n'; fi
}
l() { t=$(readlink -- "$1" 2>/dev/null) || return 0; printf '%s L %s\n%s\n' "$B" "$1" "$t"; }
d() {
  if [ -r "$1" ] && [ -x "$1" ]; then printf '%s D %s\n\n' "$B" "$1"
  else printf '%s E %s\n%s: Permission denied\n' "$B" "$1" "$1"; fi
}
c() {
  printf '%s C %s\n' "$B" "$1"
  (eval "$2") </dev/null 2>/dev/null; r=$?
  printf '\n%s X %s\n%s\n' "$B" "$1" "$r"
}
for p in /etc/os-release /usr/lib/os-release /etc/hostname /etc/machine-id \
    /var/lib/dpkg/status /lib/apk/db/installed /run/reboot-required /run/reboot-required.pkgs \
    /proc/sys/kernel/osrelease /proc/sys/kernel/hostname /proc/stat \
    /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 \
    /etc/dnf/plugins/needs-restarting.d/*.conf; do
  f "$p"
done
[ -d /etc/dnf/plugins/needs-restarting.d ] && d /etc/dnf/plugins/needs-restarting.d
if [ -d /var/lib/dpkg/info ]; then
  d /var/lib/dpkg/info
  set -- /var/lib/dpkg/info/*.list
  if [ -e "$1" ]; then
    awk -v B="$B" 'FNR == 1 { if (NR > 1) printf "\n"; printf "%s F %s\n", B, FILENAME } { print }' "$@"
    printf '\n'
  fi
fi
if [ -d /sys/kernel/livepatch ]; then
  d /sys/kernel/livepatch
  for p in /sys/kernel/livepatch/*; do
    [ -d "$p" ] || continue
    d "$p"; f "$p/enabled"; f "$p/transition"
  done
fi
for p in /proc/[0-9]*; do
  [ -d "$p" ] || continue
  f "$p/maps"; f "$p/cgroup"; l "$p/exe"; d "$p/fd"
done
if find /dev/null -maxdepth 0 -printf '' >/dev/null 2>&1; then
  find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 -lname 'socket:*' -printf "$B L %p\n%l\n" 2>/dev/null
else
  for p in /proc/[0-9]*/fd/*; do
    t=$(readlink -- "$p" 2>/dev/null) || continue
    case $t in socket:*) printf '%s L %s\n%s\n' "$B" "$p" "$t" ;; esac
  done
fi
rpmdb=
for p in /var/lib/rpm/rpmdb.sqlite /var/lib/rpm/Packages /var/lib/rpm/Packages.db \
    /usr/lib/sysimage/rpm/rpmdb.sqlite /usr/lib/sysimage/rpm/Packages \
    /usr/lib/sysimage/rpm/Packages.db; do
  [ -e "$p" ] && rpmdb=1
done
if [ -n "$rpmdb" ] && command -v rpm >/dev/null 2>&1; then
)SH";
  s += "  c rpm-qa " + shell_quote("rpm -qa --queryformat '" + std::string(kRpmQueryFormat) + "'") +
       "\n";
  s += "  c rpm-install-times " +
       shell_quote("rpm -qa --queryformat '" + std::string(kRpmInstallTimesQueryFormat) + "'") +
       "\n";
  s += "  c rpm-file-index " +
       shell_quote("rpm -qa --queryformat '" + std::string(kRpmFileIndexQueryFormat) + "'") + "\n";
  s += "fi\n";
  for (const auto& tool : livepatch_tools()) {
    s += "c " + shell_quote(tool.file) + " " + shell_quote(tool.command) + "\n";
  }
  s += "printf '%s END\\n' \"$B\"\n";
  return s;
}

core::Result<MemoryEnv> parse_bundle(std::string_view bundle, std::string_view boundary) {
  // Every record starts on a line beginning with "BOUNDARY "; its body runs to the newline
  // before the next record.
  const std::string head = std::string(boundary) + " ";
  const std::string marker = "\n" + head;
  std::vector<std::size_t> starts;
  if (bundle.substr(0, head.size()) == head) starts.push_back(0);
  for (auto pos = bundle.find(marker); pos != std::string_view::npos;
       pos = bundle.find(marker, pos + 1)) {
    starts.push_back(pos + 1);
  }
  if (starts.empty()) {
    return core::invalid_argument("the host's answer has no records (is /bin/sh there?)");
  }
  MemoryEnv env;
  std::string pending_command, pending_output;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t record_end = i + 1 < starts.size() ? starts[i + 1] - 1 : bundle.size();
    const std::string_view record = bundle.substr(starts[i], record_end - starts[i]);
    const std::size_t newline = record.find('\n');
    const std::string_view header =
        record.substr(head.size(), newline == std::string_view::npos ? std::string_view::npos
                                                                     : newline - head.size());
    const std::string_view body =
        newline == std::string_view::npos ? std::string_view() : record.substr(newline + 1);
    const std::string_view kind = header.substr(0, header.find(' '));
    const std::string path(header.size() > kind.size() + 1 ? header.substr(kind.size() + 1) : "");
    if (kind == "END") return env;
    if (kind == "F") {
      env.add_file(path, std::string(body));
    } else if (kind == "L") {
      env.add_symlink(path, std::string(body));
    } else if (kind == "D") {
      env.add_directory(path);
    } else if (kind == "E") {
      // A file that vanished between listing and reading (an exited process) is simply absent.
      if (contains(body, "No such file or directory") || contains(body, "No such process")) {
        env.remove(path);
      } else {
        env.add_unreadable(path, std::string(trim(body)));
      }
    } else if (kind == "C") {
      pending_command = path;
      pending_output = std::string(body);
    } else if (kind == "X") {
      const std::string_view status = trim(body);
      // 127: the tool is not installed. A failure that printed nothing said nothing.
      if (path == pending_command && status != "127" &&
          (status == "0" || !pending_output.empty())) {
        env.add_file(std::string(kSshCommandDir) + "/" + path, std::move(pending_output));
      }
      pending_command.clear();
      pending_output.clear();
    }
  }
  return core::io_error(
      "the host's answer ended early (connection lost or the remote script failed)");
}

core::Error describe_ssh_failure(const ProcessOutput& output, const SshTarget& target,
                                 const SshOptions& options) {
  const std::string where = "ssh " + target.display();
  std::string said = last_line(output.err);
  if (said.rfind("ssh: ", 0) == 0) said.erase(0, 5);
  const std::string detail = said.empty() ? "" : " (ssh: " + said + ")";
  if (output.timed_out) {
    return core::Error{core::ErrorCode::kNetwork,
                       where + ": timed out after " +
                           std::to_string(options.total_timeout.count()) + " s" + detail};
  }
  const std::string_view err = output.err;
  if (contains(err, "timed out") || contains(err, "Connection timed out")) {
    return core::Error{core::ErrorCode::kNetwork,
                       where + ": connection timed out after " +
                           std::to_string(options.connect_timeout.count()) + " s" + detail};
  }
  if (contains(err, "Connection refused")) {
    return core::Error{core::ErrorCode::kNetwork, where + ": connection refused" + detail};
  }
  if (contains(err, "Host key verification failed") || contains(err, "host key") ||
      contains(err, "HOST IDENTIFICATION HAS CHANGED")) {
    return core::Error{core::ErrorCode::kNetwork,
                       where +
                           ": host key not trusted; add it to known_hosts after checking its "
                           "fingerprint, or pass --accept-new-host-key to trust a host seen "
                           "for the first time" +
                           detail};
  }
  if (contains(err, "Permission denied") || contains(err, "Too many authentication failures")) {
    return core::Error{
        core::ErrorCode::kNetwork,
        where + ": authentication failed: the key" +
            (options.identity_file.empty() ? std::string() : " " + options.identity_file) +
            " was refused" + detail};
  }
  if (contains(err, "Could not resolve hostname") || contains(err, "Name or service not known")) {
    return core::Error{core::ErrorCode::kNetwork, where + ": cannot resolve host name" + detail};
  }
  if (contains(err, "No route to host") || contains(err, "Network is unreachable")) {
    return core::Error{core::ErrorCode::kNetwork, where + ": host unreachable" + detail};
  }
  if (output.exit_code == 255) {
    return core::Error{core::ErrorCode::kNetwork, where + ": ssh failed" + detail};
  }
  if (output.signal != 0) {
    return core::Error{core::ErrorCode::kNetwork,
                       where + ": ssh killed by signal " + std::to_string(output.signal) + detail};
  }
  return core::Error{core::ErrorCode::kIo, where + ": the remote script exited with " +
                                               std::to_string(output.exit_code) + detail};
}

core::Result<core::HostReport> collect_host_over_ssh(
    const ProcessRunner& runner, const core::Clock& clock, const SshTarget& target,
    const SshOptions& options, CollectOptions collect, core::Diagnostics& diagnostics) {
  const std::string boundary = random_boundary();
  auto output =
      runner.run(ssh_command(target, options), remote_script(boundary),
                 std::chrono::duration_cast<std::chrono::milliseconds>(options.total_timeout));
  if (!output.ok()) {
    return core::Error{output.error().code,
                       "ssh " + target.display() + ": " + output.error().message};
  }
  if (output->timed_out || output->exit_code != 0) {
    return describe_ssh_failure(*output, target, options);
  }
  auto env = parse_bundle(output->out, boundary);
  if (!env.ok()) {
    return core::Error{env.error().code, "ssh " + target.display() + ": " + env.error().message};
  }
  collect.root = "/";
  collect.proc_root = "/proc";
  collect.sys_root = "/sys";
  collect.command_output_dir = std::string(kSshCommandDir);
  collect.tool_runner = nullptr;  // the tools ran on the host; their outputs are in the tree
  return collect_host(*env, clock, collect, diagnostics);
}

}  // namespace fleetpatch::hoststate
