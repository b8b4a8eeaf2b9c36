// "fleetpatch.scan/1", written directly to the stream host by host: no JSON tree is built, so a
// single-host scan stays within its time budget and a large fleet never needs its whole result
// as one document in memory. The field order is fixed, so output is reproducible byte for byte.
// Pretty output puts each finding on one line (easy to grep and diff).
#include <charconv>
#include <cmath>
#include <sstream>

#include "report/render_util.hpp"
#include "report/scan_report.hpp"

namespace fleetpatch::report {
namespace {

class Writer {
 public:
  Writer(std::ostream& out, bool pretty) : out_(out), pretty_(pretty) {}

  /// A JSON string; bytes that are not UTF-8 (inventories are arbitrary input) become U+FFFD.
  void string(std::string_view s) {
    buffer_.clear();
    detail::append_json_string(buffer_, s);
    out_ << buffer_;
  }

  void string_or_null(std::string_view s) {
    if (s.empty()) {
      out_ << "null";
    } else {
      string(s);
    }
  }

  void strings(const std::vector<std::string>& items) {
    out_ << '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out_ << (pretty_ ? ", " : ",");
      string(items[i]);
    }
    out_ << ']';
  }

  void number(double value) {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, value);
    out_.write(text, result.ptr - text);
  }

  /// `"name": ` (or `"name":`), preceded by a comma unless it is the first of its object.
  void key(std::string_view name, bool first = false) {
    if (!first) out_ << (pretty_ ? ", " : ",");
    out_ << '"' << name << (pretty_ ? "\": " : "\":");
  }

  /// Starts a line of pretty output at `depth` levels of two spaces; nothing when compact.
  void line(int depth) {
    if (pretty_) out_ << '\n' << std::string(static_cast<std::size_t>(depth) * 2, ' ');
  }

  std::ostream& raw() { return out_; }
  bool pretty() const { return pretty_; }

 private:
  std::ostream& out_;
  bool pretty_;
  std::string buffer_;
};

/// The same object as the compliance report's "risk_breakdown" (docs/compliance-report.md).
void write_risk_breakdown(Writer& w, const policy::RiskBreakdown& r) {
  w.raw() << '{';
  w.key("base", true);
  w.number(r.base);
  w.key("base_source");
  w.string(r.base_source);
  w.key("kev");
  w.number(r.kev);
  w.key("epss");
  w.number(r.epss);
  w.key("epss_probability");
  if (r.epss_probability) {
    w.number(*r.epss_probability);
  } else {
    w.raw() << "null";
  }
  w.key("epss_cve");
  w.string(r.epss_cve);
  w.key("exposure");
  w.number(r.exposure);
  w.key("tier");
  w.number(r.tier);
  w.key("tier_source");
  w.string(r.tier_source);
  w.key("raw");
  w.number(std::round(r.raw * 10000.0) / 10000.0);
  w.key("score");
  w.number(r.score);
  w.key("explain");
  w.string(r.explain());
  w.raw() << '}';
}

