#include "feed/debian_tracker/advisory_list.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>

#include "core/time.hpp"
#include "distro/debian/debian.hpp"
#include "feed/debian_tracker/tracker_text.hpp"
#include "feed/file_io.hpp"

namespace fleetpatch::feed::debian_tracker {
namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

unsigned to_number(std::string_view digits) {
  unsigned value = 0;
  for (char c : digits) value = value * 10 + static_cast<unsigned>(c - '0');
  return value;
}

/// Month from "Mar" or "March" (case as the lists write it); 0 when unknown.
unsigned month_number(std::string_view name) {
  constexpr std::array<std::string_view, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (name == kMonths[i] || (name.size() == 3 && name == kMonths[i].substr(0, 3))) {
      return i + 1;
    }
  }
  return 0;
}

/// "29 Mar 2023" (DSA, DLA) or "December 5th, 2005" (DTSA) -> RFC 3339 at 00:00 UTC.
std::optional<std::string> parse_date(std::string_view text) {
  std::vector<std::string_view> words = split_words(text);
  std::string_view day;
  std::string_view month;
  std::string_view year;
  if (words.size() != 3) return std::nullopt;
  if (all_digits(words[0])) {
    day = words[0];
    month = words[1];
    year = words[2];
  } else {
    month = words[0];
    day = words[1];
    if (day.empty() || day.back() != ',') return std::nullopt;
    day.remove_suffix(1);
    // "5th", "1st", "2nd", "3rd"
    while (!day.empty() && !is_digit(day.back())) day.remove_suffix(1);
    year = words[2];
  }
  if (!all_digits(day) || day.size() > 2 || !all_digits(year) || year.size() != 4) {
    return std::nullopt;
  }
  const unsigned m = month_number(month);
  if (m == 0) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(to_number(year))},
                                        std::chrono::month{m}, std::chrono::day{to_number(day)}};
  if (!ymd.ok()) return std::nullopt;
  return core::format_rfc3339(core::TimePoint{std::chrono::sys_days{ymd}});
}

/// "DSA-5380-1", "DSA-139", "DLA-3380-1", "DTSA-26-1".
bool is_advisory_id(std::string_view id) {
  std::size_t dash = id.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view prefix = id.substr(0, dash);
  if (prefix != "DSA" && prefix != "DLA" && prefix != "DTSA") return false;
  std::string_view rest = id.substr(dash + 1);
  std::size_t second = rest.find('-');
  if (second == std::string_view::npos) return all_digits(rest);
  return all_digits(rest.substr(0, second)) && all_digits(rest.substr(second + 1));
}

class ListParser {
 public:
  ListParser(const std::string& source, core::Diagnostics& diags, ListStats& stats)
      : source_(source), diags_(diags), stats_(stats) {}

  void line(std::string_view text, std::size_t number) {
    line_ = number;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (trim(text).empty()) return;
    if (text.front() == '[') {
      header(text);
      return;
    }
    if (text.front() != ' ' && text.front() != '\t') {
      problem("expected an advisory header \"[DD Mon YYYY] DSA-...\" or an indented line");
      return;
    }
    if (!current_) return;  // inside a block whose header was rejected (already reported)
    std::string_view body = trim(text);
    if (body.substr(0, 5) == "NOTE:" || body.substr(0, 5) == "TODO:") return;
    if (body.front() == '{') {
      cross_references(body);
    } else if (body.front() == '[') {
      package_line(body);
    } else {
      problem("unrecognised line \"" + std::string(body) + "\"");
    }
  }

  std::vector<core::Advisory> finish() {
    close_current();
    return std::move(advisories_);
  }

 private:
  void problem(std::string message) {
    diags_.add(source_, line_, std::move(message), current_ ? current_->id : std::string());
  }

  void close_current() {
    if (!current_) return;
    std::sort(current_->cves.begin(), current_->cves.end());
    current_->cves.erase(std::unique(current_->cves.begin(), current_->cves.end()),
                         current_->cves.end());
    if (current_->affected.empty()) ++stats_.without_entries;
    advisories_.push_back(std::move(*current_));
    current_.reset();
  }

