#include "agent/agent.hpp"

#include <utility>

#include "hoststate/host_report_json.hpp"
#include "store/store.hpp"

namespace fleetpatch::agent {

std::string_view to_string(CycleOutcome outcome) {
  switch (outcome) {
    case CycleOutcome::kAccepted:
      return "accepted";
    case CycleOutcome::kGaveUp:
      return "gave-up";
    case CycleOutcome::kFailed:
      return "failed";
    case CycleOutcome::kStopped:
      return "stopped";
  }
  return "?";
}

/// The report as it will be sent: its JSON (the bytes spooled and PUT) and what the unchanged
/// marker needs. The hash is taken over the report parsed back from that JSON, which is what
/// the server parses and hashes, so both sides hash the same value.
struct Agent::Prepared {
  std::string json;
  std::string hash;
  std::string hostname;
  std::string collected_at;
};

Agent::Agent(AgentConfig config, Transport& transport, const StateDir& state, Waiter& waiter,
             const core::Clock& clock, RandomFn random, LogFn log)
    : config_(std::move(config)),
      transport_(transport),
      state_(state),
      waiter_(waiter),
      clock_(clock),
      random_(std::move(random)),
      log_(std::move(log)) {}

core::Result<Agent::Prepared> Agent::prepare(core::Result<core::HostReport> fresh) {
  std::optional<core::HostReport> spooled;
  auto spool_text = state_.read_spool();
  if (!spool_text.ok()) log_("spool: " + spool_text.error().message);
  const bool spool_present = spool_text.ok() && spool_text->has_value();
  if (spool_present) {
    auto parsed =
        hoststate::host_report_from_json(**spool_text, state_.path() + "/spool/report.json");
    if (!parsed.ok()) {
      log_("spool: " + parsed.error().message);
    } else if (parsed->host.id != config_.host_id) {
      log_("spool: the spooled report is for host '" + parsed->host.id + "', not '" +
           config_.host_id + "'");
    } else {
      spooled = std::move(*parsed);
    }
  }
  if (!fresh.ok()) log_("collect: " + fresh.error().message);
  const SpoolPlan plan = plan_spool(fresh.ok(), spool_present, spooled.has_value());
  if (spool_present || !fresh.ok()) log_("spool: " + plan.why);
  if (plan.discard_spool) {
    if (auto cleared = state_.clear_spool(); !cleared.ok())
      log_("spool: " + cleared.error().message);
  }
  if (plan.source == ReportSource::kNone) {
    return core::not_found(fresh.ok() ? plan.why : fresh.error().message + " (" + plan.why + ")");
  }

  core::HostReport report = plan.source == ReportSource::kFresh ? std::move(*fresh) : *spooled;
  if (report.host.id != config_.host_id) {
    return core::invalid_argument("the report's host id '" + report.host.id +
                                  "' is not the agent's '" + config_.host_id + "'");
  }
  Prepared prepared;
  prepared.json = hoststate::to_json(report, /*pretty=*/false);
  auto reparsed = hoststate::host_report_from_json(prepared.json, "report");
  if (!reparsed.ok())
    return reparsed.error();  // a collector bug: to_json wrote what it cannot read
  prepared.hash = store::report_content_hash(*reparsed);
  prepared.hostname = report.host.hostname;
  prepared.collected_at = report.collected_at;
  if (plan.write_spool) {
    // The spool is the safety net, not a precondition: a full disk must not stop reporting.
    if (auto written = state_.write_spool(prepared.json); !written.ok()) {
      log_("spool: " + written.error().message + " (sending anyway)");
    }
  }
  return prepared;
}

CycleResult Agent::run_cycle(core::Result<core::HostReport> fresh,
                             std::optional<std::chrono::steady_clock::time_point> retry_deadline) {
  CycleResult result;
  auto prepared = prepare(std::move(fresh));
  if (!prepared.ok()) {
    result.outcome = CycleOutcome::kFailed;
    result.message = prepared.error().message;
    return result;
  }
  const std::string& host_id = config_.host_id;

  std::string token;
  if (auto stored = state_.read_token(); !stored.ok()) {
    log_("token: " + stored.error().message + "; enrolling again");
  } else if (*stored) {
    if ((*stored)->server == config_.server && (*stored)->host_id == host_id) {
      token = (*stored)->token;
    } else {
      log_("token: issued for another server or host id; enrolling again");
    }
  }
  std::optional<LastAccepted> last;
  if (auto read = state_.read_last_accepted(); read.ok()) {
    last = std::move(*read);
  } else {
    log_("state: " + read.error().message + "; sending the full report");
  }
  const SendKind kind = choose_send(last, config_.server, host_id, prepared->hash);

  for (int attempt = 1;; ++attempt) {
    result.attempts = attempt;
    ExchangeState state = start_exchange(!token.empty(), kind);
    std::optional<std::int64_t> retry_after;
    std::string last_problem;
    while (state.step != Step::kAccepted && state.step != Step::kRetry &&
           state.step != Step::kFail) {
      if (waiter_.stop_requested()) {
        result.outcome = CycleOutcome::kStopped;
        result.message = "stopped; the report stays spooled";
        return result;
      }
      HttpRequest request;
      if (state.step == Step::kEnroll) {
        auto secret =
            config_.enroll_secret
                ? config_.enroll_secret()
                : core::Result<std::string>(core::not_found("no enrollment secret configured"));
        if (!secret.ok()) {
          result.outcome = CycleOutcome::kFailed;
          result.message = "cannot enroll: " + secret.error().message;
          return result;
        }
        request = enroll_request(*secret, host_id, prepared->hostname);
      } else if (state.step == Step::kSendUnchanged) {
        request = unchanged_request(host_id, token, prepared->hash, prepared->collected_at);
      } else {
        request = full_report_request(host_id, token, prepared->json);
      }
      const Step sent_step = state.step;
      long status = 0;
      std::string body;
      if (auto response = transport_.send(request); response.ok()) {
        status = response->status;
        body = std::move(response->body);
        retry_after = response->retry_after_seconds;
      } else {
        last_problem = response.error().message;
      }
      Transition transition = advance(state, status);
      if (status != 0 && (status < 200 || status >= 300)) {
        last_problem = "HTTP " + std::to_string(status) + ": " + error_summary(body);
      }

      if (sent_step == Step::kEnroll && transition.state.step != Step::kRetry &&
          transition.state.step != Step::kFail) {
        auto reply = parse_enroll_reply(body);
        if (!reply.ok()) {
          last_problem = reply.error().message;
          transition = {state, "unreadable enrollment reply"};
          transition.state.step = Step::kRetry;
        } else {
          token = reply->token;
          if (auto saved = state_.write_token({config_.server, host_id, token}); !saved.ok()) {
            log_("token: " + saved.error().message + " (kept in memory for this run)");
          }
          log_("enrolled as " + host_id + " with " + config_.server);
        }
      }
      if (transition.state.step == Step::kAccepted) {
        auto ack = parse_ack(body);
        LastAccepted accepted;
        accepted.server = config_.server;
        accepted.host_id = host_id;
        accepted.accepted_at = core::format_rfc3339(clock_.now());
        if (ack.ok()) {
          // The server's hash is the one its unchanged check compares with: remember that one.
          accepted.report_hash = ack->report_hash;
          accepted.delta = ack->delta;
          accepted.report_seq = ack->report_seq;
          if (ack->report_hash != prepared->hash) {
            log_(
                "note: the server's report hash differs from the agent's; unchanged markers "
                "would not match, so full reports will be sent");
          }
          result.ack = *ack;
        } else {
          log_("note: " + ack.error().message + "; the next report is sent in full");
        }
        result.sent_as = sent_step == Step::kSendUnchanged ? SendKind::kUnchanged : SendKind::kFull;
        if (auto saved = state_.write_last_accepted(accepted); !saved.ok()) {
          log_("state: " + saved.error().message);
        }
        if (auto cleared = state_.clear_spool(); !cleared.ok()) {
          log_("spool: " + cleared.error().message);
        }
        log_(std::string("report accepted (") + std::string(to_string(result.sent_as)) +
             (ack.ok() ? ", seq " + std::to_string(ack->report_seq) +
                             (ack->changed ? ", content changed" : ", content unchanged") +
                             (ack->delta ? ", delta allowed" : "")
                       : std::string()) +
             ")");
        result.outcome = CycleOutcome::kAccepted;
        return result;
      }
      if (sent_step != Step::kEnroll || transition.state.step == Step::kRetry ||
          transition.state.step == Step::kFail) {
        log_(std::string(to_string(sent_step)) + ": " + transition.why +
             (last_problem.empty() || transition.state.step == Step::kSendFull ||
                      transition.state.step == Step::kEnroll
                  ? std::string()
                  : " (" + last_problem + ")"));
      }
      state = transition.state;
    }
    if (state.step == Step::kFail) {
      result.outcome = CycleOutcome::kFailed;
      result.message = last_problem.empty() ? "the server refused the report" : last_problem;
      return result;
    }
    // kRetry: the server is away or busy.
    if (config_.max_attempts > 0 && attempt >= config_.max_attempts) {
      result.outcome = CycleOutcome::kGaveUp;
      result.message = "server " + config_.server + " not reachable after " +
                       std::to_string(attempt) + " attempt" + (attempt == 1 ? "" : "s") +
                       (last_problem.empty() ? "" : " (last: " + last_problem + ")") +
                       "; the report stays spooled in " + state_.path() + "/spool";
      return result;
    }
    const double u = random_ ? random_() : 0.5;
    const Millis delay = retry_after ? retry_delay_with_hint(config_.backoff, attempt, u,
                                                             std::chrono::seconds(*retry_after))
                                     : retry_delay(config_.backoff, attempt, u);
    if (retry_deadline && std::chrono::steady_clock::now() + delay > *retry_deadline) {
      result.outcome = CycleOutcome::kGaveUp;
      result.message = "server " + config_.server +
                       " still not reachable when the next run is due" +
                       "; the report stays spooled";
      return result;
    }
    log_("retry " + std::to_string(attempt + 1) + " in " + format_duration(delay));
    if (!waiter_.wait(delay)) {
      result.outcome = CycleOutcome::kStopped;
      result.message = "stopped; the report stays spooled";
      return result;
    }
  }
}

void Agent::run_daemon(const CollectFn& collect, Millis interval, Millis jitter) {
  log_("daemon: every " + format_duration(interval) + " + up to " + format_duration(jitter) +
       " jitter, server " + config_.server);
  for (;;) {
    const Millis delay = next_run_delay(interval, jitter, random_ ? random_() : 0.5);
    const auto next_run = std::chrono::steady_clock::now() + delay;
    const CycleResult result = run_cycle(collect(), next_run);
    if (result.outcome == CycleOutcome::kStopped) break;
    if (result.outcome != CycleOutcome::kAccepted) {
      log_(std::string(to_string(result.outcome)) + ": " + result.message);
    }
    const auto left =
        std::chrono::duration_cast<Millis>(next_run - std::chrono::steady_clock::now());
    log_("next run in " + format_duration(std::max(left, Millis{0})));
    if (!waiter_.wait(std::max(left, Millis{0}))) break;
  }
  log_("daemon: stopped");
}

}  // namespace fleetpatch::agent
