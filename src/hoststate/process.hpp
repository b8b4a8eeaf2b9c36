// Running an external program and collecting what it prints: the system `ssh` for agentless
// scans, and the livepatch tools' status commands on a live host. Kept behind an interface so
// that tests can replay recorded outputs and the collectors never fork by themselves.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace fleetpatch::hoststate {

/// What a finished (or killed) program left behind.
struct ProcessOutput {
  int exit_code = -1;      // exit status; -1 when killed by a signal
  int signal = 0;          // the signal that ended it, 0 when it exited
  bool timed_out = false;  // killed by us because the deadline passed
  std::string out;         // everything it wrote to stdout
  std::string err;         // everything it wrote to stderr
};

/// Runs programs. Implementations must be safe to call from several threads.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  /// Runs argv[0] (looked up in PATH) with `input` on its stdin, and waits until it exits or
  /// `timeout` passes (then it and its process group are killed and `timed_out` is set). An
  /// error only when it cannot be started at all (not found, fork failed).
  virtual core::Result<ProcessOutput> run(const std::vector<std::string>& argv,
                                          std::string_view input,
                                          std::chrono::milliseconds timeout) const = 0;
};

/// fork/exec with pipes. The child runs in its own process group so that a timeout also kills
/// what it started (ssh's ProxyCommand, a shell's children).
class PosixProcessRunner final : public ProcessRunner {
 public:
  core::Result<ProcessOutput> run(const std::vector<std::string>& argv, std::string_view input,
                                  std::chrono::milliseconds timeout) const override;
};

}  // namespace fleetpatch::hoststate