  void header(std::string_view text) {
    close_current();
    ++stats_.headers;
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      problem("advisory header without a closing ']' after the date");
      return;
    }
    auto published = parse_date(text.substr(1, close - 1));
    if (!published) {
      problem("advisory header date \"" + std::string(text.substr(1, close - 1)) +
              "\" is not \"DD Mon YYYY\"");
      return;
    }
    std::string_view rest = trim(text.substr(close + 1));
    std::string_view id = rest.substr(0, rest.find_first_of(" \t"));
    if (!is_advisory_id(id)) {
      problem("advisory header: \"" + std::string(id) + "\" is not a DSA/DLA/DTSA id");
      return;
    }
    current_.emplace();
    current_->id = std::string(id);
    current_->kind = core::AdvisoryKind::kSecurity;
    current_->published = std::move(*published);
    current_->modified = current_->published;
    current_->summary = std::string(trim(rest.substr(id.size())));
  }

  void cross_references(std::string_view body) {
    if (body.back() != '}') {
      problem("cross-reference line without a closing '}'");
      return;
    }
    for (std::string_view word : split_words(body.substr(1, body.size() - 2))) {
      if (is_cve_id(word)) {
        current_->cves.emplace_back(word);
      } else if (!is_advisory_id(word)) {
        // A DSA may name another advisory ({DSA-1234-1}); anything else is a typo.
        problem("\"" + std::string(word) + "\" in {...} is neither a CVE nor an advisory id");
      }
    }
  }

  void package_line(std::string_view body) {
    auto entry = parse_package_line(body);
    if (!entry.ok()) {
      problem(entry.error().message);
      return;
    }
    if (entry->release.empty()) {
      problem("package line without a release: \"" + std::string(body) + "\"");
      return;
    }
    auto release = distro::debian_release_for_codename(entry->release);
    if (!release) {
      if (is_unnumbered_suite(entry->release)) {
        ++stats_.skipped_releases;
      } else {
        problem("unknown Debian release \"" + entry->release + "\"");
      }
      return;
    }
    raise_severity(*current_, entry->note_severity, entry->note_severity_word);
    if (!entry->state) return;  // <removed>, <itp>: the package is not in that release
    core::AffectedPackage affected;
    affected.release = std::move(*release);
    affected.name = std::move(entry->package);
    affected.state = *entry->state;
    if (affected.state == core::FixState::kFixed) {
      affected.events = {{core::VersionEvent::Type::kIntroduced, "0"},
                         {core::VersionEvent::Type::kFixed, std::move(entry->version)}};
    }
    if (std::find(current_->affected.begin(), current_->affected.end(), affected) ==
        current_->affected.end()) {
      current_->affected.push_back(std::move(affected));
      ++stats_.entries;
    }
  }

  const std::string& source_;
  core::Diagnostics& diags_;
  ListStats& stats_;
  std::size_t line_ = 0;
  std::optional<core::Advisory> current_;
  std::vector<core::Advisory> advisories_;
};

}  // namespace

std::vector<core::Advisory> parse_advisory_list(std::string_view text, const std::string& source,
                                                core::Diagnostics& diags, ListStats* stats) {
  ListStats local;
  ListParser parser(source, diags, stats ? *stats : local);
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t end = text.find('\n');
    parser.line(text.substr(0, end), number);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return parser.finish();
}

bool looks_like_advisory_list(std::string_view head) {
  std::size_t start = head.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || head[start] != '[') return false;
  std::string_view line = head.substr(start, head.find('\n', start) - start);
  std::size_t close = line.find(']');
  if (close == std::string_view::npos || !parse_date(line.substr(1, close - 1))) return false;
  std::string_view rest = trim(line.substr(close + 1));
  return is_advisory_id(rest.substr(0, rest.find_first_of(" \t")));
}

core::Result<FeedBatch> read_advisory_list(const std::string& path, core::Diagnostics& diags) {
  std::string bytes;
  if (auto status = read_file(path, bytes); !status.ok()) return status.error();
  ListStats stats;
  FeedBatch batch;
  batch.advisories = parse_advisory_list(bytes, path, diags, &stats);
  SourceInfo info;
  info.path = path;
  info.format = "debian-advisory-list";
  info.records = stats.headers;
  info.accepted = batch.advisories.size();
  for (const auto& advisory : batch.advisories) info.date = std::max(info.date, advisory.published);
  batch.sources.push_back(std::move(info));
  for (const auto& advisory : batch.advisories) {
    std::vector<std::string_view> releases;
    for (const auto& entry : advisory.affected) releases.push_back(entry.release);
    std::sort(releases.begin(), releases.end());
    releases.erase(std::unique(releases.begin(), releases.end()), releases.end());
    for (auto release : releases) ++batch.advisories_per_release[std::string(release)];
  }
  return batch;
}

}  // namespace fleetpatch::feed::debian_tracker
