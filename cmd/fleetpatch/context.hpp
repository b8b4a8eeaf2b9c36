// Context: what every subcommand receives instead of globals (STYLE.md 6): the Env, the Clock,
// the data directory and the output streams. Only cmd/ builds one, from the real platform.
#pragma once

#include <iosfwd>
#include <string>

#include "core/env.hpp"
#include "core/time.hpp"

namespace fleetpatch::cli {

struct Context {
  const core::Env* env = nullptr;
  const core::Clock* clock = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  /// --data-dir, else $FLEETPATCH_DATA_DIR, else /var/lib/fleetpatch for root,
  /// else $XDG_DATA_HOME/fleetpatch (~/.local/share/fleetpatch).
  std::string data_dir_option;

  std::string data_dir() const;
};

/// Exit codes shared by the subcommands.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,     // the command failed (bad input, I/O)
  kExitUsage = 2,     // wrong command line
  kExitFindings = 3,  // scan --fail-on: findings at or above the threshold
};

}  // namespace fleetpatch::cli