void write_finding(Writer& w, const core::Finding& f, const policy::RiskBreakdown* risk,
                   bool explain) {
  w.raw() << '{';
  w.key("package", true);
  w.string(f.package);
  w.key("source_package");
  w.string(f.source_package);
  w.key("installed_version");
  w.string(f.installed_version);
  w.key("fixed_version");
  w.string_or_null(f.fixed_version);
  w.key("state");
  w.string(core::to_string(f.state));
  w.key("advisories");
  w.strings(f.advisories);
  w.key("cves");
  w.strings(f.cves);
  w.key("severity");
  w.string(core::to_string(f.severity));
  w.key("vendor_severity");
  w.string_or_null(f.vendor_severity);
  w.key("cvss");
  if (f.cvss_score) {
    w.number(*f.cvss_score);
  } else {
    w.raw() << "null";
  }
  w.key("fix_available_since");
  w.string_or_null(f.fix_available_since);
  w.key("kev_due_date");
  w.string_or_null(f.kev_due_date.value_or(""));
  w.key("exposure");
  w.string(to_string(f.exposure));
  if (risk != nullptr) {
    w.key("risk");
    w.number(risk->score);
    if (explain) {
      w.key("risk_breakdown");
      write_risk_breakdown(w, *risk);
    }
  }
  w.key("mitigated_by");
  w.raw() << '[';
  for (std::size_t i = 0; i < f.mitigated_by.size(); ++i) {
    const core::LivepatchCover& m = f.mitigated_by[i];
    if (i > 0) w.raw() << (w.pretty() ? ", " : ",");
    w.raw() << '{';
    w.key("livepatch", true);
    w.string(m.livepatch);
    w.key("tool");
    w.string(m.tool);
    w.key("cves");
    w.strings(m.cves);
    w.raw() << '}';
  }
  w.raw() << ']';
  w.key("pending_restart");
  w.raw() << '[';
  for (std::size_t i = 0; i < f.pending_restart.size(); ++i) {
    const core::RestartProcess& p = f.pending_restart[i];
    if (i > 0) w.raw() << (w.pretty() ? ", " : ",");
    w.raw() << '{';
    w.key("pid", true);
    w.raw() << p.pid;
    w.key("exe");
    w.string(p.exe);
    w.key("unit");
    w.string_or_null(p.unit);
    w.raw() << '}';
  }
  w.raw() << ']';
  w.key("end_of_life");
  if (!f.end_of_life) {
    w.raw() << "null";
  } else {
    const core::EndOfLife& e = *f.end_of_life;
    w.raw() << '{';
    w.key("release", true);
    w.string(e.release);
    w.key("last_supported_day");
    w.string(e.last_supported_day);
    w.key("since");
    w.string(e.since);
    w.key("source");
    w.string(e.source);
    w.key("paid_program");
    w.string_or_null(e.paid_program);
    w.key("paid_until");
    w.string_or_null(e.paid_until);
    w.raw() << '}';
  }
  w.raw() << '}';
}

void write_host(Writer& w, const core::HostFindings& h,
                const std::vector<policy::RiskBreakdown>* risk, bool explain) {
  const bool pretty = w.pretty();
  w.raw() << '{';
  w.line(3);
  w.raw() << (pretty ? "\"host\": {" : "\"host\":{");
  w.key("id", true);
  w.string(h.host.id);
  w.key("hostname");
  w.string(h.host.hostname);
  w.key("tags");
  w.strings(h.host.tags);
  w.raw() << "},";
  w.line(3);
  w.raw() << (pretty ? "\"os\": {" : "\"os\":{");
  w.key("id", true);
  w.string(h.os.id);
  w.key("version_id");
  w.string(h.os.version_id);
  w.key("name");
  w.string(h.os.name);
  w.raw() << "},";
  w.line(3);
  w.raw() << (pretty ? "\"release\": " : "\"release\":");
  w.string_or_null(h.release);
  w.raw() << ',';
  w.line(3);
  w.raw() << (pretty ? "\"findings\": [" : "\"findings\":[");
  for (std::size_t i = 0; i < h.findings.size(); ++i) {
    if (i > 0) w.raw() << ',';
    w.line(4);
    write_finding(w, h.findings[i], risk != nullptr && i < risk->size() ? &(*risk)[i] : nullptr,
                  explain);
  }
  if (!h.findings.empty()) w.line(3);
  w.raw() << "],";
  w.line(3);
  w.raw() << (pretty ? "\"notes\": " : "\"notes\":");
  if (pretty && !h.notes.empty()) {
    // One note per line: they are sentences.
    w.raw() << '[';
    for (std::size_t i = 0; i < h.notes.size(); ++i) {
      if (i > 0) w.raw() << ',';
      w.line(4);
      w.string(h.notes[i]);
    }
    w.line(3);
    w.raw() << ']';
  } else {
    w.strings(h.notes);
  }
  w.line(2);
  w.raw() << '}';
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
  Writer w(out, options.pretty);
  out << '{';
  w.line(1);
  out << (options.pretty ? "\"schema\": " : "\"schema\":");
  w.string(kScanSchema);
  out << ',';
  w.line(1);
  out << (options.pretty ? "\"hosts\": [" : "\"hosts\":[");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (i > 0) out << ',';
    w.line(2);
    write_host(w, hosts[i], i < options.risk.size() ? &options.risk[i] : nullptr, options.explain);
  }
  if (!hosts.empty()) w.line(1);
  out << ']';
  w.line(0);
  out << '}';
}

std::string scan_json(std::span<const core::HostFindings> hosts, const JsonOptions& options) {
  std::ostringstream out;
  write_scan_json(out, hosts, options);
  return out.str();
}

}  // namespace fleetpatch::report
