#include "feed/osv/osv.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "distro/distro.hpp"
#include "feed/osv/cvss.hpp"

namespace fleetpatch::feed::osv {
namespace {

namespace sj = simdjson::ondemand;
using simdjson::error_code;

struct RawAffected {
  std::string ecosystem;
  std::string name;
  std::vector<core::VersionEvent> events;
  std::vector<std::pair<std::string, std::string>> binaries;  // name, version
  std::vector<std::string> vendor_words;
};

struct RawRecord {
  std::string id;
  std::string summary;
  std::string published;
  std::string modified;
  bool withdrawn = false;
  std::vector<std::string> references;  // aliases, related, upstream
  std::vector<std::string> vendor_words;
  std::optional<double> cvss3;
  std::optional<double> cvss2;
  std::vector<RawAffected> affected;
};

/// The record id, looked up in raw text, so that a record too broken to parse is still named.
std::string guess_id(std::string_view json) {
  std::size_t pos = json.find("\"id\"");
  if (pos == std::string_view::npos) return {};
  pos = json.find('"', json.find(':', pos + 4));
  if (pos == std::string_view::npos) return {};
  std::size_t end = json.find('"', pos + 1);
  if (end == std::string_view::npos || end - pos > 200) return {};
  return std::string(json.substr(pos + 1, end - pos - 1));
}

void keep_max(std::optional<double>& slot, std::optional<double> value) {
  if (value && (!slot || *value > *slot)) slot = value;
}

/// Reads one document into a RawRecord; on the first problem it records a message and stops
/// (the on-demand parser cannot go on after an error).
class Reader {
 public:
  std::string error;  // "" = fine

  bool read(sj::document& doc, RawRecord& record) {
    sj::object object;
    if (auto e = doc.get_object().get(object)) return fail("record", e);
    for (auto field_result : object) {
      sj::field field;
      if (auto e = std::move(field_result).get(field)) return fail("record", e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return fail("record", e);
      sj::value value = field.value();
      bool ok = true;
      if (key == "id") {
        ok = read_string(value, record.id, "id");
      } else if (key == "summary") {
        ok = read_string(value, record.summary, "summary");
      } else if (key == "published") {
        ok = read_string(value, record.published, "published");
      } else if (key == "modified") {
        ok = read_string(value, record.modified, "modified");
      } else if (key == "withdrawn") {
        record.withdrawn = true;
      } else if (key == "aliases" || key == "related" || key == "upstream") {
        ok = read_strings(value, record.references, key);
      } else if (key == "severity") {
        ok = read_severity(value, record.vendor_words, record.cvss3, record.cvss2);
      } else if (key == "database_specific") {
        std::vector<std::pair<std::string, std::string>> ignored;
        ok = read_specific(value, record.vendor_words, ignored, "database_specific");
      } else if (key == "affected") {
        ok = read_affected(value, record);
      }
      if (!ok) return false;
    }
    // After the top-level object only whitespace may follow: current_location() fails once
    // the iterator is past the last token.
    const char* trailing = nullptr;
    if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
      return fail("record", error_code::TRAILING_CONTENT);
    }
    return true;
  }

 private:
  bool fail(std::string_view where, error_code e) {
    error = std::string(where) + ": " + simdjson::error_message(e);
    return false;
  }

  bool read_string(sj::value& value, std::string& out, std::string_view where) {
    std::string_view text;
    if (auto e = value.get_string().get(text)) return fail(where, e);
    out.assign(text);
    return true;
  }

  bool read_strings(sj::value& value, std::vector<std::string>& out, std::string_view where) {
    sj::array array;
    if (auto e = value.get_array().get(array)) return fail(where, e);
    for (auto item : array) {
      std::string_view text;
      if (auto e = item.get_string().get(text)) return fail(where, e);
      out.emplace_back(text);
    }
    return true;
  }

