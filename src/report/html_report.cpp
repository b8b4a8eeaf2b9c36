#include "report/html_report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>

#include "report/render_util.hpp"
#include "report/scan_report.hpp"
#include "report/svg_chart.hpp"

namespace fleetpatch::report {
namespace {

using svg::escape;

// Colours are chosen to stay distinct in greyscale print too (dark to light in severity order).
constexpr std::string_view kStyle = R"css(
:root {
  --ink: #1f2933; --muted: #5f6b7a; --rule: #d9dee5; --band: #f4f6f9; --accent: #1d4ed8;
  --critical: #7f1d1d; --high: #c2410c; --medium: #ca8a04; --low: #2563eb; --unknown: #6b7280;
  --overdue: #b91c1c; --due-soon: #d97706; --open: #64748b; --mitigated: #0f766e;
  --excepted: #7c3aed; --fixed: #15803d;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
header.page { border-bottom: 3px solid var(--ink); padding-bottom: 12px; margin-bottom: 18px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 code { font-size: inherit; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 15px; margin: 18px 0 8px; }
.meta { color: var(--muted); margin: 2px 0; }
.lead { font-size: 16px; margin: 10px 0 0; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 8px 0 0; font-size: 13px; }
nav.toc a { color: var(--accent); text-decoration: none; }
a { color: var(--accent); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(128px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--rule); border-left: 6px solid var(--open); border-radius: 6px;
  padding: 10px 12px; background: #fff; break-inside: avoid; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 30px; font-weight: 700; line-height: 1.15; }
.card .sub { color: var(--muted); font-size: 12px; }
.card.compliant { border-left-color: var(--fixed); }
.card.overdue { border-left-color: var(--overdue); }
.card.overdue .value { color: var(--overdue); }
.card.due-soon { border-left-color: var(--due-soon); }
.card.mitigated { border-left-color: var(--mitigated); }
.card.excepted { border-left-color: var(--excepted); }
.card.fixed { border-left-color: var(--fixed); }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 4px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; }
thead { display: table-header-group; }
.zero { color: #b8c0cc; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; }
.wrap { overflow-wrap: break-word; }
.nowrap, td.date { white-space: nowrap; }
td.risk-cell { white-space: nowrap; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600;
  color: #fff; white-space: nowrap; background: var(--open); }
.badge.critical { background: var(--critical); } .badge.high { background: var(--high); }
.badge.medium { background: var(--medium); } .badge.low { background: var(--low); }
.badge.unknown { background: var(--unknown); }
.badge.overdue { background: var(--overdue); } .badge.due-soon { background: var(--due-soon); }
.badge.open { background: var(--open); } .badge.mitigated { background: var(--mitigated); }
.badge.excepted { background: var(--excepted); } .badge.fixed { background: var(--fixed); }
.badge.yes { background: var(--fixed); } .badge.no { background: var(--overdue); }
.badge.kev { background: #111827; }
.risk { display: inline-block; width: 46px; height: 8px; background: var(--band); border-radius: 4px;
  margin-right: 6px; vertical-align: middle; overflow: hidden; }
.risk > span { display: block; height: 100%; background: var(--overdue); }
.note { color: var(--muted); font-size: 13px; }
.charts { display: grid; grid-template-columns: 1fr; gap: 18px; }
figure { margin: 0; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart text { font-size: 11px; fill: var(--ink); }
svg.chart .tick, svg.chart .axis-label { fill: var(--muted); }
svg.chart .total { font-weight: 600; }
svg.chart .grid line { stroke: var(--rule); stroke-width: 1; }
svg.chart line.axis { stroke: var(--ink); stroke-width: 1; }
svg.chart .marker line { stroke: var(--overdue); stroke-width: 1.5; stroke-dasharray: 5 3; }
svg.chart .marker text { fill: var(--overdue); font-weight: 600; paint-order: stroke;
  stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg.chart .legend line { stroke-width: 3; }
svg.chart .series polyline { stroke-width: 2.5; }
.sev-critical { fill: var(--critical); stroke: var(--critical); }
.sev-high { fill: var(--high); stroke: var(--high); }
.sev-medium { fill: var(--medium); stroke: var(--medium); }
.sev-low { fill: var(--low); stroke: var(--low); }
.sev-unknown { fill: var(--unknown); stroke: var(--unknown); }
.st-overdue { fill: var(--overdue); stroke: var(--overdue); }
.st-due-soon { fill: var(--due-soon); stroke: var(--due-soon); }
.st-open { fill: var(--open); stroke: var(--open); }
.st-mitigated { fill: var(--mitigated); stroke: var(--mitigated); }
.st-excepted { fill: var(--excepted); stroke: var(--excepted); }
.st-within { fill: #94a3b8; stroke: #94a3b8; }
.series.st-open circle, .series.st-overdue circle { stroke: #fff; stroke-width: 1; }
.series polyline { fill: none !important; }
details { border: 1px solid var(--rule); border-radius: 6px; margin: 8px 0; padding: 0 10px; }
details > summary { cursor: pointer; padding: 8px 0; font-weight: 600; }
details[open] > summary { border-bottom: 1px solid var(--rule); margin-bottom: 6px; }
footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--rule); color: var(--muted);
  font-size: 12px; }
@media (min-width: 1000px) { .charts.two { grid-template-columns: 1fr 1fr; } }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; }
  h2, h3 { page-break-after: avoid; }
  .cards { grid-template-columns: repeat(4, 1fr); }
  .card .value { font-size: 20pt; }
  table { font-size: 9pt; }
  th, td { padding: 3px 5px; }
  a { color: inherit; text-decoration: none; }
  details { border: none; padding: 0; }
  details > summary { list-style: none; }
  section { break-inside: auto; }
}
)css";

// Opens every collapsed section before printing, so paper shows everything the screen can.
constexpr std::string_view kScript =
    "window.addEventListener('beforeprint',function(){"
    "document.querySelectorAll('details').forEach(function(d){d.open=true;});});";

constexpr std::array<core::Severity, 5> kSeverities = {
    core::Severity::kCritical, core::Severity::kHigh, core::Severity::kMedium, core::Severity::kLow,
    core::Severity::kUnknown};

std::string sev(core::Severity s) { return std::string(core::to_string(s)); }
std::string status_name(policy::Status s) { return std::string(policy::to_string(s)); }

std::string badge(std::string_view css, std::string_view text) {
  return "<span class=\"badge " + escape(css) + "\">" + escape(text) + "</span>";
}

std::string number(std::size_t n) { return std::to_string(n); }

/// A numeric cell; zeros are greyed so the eye finds the non-zero ones.
std::string num_cell(std::size_t n, std::string_view metric = {}) {
  std::string cell = "<td class=\"num" + std::string(n == 0 ? " zero" : "") + "\"";
  if (!metric.empty()) cell += " data-metric=\"" + escape(metric) + "\"";
  return cell + ">" + number(n) + "</td>";
}

std::string date_or_dash(const std::optional<core::TimePoint>& t) {
  return t ? detail::date_only(*t) : "&#8212;";
}

std::string one_decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string risk_cell(double score) {
  const double width = std::clamp(score, 0.0, 100.0);
  return "<td class=\"num risk-cell\"><span class=\"risk\" aria-hidden=\"true\"><span "
         "style=\"width:" +
         one_decimal(width) + "%\"></span></span>" + one_decimal(score) + "</td>";
}

std::string joined(const std::vector<std::string>& items, std::size_t limit = 4) {
  std::string text;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    text += (i ? ", " : "") + escape(items[i]);
  }
  if (items.size() > limit) text += " (+" + number(items.size() - limit) + ")";
  return text;
}

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "&#8212;";
  return one_decimal(100.0 * static_cast<double>(part) / static_cast<double>(whole)) + "%";
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return number(n) + " " + std::string(n == 1 ? one : many);
}

std::string host_anchor(std::size_t index) { return "host-" + number(index + 1); }

class Page {
 public:
  Page(std::ostream& out, const ComplianceReport& report, const HtmlOptions& options)
      : out_(out), r_(report), o_(options) {
    for (std::size_t i = 0; i < r_.per_host.size(); ++i) host_index_.emplace(r_.per_host[i].id, i);
  }

  void write() {
    head();
    out_ << "<body><main>\n";
    header();
    summary();
    charts();
    fix_first();
    hosts();
    cves();
    exceptions();
    time_to_fix();
    sprawl();
    host_findings();
    notes();
    footer();
    out_ << "</main><script>" << kScript << "</script></body></html>\n";
  }

 private:
  void head() {
    out_ << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"generator\" content=\"fleetpatch "
         << escape(o_.tool_version) << "\"><title>Patch compliance: " << escape(r_.policy)
         << " as of " << detail::date_only(r_.as_of) << "</title><style>" << kStyle
         << "</style></head>\n";
  }

  void header() {
    const ComplianceSummary& s = r_.summary;
    out_ << "<header class=\"page\"><h1>Patch compliance under <code>" << escape(r_.policy)
         << "</code></h1>";
    if (!r_.policy_description.empty()) {
      out_ << "<p class=\"meta\">" << escape(r_.policy_description) << "</p>";
    }
    out_ << "<p class=\"meta\">As of <strong>" << escape(core::format_rfc3339(r_.as_of))
         << "</strong> &#183; policy from <code>" << escape(r_.policy_source) << "</code></p>";
    out_ << "<p class=\"lead\">" << s.hosts_compliant << " of " << plural(s.hosts, "host", "hosts")
         << " compliant (no overdue finding). " << plural(s.counts.overdue, "finding", "findings")
         << " overdue, " << s.counts.due_soon << " due soon.</p>";
    out_ << "<nav class=\"toc\" aria-label=\"Sections\"><a href=\"#summary\">Summary</a>"
            "<a href=\"#charts\">Charts</a><a href=\"#fix-first\">Fix first</a>"
            "<a href=\"#hosts\">Hosts</a><a href=\"#cves\">CVEs</a>"
            "<a href=\"#exceptions\">Exceptions</a><a href=\"#time-to-fix\">Time to fix</a>"
            "<a href=\"#sprawl\">Version sprawl</a><a href=\"#findings\">Findings by host</a>"
            "</nav></header>\n";
  }

  void card(std::string_view css, std::string_view label, std::string_view metric,
            std::size_t value, const std::string& sub) {
    out_ << "<div class=\"card " << css << "\"><div class=\"label\">" << label
         << "</div><div class=\"value\"><span data-metric=\"" << metric << "\">" << value
         << "</span></div><div class=\"sub\">" << sub << "</div></div>";
  }

  void summary() {
    const ComplianceSummary& s = r_.summary;
    const StatusCounts& c = s.counts;
    out_ << "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">";
    out_ << "<div class=\"card compliant\"><div class=\"label\">Hosts compliant</div>"
            "<div class=\"value\"><span data-metric=\"hosts_compliant\">"
         << s.hosts_compliant << "</span> <span class=\"sub\">of <span data-metric=\"hosts\">"
         << s.hosts << "</span></span></div><div class=\"sub\">"
         << percent(s.hosts_compliant, s.hosts) << " with no overdue finding</div></div>";
    card("overdue", "Overdue", "overdue", c.overdue, "past the policy deadline");
    card("due-soon", "Due soon", "due_soon", c.due_soon, "deadline within the due-soon window");
    card("open", "Open", "open", c.open, "within the deadline");
    card("mitigated", "Mitigated", "mitigated", c.mitigated, "livepatch or compensating control");
    card("excepted", "Excepted", "excepted", c.excepted, "risk accepted, not expired");
    card("", "Findings", "findings", c.findings, "present on hosts (all statuses but fixed)");
    card("fixed", "Fixed", "fixed", c.fixed,
         r_.history_snapshots ? "seen fixed in the history" : "no history: none can be seen");
    out_ << "</div>";

    out_ << "<h3>By severity</h3><table><thead><tr><th>Severity</th><th class=\"num\">Findings</th>"
            "<th class=\"num\">Overdue</th><th class=\"num\">Due soon</th><th "
            "class=\"num\">Open</th>"
            "<th class=\"num\">Mitigated</th><th class=\"num\">Excepted</th>"
            "<th class=\"num\">Fixed</th></tr></thead><tbody>";
    for (const SeverityRow& row : r_.by_severity) {
      const std::string m = "by_severity." + sev(row.severity) + ".";
      const StatusCounts& k = row.counts;
      out_ << "<tr><td>" << badge(sev(row.severity), sev(row.severity)) << "</td>"
           << num_cell(k.findings, m + "findings") << num_cell(k.overdue, m + "overdue")
           << num_cell(k.due_soon, m + "due_soon") << num_cell(k.open, m + "open")
           << num_cell(k.mitigated, m + "mitigated") << num_cell(k.excepted, m + "excepted")
           << num_cell(k.fixed, m + "fixed") << "</tr>";
    }
    out_ << "</tbody></table></section>\n";
  }

  void charts() {
    out_ << "<section id=\"charts\"><h2>Charts</h2><div class=\"charts two\">";
    // Findings by age against the deadline: the buckets within the deadline in grey, the
    // overdue ones in red, a marker where the deadline falls.
    svg::BarChart age;
    age.id = "chart-age";
    age.title = "Findings by age against the deadline";
    age.description =
        "Findings with a deadline, neither mitigated nor excepted, by the share of the allowed "
        "time used and by how long they are overdue.";
    age.axis_label = "findings";
    age.width = 560;
    svg::Series within{"within deadline", "st-within", {}};
    svg::Series overdue{"overdue", "st-overdue", {}};
    for (const AgeBucket& bucket : r_.age) {
      const bool late = bucket.label.rfind("overdue", 0) == 0;
      if (!late) age.marker_after = age.categories.size();
      std::string label = bucket.label;
      if (late && label.size() > 8) label.replace(7, 1, "\n");  // "overdue\n<30d"
      age.categories.push_back(label);
      within.values.push_back(late ? 0 : static_cast<double>(bucket.findings));
      overdue.values.push_back(late ? static_cast<double>(bucket.findings) : 0);
    }
    age.marker_label = "deadline";
    age.series = {within, overdue};
    out_ << "<figure><figcaption>" << escape(age.title) << "</figcaption>"
         << svg::stacked_bar_chart(age) << "</figure>";

    svg::BarChart by_sev;
    by_sev.id = "chart-severity";
    by_sev.title = "Findings by severity and status";
    by_sev.description = "Findings still present, by normalised severity, stacked by status.";
    by_sev.width = 560;
    const std::pair<policy::Status, std::string_view> statuses[] = {
        {policy::Status::kOverdue, "st-overdue"},
        {policy::Status::kDueSoon, "st-due-soon"},
        {policy::Status::kOpen, "st-open"},
        {policy::Status::kMitigated, "st-mitigated"},
        {policy::Status::kExcepted, "st-excepted"}};
    for (const auto& [status, css] : statuses) {
      by_sev.series.push_back({status_name(status), std::string(css), {}});
    }
    for (const SeverityRow& row : r_.by_severity) {
      by_sev.categories.push_back(sev(row.severity));
      const StatusCounts& k = row.counts;
      const std::size_t values[] = {k.overdue, k.due_soon, k.open, k.mitigated, k.excepted};
      for (std::size_t i = 0; i < by_sev.series.size(); ++i) {
        by_sev.series[i].values.push_back(static_cast<double>(values[i]));
      }
    }
    out_ << "<figure><figcaption>" << escape(by_sev.title) << "</figcaption>"
         << svg::stacked_hbar_chart(by_sev) << "</figure></div>";

    if (r_.burndown.size() >= 2) {
      svg::LineChart burn;
      burn.id = "chart-burndown";
      burn.title = "Burn-down";
      burn.description =
          "Findings present across the fleet over time, and how many of them "
          "were past their deadline then (from the inventory history).";
      burn.axis_label = "findings";
      burn.width = 900;
      svg::Series present{"findings", "st-open", {}};
      svg::Series late{"overdue", "st-overdue", {}};
      for (const BurndownPoint& p : r_.burndown) {
        burn.x_labels.push_back(detail::date_only(p.at));
        present.values.push_back(static_cast<double>(p.findings));
        late.values.push_back(static_cast<double>(p.overdue));
      }
      burn.series = {present, late};
      out_ << "<figure><figcaption>Burn-down</figcaption>" << svg::line_chart(burn) << "</figure>";
    } else {
      out_ << "<p class=\"note\">No burn-down chart: it needs earlier inventories of the hosts "
              "(history), and this report has "
           << plural(r_.history_snapshots, "earlier snapshot", "earlier snapshots") << ".</p>";
    }
    out_ << "</section>\n";
  }

  void finding_row(const ComplianceFinding& f, std::size_t rank, bool with_host) {
    out_ << "<tr>";
    if (rank) out_ << "<td class=\"num\">" << rank << "</td>";
    out_ << risk_cell(f.risk.score);
    if (with_host) {
      auto host = host_index_.find(f.host);
      const std::string name = escape(f.hostname.empty() ? f.host : f.hostname);
      out_ << "<td class=\"wrap\">"
           << (host == host_index_.end()
                   ? name
                   : "<a href=\"#" + host_anchor(host->second) + "\">" + name + "</a>")
           << "</td>";
    }
    out_ << "<td class=\"wrap\"><strong>" << escape(f.package) << "</strong><br><code>"
         << escape(f.installed_version) << "</code> &#8594; <code>"
         << (f.fixed_version.empty() ? escape(core::to_string(f.state)) : escape(f.fixed_version))
         << "</code></td><td class=\"wrap\">" << joined(detail::finding_ids(f)) << "</td><td>"
         << badge(sev(f.severity), sev(f.severity));
    if (f.kev_due_date) out_ << " " << badge("kev", "KEV");
    out_ << "</td><td>" << badge(status_name(f.status), status_name(f.status))
         << "<br><span class=\"note\">" << escape(detail::status_phrase(f))
         << "</span></td><td class=\"wrap note\">" << escape(f.deadline.reason);
    if (!f.note.empty()) out_ << "<br>" << escape(f.note);
    out_ << "</td></tr>";
  }

  void finding_table_head(bool rank, bool with_host) {
    out_ << "<table><thead><tr>" << (rank ? "<th class=\"num\">#</th>" : "")
         << "<th class=\"num\">Risk</th>" << (with_host ? "<th>Host</th>" : "")
         << "<th>Package: installed &#8594; fixed</th><th>CVEs / advisories</th>"
            "<th>Severity</th><th>Status</th><th>Deadline reason</th></tr></thead><tbody>";
  }

  void fix_first() {
    out_ << "<section id=\"fix-first\"><h2>Fix first</h2><p class=\"note\">Findings still to fix "
            "(neither mitigated nor excepted), highest risk first. Risk combines severity or "
            "CVSS, CISA KEV, EPSS, exposure and asset tier.</p>";
    if (r_.fix_first.empty()) {
      out_ << "<p>Nothing to fix.</p></section>\n";
      return;
    }
    finding_table_head(true, true);
    for (std::size_t i = 0; i < r_.fix_first.size(); ++i) finding_row(r_.fix_first[i], i + 1, true);
    out_ << "</tbody></table></section>\n";
  }

  void more_rows(std::size_t shown, std::size_t total, std::string_view what) {
    if (total > shown) {
      out_ << "<p class=\"note\">" << total - shown << " more " << what
           << " not shown; the JSON and CSV formats list them all.</p>";
    }
  }

  void hosts() {
    out_ << "<section id=\"hosts\"><h2>Hosts</h2>";
    if (r_.per_host.empty()) {
      out_ << "<p>No hosts.</p></section>\n";
      return;
    }
    // Host, OS and tags share one cell so that the table fits a printed page.
    out_ << "<table><thead><tr><th>Host</th><th>Compliant</th><th class=\"num\">Overdue</th>"
            "<th class=\"num\">Due soon</th><th class=\"num\">Open</th>"
            "<th class=\"num\">Mitigated</th><th class=\"num\">Excepted</th>"
            "<th class=\"num\">Max risk</th><th>Next "
            "deadline</th><th>Inventory</th></tr></thead>"
            "<tbody>";
    const std::size_t shown = std::min(r_.per_host.size(), o_.max_table_rows);
    for (std::size_t i = 0; i < shown; ++i) {
      const HostRow& h = r_.per_host[i];
      out_ << "<tr><td class=\"wrap\"><a href=\"#" << host_anchor(i) << "\"><strong>"
           << escape(h.hostname.empty() ? h.id : h.hostname) << "</strong></a>";
      if (!h.hostname.empty() && h.hostname != h.id) {
        out_ << " <span class=\"note mono\">" << escape(h.id) << "</span>";
      }
      out_ << "<br><span class=\"note\">" << escape(h.os);
      if (!h.tags.empty()) out_ << " &#183; tags: " << joined(h.tags, 6);
      out_ << "</span></td><td>" << (h.compliant ? badge("yes", "yes") : badge("no", "no"))
           << "</td>" << num_cell(h.counts.overdue) << num_cell(h.counts.due_soon)
           << num_cell(h.counts.open) << num_cell(h.counts.mitigated) << num_cell(h.counts.excepted)
           << risk_cell(h.max_risk) << "<td class=\"date\">" << date_or_dash(h.next_deadline)
           << "</td><td class=\"date\">" << date_or_dash(h.collected_at) << "</td></tr>";
    }
    out_ << "</tbody></table>";
    more_rows(shown, r_.per_host.size(), "hosts");
    out_ << "</section>\n";
  }

  void cves() {
    out_ << "<section id=\"cves\"><h2>CVEs</h2>";
    if (r_.per_cve.empty()) {
      out_ << "<p>No CVEs.</p></section>\n";
      return;
    }
    out_ << "<table><thead><tr><th>CVE</th><th>Severity</th><th>KEV due</th>"
            "<th class=\"num\">EPSS</th><th class=\"num\">Hosts</th><th class=\"num\">Overdue</th>"
            "<th class=\"num\">Due soon</th><th class=\"num\">Open</th>"
            "<th class=\"num\">Mitigated</th><th class=\"num\">Excepted</th>"
            "<th class=\"num\">Max risk</th><th>Earliest deadline</th></tr></thead><tbody>";
    const std::size_t shown = std::min(r_.per_cve.size(), o_.max_table_rows);
    for (std::size_t i = 0; i < shown; ++i) {
      const CveRow& c = r_.per_cve[i];
      out_ << "<tr><td class=\"mono\">" << escape(c.cve) << "</td><td>"
           << badge(sev(c.severity), sev(c.severity)) << "</td><td>"
           << (c.kev_due_date ? escape(*c.kev_due_date) : "&#8212;") << "</td><td class=\"num\">"
           << (c.epss ? one_decimal(*c.epss * 100) + "%" : "&#8212;") << "</td>"
           << num_cell(c.hosts) << num_cell(c.counts.overdue) << num_cell(c.counts.due_soon)
           << num_cell(c.counts.open) << num_cell(c.counts.mitigated) << num_cell(c.counts.excepted)
           << risk_cell(c.max_risk) << "<td class=\"date\">" << date_or_dash(c.earliest_deadline)
           << "</td></tr>";
    }
    out_ << "</tbody></table>";
    more_rows(shown, r_.per_cve.size(), "CVEs");
    out_ << "</section>\n";
  }

  void exception_table(const std::vector<ExceptionRow>& rows) {
    out_ << "<table><thead><tr><th>Record</th><th>Kind</th><th>Selects</th><th>Justification</th>"
            "<th>Approver</th><th>Created</th><th>Expires</th><th>State</th>"
            "<th class=\"num\">Findings</th></tr></thead><tbody>";
    for (const ExceptionRow& row : rows) {
      const policy::ExceptionRecord& e = row.record;
      std::string expires = e.expires ? detail::date_only(*e.expires) : "never";
      if (row.days_to_expiry && row.state == ExceptionRow::State::kActive) {
        expires +=
            " <span class=\"note\">(in " +
            plural(static_cast<std::size_t>(std::max(0L, *row.days_to_expiry)), "day", "days") +
            ")</span>";
      }
      const std::string state(to_string(row.state));
      out_ << "<tr><td class=\"mono wrap\">" << escape(e.id) << "</td><td>"
           << escape(policy::to_string(e.kind)) << "</td><td class=\"mono wrap\">"
           << escape(e.selector_text()) << "</td><td class=\"wrap\">" << escape(e.justification)
           << "</td><td>" << escape(e.approver) << "</td><td class=\"date\">"
           << detail::date_only(e.created) << "</td><td>" << expires << "</td><td>"
           << badge(row.state == ExceptionRow::State::kActive ? "open" : "overdue", state)
           << "</td>" << num_cell(row.findings) << "</tr>";
    }
    out_ << "</tbody></table>";
  }

  void exceptions() {
    out_ << "<section id=\"exceptions\"><h2>Exceptions and mitigations</h2><h3>Expiring soon</h3>";
    if (r_.exceptions_expiring.empty()) {
      out_ << "<p class=\"note\">No active exception or mitigation expires within 30 days.</p>";
    } else {
      exception_table(r_.exceptions_expiring);
    }
    out_ << "<h3>All records</h3>";
    if (r_.exceptions.empty()) {
      out_ << "<p class=\"note\">No exception or mitigation records were given.</p>";
    } else {
      exception_table(r_.exceptions);
    }
    out_ << "</section>\n";
  }

  void time_to_fix() {
    out_ << "<section id=\"time-to-fix\"><h2>Time to fix</h2>";
    if (!r_.time_to_fix || r_.time_to_fix->fixed == 0) {
      out_ << "<p class=\"note\">No fixed finding in the history yet: time to fix is measured "
              "from the clock start of findings that later inventories no longer show.</p>";
    } else {
      const TimeToFix& t = *r_.time_to_fix;
      out_ << "<div class=\"cards\"><div class=\"card fixed\"><div class=\"label\">Fixed</div>"
              "<div class=\"value\">"
           << t.fixed << "</div><div class=\"sub\">findings seen fixed</div></div>"
           << "<div class=\"card\"><div class=\"label\">Mean</div><div class=\"value\">"
           << one_decimal(t.mean_days)
           << "</div><div class=\"sub\">days from clock start</div></div>"
           << "<div class=\"card\"><div class=\"label\">90th percentile</div><div class=\"value\">"
           << one_decimal(t.p90_days) << "</div><div class=\"sub\">days</div></div></div>";
    }
    out_ << "</section>\n";
  }

  void sprawl() {
    out_ << "<section id=\"sprawl\"><h2>Version sprawl</h2><p class=\"note\">The same package "
            "installed in several versions across the fleet, with the hosts on each.</p>";
    if (r_.version_sprawl.empty()) {
      out_ << "<p>No package is installed in enough different versions to count as sprawl.</p>"
              "</section>\n";
      return;
    }
    out_ << "<table><thead><tr><th>Package</th><th class=\"num\">Versions</th>"
            "<th class=\"num\">Hosts</th><th>Version: hosts</th></tr></thead><tbody>";
    const std::size_t shown = std::min(r_.version_sprawl.size(), o_.max_table_rows);
    for (std::size_t i = 0; i < shown; ++i) {
      const SprawlRow& row = r_.version_sprawl[i];
      out_ << "<tr><td><strong>" << escape(row.package) << "</strong></td>"
           << num_cell(row.versions.size()) << num_cell(row.hosts) << "<td class=\"wrap\">";
      for (const SprawlVersion& v : row.versions) {
        // host_count is exact; the model may list fewer host ids than that.
        const std::size_t hosts = std::max(v.host_count, v.hosts.size());
        std::string names;
        const std::size_t listed = std::min(v.hosts.size(), o_.max_hosts_listed);
        for (std::size_t k = 0; k < listed; ++k) names += (k ? ", " : "") + escape(v.hosts[k]);
        if (hosts > listed) names += (listed ? " (+" : "(+") + number(hosts - listed) + ")";
        out_ << "<div><code>" << escape(v.version) << "</code>: " << plural(hosts, "host", "hosts")
             << " <span class=\"note\">(" << names << ")</span></div>";
      }
      out_ << "</td></tr>";
    }
    out_ << "</tbody></table>";
    more_rows(shown, r_.version_sprawl.size(), "packages");
    out_ << "</section>\n";
  }

  void host_findings() {
    out_ << "<section id=\"findings\"><h2>Findings by host</h2>";
    if (!r_.findings_included) {
      out_ << "<p class=\"note\">This report was built from aggregates only; the per-finding "
              "rows are in the JSON and CSV formats.</p></section>\n";
      return;
    }
    // Group the report's rows (risk order) by host, keeping the host table's order.
    std::vector<std::vector<const ComplianceFinding*>> by_host(r_.per_host.size());
    std::vector<const ComplianceFinding*> unknown_host;
    for (const ComplianceFinding& f : r_.findings) {
      auto host = host_index_.find(f.host);
      (host == host_index_.end() ? unknown_host : by_host[host->second]).push_back(&f);
    }
    // Bounded for large fleets: the hosts of the host table only, each with at most an even
    // share of max_finding_rows (its highest-risk rows), and never more than that in all.
    const std::size_t hosts_shown = std::min(r_.per_host.size(), o_.max_table_rows);
    const std::size_t per_host =
        std::max<std::size_t>(25, o_.max_finding_rows / std::max<std::size_t>(1, hosts_shown));
    std::size_t budget = o_.max_finding_rows;
    std::size_t omitted = unknown_host.size();
    for (std::size_t i = 0; i < r_.per_host.size(); ++i) {
      const HostRow& h = r_.per_host[i];
      const auto& rows = by_host[i];
      if (i >= hosts_shown) {
        omitted += rows.size();
        continue;
      }
      out_ << "<details id=\"" << host_anchor(i) << "\"" << (h.counts.overdue ? " open" : "")
           << "><summary>" << escape(h.hostname.empty() ? h.id : h.hostname) << " &#8212; "
           << plural(h.counts.findings, "finding", "findings") << ", " << h.counts.overdue
           << " overdue" << (h.compliant ? "" : " (not compliant)") << "</summary>";
      if (rows.empty()) {
        out_ << "<p class=\"note\">No findings.</p></details>";
        continue;
      }
      const std::size_t limit = std::min({per_host, budget, rows.size()});
      if (limit > 0) {
        finding_table_head(false, false);
        for (std::size_t k = 0; k < limit; ++k) finding_row(*rows[k], 0, false);
        out_ << "</tbody></table>";
      }
      if (rows.size() > limit) {
        out_ << "<p class=\"note\">" << rows.size() - limit
             << " more findings of this host not shown (the highest-risk ones are).</p>";
      }
      out_ << "</details>";
      budget -= limit;
      omitted += rows.size() - limit;
    }
    if (omitted) {
      out_ << "<p class=\"note\">" << omitted
           << " more findings not shown; the JSON and CSV formats list them all.</p>";
    }
    out_ << "</section>\n";
  }

  void notes() {
    if (r_.notes.empty()) return;
    out_ << "<section id=\"notes\"><h2>Notes</h2><ul>";
    const std::size_t shown = std::min(r_.notes.size(), o_.max_table_rows);
    for (std::size_t i = 0; i < shown; ++i) out_ << "<li>" << escape(r_.notes[i]) << "</li>";
    out_ << "</ul>";
    more_rows(shown, r_.notes.size(), "notes");
    out_ << "</section>\n";
  }

  void footer() {
    out_ << "<footer>Generated by fleetpatch " << escape(o_.tool_version) << " under policy <code>"
         << escape(r_.policy) << "</code> (" << escape(r_.policy_source) << ") as of "
         << escape(core::format_rfc3339(r_.as_of)) << ". History: "
         << plural(r_.history_snapshots, "earlier inventory", "earlier inventories")
         << ". EPSS: " << (r_.epss_model.empty() ? "not used" : escape(r_.epss_model))
         << ". Severities are normalised (critical, high, medium, low); each finding's deadline "
            "and the reason for it follow the policy.</footer>";
  }

  std::ostream& out_;
  const ComplianceReport& r_;
  const HtmlOptions& o_;
  std::map<std::string, std::size_t> host_index_;
};

}  // namespace

void write_compliance_html(std::ostream& out, const ComplianceReport& report,
                           const HtmlOptions& options) {
  Page(out, report, options).write();
}

}  // namespace fleetpatch::report
