#include "feed/debian_tracker/tracker_json.hpp"

#include <simdjson.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include "distro/debian/debian.hpp"
#include "feed/debian_tracker/tracker_text.hpp"
#include "feed/file_io.hpp"
#include "version/deb_version.hpp"

namespace fleetpatch::feed::debian_tracker {
namespace {

namespace sj = simdjson::ondemand;
using simdjson::error_code;

/// One release of one issue of one package, as read.
struct ReleaseRecord {
  std::string codename;
  std::string status;
  std::string fixed_version;
  bool has_fixed_version = false;
  std::string urgency;
  std::string nodsa_reason;
};

/// Reads a string field; null reads as "". Another type sets `wrong_type` and is skipped.
error_code read_text(sj::value& value, std::string& out, bool& wrong_type,
                     bool* present = nullptr) {
  sj::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == sj::json_type::null) {
    out.clear();
    return simdjson::SUCCESS;
  }
  if (type != sj::json_type::string) {
    wrong_type = true;
    return simdjson::SUCCESS;
  }
  std::string_view text;
  if (auto e = value.get_string().get(text)) return e;
  out.assign(text);
  if (present) *present = true;
  return simdjson::SUCCESS;
}

/// "low**" -> "low"; "" for words that are not severities.
std::string_view severity_word(std::string_view urgency) {
  while (!urgency.empty() && (urgency.back() == '*' || urgency.back() == ' ')) {
    urgency.remove_suffix(1);
  }
  if (urgency == "unimportant" || urgency == "low" || urgency == "medium" || urgency == "high") {
    return urgency;
  }
  return {};
}

class TrackerReader {
 public:
  TrackerReader(const std::string& source, core::Diagnostics& diags, TrackerStats& stats)
      : source_(source), diags_(diags), stats_(stats) {}

  /// Structural errors (not JSON, truncated) end the read; they are returned as a message.
  std::optional<std::string> read(sj::document& doc) {
    sj::object root;
    if (auto e = doc.get_object().get(root)) return where("document", e);
    for (auto package_result : root) {
      sj::field package_field;
      if (auto e = std::move(package_result).get(package_field)) return where("document", e);
      std::string_view key;
      if (auto e = package_field.unescaped_key().get(key)) return where("document", e);
      package_.assign(key);
      ++stats_.packages;
      sj::value package_value = package_field.value();
      sj::json_type type;
      if (auto e = package_value.type().get(type)) return where(package_, e);
      if (type != sj::json_type::object) {
        diags_.add(source_, 0, "package \"" + package_ + "\" is not an object", package_);
        continue;
      }
      sj::object issues;
      if (auto e = package_value.get_object().get(issues)) return where(package_, e);
      for (auto issue_result : issues) {
        sj::field issue_field;
        if (auto e = std::move(issue_result).get(issue_field)) return where(package_, e);
        if (auto e = issue_field.unescaped_key().get(key)) return where(package_, e);
        issue_.assign(key);
        ++stats_.issues;
        sj::value issue_value = issue_field.value();
        if (auto message = read_issue(issue_value)) return message;
      }
    }
    const char* trailing = nullptr;
    if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
      return where("document", simdjson::TRAILING_CONTENT);
    }
    return std::nullopt;
  }

  std::vector<core::Advisory> take_advisories() {
    for (auto& advisory : advisories_) {
      auto notes = end_of_life_.find(advisory.id);
      if (notes == end_of_life_.end()) continue;
      std::string note = "Debian: no security support any more (end-of-life) for ";
      for (std::size_t i = 0; i < notes->second.size(); ++i) {
        note += (i ? ", " : "") + notes->second[i];
      }
      advisory.summary += advisory.summary.empty() ? note : "\n" + note;
    }
    std::sort(advisories_.begin(), advisories_.end(),
              [](const core::Advisory& a, const core::Advisory& b) { return a.id < b.id; });
    return std::move(advisories_);
  }

 private:
  std::string where(std::string_view what, error_code e) const {
    return source_ + ": " + std::string(what) + ": " + simdjson::error_message(e);
  }

  void problem(std::string message) {
    diags_.add(source_, 0, package_ + ": " + std::move(message), issue_);
  }