  /// `severity: [{type, score}]`, at record or affected level.
  bool read_severity(sj::value& value, std::vector<std::string>& words,
                     std::optional<double>& cvss3, std::optional<double>& cvss2) {
    sj::array array;
    if (auto e = value.get_array().get(array)) return fail("severity", e);
    for (auto item : array) {
      sj::object object;
      if (auto e = item.get_object().get(object)) return fail("severity", e);
      std::string type;
      std::string score;
      for (auto field_result : object) {
        sj::field field;
        if (auto e = std::move(field_result).get(field)) return fail("severity", e);
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return fail("severity", e);
        sj::value field_value = field.value();
        if (key == "type") {
          if (!read_string(field_value, type, "severity.type")) return false;
        } else if (key == "score") {
          if (!read_string(field_value, score, "severity.score")) return false;
        }
      }
      if (type == "CVSS_V3") {
        keep_max(cvss3, cvss3_base_score(score));
      } else if (type == "CVSS_V2") {
        keep_max(cvss2, cvss2_base_score(score));
      } else if (type == "Ubuntu") {
        words.push_back(std::move(score));
      }
    }
    return true;
  }

  /// `database_specific` / `ecosystem_specific`: vendor severity words and SUSE/Ubuntu binary
  /// lists; anything else in them is skipped.
  bool read_specific(sj::value& value, std::vector<std::string>& words,
                     std::vector<std::pair<std::string, std::string>>& binaries,
                     std::string_view where) {
    sj::object object;
    if (auto e = value.get_object().get(object)) return fail(where, e);
    for (auto field_result : object) {
      sj::field field;
      if (auto e = std::move(field_result).get(field)) return fail(where, e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return fail(where, e);
      sj::value field_value = field.value();
      if (key == "severity" || key == "ubuntu_priority" || key == "urgency") {
        sj::json_type type;
        if (auto e = field_value.type().get(type)) return fail(where, e);
        if (type != sj::json_type::string) continue;
        std::string word;
        if (!read_string(field_value, word, key)) return false;
        words.push_back(std::move(word));
      } else if (key == "binaries") {
        if (!read_binaries(field_value, binaries)) return false;
      }
    }
    return true;
  }

  bool read_binaries(sj::value& value, std::vector<std::pair<std::string, std::string>>& out) {
    sj::array array;
    if (auto e = value.get_array().get(array)) return fail("binaries", e);
    for (auto item : array) {
      sj::object object;
      if (auto e = item.get_object().get(object)) return fail("binaries", e);
      std::string binary_name;
      std::string binary_version;
      for (auto field_result : object) {
        sj::field field;
        if (auto e = std::move(field_result).get(field)) return fail("binaries", e);
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return fail("binaries", e);
        std::string owned_key(key);
        sj::value field_value = field.value();
        std::string text;
        if (!read_string(field_value, text, "binaries")) return false;
        if (owned_key == "binary_name") {
          binary_name = std::move(text);
        } else if (owned_key == "binary_version") {
          binary_version = std::move(text);
        } else {
          out.emplace_back(std::move(owned_key), std::move(text));
        }
      }
      if (!binary_name.empty() && !binary_version.empty()) {
        out.emplace_back(std::move(binary_name), std::move(binary_version));
      }
    }
    return true;
  }

  bool read_events(sj::value& value, std::vector<core::VersionEvent>& events) {
    sj::array array;
    if (auto e = value.get_array().get(array)) return fail("events", e);
    for (auto item : array) {
      sj::object object;
      if (auto e = item.get_object().get(object)) return fail("events", e);
      for (auto field_result : object) {
        sj::field field;
        if (auto e = std::move(field_result).get(field)) return fail("events", e);
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return fail("events", e);
        core::VersionEvent event;
        if (key == "introduced") {
          event.type = core::VersionEvent::Type::kIntroduced;
        } else if (key == "fixed") {
          event.type = core::VersionEvent::Type::kFixed;
        } else if (key == "last_affected") {
          event.type = core::VersionEvent::Type::kLastAffected;
        } else {
          continue;  // "limit" and unknown keys bound nothing for distribution packages
        }
        sj::value field_value = field.value();
        if (!read_string(field_value, event.version, "events")) return false;
        events.push_back(std::move(event));
      }
    }
    return true;
  }

  bool read_ranges(sj::value& value, RawAffected& affected) {
    sj::array array;
    if (auto e = value.get_array().get(array)) return fail("ranges", e);
    for (auto item : array) {
      sj::object object;
      if (auto e = item.get_object().get(object)) return fail("ranges", e);
      std::string type;
      std::vector<core::VersionEvent> events;
      for (auto field_result : object) {
        sj::field field;
        if (auto e = std::move(field_result).get(field)) return fail("ranges", e);
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return fail("ranges", e);
        sj::value field_value = field.value();
        if (key == "type") {
          if (!read_string(field_value, type, "ranges.type")) return false;
        } else if (key == "events") {
          if (!read_events(field_value, events)) return false;
        }
      }
      // GIT and SEMVER ranges describe upstream sources, not the distribution's packages.
      if (type == "ECOSYSTEM") {
        affected.events.insert(affected.events.end(), std::make_move_iterator(events.begin()),
                               std::make_move_iterator(events.end()));
      }
    }
    return true;
  }

  bool read_package(sj::value& value, RawAffected& affected) {
    sj::object object;
    if (auto e = value.get_object().get(object)) return fail("package", e);
    for (auto field_result : object) {
      sj::field field;
      if (auto e = std::move(field_result).get(field)) return fail("package", e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return fail("package", e);
      sj::value field_value = field.value();
      if (key == "ecosystem") {
        if (!read_string(field_value, affected.ecosystem, "package.ecosystem")) return false;
      } else if (key == "name") {
        if (!read_string(field_value, affected.name, "package.name")) return false;
      }
    }
    return true;
  }

  bool read_affected(sj::value& value, RawRecord& record) {
    sj::array array;
    if (auto e = value.get_array().get(array)) return fail("affected", e);
    for (auto item : array) {
      sj::object object;
      if (auto e = item.get_object().get(object)) return fail("affected", e);
      RawAffected& affected = record.affected.emplace_back();
      for (auto field_result : object) {
        sj::field field;
        if (auto e = std::move(field_result).get(field)) return fail("affected", e);
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return fail("affected", e);
        sj::value field_value = field.value();
        bool ok = true;
        if (key == "package") {
          ok = read_package(field_value, affected);
        } else if (key == "ranges") {
          ok = read_ranges(field_value, affected);
        } else if (key == "ecosystem_specific") {
          ok = read_specific(field_value, affected.vendor_words, affected.binaries,
                             "ecosystem_specific");
        } else if (key == "database_specific") {
          ok = read_specific(field_value, affected.vendor_words, affected.binaries,
                             "database_specific");
        } else if (key == "severity") {
          ok = read_severity(field_value, affected.vendor_words, record.cvss3, record.cvss2);
        }
        if (!ok) return false;
      }
    }
    return true;
  }
};

/// The CVE an id names: "CVE-2024-1" itself, or the CVE of a vendor's per-CVE record
/// ("UBUNTU-CVE-2024-51988", "DEBIAN-CVE-2024-1"): USNs list the latter in `upstream`.
std::string_view cve_in_id(std::string_view id) {
  if (id.rfind("CVE-", 0) == 0) return id;
  const std::size_t marker = id.find("-CVE-");
  if (marker == std::string_view::npos || marker == 0) return {};
  for (std::size_t i = 0; i < marker; ++i) {
    if (!std::isupper(static_cast<unsigned char>(id[i]))) return {};
  }
  return id.substr(marker + 1);
}

core::Severity severity_from_score(double score) {
  if (score >= 9.0) return core::Severity::kCritical;
  if (score >= 7.0) return core::Severity::kHigh;
  if (score >= 4.0) return core::Severity::kMedium;
  if (score > 0.0) return core::Severity::kLow;
  return core::Severity::kUnknown;
}

bool has_fixed(const std::vector<core::VersionEvent>& events) {
  return std::any_of(events.begin(), events.end(), [](const core::VersionEvent& event) {
    return event.type == core::VersionEvent::Type::kFixed;
  });
}

/// Drops repeated entries, keeping the first. Advisories name tens of packages, so a scan
/// over the kept ones is cheaper than hashing (which would allocate a key per entry).
void dedupe(std::vector<core::AffectedPackage>& affected) {
  if (affected.size() < 2) return;
  if (affected.size() > 256) {
    // Large lists (SUSE binaries over many products): hash, to stay linear.
    std::unordered_set<std::string> seen;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < affected.size(); ++i) {
      const auto& entry = affected[i];
      std::string key = entry.release + '\n' + entry.name + '\n' + entry.module + '\n' +
                        std::to_string(static_cast<int>(entry.state));
      for (const auto& event : entry.events) {
        key += '\n';
        key += static_cast<char>('0' + static_cast<int>(event.type));
        key += event.version;
      }
      if (!seen.insert(std::move(key)).second) continue;
      if (kept != i) affected[kept] = std::move(affected[i]);
      ++kept;
    }
    affected.erase(affected.begin() + static_cast<std::ptrdiff_t>(kept), affected.end());
    return;
  }
  std::size_t kept = 1;
  for (std::size_t i = 1; i < affected.size(); ++i) {
    bool repeated = false;
    for (std::size_t j = 0; j < kept && !repeated; ++j) repeated = affected[j] == affected[i];
    if (repeated) continue;
    if (kept != i) affected[kept] = std::move(affected[i]);
    ++kept;
  }
  affected.erase(affected.begin() + static_cast<std::ptrdiff_t>(kept), affected.end());
}

}  // namespace

struct RecordParser::Impl {
  sj::parser parser;
  std::string scratch;
  // Records of one feed name the same few ecosystems over and over.
  std::string cached_ecosystem;
  std::optional<distro::Release> cached_release;
  bool cache_valid = false;

