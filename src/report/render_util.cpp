#include "report/render_util.hpp"

#include <algorithm>

namespace fleetpatch::report::detail {

std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n;
  unsigned min;
  unsigned cp;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, min = 0x80, cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, min = 0x800, cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out.push_back('"');
}

namespace {

std::string days(long n) { return std::to_string(n) + (n == 1 || n == -1 ? " day" : " days"); }

}  // namespace

std::string date_only(core::TimePoint t) { return core::format_rfc3339(t).substr(0, 10); }

std::string finding_id(const ComplianceFinding& f) {
  if (!f.advisories.empty()) return f.advisories.front();
  if (!f.cves.empty()) return f.cves.front();
  return f.package + "@" + f.installed_version;
}

std::vector<std::string> finding_ids(const ComplianceFinding& f) {
  std::vector<std::string> ids = f.cves;
  for (const std::string& a : f.advisories) {
    if (std::find(ids.begin(), ids.end(), a) == ids.end()) ids.push_back(a);
  }
  return ids;
}

std::string status_phrase(const ComplianceFinding& f) {
  const std::string deadline =
      f.deadline.deadline ? " (deadline " + date_only(*f.deadline.deadline) + ")" : "";
  switch (f.status) {
    case policy::Status::kOverdue:
      return f.days_left ? "overdue by " + days(std::max(0L, -*f.days_left)) + deadline
                         : "overdue" + deadline;
    case policy::Status::kDueSoon:
      return f.days_left ? "due in " + days(std::max(0L, *f.days_left)) + deadline
                         : "due soon" + deadline;
    case policy::Status::kOpen:
      return f.deadline.deadline ? "due " + date_only(*f.deadline.deadline) : "no deadline";
    case policy::Status::kMitigated:
      return f.exception_id.empty() ? "mitigated" : "mitigated by " + f.exception_id;
    case policy::Status::kExcepted:
      return f.exception_id.empty() ? "excepted" : "excepted by " + f.exception_id;
    case policy::Status::kFixed:
      return f.fixed_at ? "fixed " + date_only(*f.fixed_at) : "fixed";
  }
  return std::string(policy::to_string(f.status));
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      out.push_back(text[i++]);
      continue;
    }
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::unordered_map<std::string, const policy::ExceptionRecord*> exceptions_by_id(
    const ComplianceReport& report) {
  std::unordered_map<std::string, const policy::ExceptionRecord*> by_id;
  for (const ExceptionRow& row : report.exceptions) by_id.emplace(row.record.id, &row.record);
  return by_id;
}

std::string suppression_justification(const ComplianceFinding& f,
                                      const policy::ExceptionRecord* record) {
  if (record == nullptr) {
    if (f.state == core::FindingState::kMitigated) {
      return "a loaded kernel livepatch covers it";
    }
    return f.note.empty() ? std::string(policy::to_string(f.status)) : f.note;
  }
  std::string text =
      record->justification.empty() ? "no justification recorded" : record->justification;
  text += " (" + std::string(policy::to_string(record->kind)) + " " + record->id;
  if (!record->approver.empty()) text += ", approved by " + record->approver;
  text += record->expires ? ", expires " + date_only(*record->expires) : ", does not expire";
  text += ")";
  return text;
}

double severity_score(core::Severity severity) {
  switch (severity) {
    case core::Severity::kCritical:
      return 9.5;
    case core::Severity::kHigh:
      return 8.0;
    case core::Severity::kMedium:
      return 5.5;
    case core::Severity::kLow:
      return 2.0;
    case core::Severity::kUnknown:
      return 5.0;
  }
  return 5.0;
}

}  // namespace fleetpatch::report::detail
