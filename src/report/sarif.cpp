#include "report/sarif.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "report/render_util.hpp"
#include "report/scan_report.hpp"

namespace fleetpatch::report {
namespace {

using Json = nlohmann::ordered_json;
using detail::valid_utf8;

/// A rule: everything known about one advisory across the fleet.
struct Rule {
  std::string id;
  std::vector<std::string> cves;
  std::vector<std::string> packages;
  core::Severity severity = core::Severity::kUnknown;
  std::optional<double> cvss;
};

std::string_view level(policy::Status status) {
  switch (status) {
    case policy::Status::kOverdue:
      return "error";
    case policy::Status::kDueSoon:
      return "warning";
    default:
      return "note";
  }
}

void add_unique(std::vector<std::string>& into, const std::string& value) {
  if (std::find(into.begin(), into.end(), value) == into.end()) into.push_back(value);
}

Json strings(const std::vector<std::string>& values) {
  Json array = Json::array();
  for (const std::string& v : values) array.push_back(valid_utf8(v));
  return array;
}

Json rule_json(const Rule& rule) {
  std::vector<std::string> cves = rule.cves;
  std::sort(cves.begin(), cves.end());
  std::vector<std::string> packages = rule.packages;
  std::sort(packages.begin(), packages.end());
  std::string text = rule.id;
  if (!(cves.size() == 1 && cves.front() == rule.id) && !cves.empty()) {
    text += ": ";
    for (std::size_t i = 0; i < cves.size(); ++i) text += (i ? ", " : "") + cves[i];
  }
  std::string help = "Update ";
  for (std::size_t i = 0; i < packages.size(); ++i) help += (i ? ", " : "") + packages[i];
  help += " to a version that fixes " + rule.id + ".";
  const double security_severity = rule.cvss.value_or(detail::severity_score(rule.severity));
  char score[16];
  std::snprintf(score, sizeof score, "%.1f", security_severity);

  Json r;
  r["id"] = valid_utf8(rule.id);
  r["shortDescription"] = {{"text", valid_utf8(text)}};
  r["help"] = {{"text", valid_utf8(help)}};
  r["defaultConfiguration"] = {{"level", "warning"}};
  Json properties;
  properties["tags"] = {"security", "vulnerability", std::string(core::to_string(rule.severity))};
  properties["security-severity"] = score;
  properties["severity"] = std::string(core::to_string(rule.severity));
  properties["cves"] = strings(cves);
  r["properties"] = std::move(properties);
  return r;
}

std::string message(const ComplianceFinding& f, const std::string& rule_id) {
  std::string text = f.package + " " + f.installed_version + " on " +
                     (f.hostname.empty() ? f.host : f.hostname) + ": " + rule_id;
  const std::vector<std::string> ids = detail::finding_ids(f);
  std::string others;
  for (const std::string& id : ids) {
    if (id != rule_id) others += (others.empty() ? "" : ", ") + id;
  }
  if (!others.empty()) text += " (" + others + ")";
  text += ", " + std::string(core::to_string(f.severity)) + "; " + detail::status_phrase(f) + ".";
  if (!f.fixed_version.empty()) {
    text += " Fixed in " + f.fixed_version + ".";
  } else {
    text += std::string(" No fix: ") + std::string(core::to_string(f.state)) + ".";
  }
  if (!f.deadline.reason.empty()) text += " Policy: " + f.deadline.reason + ".";
  if (!f.note.empty()) text += " " + f.note + ".";
  return valid_utf8(text);
}

Json result_json(const ComplianceFinding& f, const std::string& rule_id, std::size_t rule_index,
                 const policy::ExceptionRecord* record) {
  Json r;
  r["ruleId"] = valid_utf8(rule_id);
  r["ruleIndex"] = rule_index;
  r["kind"] = "fail";
  r["level"] = std::string(level(f.status));
  r["rank"] = std::clamp(f.risk.score, 0.0, 100.0);
  r["message"] = {{"text", message(f, rule_id)}};
  Json location;
  location["physicalLocation"] = {
      {"artifactLocation",
       {{"uri", "hosts/" + detail::percent_encode(f.host) + "/packages/" +
                    detail::percent_encode(f.package)}}}};
  location["logicalLocations"] =
      Json::array({{{"name", valid_utf8(f.package)},
                    {"fullyQualifiedName",
                     valid_utf8((f.hostname.empty() ? f.host : f.hostname) + "/" + f.package)},
                    {"kind", "module"}}});
  r["locations"] = Json::array({std::move(location)});
  r["partialFingerprints"] = {
      {"fleetpatchFinding/v1",
       valid_utf8(f.host + "|" + f.package + "|" + f.installed_version + "|" + rule_id)}};
  if (f.status == policy::Status::kExcepted || f.status == policy::Status::kMitigated) {
    r["suppressions"] = Json::array(
        {{{"kind", "external"},
          {"status", "accepted"},
          {"justification", valid_utf8(detail::suppression_justification(f, record))}}});
  }
  Json p;
  p["host"] = valid_utf8(f.host);
  p["hostname"] = valid_utf8(f.hostname);
  p["package"] = valid_utf8(f.package);
  p["source_package"] = valid_utf8(f.source_package);
  p["installed_version"] = valid_utf8(f.installed_version);
  p["fixed_version"] = f.fixed_version.empty() ? Json(nullptr) : Json(valid_utf8(f.fixed_version));
  p["state"] = std::string(core::to_string(f.state));
  p["cves"] = strings(f.cves);
  p["advisories"] = strings(f.advisories);
  p["severity"] = std::string(core::to_string(f.severity));
  p["status"] = std::string(policy::to_string(f.status));
  p["clock_start"] =
      f.deadline.clock_start ? Json(core::format_rfc3339(*f.deadline.clock_start)) : Json(nullptr);
  p["deadline"] =
      f.deadline.deadline ? Json(core::format_rfc3339(*f.deadline.deadline)) : Json(nullptr);
  p["deadline_reason"] = valid_utf8(f.deadline.reason);
  p["kev_due_date"] = f.kev_due_date ? Json(valid_utf8(*f.kev_due_date)) : Json(nullptr);
  p["exposure"] = std::string(to_string(f.exposure));
  p["risk"] = f.risk.score;
  if (!f.exception_id.empty()) p["exception"] = valid_utf8(f.exception_id);
  r["properties"] = std::move(p);
  return r;
}

Json summary_json(const ComplianceReport& report) {
  const StatusCounts& c = report.summary.counts;
  return {{"hosts", report.summary.hosts},
          {"hosts_compliant", report.summary.hosts_compliant},
          {"findings", c.findings},
          {"open", c.open},
          {"due_soon", c.due_soon},
          {"overdue", c.overdue},
          {"mitigated", c.mitigated},
          {"excepted", c.excepted},
          {"fixed", c.fixed}};
}

}  // namespace

void write_compliance_sarif(std::ostream& out, const ComplianceReport& report,
                            const SarifOptions& options) {
  const std::vector<ComplianceFinding>& findings =
      report.findings_included ? report.findings : report.fix_first;
  const auto records = detail::exceptions_by_id(report);

  // Rules in order of first appearance, so output follows the report's (risk) order.
  std::vector<Rule> rules;
  std::map<std::string, std::size_t> rule_index;
  std::vector<std::pair<const ComplianceFinding*, std::size_t>> present;
  for (const ComplianceFinding& f : findings) {
    if (f.status == policy::Status::kFixed) continue;
    const std::string id = detail::finding_id(f);
    auto [it, inserted] = rule_index.emplace(id, rules.size());
    if (inserted) rules.push_back({.id = id});
    Rule& rule = rules[it->second];
    for (const std::string& cve : f.cves) add_unique(rule.cves, cve);
    add_unique(rule.packages, f.package);
    rule.severity = std::max(rule.severity, f.severity);
    if (f.cvss) rule.cvss = std::max(rule.cvss.value_or(0.0), *f.cvss);
    present.emplace_back(&f, it->second);
  }

  Json driver;
  driver["name"] = "fleetpatch";
  driver["version"] = options.tool_version;
  if (!options.tool_version.empty()) driver["semanticVersion"] = options.tool_version;
  driver["rules"] = Json::array();
  for (const Rule& rule : rules) driver["rules"].push_back(rule_json(rule));

  Json run;
  run["tool"] = {{"driver", std::move(driver)}};
  run["automationDetails"] = {{"id", valid_utf8("fleetpatch-report/" + report.policy + "/" +
                                                core::format_rfc3339(report.as_of))}};
  run["results"] = Json::array();
  for (const auto& [f, index] : present) {
    auto record = records.find(f->exception_id);
    run["results"].push_back(result_json(*f, rules[index].id, index,
                                         record == records.end() ? nullptr : record->second));
  }
  Json properties;
  properties["policy"] = valid_utf8(report.policy);
  properties["policy_description"] = valid_utf8(report.policy_description);
  properties["as_of"] = core::format_rfc3339(report.as_of);
  properties["summary"] = summary_json(report);
  properties["findings_included"] = report.findings_included;
  run["properties"] = std::move(properties);

  Json log;
  log["$schema"] = kSarifSchemaUri;
  log["version"] = "2.1.0";
  log["runs"] = Json::array({std::move(run)});
  out << log.dump(options.pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace);
  if (options.pretty) out << '\n';
}

}  // namespace fleetpatch::report