  std::optional<std::string> read_issue(sj::value& value) {
    sj::json_type type;
    if (auto e = value.type().get(type)) return where(issue_, e);
    if (type != sj::json_type::object) {
      problem("issue is not an object");
      return std::nullopt;
    }
    const bool is_cve = is_cve_id(issue_);
    if (!is_cve && issue_.rfind("TEMP-", 0) != 0) {
      problem("issue id is neither a CVE nor a TEMP- id");
      return std::nullopt;
    }
    sj::object object;
    if (auto e = value.get_object().get(object)) return where(issue_, e);
    std::string description;
    releases_.clear();
    for (auto field_result : object) {
      sj::field field;
      if (auto e = std::move(field_result).get(field)) return where(issue_, e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return where(issue_, e);
      sj::value field_value = field.value();
      if (key == "description") {
        bool wrong_type = false;
        if (auto e = read_text(field_value, description, wrong_type)) return where(issue_, e);
        if (wrong_type) problem("description is not a string");
      } else if (key == "releases") {
        if (auto message = read_releases(field_value)) return message;
      }
    }
    add_entries(is_cve, description);
    return std::nullopt;
  }

  std::optional<std::string> read_releases(sj::value& value) {
    sj::json_type type;
    if (auto e = value.type().get(type)) return where(issue_, e);
    if (type != sj::json_type::object) {
      problem("releases is not an object");
      return std::nullopt;
    }
    sj::object releases;
    if (auto e = value.get_object().get(releases)) return where(issue_, e);
    for (auto release_result : releases) {
      sj::field release_field;
      if (auto e = std::move(release_result).get(release_field)) return where(issue_, e);
      std::string_view codename;
      if (auto e = release_field.unescaped_key().get(codename)) return where(issue_, e);
      ReleaseRecord record;
      record.codename.assign(codename);
      sj::value release_value = release_field.value();
      if (auto e = release_value.type().get(type)) return where(issue_, e);
      if (type != sj::json_type::object) {
        problem("release \"" + record.codename + "\" is not an object");
        continue;
      }
      sj::object fields;
      if (auto e = release_value.get_object().get(fields)) return where(issue_, e);
      bool wrong_type = false;
      for (auto field_result : fields) {
        sj::field field;
        if (auto e = std::move(field_result).get(field)) return where(issue_, e);
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return where(issue_, e);
        sj::value field_value = field.value();
        error_code e = simdjson::SUCCESS;
        if (key == "status") {
          e = read_text(field_value, record.status, wrong_type);
        } else if (key == "fixed_version") {
          e = read_text(field_value, record.fixed_version, wrong_type, &record.has_fixed_version);
        } else if (key == "urgency") {
          e = read_text(field_value, record.urgency, wrong_type);
        } else if (key == "nodsa_reason") {
          e = read_text(field_value, record.nodsa_reason, wrong_type);
        }
        if (e) return where(issue_, e);
      }
      if (wrong_type) {
        problem("release \"" + record.codename + "\": a field is not a string");
        continue;
      }
      releases_.push_back(std::move(record));
    }
    return std::nullopt;
  }

  /// The release key of a codename; a handful of codenames recur in every issue, so they are
  /// looked up once.
  const std::optional<std::string>& release_for(const std::string& codename) {
    for (const auto& [name, key] : releases_by_codename_) {
      if (name == codename) return key;
    }
    releases_by_codename_.emplace_back(codename, distro::debian_release_for_codename(codename));
    return releases_by_codename_.back().second;
  }

  core::Advisory& advisory_for_issue(bool is_cve, const std::string& description) {
    id_.assign(kTrackerIdPrefix);
    id_ += issue_;
    auto [it, inserted] = index_.try_emplace(id_, advisories_.size());
    if (inserted) {
      core::Advisory advisory;
      advisory.id = id_;
      advisory.kind = core::AdvisoryKind::kSecurity;
      if (is_cve) advisory.cves.push_back(issue_);
      advisory.summary = description;
      advisories_.push_back(std::move(advisory));
    }
    core::Advisory& advisory = advisories_[it->second];
    if (advisory.summary.empty()) advisory.summary = description;
    return advisory;
  }

  void add_entries(bool is_cve, const std::string& description) {
    core::Advisory* advisory = nullptr;
    for (auto& record : releases_) {
      const std::optional<std::string>& release = release_for(record.codename);
      if (!release) {
        if (is_unnumbered_suite(record.codename)) {
          ++stats_.skipped_releases;
        } else {
          problem("unknown Debian release \"" + record.codename + "\"");
        }
        continue;
      }
      core::AffectedPackage entry;
      entry.release = *release;
      entry.name = package_;
      const bool end_of_life = record.urgency == "end-of-life";
      if (record.status == "resolved") {
        if (!record.has_fixed_version || record.fixed_version.empty()) {
          problem("release \"" + record.codename + "\" is resolved without a fixed_version");
          continue;
        }
        if (record.fixed_version == "0") {
          entry.state = core::FixState::kNotAffected;
        } else {
          auto version = version::DebVersion::parse(record.fixed_version);
          if (!version.ok()) {
            problem("release \"" + record.codename + "\": " + version.error().message);
            continue;
          }
          entry.state = core::FixState::kFixed;
          entry.events = {{core::VersionEvent::Type::kIntroduced, "0"},
                          {core::VersionEvent::Type::kFixed, record.fixed_version}};
        }
      } else if (record.status == "open") {
        entry.state = record.nodsa_reason == "ignored" || end_of_life ? core::FixState::kWillNotFix
                                                                      : core::FixState::kUnfixed;
      } else if (record.status == "undetermined") {
        entry.state = core::FixState::kUnfixed;
      } else {
        problem("release \"" + record.codename + "\": unknown status \"" + record.status + "\"");
        continue;
      }
      if (!advisory) advisory = &advisory_for_issue(is_cve, description);
      if (end_of_life && entry.state == core::FixState::kWillNotFix) {
        end_of_life_[advisory->id].push_back(package_ + " in " + entry.release);
      }
      std::string_view word = severity_word(record.urgency);
      if (!word.empty()) raise_severity(*advisory, core::severity_from_vendor(word), word);
      advisory->affected.push_back(std::move(entry));
      ++stats_.entries;
    }
  }

  const std::string& source_;
  core::Diagnostics& diags_;
  TrackerStats& stats_;
  std::string package_;
  std::string issue_;
  std::vector<ReleaseRecord> releases_;
  std::vector<core::Advisory> advisories_;
  std::unordered_map<std::string, std::size_t> index_;  // advisory id -> position
  std::string id_;
  std::deque<std::pair<std::string, std::optional<std::string>>> releases_by_codename_;
  std::map<std::string, std::vector<std::string>> end_of_life_;
};

}  // namespace

