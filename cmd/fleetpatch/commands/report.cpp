// `fleetpatch report --policy NAME|FILE [--as-of TIME] --format json|csv|sarif|cyclonedx-vex|html
// [-o FILE] [--exceptions FILE...] [--history DIR|FILE...] [--epss FILE]
// [--root DIR | --inventory FILE...]`:
// the compliance report (docs/compliance-report.md) of the selected hosts under a policy
// (docs/policy.md). History inventories (earlier reports of the same hosts) give first-seen and
// fixed findings; --inventory files of the same host at several times do the same.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "epss_store.hpp"
#include "host_selection.hpp"
#include "hoststate/collect.hpp"
#include "index/index.hpp"
#include "match/matcher.hpp"
#include "policy/evaluate.hpp"
#include "policy/exceptions.hpp"
#include "policy/history.hpp"
#include "policy/policy.hpp"
#include "policy/risk.hpp"
#include "report/compliance_report.hpp"
#include "report/cyclonedx_vex.hpp"
#include "report/html_report.hpp"
#include "report/sarif.hpp"

namespace fleetpatch::cli {
namespace {

namespace fs = std::filesystem;

struct ReportOutputOptions {
  bool pretty = true;
  bool summary_only = false;
  bool explain = false;
};

void write_json(std::ostream& out, const report::ComplianceReport& r,
                const ReportOutputOptions& o) {
  report::write_compliance_json(
      out, r, {.pretty = o.pretty, .include_findings = !o.summary_only, .explain = o.explain});
  out << "\n";
}

void write_csv(std::ostream& out, const report::ComplianceReport& r, const ReportOutputOptions&) {
  report::write_compliance_csv(out, r);
}

void write_sarif(std::ostream& out, const report::ComplianceReport& r,
                 const ReportOutputOptions& o) {
  report::write_compliance_sarif(out, r, {.tool_version = FLEETPATCH_VERSION, .pretty = o.pretty});
}

void write_vex(std::ostream& out, const report::ComplianceReport& r, const ReportOutputOptions& o) {
  report::write_compliance_vex(out, r, {.tool_version = FLEETPATCH_VERSION, .pretty = o.pretty});
}

void write_html(std::ostream& out, const report::ComplianceReport& r, const ReportOutputOptions&) {
  report::write_compliance_html(out, r, {.tool_version = FLEETPATCH_VERSION});
}

/// The one table of report formats (STYLE.md 1).
struct ReportFormat {
  const char* name;
  void (*write)(std::ostream&, const report::ComplianceReport&, const ReportOutputOptions&);
};
// clang-format off
constexpr ReportFormat kReportFormats[] = {
    {"json", write_json},
    {"csv", write_csv},
    {"sarif", write_sarif},
    {"cyclonedx-vex", write_vex},
    {"html", write_html},
};
// clang-format on

/// A built-in name, else a policy file.
core::Result<policy::Policy> load_policy(const Context& ctx, const std::string& name_or_path) {
  const bool looks_like_path =
      name_or_path.find('/') != std::string::npos || name_or_path.find('.') != std::string::npos;
  if (!looks_like_path || !ctx.env->exists(name_or_path)) {
    auto builtin = policy::builtin_policy(name_or_path);
    if (builtin.ok() || !looks_like_path) return builtin;
  }
  auto text = ctx.env->read_file(name_or_path);
  if (!text.ok()) return text.error();
  return policy::parse_policy(*text, name_or_path);
}

core::Result<policy::ExceptionSet> load_exceptions(const Context& ctx,
                                                   const std::vector<std::string>& files) {
  policy::ExceptionSet all;
  for (const auto& file : files) {
    auto text = ctx.env->read_file(file);
    if (!text.ok()) return text.error();
    auto set = policy::parse_exceptions(*text, file);
    if (!set.ok()) return set.error();
    for (auto& rec : set->records) {
      for (const auto& other : all.records) {
        if (other.id == rec.id) {
          return core::invalid_argument(rec.source + ":" + std::to_string(rec.line) +
                                        ": duplicate id \"" + rec.id + "\" (also " + other.source +
                                        ":" + std::to_string(other.line) + ")");
        }
      }
      all.records.push_back(std::move(rec));
    }
  }
  return all;
}

/// History files: each path is a file, or a directory whose files (not subdirectories) are read.
core::Result<std::vector<core::HostReport>> load_history(const Context& ctx,
                                                         const core::Clock& clock,
                                                         const std::vector<std::string>& paths,
                                                         core::Diagnostics& diagnostics) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    if (!ctx.env->is_directory(path)) {
      files.push_back(path);
      continue;
    }
    auto names = ctx.env->list_directory(path);
    if (!names.ok()) return names.error();
    for (const auto& name : *names) {
      const std::string file = (fs::path(path) / name).string();
      if (!ctx.env->is_directory(file)) files.push_back(file);
    }
  }
  std::vector<core::HostReport> reports;
  for (const auto& file : files) {
    auto report = hoststate::import_file(*ctx.env, clock, file, diagnostics);
    if (!report.ok()) return report.error();
    reports.push_back(std::move(report).value());
  }
  return reports;
}

