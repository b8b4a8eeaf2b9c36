// The agent's state directory (default <data-dir>/agent, mode 0700): what must survive a restart.
//   token.json          the per-host token, bound to the server and host id it was issued for
//   last-accepted.json  the last acknowledgement (hash, delta) that decides full vs unchanged
//   spool/report.json   the report being sent, written before the first attempt and removed only
//                       after the server acknowledged it
// Every file is written to a temporary name, fsync'ed and renamed over the old one (mode 0600),
// so a crash or power loss leaves either the old or the new content, never a torn file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/protocol.hpp"
#include "core/result.hpp"

namespace fleetpatch::agent {

struct StoredToken {
  std::string server;  // normalised URL that issued it
  std::string host_id;
  std::string token;
};

/// Not thread-safe; one agent process owns one state directory.
class StateDir {
 public:
  /// Creates the directory (and spool/) with mode 0700 when missing.
  static core::Result<StateDir> open(std::string path);

  const std::string& path() const { return path_; }

  /// nullopt when there is none; an error when it exists but cannot be read or parsed.
  core::Result<std::optional<StoredToken>> read_token() const;
  core::Status write_token(const StoredToken& token) const;

  core::Result<std::optional<LastAccepted>> read_last_accepted() const;
  core::Status write_last_accepted(const LastAccepted& last) const;

  core::Result<std::optional<std::string>> read_spool() const;
  core::Status write_spool(std::string_view report_json) const;
  core::Status clear_spool() const;

 private:
  explicit StateDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

/// Writes `content` to `path` atomically (temporary file, fsync, rename, fsync of the
/// directory), with the given mode.
core::Status write_file_atomic(const std::string& path, std::string_view content,
                               unsigned mode = 0600);

// ---- the spool's decisions, pure ------------------------------------------------------------

/// Which report a run sends. A fresh collection supersedes a spooled one: the server keeps only
/// each host's latest report, so an older one sent first would be overwritten a moment later and
/// add nothing. The spooled report is sent when this run could not collect (a transient
/// collection failure must not lose the last report that never reached the server).
enum class ReportSource { kFresh, kSpooled, kNone };

struct SpoolPlan {
  ReportSource source = ReportSource::kNone;
  bool write_spool = false;    // the fresh report replaces the spool before the first attempt
  bool discard_spool = false;  // a spooled report that cannot be used is dropped
  std::string why;             // for the log
};

/// `spool_usable`: the spooled report parses and is for the configured host id.
SpoolPlan plan_spool(bool fresh_ok, bool spool_present, bool spool_usable);

/// After an exchange ends in `final_step`: whether the spooled report stays for a later run
/// (anything but an acknowledgement keeps it).
bool keep_spool_after(Step final_step);

}  // namespace fleetpatch::agent
