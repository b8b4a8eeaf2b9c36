#include "feed/apt_changelog/changelog.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>

#include "core/time.hpp"
#include "version/deb_version.hpp"

namespace fleetpatch::feed::apt_changelog {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view text) {
  std::size_t first = 0;
  while (first < text.size() && is_space(text[first])) ++first;
  std::size_t last = text.size();
  while (last > first && is_space(text[last - 1])) --last;
  return text.substr(first, last - first);
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

int to_int(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

/// A Debian package name: lower-case letters, digits, '+', '-', '.'; starts alphanumeric.
bool is_package_name(std::string_view name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

/// "package (version) dists; key=value, key=value".
std::optional<ChangelogEntry> parse_header(std::string_view line) {
  const std::size_t open = line.find(" (");
  if (open == std::string_view::npos) return std::nullopt;
  const std::size_t close = line.find(')', open);
  const std::size_t semicolon = line.find(';', close == std::string_view::npos ? open : close);
  if (close == std::string_view::npos || semicolon == std::string_view::npos) return std::nullopt;
  ChangelogEntry entry;
  entry.package = std::string(line.substr(0, open));
  entry.version = std::string(trim(line.substr(open + 2, close - open - 2)));
  entry.distributions = std::string(trim(line.substr(close + 1, semicolon - close - 1)));
  if (!is_package_name(entry.package) || entry.version.empty() || entry.distributions.empty()) {
    return std::nullopt;
  }
  std::string_view pairs = line.substr(semicolon + 1);
  while (!pairs.empty()) {
    const std::size_t comma = pairs.find(',');
    std::string_view pair = trim(pairs.substr(0, comma));
    pairs = comma == std::string_view::npos ? std::string_view() : pairs.substr(comma + 1);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (lowercase(trim(pair.substr(0, equals))) == "urgency") {
      // "urgency=medium (high for CVE-...)" style comments are dropped.
      std::string_view value = trim(pair.substr(equals + 1));
      value = value.substr(0, value.find_first_of(" \t("));
      entry.urgency = lowercase(value);
    }
  }
  return entry;
}

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

std::string rfc2822_to_rfc3339(std::string_view date) {
  date = trim(date);
  // Optional "Day, " prefix.
  if (std::size_t comma = date.find(','); comma != std::string_view::npos && comma <= 4) {
    date = trim(date.substr(comma + 1));
  }
  std::vector<std::string_view> parts;
  while (!date.empty()) {
    std::size_t end = date.find_first_of(" \t");
    parts.push_back(date.substr(0, end));
    date = end == std::string_view::npos ? std::string_view() : trim(date.substr(end));
  }
  if (parts.size() < 5) return {};
  const std::string_view day = parts[0];
  const std::string_view month = parts[1];
  const std::string_view year = parts[2];
  const std::string_view clock = parts[3];
  const std::string_view zone = parts[4];
  if (!all_digits(day) || day.size() > 2 || !all_digits(year) || year.size() != 4) return {};
  auto month_it = std::find(kMonths.begin(), kMonths.end(), month);
  if (month_it == kMonths.end()) return {};
  if (clock.size() != 8 || clock[2] != ':' || clock[5] != ':' || !all_digits(clock.substr(0, 2)) ||
      !all_digits(clock.substr(3, 2)) || !all_digits(clock.substr(6, 2))) {
    return {};
  }
  if (zone.size() != 5 || (zone[0] != '+' && zone[0] != '-') || !all_digits(zone.substr(1))) {
    return {};
  }
  const std::chrono::year_month_day ymd{
      std::chrono::year{to_int(year)},
      std::chrono::month{static_cast<unsigned>(month_it - kMonths.begin() + 1)},
      std::chrono::day{static_cast<unsigned>(to_int(day))}};
  const int hours = to_int(clock.substr(0, 2));
  const int minutes = to_int(clock.substr(3, 2));
  const int seconds = to_int(clock.substr(6, 2));
  if (!ymd.ok() || hours > 23 || minutes > 59 || seconds > 60) return {};
  const int offset_minutes =
      (zone[0] == '-' ? -1 : 1) * (to_int(zone.substr(1, 2)) * 60 + to_int(zone.substr(3, 2)));
  const core::TimePoint local = std::chrono::sys_days{ymd} + std::chrono::hours{hours} +
                                std::chrono::minutes{minutes} + std::chrono::seconds{seconds};
  return core::format_rfc3339(local - std::chrono::minutes{offset_minutes});
}

std::vector<std::string> find_cves(std::string_view text) {
  std::vector<std::string> cves;
  std::size_t pos = 0;
  while ((pos = text.find("CVE-", pos)) != std::string_view::npos) {
    std::size_t i = pos + 4;
    std::size_t year_digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      ++year_digits;
    }
    std::size_t number_digits = 0;
    if (year_digits == 4 && i < text.size() && text[i] == '-') {
      ++i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        ++i;
        ++number_digits;
      }
    }
    // A CVE id is not glued to a preceding letter or digit ("XCVE-..." is something else).
    const bool separated = pos == 0 || !std::isalnum(static_cast<unsigned char>(text[pos - 1]));
    if (year_digits == 4 && number_digits >= 4 && separated) {
      cves.emplace_back(text.substr(pos, i - pos));
    }
    pos = i;
  }
  std::sort(cves.begin(), cves.end());
  cves.erase(std::unique(cves.begin(), cves.end()), cves.end());
  return cves;
}

std::vector<ChangelogEntry> parse_changelog(std::string_view text, const std::string& source,
                                            core::Diagnostics& diags) {
  std::vector<ChangelogEntry> entries;
  std::optional<ChangelogEntry> current;
  std::string changes;  // change lines of the current entry
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (trim(line).empty()) continue;
    if (!is_space(line[0])) {
      // A header starts a new entry; anything else ends the parsable part.
      auto header = parse_header(trim(line));
      if (!header) break;
      if (current) {
        diags.add(source, current->line, "entry has no \" -- maintainer  date\" trailer",
                  current->package + " " + current->version);
      }
      header->line = line_number;
      current = std::move(header);
      changes.clear();
      continue;
    }
    if (!current) continue;
    if (line.rfind(" -- ", 0) == 0) {
      // " -- Name <email>  Day, DD Mon YYYY HH:MM:SS +ZZZZ" (policy asks for two spaces before
      // the date; some maintainers typed one).
      const std::size_t email_end = line.rfind('>');
      const std::string_view date =
          email_end == std::string_view::npos ? std::string_view() : line.substr(email_end + 1);
      current->date = rfc2822_to_rfc3339(date);
      if (current->date.empty()) {
        diags.add(source, line_number,
                  "unreadable trailer date \"" + std::string(trim(date)) + "\"",
                  current->package + " " + current->version);
      }
      current->cves = find_cves(changes);
      entries.push_back(std::move(*current));
      current.reset();
      continue;
    }
    changes.append(line);
    changes += '\n';
  }
  if (current) {
    diags.add(source, current->line, "entry has no \" -- maintainer  date\" trailer",
              current->package + " " + current->version);
  }
  if (entries.empty() && !current) diags.add(source, 0, "no changelog entry found");
  return entries;
}

