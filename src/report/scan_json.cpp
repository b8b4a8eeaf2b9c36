// "fleetpatch.scan/1": written host by host, so a large fleet never needs one JSON tree in
// memory. Field order is fixed (ordered_json) so that output is byte-for-byte reproducible.
#include <nlohmann/json.hpp>
#include <sstream>

#include "report/scan_report.hpp"

namespace fleetpatch::report {
namespace {

using Json = nlohmann::ordered_json;

Json string_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

/// Inputs come from arbitrary inventories: bytes that are not UTF-8 become U+FFFD instead of
/// making the dump throw.
std::string dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Json finding_json(const core::Finding& f) {
  Json j;
  j["package"] = f.package;
  j["source_package"] = f.source_package;
  j["installed_version"] = f.installed_version;
  j["fixed_version"] = string_or_null(f.fixed_version);
  j["state"] = core::to_string(f.state);
  j["advisories"] = f.advisories;
  j["cves"] = f.cves;
  j["severity"] = core::to_string(f.severity);
  j["vendor_severity"] = string_or_null(f.vendor_severity);
  j["cvss"] = f.cvss_score ? Json(*f.cvss_score) : Json(nullptr);
  j["fix_available_since"] = string_or_null(f.fix_available_since);
  j["kev_due_date"] = f.kev_due_date ? Json(*f.kev_due_date) : Json(nullptr);
  j["exposure"] = to_string(f.exposure);
  return j;
}

Json host_json(const core::HostFindings& h) {
  Json j;
  j["host"] = {{"id", h.host.id}, {"hostname", h.host.hostname}, {"tags", h.host.tags}};
  j["os"] = {{"id", h.os.id}, {"version_id", h.os.version_id}, {"name", h.os.name}};
  j["release"] = string_or_null(h.release);
  Json findings = Json::array();
  for (const auto& f : h.findings) findings.push_back(finding_json(f));
  j["findings"] = std::move(findings);
  j["notes"] = h.notes;
  return j;
}

/// Indents every line after the first of `text` by `indent` spaces (to nest a pretty dump).
std::string nest(const std::string& text, std::string_view indent) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    out.push_back(c);
    if (c == '\n') out.append(indent);
  }
  return out;
}

}  // namespace

std::string_view to_string(core::Exposure exposure) {
  switch (exposure) {
    case core::Exposure::kNone:
      return "none";
    case core::Exposure::kLocal:
      return "local";
    case core::Exposure::kNetwork:
      return "network";
  }
  return "none";
}

void write_scan_json(std::ostream& out, std::span<const core::HostFindings> hosts,
                     const JsonOptions& options) {
  const Json schema = std::string(kScanSchema);
  if (!options.pretty) {
    out << "{\"schema\":" << dump(schema, -1) << ",\"hosts\":[";
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      if (i > 0) out << ',';
      out << dump(host_json(hosts[i]), -1);
    }
    out << "]}";
    return;
  }
  out << "{\n  \"schema\": " << dump(schema, -1) << ",\n  \"hosts\": [";
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    out << (i > 0 ? ",\n    " : "\n    ") << nest(dump(host_json(hosts[i]), 2), "    ");
  }
  out << (hosts.empty() ? "]\n}" : "\n  ]\n}");
}

std::string scan_json(std::span<const core::HostFindings> hosts, const JsonOptions& options) {
  std::ostringstream out;
  write_scan_json(out, hosts, options);
  return out.str();
}

}  // namespace fleetpatch::report