core::Result<std::vector<core::Advisory>> parse_tracker_json_padded(std::string_view json,
                                                                    std::size_t capacity,
                                                                    const std::string& source,
                                                                    core::Diagnostics& diags,
                                                                    TrackerStats* stats) {
  TrackerStats local;
  TrackerReader reader(source, diags, stats ? *stats : local);
  sj::parser parser;
  sj::document doc;
  if (auto e = parser.iterate(json.data(), json.size(), capacity).get(doc)) {
    return core::invalid_argument(source +
                                  ": not the Debian tracker JSON: " + simdjson::error_message(e));
  }
  if (auto message = reader.read(doc)) return core::invalid_argument(*message);
  return reader.take_advisories();
}

core::Result<std::vector<core::Advisory>> parse_tracker_json(std::string_view json,
                                                             const std::string& source,
                                                             core::Diagnostics& diags,
                                                             TrackerStats* stats) {
  simdjson::padded_string padded(json);
  return parse_tracker_json_padded(std::string_view(padded.data(), padded.size()),
                                   padded.size() + simdjson::SIMDJSON_PADDING, source, diags,
                                   stats);
}

bool looks_like_tracker_json(std::string_view head) {
  std::size_t start = head.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || head[start] != '{') return false;
  return head.find("\"releases\"") != std::string_view::npos &&
         head.find("\"status\"") != std::string_view::npos &&
         head.find("\"urgency\"") != std::string_view::npos;
}

core::Result<FeedBatch> read_tracker_json(const std::string& path, core::Diagnostics& diags) {
  std::string bytes;
  if (auto status = read_file(path, bytes); !status.ok()) return status.error();
  TrackerStats stats;
  auto advisories = parse_tracker_json_padded(bytes, bytes.capacity(), path, diags, &stats);
  if (!advisories.ok()) return advisories.error();
  FeedBatch batch;
  batch.advisories = std::move(*advisories);
  for (const auto& advisory : batch.advisories) {
    std::vector<std::string_view> releases;
    for (const auto& entry : advisory.affected) releases.push_back(entry.release);
    std::sort(releases.begin(), releases.end());
    releases.erase(std::unique(releases.begin(), releases.end()), releases.end());
    for (auto release : releases) ++batch.advisories_per_release[std::string(release)];
  }
  SourceInfo info;
  info.path = path;
  info.format = "debian-tracker-json";
  info.records = stats.issues;
  info.accepted = batch.advisories.size();
  batch.sources.push_back(std::move(info));
  return batch;
}

}  // namespace fleetpatch::feed::debian_tracker
