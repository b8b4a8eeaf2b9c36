#include "policy/exceptions.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "policy/toml_subset.hpp"

namespace fleetpatch::policy {
namespace {

core::Error error_at(std::string_view source, std::size_t line, std::string_view message) {
  return core::invalid_argument(std::string(source) + ":" + std::to_string(line) + ": " +
                                std::string(message));
}

core::Result<core::TimePoint> read_time(std::string_view source, const toml::Value& v,
                                        std::string_view key) {
  if (v.kind != toml::Value::Kind::kString && v.kind != toml::Value::Kind::kDate) {
    return error_at(source, v.line,
                    "\"" + std::string(key) + "\" must be a date (2026-12-01 or RFC 3339)");
  }
  auto t = core::parse_rfc3339(v.text);
  if (!t.ok()) {
    return error_at(source, v.line, "\"" + std::string(key) + "\": " + t.error().message);
  }
  return *t;
}

core::Result<ExceptionRecord> parse_record(std::string_view source, const toml::Value& table,
                                           ExceptionKind kind) {
  ExceptionRecord rec;
  rec.kind = kind;
  rec.source = std::string(source);
  rec.line = table.line;
  bool has_created = false;
  for (const auto& [key, value] : table.entries) {
    if (key == "created" || key == "expires") {
      auto t = read_time(source, value, key);
      if (!t.ok()) return t.error();
      if (key == "created") {
        rec.created = *t;
        has_created = true;
      } else {
        rec.expires = *t;
      }
      continue;
    }
    if (value.kind != toml::Value::Kind::kString) {
      return error_at(source, value.line, "\"" + key + "\" must be a string");
    }
    const std::string& s = value.text;
    if (key == "id") {
      rec.id = s;
    } else if (key == "kind") {
      const ExceptionKind given = s == "exception"    ? ExceptionKind::kException
                                  : s == "mitigation" ? ExceptionKind::kMitigation
                                                      : ExceptionKind{};
      if (given != ExceptionKind::kException && given != ExceptionKind::kMitigation) {
        return error_at(source, value.line, "\"kind\" must be \"exception\" or \"mitigation\"");
      }
      if (given != kind) {
        return error_at(
            source, value.line,
            "\"kind\" says " + s + " inside a [[" + std::string(to_string(kind)) + "]] table");
      }
    } else if (key == "cve") {
      rec.cve = s;
    } else if (key == "package") {
      rec.package = s;
    } else if (key == "host") {
      rec.host = s;
    } else if (key == "tag") {
      rec.tag = s;
    } else if (key == "justification") {
      rec.justification = s;
    } else if (key == "approver") {
      rec.approver = s;
    } else {
      return error_at(source, value.line,
                      "unknown key \"" + key +
                          "\" (id, kind, cve, package, host, tag, justification, approver, "
                          "created, expires)");
    }
  }
  const std::string what = "a [[" + std::string(to_string(kind)) + "]]";
  if (rec.cve.empty() && rec.package.empty() && rec.host.empty() && rec.tag.empty()) {
    return error_at(source, table.line, what + " must select something: cve, package, host or tag");
  }
  if (rec.justification.empty())
    return error_at(source, table.line, what + " needs a justification");
  if (rec.approver.empty()) return error_at(source, table.line, what + " needs an approver");
  if (!has_created) return error_at(source, table.line, what + " needs a created date");
  if (rec.expires && *rec.expires <= rec.created) {
    return error_at(source, table.line, what + " expires before it is created");
  }
  if (rec.id.empty()) rec.id = std::string(source) + ":" + std::to_string(table.line);
  return rec;
}

}  // namespace

std::string_view to_string(ExceptionKind kind) {
  return kind == ExceptionKind::kMitigation ? "mitigation" : "exception";
}

bool ExceptionRecord::selects(const core::HostIdentity& h, const core::Finding& f) const {
  if (!cve.empty() && std::find(f.cves.begin(), f.cves.end(), cve) == f.cves.end()) {
    return false;
  }
  if (!package.empty() && package != f.package && package != f.source_package) return false;
  if (!host.empty() && host != h.id && host != h.hostname) return false;
  if (!tag.empty() && std::find(h.tags.begin(), h.tags.end(), tag) == h.tags.end()) return false;
  return true;
}

bool ExceptionRecord::active_at(core::TimePoint now) const {
  return created <= now && (!expires || now < *expires);
}

std::string ExceptionRecord::selector_text() const {
  std::string out;
  auto add = [&out](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    if (!out.empty()) out += ' ';
    out += key;
    out += '=';
    out += value;
  };
  add("cve", cve);
  add("package", package);
  add("host", host);
  add("tag", tag);
  return out;
}

core::Result<ExceptionSet> parse_exceptions(std::string_view text, std::string_view source) {
  auto doc = toml::parse(text, source);
  if (!doc.ok()) return doc.error();
  ExceptionSet set;
  for (const auto& [key, value] : doc->entries) {
    ExceptionKind kind;
    if (key == "exception") {
      kind = ExceptionKind::kException;
    } else if (key == "mitigation") {
      kind = ExceptionKind::kMitigation;
    } else {
      return error_at(source, value.line,
                      "unexpected \"" + key + "\": records are [[exception]] or [[mitigation]]");
    }
    if (value.kind != toml::Value::Kind::kArray || value.items.empty() ||
        value.items.front().kind != toml::Value::Kind::kTable) {
      return error_at(source, value.line,
                      "records are written as [[" + key + "]] tables, one per record");
    }
    for (const auto& item : value.items) {
      auto rec = parse_record(source, item, kind);
      if (!rec.ok()) return rec.error();
      set.records.push_back(std::move(rec).value());
    }
  }
  std::stable_sort(
      set.records.begin(), set.records.end(),
      [](const ExceptionRecord& a, const ExceptionRecord& b) { return a.line < b.line; });
  std::unordered_map<std::string_view, std::size_t> lines_by_id;
  for (const auto& rec : set.records) {
    const auto [it, inserted] = lines_by_id.emplace(rec.id, rec.line);
    if (!inserted) {
      return error_at(
          source, rec.line,
          "duplicate id \"" + rec.id + "\" (first on line " + std::to_string(it->second) + ")");
    }
  }
  return set;
}

}  // namespace fleetpatch::policy