std::vector<ChangelogEntry> entries_between(const std::vector<ChangelogEntry>& entries,
                                            std::string_view after, std::string_view up_to) {
  std::vector<ChangelogEntry> out;
  auto low = version::DebVersion::parse(after);
  auto high = version::DebVersion::parse(up_to);
  if (!high.ok()) return out;
  for (const auto& entry : entries) {
    auto version = version::DebVersion::parse(entry.version);
    if (!version.ok()) continue;
    if (version->compare(*high) > 0) continue;
    if (low.ok() && version->compare(*low) <= 0) continue;
    out.push_back(entry);
  }
  return out;
}

core::Severity severity_from_urgency(std::string_view urgency) {
  const std::string word = lowercase(urgency);
  if (word == "emergency" || word == "critical") return core::Severity::kCritical;
  if (word == "high") return core::Severity::kHigh;
  if (word == "medium") return core::Severity::kMedium;
  if (word == "low") return core::Severity::kLow;
  return core::Severity::kUnknown;
}

std::string first_change_line(std::string_view text, std::size_t line) {
  std::size_t pos = 0;
  for (std::size_t i = 1; i < line && pos != std::string_view::npos; ++i) {
    pos = text.find('\n', pos);
    if (pos != std::string_view::npos) ++pos;
  }
  if (pos == std::string_view::npos) return {};
  // Skip the header line, then take the first non-blank line that is not a trailer.
  pos = text.find('\n', pos);
  while (pos != std::string_view::npos && pos + 1 < text.size()) {
    const std::size_t start = pos + 1;
    pos = text.find('\n', start);
    std::string_view candidate =
        text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    if (candidate.rfind(" -- ", 0) == 0) return {};
    candidate = trim(candidate);
    if (candidate.empty()) continue;
    // "[ Name ]" attribution lines say who, not what.
    if (candidate.front() == '[' && candidate.back() == ']') continue;
    if (candidate.front() == '*' || candidate.front() == '-') candidate = trim(candidate.substr(1));
    return std::string(candidate.substr(0, 200));
  }
  return {};
}

