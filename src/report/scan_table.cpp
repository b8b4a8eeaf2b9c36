// The human table of a scan: one block per host, columns sized to their content.
#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "report/scan_report.hpp"

namespace fleetpatch::report {
namespace {

constexpr std::array<core::Severity, 5> kSeverityOrder = {
    core::Severity::kCritical, core::Severity::kHigh, core::Severity::kMedium, core::Severity::kLow,
    core::Severity::kUnknown};

struct Counts {
  std::size_t total = 0;
  std::array<std::size_t, 5> by_severity{};  // indexed by core::Severity
  std::size_t kev = 0;
};

Counts count(const core::HostFindings& host) {
  Counts c;
  for (const auto& f : host.findings) {
    ++c.total;
    ++c.by_severity[static_cast<std::size_t>(f.severity)];
    if (f.kev_due_date) ++c.kev;
  }
  return c;
}

/// "3 findings: 1 high, 2 medium" (severities that occur, most severe first).
std::string describe(const Counts& c) {
  std::string out = std::to_string(c.total) + (c.total == 1 ? " finding" : " findings");
  std::string parts;
  for (core::Severity s : kSeverityOrder) {
    const std::size_t n = c.by_severity[static_cast<std::size_t>(s)];
    if (n == 0) continue;
    parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(to_string(s));
  }
  if (!parts.empty()) out += ": " + parts;
  if (c.kev > 0) out += "; " + std::to_string(c.kev) + " on the CISA KEV list";
  return out;
}

std::string join_limited(const std::vector<std::string>& items, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    out += (i ? ", " : "") + items[i];
  }
  if (items.size() > limit) out += " (+" + std::to_string(items.size() - limit) + ")";
  return out;
}

/// Rows of equal length, columns padded to their widest cell; `under[i]`, when not empty, is
/// printed on its own line below row i (a risk breakdown).
void write_rows(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                const std::vector<std::string>& under) {
  std::vector<std::size_t> width(rows.empty() ? 0 : rows.front().size());
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    std::string line = "  ";
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(width[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
    if (r < under.size() && !under[r].empty()) out << "      " << under[r] << '\n';
  }
}

/// "68.4": one decimal, like the score itself.
std::string score_text(double score) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", score);
  return buf;
}

}  // namespace

void write_scan_table(std::ostream& out, std::span<const core::HostFindings> hosts,
                      const TableOptions& options) {
  Counts fleet;
  std::size_t hosts_with_findings = 0;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const core::HostFindings& host = hosts[i];
    const Counts c = count(host);
    fleet.total += c.total;
    for (std::size_t s = 0; s < c.by_severity.size(); ++s) fleet.by_severity[s] += c.by_severity[s];
    fleet.kev += c.kev;
    if (c.total > 0) ++hosts_with_findings;

    if (i > 0) out << '\n';
    const std::string& name = host.host.hostname.empty() ? host.host.id : host.host.hostname;
    std::string os = host.os.name.empty() ? host.os.id + " " + host.os.version_id : host.os.name;
    if (!host.release.empty()) os += " (" + host.release + ")";
    out << (name.empty() ? "(unnamed host)" : name) << " - " << os << " - " << describe(c) << '\n';
    if (!host.findings.empty()) {
      const std::vector<policy::RiskBreakdown>* risk =
          i < options.risk.size() ? &options.risk[i] : nullptr;
      std::vector<std::vector<std::string>> rows;
      std::vector<std::string> under;  // parallel to rows: the breakdown lines
      rows.push_back({"PACKAGE", "INSTALLED", "FIXED IN", "SEVERITY"});
      if (risk != nullptr) rows.back().push_back("RISK");
      rows.back().insert(rows.back().end(), {"ADVISORIES", "CVES", "KEV DUE"});
      under.emplace_back();
      for (std::size_t k = 0; k < host.findings.size(); ++k) {
        const core::Finding& f = host.findings[k];
        const policy::RiskBreakdown* r =
            risk != nullptr && k < risk->size() ? &(*risk)[k] : nullptr;
        // The state shows whenever it is not the plain "fix exists" (pending reboot or restart,
        // mitigated: the version alone would read as a fix still to install).
        std::string fixed = f.fixed_version;
        if (f.state != core::FindingState::kFixed || fixed.empty()) {
          fixed += (fixed.empty() ? "(" : " (") + std::string(core::to_string(f.state)) + ")";
        }
        // An end-of-life finding is about the release, which the package column then names.
        const std::string package =
            f.end_of_life ? "(release " + f.end_of_life->release + ")" : f.package;
        rows.push_back({package, f.installed_version, std::move(fixed),
                        std::string(core::to_string(f.severity))});
        if (risk != nullptr) rows.back().push_back(r != nullptr ? score_text(r->score) : "");
        rows.back().insert(rows.back().end(),
                           {join_limited(f.advisories, 2), join_limited(f.cves, options.max_cves),
                            f.kev_due_date.value_or("")});
        under.push_back(options.explain && r != nullptr ? "risk: " + r->explain() : "");
      }
      write_rows(out, rows, under);
      for (const auto& f : host.findings) {
        if (!f.end_of_life) continue;
        const core::EndOfLife& e = *f.end_of_life;
        out << "  end of life: " << e.release << " was supported until " << e.last_supported_day
            << " (" << e.source << ")";
        if (!e.paid_program.empty()) {
          out << "; " << e.paid_program << " (paid) runs until " << e.paid_until;
        }
        out << '\n';
      }
    }
    for (const auto& note : host.notes) out << "  note: " << note << '\n';
  }
  if (hosts.size() > 1) {
    out << "\nfleet: " << hosts.size() << " hosts, " << hosts_with_findings << " with findings; "
        << describe(fleet) << '\n';
  }
}

}  // namespace fleetpatch::report
