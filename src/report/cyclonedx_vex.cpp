#include "report/cyclonedx_vex.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "report/render_util.hpp"

namespace fleetpatch::report {
namespace {

using Json = nlohmann::ordered_json;
using detail::valid_utf8;

/// FNV-1a over `text` continuing from `hash`; a separator byte keeps fields apart.
std::uint64_t fnv1a(std::uint64_t hash, std::string_view text) {
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  hash ^= 0xff;
  hash *= 0x100000001b3ULL;
  return hash;
}

/// "urn:uuid:..." in the layout of a version-4 UUID (the schema accepts versions 1-5), its bits
/// taken from two independent hashes of the content instead of a random source.
std::string serial_number(std::uint64_t high, std::uint64_t low) {
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // variant 10
  char text[64];
  std::snprintf(text, sizeof text, "urn:uuid:%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0xffff), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

Json property(std::string_view name, std::string_view value) {
  return {{"name", std::string(name)}, {"value", valid_utf8(value)}};
}

std::string host_ref(const std::string& host) { return "host:" + host; }
std::string package_ref(const ComplianceFinding& f) {
  return "host:" + f.host + "/pkg:" + f.package + "@" + f.installed_version;
}

/// The VEX analysis of one finding; findings with equal analyses of one CVE share an entry.
struct Analysis {
  std::string state;
  std::string justification;  // not_affected only
  std::string response;       // one value or empty
  std::string detail;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy < 18 sees the synthesized `!= 0`
  auto operator<=>(const Analysis&) const = default;
};

Analysis analysis_of(const ComplianceFinding& f, const policy::ExceptionRecord* record) {
  Analysis a;
  switch (f.status) {
    case policy::Status::kMitigated:
      a.state = "not_affected";
      a.justification = record == nullptr && f.state == core::FindingState::kMitigated
                            ? "protected_at_runtime"
                            : "protected_by_mitigating_control";
      a.detail = detail::suppression_justification(f, record);
      return a;
    case policy::Status::kExcepted:
      a.state = "exploitable";
      a.response = "will_not_fix";
      a.detail = "Risk accepted: " + detail::suppression_justification(f, record);
      return a;
    case policy::Status::kFixed:
      a.state = "resolved";
      return a;
    default:
      break;
  }
  a.state = "exploitable";
  switch (f.state) {
    case core::FindingState::kWillNotFix:
      a.response = "will_not_fix";
      a.detail = "The vendor will not fix it.";
      break;
    case core::FindingState::kUnfixed:
      a.response = "can_not_fix";
      a.detail = "No fix released yet.";
      break;
    case core::FindingState::kEndOfLife:
      a.response = "can_not_fix";
      a.detail = "The release is past its vendor's support.";
      break;
    case core::FindingState::kFixedPendingReboot:
      a.response = "update";
      a.detail = "The fixed version is installed; a reboot makes it effective.";
      break;
    case core::FindingState::kFixedPendingRestart:
      a.response = "update";
      a.detail = "The fixed version is installed; processes still use the old copy.";
      break;
    default:
      a.response = "update";
      break;
  }
  return a;
}

struct VulnerabilityEntry {
  std::string id;
  policy::Status status = policy::Status::kOpen;
  Analysis analysis;
  core::Severity severity = core::Severity::kUnknown;
  std::optional<double> cvss;
  std::optional<core::TimePoint> earliest_deadline;
  std::vector<std::string> advisories;
  std::vector<std::string> recommendations;       // fixed versions, as "package fixed_version"
  std::vector<const ComplianceFinding*> affects;  // one per finding
};

void add_unique(std::vector<std::string>& into, const std::string& value) {
  if (std::find(into.begin(), into.end(), value) == into.end()) into.push_back(value);
}

Json vulnerability_json(const VulnerabilityEntry& v, std::size_t index, const std::string& policy) {
  Json j;
  j["bom-ref"] = "vulnerability-" + std::to_string(index + 1);
  j["id"] = valid_utf8(v.id);
  if (v.id.rfind("CVE-", 0) == 0) {
    j["source"] = {{"name", "NVD"}, {"url", "https://nvd.nist.gov/vuln/detail/" + v.id}};
  }
  Json rating = {{"severity", std::string(core::to_string(v.severity))}};
  if (v.cvss) {
    rating["score"] = *v.cvss;
    rating["method"] = "other";
  }
  j["ratings"] = Json::array({std::move(rating)});
  if (!v.recommendations.empty()) {
    std::string text = "Update to ";
    for (std::size_t i = 0; i < v.recommendations.size(); ++i) {
      text += (i ? ", " : "") + v.recommendations[i];
    }
    j["recommendation"] = valid_utf8(text + ".");
  }
  Json analysis = {{"state", v.analysis.state}};
  if (!v.analysis.justification.empty()) analysis["justification"] = v.analysis.justification;
  if (!v.analysis.response.empty()) analysis["response"] = Json::array({v.analysis.response});
  if (!v.analysis.detail.empty()) analysis["detail"] = valid_utf8(v.analysis.detail);
  j["analysis"] = std::move(analysis);

  Json affects = Json::array();
  std::vector<std::string> seen;
  for (const ComplianceFinding* f : v.affects) {
    const std::string ref = package_ref(*f);
    if (std::find(seen.begin(), seen.end(), ref) != seen.end()) continue;
    seen.push_back(ref);
    affects.push_back(
        {{"ref", valid_utf8(ref)},
         {"versions",
          Json::array(
              {{{"version", valid_utf8(f->installed_version)},
                {"status", v.analysis.state == "not_affected" ? "unaffected" : "affected"}}})}});
  }
  j["affects"] = std::move(affects);

  Json properties = Json::array();
  properties.push_back(property("fleetpatch:status", policy::to_string(v.status)));
  properties.push_back(property("fleetpatch:policy", policy));
  if (v.earliest_deadline) {
    properties.push_back(
        property("fleetpatch:earliest_deadline", core::format_rfc3339(*v.earliest_deadline)));
  }
  for (const std::string& a : v.advisories)
    properties.push_back(property("fleetpatch:advisory", a));
  j["properties"] = std::move(properties);
  return j;
}

}  // namespace

void write_compliance_vex(std::ostream& out, const ComplianceReport& report,
                          const VexOptions& options) {
  const std::vector<ComplianceFinding>& findings =
      report.findings_included ? report.findings : report.fix_first;
  const auto records = detail::exceptions_by_id(report);

  std::vector<VulnerabilityEntry> entries;
  std::map<std::tuple<std::string, policy::Status, Analysis>, std::size_t> entry_index;
  // Package components per host, in order of first appearance.
  std::map<std::string, std::vector<const ComplianceFinding*>> packages_of_host;
  std::map<std::string, bool> package_seen;
  std::uint64_t hash_high = 0xcbf29ce484222325ULL;
  std::uint64_t hash_low = 0x84222325cbf29ce4ULL;
  hash_high = fnv1a(fnv1a(hash_high, report.policy), core::format_rfc3339(report.as_of));
  hash_low = fnv1a(fnv1a(hash_low, core::format_rfc3339(report.as_of)), report.policy);

  for (const ComplianceFinding& f : findings) {
    if (f.status == policy::Status::kFixed) continue;
    const std::string ref = package_ref(f);
    if (package_seen.emplace(ref, true).second) packages_of_host[f.host].push_back(&f);
    auto record = records.find(f.exception_id);
    const Analysis analysis = analysis_of(f, record == records.end() ? nullptr : record->second);
    std::vector<std::string> ids = f.cves;
    if (ids.empty()) ids.push_back(detail::finding_id(f));
    for (const std::string& id : ids) {
      auto [it, inserted] = entry_index.emplace(std::tuple(id, f.status, analysis), entries.size());
      if (inserted) entries.push_back({.id = id, .status = f.status, .analysis = analysis});
      VulnerabilityEntry& e = entries[it->second];
      e.severity = std::max(e.severity, f.severity);
      if (f.cvss) e.cvss = std::max(e.cvss.value_or(0.0), *f.cvss);
      if (f.deadline.deadline &&
          (!e.earliest_deadline || *f.deadline.deadline < *e.earliest_deadline)) {
        e.earliest_deadline = f.deadline.deadline;
      }
      for (const std::string& a : f.advisories) add_unique(e.advisories, a);
      if (!f.fixed_version.empty() && analysis.response == "update") {
        add_unique(e.recommendations, f.package + " " + f.fixed_version);
      }
      e.affects.push_back(&f);
    }
    for (const std::string_view field :
         {std::string_view(f.host), std::string_view(f.package),
          std::string_view(f.installed_version), policy::to_string(f.status)}) {
      hash_high = fnv1a(hash_high, field);
      hash_low = fnv1a(hash_low, field);
    }
  }

  Json components = Json::array();
  for (const HostRow& host : report.per_host) {
    auto packages = packages_of_host.find(host.id);
    Json c;
    c["type"] = "device";
    c["bom-ref"] = valid_utf8(host_ref(host.id));
    c["name"] = valid_utf8(host.hostname.empty() ? host.id : host.hostname);
    Json properties = Json::array();
    properties.push_back(property("fleetpatch:host_id", host.id));
    if (!host.os.empty()) properties.push_back(property("fleetpatch:os", host.os));
    for (const std::string& tag : host.tags) properties.push_back(property("fleetpatch:tag", tag));
    properties.push_back(property("fleetpatch:compliant", host.compliant ? "true" : "false"));
    c["properties"] = std::move(properties);
    if (packages != packages_of_host.end()) {
      Json nested = Json::array();
      for (const ComplianceFinding* f : packages->second) {
        Json p;
        p["type"] = "library";
        p["bom-ref"] = valid_utf8(package_ref(*f));
        p["name"] = valid_utf8(f->package);
        p["version"] = valid_utf8(f->installed_version);
        if (!f->source_package.empty() && f->source_package != f->package) {
          p["properties"] = Json::array({property("fleetpatch:source_package", f->source_package)});
        }
        nested.push_back(std::move(p));
      }
      c["components"] = std::move(nested);
      packages_of_host.erase(packages);
    }
    components.push_back(std::move(c));
  }
  // Findings of hosts missing from per_host (not expected) still get their packages listed.
  for (const auto& [host, packages] : packages_of_host) {
    Json c = {
        {"type", "device"}, {"bom-ref", valid_utf8(host_ref(host))}, {"name", valid_utf8(host)}};
    Json nested = Json::array();
    for (const ComplianceFinding* f : packages) {
      nested.push_back({{"type", "library"},
                        {"bom-ref", valid_utf8(package_ref(*f))},
                        {"name", valid_utf8(f->package)},
                        {"version", valid_utf8(f->installed_version)}});
    }
    c["components"] = std::move(nested);
    components.push_back(std::move(c));
  }

  Json metadata;
  metadata["timestamp"] = core::format_rfc3339(report.as_of);
  metadata["tools"] = {{"components", Json::array({{{"type", "application"},
                                                    {"name", "fleetpatch"},
                                                    {"version", options.tool_version}}})}};
  const StatusCounts& counts = report.summary.counts;
  metadata["properties"] = Json::array({
      property("fleetpatch:policy", report.policy),
      property("fleetpatch:as_of", core::format_rfc3339(report.as_of)),
      property("fleetpatch:hosts", std::to_string(report.summary.hosts)),
      property("fleetpatch:hosts_compliant", std::to_string(report.summary.hosts_compliant)),
      property("fleetpatch:findings", std::to_string(counts.findings)),
      property("fleetpatch:overdue", std::to_string(counts.overdue)),
      property("fleetpatch:due_soon", std::to_string(counts.due_soon)),
      property("fleetpatch:mitigated", std::to_string(counts.mitigated)),
      property("fleetpatch:excepted", std::to_string(counts.excepted)),
  });

  Json bom;
  bom["$schema"] = "http://cyclonedx.org/schema/bom-1.5.schema.json";
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.5";
  bom["serialNumber"] = serial_number(hash_high, hash_low);
  bom["version"] = 1;
  bom["metadata"] = std::move(metadata);
  bom["components"] = std::move(components);
  Json vulnerabilities = Json::array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    vulnerabilities.push_back(vulnerability_json(entries[i], i, report.policy));
  }
  bom["vulnerabilities"] = std::move(vulnerabilities);
  out << bom.dump(options.pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace);
  if (options.pretty) out << '\n';
}

}  // namespace fleetpatch::report