core::Advisory make_advisory(const std::string& release_key, const std::string& source,
                             const std::string& candidate_version, const std::string& suite,
                             const std::vector<ChangelogEntry>& entries,
                             std::string_view first_change) {
  core::Advisory advisory;
  advisory.id = "APT-" + source + "-" + candidate_version;
  advisory.kind = core::AdvisoryKind::kSecurity;
  advisory.summary = source + " " + candidate_version;
  if (!suite.empty()) advisory.summary += " (" + suite + ")";
  if (!first_change.empty()) advisory.summary += ": " + std::string(first_change);
  for (const auto& entry : entries) {
    advisory.cves.insert(advisory.cves.end(), entry.cves.begin(), entry.cves.end());
    const core::Severity severity = severity_from_urgency(entry.urgency);
    if (severity != core::Severity::kUnknown &&
        (advisory.vendor_severity.empty() || severity > advisory.severity)) {
      advisory.severity = severity;
      advisory.vendor_severity = entry.urgency;
    }
  }
  std::sort(advisory.cves.begin(), advisory.cves.end());
  advisory.cves.erase(std::unique(advisory.cves.begin(), advisory.cves.end()), advisory.cves.end());
  if (!entries.empty()) {
    advisory.published = entries.front().date;
    advisory.modified = entries.front().date;
  }
  core::AffectedPackage affected;
  affected.release = release_key;
  affected.name = source;
  affected.state = core::FixState::kFixed;
  affected.events = {{core::VersionEvent::Type::kIntroduced, "0"},
                     {core::VersionEvent::Type::kFixed, candidate_version}};
  advisory.affected.push_back(std::move(affected));
  return advisory;
}

core::Result<std::string> gunzip(std::string_view data, std::size_t max_size) {
  z_stream stream{};
  // 15 + 32: zlib or gzip header, detected.
  if (inflateInit2(&stream, 15 + 32) != Z_OK)
    return core::Error{core::ErrorCode::kInternal, "zlib: inflateInit2 failed"};
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[1 << 16];
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) {
      std::string message = stream.msg != nullptr ? stream.msg : "truncated or corrupt data";
      inflateEnd(&stream);
      return core::invalid_argument("gzip: " + message);
    }
    out.append(chunk, sizeof chunk - stream.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&stream);
      return core::invalid_argument("gzip: more than " + std::to_string(max_size) +
                                    " bytes of output");
    }
    if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      return core::invalid_argument("gzip: truncated data");
    }
  }
  inflateEnd(&stream);
  return out;
}

}  // namespace fleetpatch::feed::apt_changelog
