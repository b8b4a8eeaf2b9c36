// `fleetpatch scan [--root DIR | --inventory FILE...] [--as-of TIME] [--format table|json]
// [--severity LIST] [--ignore-unfixed] [--fail-on SEVERITY] [--explain] [--epss FILE]`: match
// hosts against the advisory index in <data-dir>/index/ and print the findings, each host's by
// risk score, highest first (docs/scan-result.md). Exit 3 when --fail-on is met.
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "core/advisory.hpp"
#include "epss_store.hpp"
#include "host_selection.hpp"
#include "index/index.hpp"
#include "match/matcher.hpp"
#include "policy/risk.hpp"
#include "report/scan_report.hpp"

namespace fleetpatch::cli {
namespace {

/// A severity word from the command line: the normalised names and the vendors' words that
/// core::severity_from_vendor knows ("important", "moderate", ...).
std::optional<core::Severity> parse_severity(const std::string& word) {
  const core::Severity s = core::severity_from_vendor(word);
  if (s == core::Severity::kUnknown && word != "unknown") return std::nullopt;
  return s;
}

}  // namespace

void add_scan_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "scan", "Match hosts against the advisory index and print their vulnerable packages");
  struct Args {
    HostSelection selection;
    std::string as_of;
    std::string format = "table";
    std::vector<std::string> severities;
    bool ignore_unfixed = false;
    std::string fail_on;
    bool compact = false;
    bool explain = false;
    std::string epss;
    unsigned threads = 0;
  };
  auto args = std::make_shared<Args>();
  add_host_selection(cmd, args->selection, "scan");
  add_as_of(cmd, args->as_of);
  cmd->add_option("--format", args->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("--severity", args->severities,
                  "only these severities, comma-separated (critical,high,medium,low,unknown)")
      ->delimiter(',');
  cmd->add_flag("--ignore-unfixed", args->ignore_unfixed,
                "leave out findings without a fixed version (unfixed, will-not-fix)");
  cmd->add_option("--fail-on", args->fail_on,
                  "exit 3 when a finding of this severity or higher is reported");
  cmd->add_flag("--compact", args->compact, "JSON on one line");
  cmd->add_flag("--explain", args->explain,
                "show each finding's risk score breakdown (table: a line under it; JSON: "
                "risk_breakdown)");
  cmd->add_option("--epss", args->epss,
                  "FIRST EPSS CSV (plain or .gz) for the risk score (default: the scores "
                  "`feed import` stored in the data directory)");
  cmd->add_option("--threads", args->threads, "matching threads (default: all cores)");

  cmd->callback([&ctx, exit_code, args] {
    std::ostream& err = *ctx.err;
    match::MatchOptions options;
    options.ignore_unfixed = args->ignore_unfixed;
    options.threads = args->threads;
    for (const auto& word : args->severities) {
      const auto s = parse_severity(word);
      if (!s) {
        err << "fleetpatch scan: unknown severity \"" << word
            << "\" (critical, high, medium, low, unknown)\n";
        *exit_code = kExitUsage;
        return;
      }
      options.severities.push_back(*s);
    }
    std::optional<core::Severity> fail_on;
    if (!args->fail_on.empty()) {
      fail_on = parse_severity(args->fail_on);
      if (!fail_on) {
        err << "fleetpatch scan: unknown --fail-on severity \"" << args->fail_on << "\"\n";
        *exit_code = kExitUsage;
        return;
      }
    }

    const std::string path =
        (std::filesystem::path(ctx.data_dir()) / "index" / std::string(index::kIndexFileName))
            .string();
    auto index = index::Index::open(path);
    if (!index.ok()) {
      err << "fleetpatch scan: " << index.error().message << "\n";
      *exit_code = kExitError;
      return;
    }

    std::optional<core::FixedClock> as_of_clock;
    auto clock = command_clock(ctx, args->as_of, as_of_clock);
    if (!clock.ok()) {
      err << "fleetpatch scan: " << clock.error().message << "\n";
      *exit_code = kExitUsage;
      return;
    }
    core::Diagnostics diagnostics;
    auto loaded = load_hosts(ctx, **clock, args->selection, /*local_default=*/true, diagnostics);
    for (const auto& d : diagnostics.items()) err << "warning: " << d.to_string() << "\n";
    if (!loaded.ok()) {
      err << "fleetpatch scan: " << loaded.error().message << "\n";
      *exit_code = kExitError;
      return;
    }
    std::vector<core::HostReport> hosts = std::move(loaded).value();

    // End-of-life findings are judged at the scan's time (--as-of, else now), read once.
    options.as_of = (*clock)->now();
    const match::Matcher matcher(*index, options);
    std::vector<core::HostFindings> results = matcher.match_fleet(hosts);

    // What to fix first comes first: each host's findings by risk score (docs/policy.md "Risk
    // score"), the matcher's order breaking ties.
    auto epss = load_epss_scores(ctx, args->epss);
    if (!epss.ok()) {
      err << "fleetpatch scan: " << epss.error().message << "\n";
      *exit_code = kExitError;
      return;
    }
    const policy::EpssScores* scores = *epss ? &**epss : nullptr;
    std::vector<std::vector<policy::RiskBreakdown>> risk;
    risk.reserve(results.size());
    for (auto& host : results) risk.push_back(policy::sort_by_risk(host.findings, scores));

    if (args->format == "json") {
      report::write_scan_json(*ctx.out, results,
                              {.pretty = !args->compact, .risk = risk, .explain = args->explain});
      *ctx.out << "\n";
    } else {
      report::write_scan_table(*ctx.out, results, {.risk = risk, .explain = args->explain});
    }

    *exit_code = kExitOk;
    if (fail_on) {
      for (const auto& host : results) {
        for (const auto& f : host.findings) {
          if (f.severity >= *fail_on) *exit_code = kExitFindings;
        }
      }
    }
  });
}

}  // namespace fleetpatch::cli
