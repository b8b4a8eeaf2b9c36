// "fleetpatch.report/1" (docs/compliance-report.md): written straight from the model, summary
// sections first and the findings last, one finding per line when pretty.
#include <cmath>

#include "report/compliance_json_writer.hpp"
#include "report/compliance_report.hpp"
#include "report/scan_report.hpp"

namespace fleetpatch::report {
namespace {

double round_to(double v, double unit) { return std::round(v / unit) * unit; }

void time_field(JsonWriter& w, std::string_view key, const std::optional<core::TimePoint>& t) {
  w.key(key);
  if (t) {
    w.string(core::format_rfc3339(*t));
  } else {
    w.null();
  }
}

void counts(JsonWriter& w, const StatusCounts& c) {
  w.field_uint("findings", c.findings);
  w.field_uint("open", c.open);
  w.field_uint("due_soon", c.due_soon);
  w.field_uint("overdue", c.overdue);
  w.field_uint("mitigated", c.mitigated);
  w.field_uint("excepted", c.excepted);
  w.field_uint("fixed", c.fixed);
}

void risk_breakdown(JsonWriter& w, const policy::RiskBreakdown& r) {
  w.key("risk_breakdown");
  w.begin_object();
  w.field_number("base", r.base);
  w.field("base_source", r.base_source);
  w.field_number("kev", r.kev);
  w.field_number("epss", r.epss);
  w.field_optional("epss_probability", r.epss_probability);
  w.field("epss_cve", r.epss_cve);
  w.field_number("exposure", r.exposure);
  w.field_number("tier", r.tier);
  w.field("tier_source", r.tier_source);
  w.field_number("raw", round_to(r.raw, 0.0001));
  w.field_number("score", r.score);
  w.field("explain", r.explain());
  w.end_object();
}

void finding(JsonWriter& w, const ComplianceFinding& f, bool explain) {
  w.begin_object();
  w.field("host", f.host);
  w.field("hostname", f.hostname);
  w.field("package", f.package);
  w.field("source_package", f.source_package);
  w.field("installed_version", f.installed_version);
  w.field("fixed_version", f.fixed_version);
  w.field("state", core::to_string(f.state));
  w.string_array("cves", f.cves);
  w.string_array("advisories", f.advisories);
  w.field("severity", core::to_string(f.severity));
  w.field_optional("cvss", f.cvss);
  w.field_optional("kev_due_date", f.kev_due_date);
  w.field_optional("epss", f.risk.epss_probability);
  w.field("exposure", to_string(f.exposure));
  w.field("status", policy::to_string(f.status));
  time_field(w, "clock_start", f.deadline.clock_start);
  w.field("clock_start_basis", policy::to_string(f.deadline.basis));
  time_field(w, "deadline", f.deadline.deadline);
  w.field("deadline_reason", f.deadline.reason);
  w.key("days_left");
  if (f.days_left) {
    w.integer(*f.days_left);
  } else {
    w.null();
  }
  time_field(w, "first_seen", f.first_seen);
  time_field(w, "fixed_at", f.fixed_at);
  w.key("days_to_fix");
  if (f.days_to_fix) {
    w.number(round_to(*f.days_to_fix, 0.01));
  } else {
    w.null();
  }
  w.field("exception", f.exception_id);
  w.field("note", f.note);
  w.field_number("risk", f.risk.score);
  if (explain) risk_breakdown(w, f.risk);
  w.end_object();
}

void exception_row(JsonWriter& w, const ExceptionRow& x) {
  const auto& r = x.record;
  w.begin_object();
  w.field("id", r.id);
  w.field("kind", policy::to_string(r.kind));
  w.field("state", to_string(x.state));
  w.field("selector", r.selector_text());
  w.field("cve", r.cve);
  w.field("package", r.package);
  w.field("host", r.host);
  w.field("tag", r.tag);
  w.field("justification", r.justification);
  w.field("approver", r.approver);
  w.field("created", core::format_rfc3339(r.created));
  time_field(w, "expires", r.expires);
  w.key("days_to_expiry");
  if (x.days_to_expiry) {
    w.integer(*x.days_to_expiry);
  } else {
    w.null();
  }
  w.field_uint("findings", x.findings);
  w.field("source", r.source + ":" + std::to_string(r.line));
  w.end_object();
}

}  // namespace

void write_compliance_json(std::ostream& out, const ComplianceReport& r,
                           const ComplianceJsonOptions& options) {
  JsonWriter w(out, options.pretty ? 2 : 0);
  w.begin_object();
  w.field("schema", kComplianceSchema);
  w.field("policy", r.policy);
  w.field("policy_description", r.policy_description);
  w.field("policy_source", r.policy_source);
  w.field("as_of", core::format_rfc3339(r.as_of));
  w.field("epss_model", r.epss_model);
  w.field_uint("history_snapshots", r.history_snapshots);

  w.key("summary");
  w.begin_object();
  w.field_uint("hosts", r.summary.hosts);
  w.field_uint("hosts_compliant", r.summary.hosts_compliant);
  w.field_uint("findings", r.summary.counts.findings);
  w.field_uint("overdue", r.summary.counts.overdue);
  w.field_uint("due_soon", r.summary.counts.due_soon);
  w.field_uint("mitigated", r.summary.counts.mitigated);
  w.field_uint("excepted", r.summary.counts.excepted);
  w.field_uint("open", r.summary.counts.open);
  w.field_uint("fixed", r.summary.counts.fixed);
  w.end_object();

  w.key("by_severity");
  w.begin_array();
  for (const auto& s : r.by_severity) {
    w.begin_object();
    w.field("severity", core::to_string(s.severity));
    counts(w, s.counts);
    w.end_object();
  }
  w.end_array();

  w.key("fix_first");
  w.begin_array();
  for (const auto& f : r.fix_first) finding(w, f, options.explain);
  w.end_array();

  w.key("per_host");
  w.begin_array();
  for (const auto& h : r.per_host) {
    w.begin_object();
    w.field("host", h.id);
    w.field("hostname", h.hostname);
    w.string_array("tags", h.tags);
    w.field("os", h.os);
    time_field(w, "collected_at", h.collected_at);
    w.field("compliant", h.compliant);
    counts(w, h.counts);
    w.field_number("max_risk", h.max_risk);
    time_field(w, "next_deadline", h.next_deadline);
    w.end_object();
  }
  w.end_array();

  w.key("per_cve");
  w.begin_array();
  for (const auto& c : r.per_cve) {
    w.begin_object();
    w.field("cve", c.cve);
    w.field("severity", core::to_string(c.severity));
    w.field_optional("kev_due_date", c.kev_due_date);
    w.field_optional("epss", c.epss);
    w.field_uint("hosts", c.hosts);
    counts(w, c.counts);
    w.field_number("max_risk", c.max_risk);
    time_field(w, "earliest_deadline", c.earliest_deadline);
    w.end_object();
  }
  w.end_array();

  w.key("exceptions");
  w.begin_array();
  for (const auto& x : r.exceptions) exception_row(w, x);
  w.end_array();
  w.key("exceptions_expiring");
  w.begin_array();
  for (const auto& x : r.exceptions_expiring) exception_row(w, x);
  w.end_array();

  w.key("time_to_fix");
  if (r.time_to_fix) {
    w.begin_object();
    w.field_uint("fixed", r.time_to_fix->fixed);
    w.field_number("mean", round_to(r.time_to_fix->mean_days, 0.01));
    w.field_number("p90", round_to(r.time_to_fix->p90_days, 0.01));
    w.field("unit", "days");
    w.end_object();
  } else {
    w.null();
  }

  w.key("version_sprawl");
  w.begin_array();
  for (const auto& s : r.version_sprawl) {
    w.begin_object();
    w.field("package", s.package);
    w.field_uint("hosts", s.hosts);
    w.key("versions");
    w.begin_array();
    for (const auto& v : s.versions) {
      w.begin_object();
      w.field("version", v.version);
      w.field_uint("host_count", v.host_count);
      w.string_array("hosts", v.hosts);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();

  w.key("burndown");
  w.begin_array();
  for (const auto& b : r.burndown) {
    w.begin_object();
    w.field("at", core::format_rfc3339(b.at));
    w.field_uint("findings", b.findings);
    w.field_uint("overdue", b.overdue);
    w.end_object();
  }
  w.end_array();

  w.key("age");
  w.begin_array();
  for (const auto& a : r.age) {
    w.begin_object();
    w.field("bucket", a.label);
    w.field_uint("findings", a.findings);
    w.end_object();
  }
  w.end_array();

  w.string_array("notes", r.notes);

  if (options.include_findings && r.findings_included) {
    w.key("findings");
    w.begin_array();
    for (const auto& f : r.findings) finding(w, f, options.explain);
    w.end_array();
  }
  w.end_object();
  w.flush();
}

}  // namespace fleetpatch::report
