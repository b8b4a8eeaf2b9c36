#include "agent/state_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace fleetpatch::agent {
namespace {

using nlohmann::json;

std::string errno_text() { return std::strerror(errno); }

core::Status make_private_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) return {};
  if (errno != EEXIST) return core::io_error(path + ": cannot create: " + errno_text());
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return core::io_error(path + ": exists and is not a directory");
  }
  return {};
}

core::Status make_dirs(const std::string& path) {
  // Parents first (the data directory may not exist yet on a fresh host).
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    const std::string parent = path.substr(0, slash);
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
      return core::io_error(parent + ": cannot create: " + errno_text());
    }
  }
  return make_private_dir(path);
}

core::Result<std::optional<std::string>> read_optional(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return core::io_error(path + ": " + errno_text());
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string message = path + ": " + errno_text();  // before close() can change errno
      ::close(fd);
      return core::io_error(std::move(message));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>{std::move(content)};
}

core::Result<std::optional<json>> read_json(const std::string& path) {
  auto text = read_optional(path);
  if (!text.ok()) return text.error();
  if (!*text) return std::optional<json>{};
  json doc = json::parse(**text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return core::invalid_argument(path + ": not a JSON object (delete it to start afresh)");
  }
  return std::optional<json>{std::move(doc)};
}

std::string string_or_empty(const json& doc, const char* name) {
  const auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

core::Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return core::io_error(tmp + ": cannot create: " + errno_text());
  // The umask may have narrowed the mode; it never widens it, but make it exact.
  (void)::fchmod(fd, static_cast<mode_t>(mode));
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string message = tmp + ": write failed: " + errno_text();  // before close() and unlink()
      ::close(fd);
      ::unlink(tmp.c_str());
      return core::io_error(std::move(message));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return core::io_error(tmp + ": fsync failed: " + why);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return core::io_error(path + ": rename failed: " + why);
  }
  // The rename itself is durable only once the directory is synced.
  const std::string dir =
      path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

core::Result<StateDir> StateDir::open(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) return core::invalid_argument("state directory: empty path");
  if (auto made = make_dirs(path); !made.ok()) return made.error();
  if (auto made = make_private_dir(path + "/spool"); !made.ok()) return made.error();
  return StateDir(std::move(path));
}

core::Result<std::optional<StoredToken>> StateDir::read_token() const {
  auto doc = read_json(path_ + "/token.json");
  if (!doc.ok()) return doc.error();
  if (!*doc) return std::optional<StoredToken>{};
  StoredToken token{string_or_empty(**doc, "server"), string_or_empty(**doc, "host_id"),
                    string_or_empty(**doc, "token")};
  if (token.token.empty()) {
    return core::invalid_argument(path_ + "/token.json: no token (delete it to enroll again)");
  }
  return std::optional<StoredToken>{std::move(token)};
}

core::Status StateDir::write_token(const StoredToken& token) const {
  const json doc = {{"server", token.server}, {"host_id", token.host_id}, {"token", token.token}};
  return write_file_atomic(path_ + "/token.json", doc.dump(2) + "\n", 0600);
}

core::Result<std::optional<LastAccepted>> StateDir::read_last_accepted() const {
  auto doc = read_json(path_ + "/last-accepted.json");
  if (!doc.ok()) return doc.error();
  if (!*doc) return std::optional<LastAccepted>{};
  const json& d = **doc;
  LastAccepted last;
  last.server = string_or_empty(d, "server");
  last.host_id = string_or_empty(d, "host_id");
  last.report_hash = string_or_empty(d, "report_hash");
  last.accepted_at = string_or_empty(d, "accepted_at");
  if (const auto it = d.find("delta"); it != d.end() && it->is_boolean()) last.delta = *it;
  if (const auto it = d.find("report_seq"); it != d.end() && it->is_number_integer()) {
    last.report_seq = it->get<std::int64_t>();
  }
  return std::optional<LastAccepted>{std::move(last)};
}

core::Status StateDir::write_last_accepted(const LastAccepted& last) const {
  const json doc = {{"server", last.server},           {"host_id", last.host_id},
                    {"report_hash", last.report_hash}, {"delta", last.delta},
                    {"report_seq", last.report_seq},   {"accepted_at", last.accepted_at}};
  return write_file_atomic(path_ + "/last-accepted.json", doc.dump(2) + "\n", 0600);
}

core::Result<std::optional<std::string>> StateDir::read_spool() const {
  return read_optional(path_ + "/spool/report.json");
}

core::Status StateDir::write_spool(std::string_view report_json) const {
  return write_file_atomic(path_ + "/spool/report.json", report_json, 0600);
}

core::Status StateDir::clear_spool() const {
  const std::string file = path_ + "/spool/report.json";
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
    return core::io_error(file + ": cannot remove: " + errno_text());
  }
  return {};
}

SpoolPlan plan_spool(bool fresh_ok, bool spool_present, bool spool_usable) {
  SpoolPlan plan;
  if (fresh_ok) {
    plan.source = ReportSource::kFresh;
    plan.write_spool = true;
    plan.why = spool_present ? "fresh report supersedes the spooled one" : "fresh report spooled";
    return plan;
  }
  if (spool_present && spool_usable) {
    plan.source = ReportSource::kSpooled;
    plan.why = "collection failed; sending the spooled report";
    return plan;
  }
  plan.source = ReportSource::kNone;
  plan.discard_spool = spool_present;
  plan.why = spool_present ? "collection failed and the spooled report is unusable"
                           : "collection failed and nothing is spooled";
  return plan;
}

bool keep_spool_after(Step final_step) { return final_step != Step::kAccepted; }

}  // namespace fleetpatch::agent