std::string host_key(const core::HostIdentity& h) { return h.id.empty() ? h.hostname : h.id; }

/// Writes to a temporary file beside `path` and renames it over, so a reader never sees half a
/// report.
core::Status write_file_atomic(const std::string& path,
                               const std::function<void(std::ostream&)>& write) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return core::io_error(tmp + ": cannot create");
    write(out);
    out.flush();
    if (!out) return core::io_error(tmp + ": write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return core::io_error(path + ": " + ec.message());
  return {};
}

}  // namespace

void add_report_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "report", "Compliance report: deadlines, status and risk of every finding under a policy");
  struct Args {
    HostSelection selection;
    std::string policy = "soc2";
    std::string format = "json";
    std::string output;
    std::string as_of;
    std::vector<std::string> exceptions;
    std::vector<std::string> history;
    std::string epss;
    bool summary = false;
    bool explain = false;
    bool compact = false;
    bool fail_on_overdue = false;
    std::size_t fix_first = 20;
    unsigned threads = 0;
  };
  auto args = std::make_shared<Args>();
  std::string policies;
  for (const auto& b : policy::builtin_policies()) {
    policies += policies.empty() ? "" : ", ";
    policies += b.name;
  }
  std::vector<std::string> formats;
  for (const auto& f : kReportFormats) formats.emplace_back(f.name);
  cmd->add_option("--policy", args->policy,
                  "a built-in policy (" + policies + ") or a policy file (docs/policy.md)")
      ->capture_default_str();
  cmd->add_option("--format", args->format, "output format")
      ->check(CLI::IsMember(formats))
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "write the report to FILE (default: stdout)");
  add_as_of(cmd, args->as_of);
  cmd->add_option("--exceptions", args->exceptions,
                  "exceptions and mitigations file(s) (docs/policy.md)");
  cmd->add_option("--history", args->history,
                  "earlier inventories of the same hosts (files or directories): first-seen, "
                  "fixed findings and time to fix");
  cmd->add_option("--epss", args->epss,
                  "FIRST EPSS CSV (plain or .gz) for the risk score (default: the scores "
                  "`feed import` stored in the data directory)");
  add_host_selection(cmd, args->selection, "report on");
  cmd->add_flag("--summary", args->summary, "JSON: the summary sections without the findings");
  cmd->add_flag("--explain", args->explain, "JSON: each finding's risk score breakdown");
  cmd->add_flag("--compact", args->compact, "JSON on one line");
  cmd->add_flag("--fail-on-overdue", args->fail_on_overdue,
                "exit 3 when a finding is overdue (a host is not compliant)");
  cmd->add_option("--fix-first", args->fix_first, "length of the fix-first list")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads,
                  "matching and report-building threads (default: all cores; the report is the "
                  "same for any number)");

  cmd->callback([&ctx, exit_code, args] {
    std::ostream& err = *ctx.err;
    const auto fail = [&](const std::string& message, int code = kExitError) {
      err << "fleetpatch report: " << message << "\n";
      *exit_code = code;
    };

    std::optional<core::FixedClock> as_of_clock;
    auto clock = command_clock(ctx, args->as_of, as_of_clock);
    if (!clock.ok()) return fail(clock.error().message, kExitUsage);

    auto pol = load_policy(ctx, args->policy);
    if (!pol.ok()) return fail(pol.error().message, kExitUsage);
    auto exceptions = load_exceptions(ctx, args->exceptions);
    if (!exceptions.ok()) return fail(exceptions.error().message);

    std::string epss_model;
    auto loaded_epss = load_epss_scores(ctx, args->epss, &epss_model);
    if (!loaded_epss.ok()) return fail(loaded_epss.error().message);
    const std::optional<policy::EpssScores>& epss = *loaded_epss;

    if (args->selection.empty()) {
      return fail(
          "no hosts selected: give --inventory FILE... or --root DIR (reporting on the fleet "
          "stored in the data directory needs the fleet store, which is not there yet)",
          kExitUsage);
    }
    core::Diagnostics diagnostics;
    auto selected = load_hosts(ctx, **clock, args->selection, false, diagnostics);
    auto history = selected.ok() ? load_history(ctx, **clock, args->history, diagnostics)
                                 : core::Result<std::vector<core::HostReport>>(selected.error());
    for (const auto& d : diagnostics.items()) err << "warning: " << d.to_string() << "\n";
    if (!selected.ok()) return fail(selected.error().message);
    if (!history.ok()) return fail(history.error().message);

    const std::string index_path =
        (fs::path(ctx.data_dir()) / "index" / std::string(index::kIndexFileName)).string();
    auto index = index::Index::open(index_path);
    if (!index.ok()) return fail(index.error().message);

    // Every inventory, selected or history, is matched once; per host the latest selected one
    // is current and all the others are its history.
    std::vector<core::HostReport> reports = std::move(selected).value();
    const std::size_t selected_count = reports.size();
    for (auto& h : *history) reports.push_back(std::move(h));
    match::MatchOptions match_options;
    match_options.threads = args->threads;
    // End-of-life findings at the report's time; history inventories too, so that a host moved
    // to a supported release shows its end-of-life finding fixed.
    match_options.as_of = (*clock)->now();
    const match::Matcher matcher(*index, match_options);
    const std::vector<core::HostFindings> findings = matcher.match_fleet(reports);

    std::vector<std::optional<core::TimePoint>> times(reports.size());
    for (std::size_t i = 0; i < reports.size(); ++i) {
      if (auto t = core::parse_rfc3339(reports[i].collected_at); t.ok()) times[i] = *t;
    }
    std::map<std::string, std::size_t> current;  // host key -> report index
    std::vector<std::string> order;              // host keys in selection order
    for (std::size_t i = 0; i < selected_count; ++i) {
      const std::string key = host_key(reports[i].host);
      const auto [it, inserted] = current.emplace(key, i);
      if (inserted) {
        order.push_back(key);
      } else if (times[i].value_or(core::TimePoint::min()) >=
                 times[it->second].value_or(core::TimePoint::min())) {
        it->second = i;
      }
    }
    std::map<std::string, std::vector<policy::Snapshot>> snapshots;
    std::size_t orphans = 0;
    for (std::size_t i = 0; i < reports.size(); ++i) {
      const std::string key = host_key(reports[i].host);
      const auto it = current.find(key);
      if (it == current.end()) {
        ++orphans;
        continue;
      }
      if (it->second == i) continue;
      if (!times[i]) {
        err << "warning: an earlier inventory of " << key
            << " has no collected_at time; left out of the history\n";
        continue;
      }
      snapshots[key].push_back({*times[i], &findings[i]});
    }
    if (orphans > 0) {
      err << "note: " << orphans << " history inventory(ies) of hosts not selected were left out\n";
    }

    const policy::Evaluator evaluator(*pol, &*exceptions, epss ? &*epss : nullptr, **clock);
    report::BuildOptions build;
    build.fix_first = args->fix_first;
    std::vector<report::HostInput> inputs;
    inputs.reserve(order.size());
    for (const auto& key : order) {
      const std::size_t i = current.at(key);
      inputs.push_back({&reports[i], &findings[i], snapshots[key]});
    }
    report::ComplianceReport result =
        report::build_compliance_report(evaluator, &*exceptions, build, inputs, args->threads);
    result.epss_model = epss_model;

    const ReportFormat* format = nullptr;
    for (const auto& f : kReportFormats) {
      if (args->format == f.name) format = &f;
    }
    const ReportOutputOptions output{
        .pretty = !args->compact, .summary_only = args->summary, .explain = args->explain};
    if (args->output.empty()) {
      format->write(*ctx.out, result, output);
    } else {
      auto status = write_file_atomic(
          args->output, [&](std::ostream& out) { format->write(out, result, output); });
      if (!status.ok()) return fail(status.error().message);
      const auto& s = result.summary;
      *ctx.out << "wrote " << args->output << ": " << result.policy << ", " << s.hosts
               << " host(s), " << s.hosts_compliant << " compliant, " << s.counts.findings
               << " finding(s), " << s.counts.overdue << " overdue, " << s.counts.due_soon
               << " due soon\n";
    }
    *exit_code = kExitOk;
    if (args->fail_on_overdue && result.summary.counts.overdue > 0) *exit_code = kExitFindings;
  });
}

}  // namespace fleetpatch::cli
