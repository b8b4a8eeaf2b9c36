// The agent's run: pick the report (fresh, else the spooled one), spool it, send it (enrolling
// when there is no token, "unchanged" when the server allows it), retry with backoff while the
// server is away, and remember the acknowledgement. The daemon repeats that on an interval with
// random jitter. I/O goes through the injected Transport, StateDir, Waiter and Clock; log lines
// go to a callback (the library never prints).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "agent/http_transport.hpp"
#include "agent/protocol.hpp"
#include "agent/schedule.hpp"
#include "agent/state_dir.hpp"
#include "agent/waiter.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace fleetpatch::agent {

struct AgentConfig {
  std::string server;   // normalize_server_url's form
  std::string host_id;  // the identity reports are sent under (the report's host.id)
  /// Read only when the agent has to enroll, so a host that holds a token needs no secret.
  std::function<core::Result<std::string>()> enroll_secret;
  BackoffPolicy backoff;
  /// Exchanges per run before giving up; 0 = no limit (the daemon retries until its next run).
  int max_attempts = 5;
};

enum class CycleOutcome {
  kAccepted,  // the server acknowledged the report (it is stored durably there)
  kGaveUp,    // the server stayed away for max_attempts or until the deadline; report spooled
  kFailed,    // nothing to send, or the server refused in a way retrying cannot fix
  kStopped,   // a stop was requested while waiting or sending
};
std::string_view to_string(CycleOutcome outcome);

struct CycleResult {
  CycleOutcome outcome = CycleOutcome::kFailed;
  std::optional<Ack> ack;
  SendKind sent_as = SendKind::kFull;  // what the server finally acknowledged
  int attempts = 0;                    // exchanges started
  std::string message;                 // why, for the user, when not accepted
};

using LogFn = std::function<void(std::string_view line)>;
/// A uniformly distributed number in [0, 1).
using RandomFn = std::function<double()>;
using CollectFn = std::function<core::Result<core::HostReport>()>;

class Agent {
 public:
  Agent(AgentConfig config, Transport& transport, const StateDir& state, Waiter& waiter,
        const core::Clock& clock, RandomFn random, LogFn log);

  /// One run. `fresh` is this run's collection (or why it failed). `retry_deadline`, when set,
  /// bounds the retries: a wait that would end after it ends the run instead.
  CycleResult run_cycle(core::Result<core::HostReport> fresh,
                        std::optional<std::chrono::steady_clock::time_point> retry_deadline = {});

  /// The daemon: collect, run_cycle, wait interval + jitter; returns when the waiter is stopped.
  void run_daemon(const CollectFn& collect, Millis interval, Millis jitter);

 private:
  struct Prepared;
  core::Result<Prepared> prepare(core::Result<core::HostReport> fresh);

  AgentConfig config_;
  Transport& transport_;
  const StateDir& state_;
  Waiter& waiter_;
  const core::Clock& clock_;
  RandomFn random_;
  LogFn log_;
};

}  // namespace fleetpatch::agent