  const std::optional<distro::Release>& resolve(const std::string& ecosystem) {
    if (!cache_valid || ecosystem != cached_ecosystem) {
      cached_ecosystem = ecosystem;
      cached_release = distro::resolve_osv_ecosystem(ecosystem);
      cache_valid = true;
    }
    return cached_release;
  }

  void build(RawRecord&& raw, const std::string& source, std::size_t line, FeedBatch& batch,
             core::Diagnostics& diags);
};

void RecordParser::Impl::build(RawRecord&& raw, const std::string& source, std::size_t line,
                               FeedBatch& batch, core::Diagnostics& diags) {
  if (raw.id.empty()) {
    diags.add(source, line, "record has no id");
    return;
  }
  if (raw.withdrawn) {
    ++batch.withdrawn;
    return;
  }
  core::Advisory advisory;
  const distro::Distro* family = nullptr;
  std::string first_unknown;
  bool any_unknown = false;
  std::vector<std::string> vendor_words = std::move(raw.vendor_words);
  for (std::size_t i = 0; i < raw.affected.size(); ++i) {
    RawAffected& entry = raw.affected[i];
    if (entry.ecosystem.empty() || entry.name.empty()) {
      diags.add(source, line,
                "affected[" + std::to_string(i) + "]: package has no ecosystem or no name", raw.id);
      continue;
    }
    const auto& release = resolve(entry.ecosystem);
    if (!release) {
      if (!any_unknown) first_unknown = entry.ecosystem;
      any_unknown = true;
      continue;
    }
    if (family == nullptr) family = release->distro;
    vendor_words.insert(vendor_words.end(), std::make_move_iterator(entry.vendor_words.begin()),
                        std::make_move_iterator(entry.vendor_words.end()));
    core::AffectedPackage package;
    package.release = release->key;
    package.name = std::move(entry.name);
    const bool fixed = has_fixed(entry.events);
    package.state = fixed ? core::FixState::kFixed : core::FixState::kUnfixed;
    package.events = std::move(entry.events);
    if (fixed && !release->distro->matches_source_names()) {
      for (auto& [binary, version] : entry.binaries) {
        core::AffectedPackage binary_entry;
        binary_entry.release = release->key;
        binary_entry.name = std::move(binary);
        binary_entry.events = {{core::VersionEvent::Type::kIntroduced, "0"},
                               {core::VersionEvent::Type::kFixed, std::move(version)}};
        advisory.affected.push_back(std::move(binary_entry));
      }
    }
    advisory.affected.push_back(std::move(package));
  }
  if (advisory.affected.empty()) {
    ++batch.skipped_ecosystems[first_unknown];
    return;
  }
  dedupe(advisory.affected);

  advisory.id = std::move(raw.id);
  advisory.summary = std::move(raw.summary);
  advisory.published = std::move(raw.published);
  advisory.modified = std::move(raw.modified);
  for (auto& reference : raw.references) {
    if (auto cve = cve_in_id(reference); !cve.empty()) advisory.cves.emplace_back(cve);
  }
  if (auto cve = cve_in_id(advisory.id); !cve.empty()) advisory.cves.emplace_back(cve);
  std::sort(advisory.cves.begin(), advisory.cves.end());
  advisory.cves.erase(std::unique(advisory.cves.begin(), advisory.cves.end()), advisory.cves.end());

  advisory.cvss_score = raw.cvss3 ? raw.cvss3 : raw.cvss2;
  for (const auto& word : vendor_words) {
    core::Severity severity = core::severity_from_vendor(word);
    if (severity != core::Severity::kUnknown &&
        (advisory.vendor_severity.empty() || severity > advisory.severity)) {
      advisory.severity = severity;
      advisory.vendor_severity = word;
    }
  }
  if (advisory.vendor_severity.empty() && advisory.cvss_score) {
    advisory.severity = severity_from_score(*advisory.cvss_score);
  }

  family->refine_advisory(advisory);
  if (advisory.affected.empty()) {
    // The family's rules left nothing this release can be judged by (e.g. a SIG-only
    // advisory): counted as skipped so that `feed status` adds up.
    ++batch.skipped_ecosystems[std::string(family->family()) + " (not applicable)"];
    return;
  }
  std::vector<std::string_view> releases;
  for (const auto& entry : advisory.affected) releases.push_back(entry.release);
  std::sort(releases.begin(), releases.end());
  releases.erase(std::unique(releases.begin(), releases.end()), releases.end());
  for (auto release : releases) ++batch.advisories_per_release[std::string(release)];
  batch.advisories.push_back(std::move(advisory));
}

RecordParser::RecordParser() : impl_(std::make_unique<Impl>()) {}
RecordParser::~RecordParser() = default;

void RecordParser::parse(std::string_view json, const std::string& source, std::size_t line,
                         FeedBatch& batch, core::Diagnostics& diags) {
  impl_->scratch.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  impl_->scratch.assign(json);
  parse_padded(impl_->scratch, impl_->scratch.capacity(), source, line, batch, diags);
}

void RecordParser::parse_padded(std::string_view json, std::size_t capacity,
                                const std::string& source, std::size_t line, FeedBatch& batch,
                                core::Diagnostics& diags) {
  sj::document doc;
  RawRecord record;
  Reader reader;
  auto error = impl_->parser.iterate(json.data(), json.size(), capacity).get(doc);
  if (error) {
    reader.error = std::string("record: ") + simdjson::error_message(error);
  } else {
    reader.read(doc, record);
  }
  if (!reader.error.empty()) {
    std::string id = record.id.empty() ? guess_id(json) : record.id;
    diags.add(source, line, "malformed OSV record: " + reader.error, std::move(id));
    return;
  }
  impl_->build(std::move(record), source, line, batch, diags);
}

std::optional<core::Advisory> parse_record(std::string_view json, const std::string& source,
                                           core::Diagnostics& diags) {
  RecordParser parser;
  FeedBatch batch;
  parser.parse(json, source, 0, batch, diags);
  if (batch.advisories.empty()) return std::nullopt;
  return std::move(batch.advisories.front());
}

}  // namespace fleetpatch::feed::osv
