// `fleetpatch agent --server URL [--once | --interval 1h --jitter 10m] ...`: collect this host's
// report and send it to the fleet server (docs/agent.md). The logic lives in src/agent/; this
// file wires the real collector, libcurl transport, state directory and signals into it.
#include "agent/agent.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "agent/http_transport.hpp"
#include "agent/protocol.hpp"
#include "agent/schedule.hpp"
#include "agent/state_dir.hpp"
#include "agent/waiter.hpp"
#include "commands/commands.hpp"
#include "hoststate/collect.hpp"
#include "hoststate/process.hpp"

namespace fleetpatch::cli {
namespace {

std::string trim(std::string text) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

bool is_loopback_url(const std::string& url) {
  const auto host_start = url.find("://");
  if (host_start == std::string::npos) return false;
  const std::string rest = url.substr(host_start + 3);
  return rest.rfind("127.", 0) == 0 || rest.rfind("localhost", 0) == 0 ||
         rest.rfind("[::1]", 0) == 0;
}

}  // namespace

void add_agent_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "agent", "Send this host's report to the fleet server (once, or as a daemon)");
  struct Args {
    std::string server;
    std::string enroll_secret_file;
    std::string root = "/";
    std::string host_id, hostname;
    std::vector<std::string> tags;
    bool once = false;
    std::string interval = "1h";
    std::string jitter = "10m";
    std::string state_dir;
    std::string ca_file;
    int max_attempts = -1;  // -1: the mode's default
    std::string retry_initial = "2s";
    std::string retry_max = "5m";
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--server", args->server,
                  "fleet server URL, https://HOST[:PORT] (default: $FLEETPATCH_SERVER)")
      ->envname("FLEETPATCH_SERVER")
      ->required();
  cmd->add_option("--enroll-secret-file", args->enroll_secret_file,
                  "file holding the enrollment secret (default: $FLEETPATCH_ENROLL_SECRET); "
                  "read only when the agent has to enroll");
  cmd->add_option("--root", args->root, "collect from this root file system (default /)");
  cmd->add_option("--host-id", args->host_id,
                  "host id (default: ROOT/etc/machine-id; required when there is none)");
  cmd->add_option("--hostname", args->hostname, "host name (default: ROOT/etc/hostname)");
  cmd->add_option("--tag", args->tags, "host tag (repeatable)");
  auto* once = cmd->add_flag("--once", args->once, "send one report and exit (cron, tests)");
  cmd->add_option("--interval", args->interval, "daemon: time between reports (default 1h)")
      ->excludes(once);
  cmd->add_option("--jitter", args->jitter,
                  "daemon: up to this much random delay added to each interval (default 10m)")
      ->excludes(once);
  cmd->add_option("--state-dir", args->state_dir,
                  "token, last acknowledgement and spool (default: DATA_DIR/agent)");
  cmd->add_option("--ca-file", args->ca_file, "PEM CA bundle to verify the server with")
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-attempts", args->max_attempts,
                  "attempts per report before giving up (default 5 with --once; the daemon "
                  "retries until its next run, 0 = the same)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--retry-initial", args->retry_initial,
                  "first retry delay; doubles per attempt (default 2s)");
  cmd->add_option("--retry-max", args->retry_max, "longest retry delay (default 5m)");

  cmd->callback([&ctx, exit_code, args] {
    // First, before any thread exists: SIGTERM/SIGINT become a stop request (waiter.hpp).
    agent::SignalWaiter waiter;
    std::ostream& err = *ctx.err;
    const auto usage = [&](const std::string& message) {
      err << "fleetpatch agent: " << message << "\n";
      *exit_code = kExitUsage;
    };

    const auto server = agent::normalize_server_url(args->server);
    if (!server.ok()) return usage(server.error().message);
    const auto interval = agent::parse_duration(args->interval);
    if (!interval.ok()) return usage("--interval: " + interval.error().message);
    if (interval->count() < 1000) return usage("--interval: at least 1s");
    const auto jitter = agent::parse_duration(args->jitter);
    if (!jitter.ok()) return usage("--jitter: " + jitter.error().message);
    const auto retry_initial = agent::parse_duration(args->retry_initial);
    if (!retry_initial.ok()) return usage("--retry-initial: " + retry_initial.error().message);
    const auto retry_max = agent::parse_duration(args->retry_max);
    if (!retry_max.ok()) return usage("--retry-max: " + retry_max.error().message);

    std::string host_id = args->host_id;
    if (host_id.empty()) {
      const std::string path = core::join_root(args->root, "/etc/machine-id");
      auto text = ctx.env->read_file(path);
      if (text.ok()) host_id = trim(text->substr(0, text->find('\n')));
      if (host_id.empty()) return usage("no machine id in " + path + ": give --host-id");
    }

    const std::string state_path =
        args->state_dir.empty() ? ctx.data_dir() + "/agent" : args->state_dir;
    auto state = agent::StateDir::open(state_path);
    if (!state.ok()) {
      err << "fleetpatch agent: " << state.error().message << "\n";
      *exit_code = kExitError;
      return;
    }

    const auto log = [&err](std::string_view line) {
      err << "fleetpatch agent: " << line << "\n";
      err.flush();
    };
    if (server->rfind("http://", 0) == 0 && !is_loopback_url(*server)) {
      log("warning: plain http: the enrollment secret and token travel unencrypted");
    }

    agent::AgentConfig config;
    config.server = *server;
    config.host_id = host_id;
    config.backoff = {*retry_initial, std::max(*retry_max, *retry_initial)};
    config.max_attempts = args->max_attempts >= 0 ? args->max_attempts : args->once ? 5 : 0;
    const std::string secret_file = args->enroll_secret_file;
    config.enroll_secret = [&ctx, secret_file]() -> core::Result<std::string> {
      std::string secret;
      if (!secret_file.empty()) {
        auto text = ctx.env->read_file(secret_file);
        if (!text.ok()) return text.error();
        secret = trim(std::move(*text));
        if (secret.empty()) return core::invalid_argument(secret_file + ": empty");
      } else if (const char* env_secret = std::getenv("FLEETPATCH_ENROLL_SECRET")) {
        secret = trim(env_secret);
      }
      if (secret.empty()) {
        return core::not_found(
            "no enrollment secret: give --enroll-secret-file or set FLEETPATCH_ENROLL_SECRET");
      }
      return secret;
    };

    agent::CurlTransportOptions transport_options;
    transport_options.base_url = *server;
    transport_options.ca_file = args->ca_file;
    transport_options.user_agent = std::string("fleetpatch-agent/") + FLEETPATCH_VERSION;
    transport_options.cancelled = [&waiter] { return waiter.stop_requested(); };
    agent::CurlTransport transport(transport_options);

    std::mt19937_64 engine{std::random_device{}()};
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    agent::Agent runner(
        config, transport, *state, waiter, *ctx.clock, [&] { return uniform(engine); }, log);

    const hoststate::PosixProcessRunner processes;
    const auto collect = [&]() -> core::Result<core::HostReport> {
      hoststate::CollectOptions options;
      options.root = args->root;
      options.host_id = host_id;
      if (!args->hostname.empty()) options.hostname = args->hostname;
      options.tags = args->tags;
      if (options.root == "/") options.tool_runner = &processes;
      core::Diagnostics diagnostics;
      auto report = hoststate::collect_host(*ctx.env, *ctx.clock, options, diagnostics);
      if (!diagnostics.empty()) {
        log("collect: " + std::to_string(diagnostics.size()) + " warning" +
            (diagnostics.size() == 1 ? "" : "s") +
            " (first: " + diagnostics.items().front().to_string() + ")");
      }
      if (report.ok()) {
        log("collected " + std::to_string(report->packages.size()) + " packages from " +
            args->root + " as host " + host_id);
      }
      return report;
    };

    if (args->once) {
      const agent::CycleResult result = runner.run_cycle(collect());
      if (result.outcome == agent::CycleOutcome::kAccepted) {
        *exit_code = kExitOk;
      } else {
        err << "fleetpatch agent: error: " << result.message << "\n";
        *exit_code = kExitError;
      }
      return;
    }
    runner.run_daemon(collect, *interval, *jitter);
    *exit_code = kExitOk;
  });
}

}  // namespace fleetpatch::cli
