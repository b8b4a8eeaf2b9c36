#include "feed/debian_tracker/tracker_text.hpp"

#include <cctype>
#include <utility>

#include "version/deb_version.hpp"

namespace fleetpatch::feed::debian_tracker {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

struct TagMeaning {
  std::string_view tag;
  std::optional<core::FixState> state;
};

// https://security-team.debian.org/security_tracker.html: <unfixed> and <undetermined> are
// affected without a fix; <no-dsa> and its sub-state <postponed> are affected and may still be
// fixed later (a point release, a future advisory), so they stay unfixed; <ignored> means "no
// updates will be provided" and <end-of-life> that security support for the package ended:
// both will not be fixed; <not-affected> suppresses; <removed> and <itp> mean the package is not
// (or not yet) in that release.
constexpr TagMeaning kTags[] = {
    {"<unfixed>", core::FixState::kUnfixed},
    {"<undetermined>", core::FixState::kUnfixed},
    {"<no-dsa>", core::FixState::kUnfixed},
    {"<postponed>", core::FixState::kUnfixed},
    {"<ignored>", core::FixState::kWillNotFix},
    {"<end-of-life>", core::FixState::kWillNotFix},
    {"<not-affected>", core::FixState::kNotAffected},
    {"<removed>", std::nullopt},
    {"<itp>", std::nullopt},
};

}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_blank(text[pos])) ++pos;
    std::size_t start = pos;
    while (pos < text.size() && !is_blank(text[pos])) ++pos;
    if (pos > start) words.push_back(text.substr(start, pos - start));
  }
  return words;
}

bool is_cve_id(std::string_view text) {
  if (text.size() < 13 || text.substr(0, 4) != "CVE-" || text[8] != '-') return false;
  for (std::size_t i = 4; i < text.size(); ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

bool is_unnumbered_suite(std::string_view codename) {
  return codename == "sid" || codename == "unstable" || codename == "testing" ||
         codename == "experimental";
}

core::Result<PackageLine> parse_package_line(std::string_view body) {
  auto fail = [&](std::string why) {
    return core::invalid_argument(std::move(why) + ": \"" + std::string(body) + "\"");
  };
  PackageLine line;
  std::string_view rest = body;
  if (!rest.empty() && rest.front() == '[') {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return fail("package line without ']'");
    line.release = std::string(trim(rest.substr(1, close - 1)));
    rest = trim(rest.substr(close + 1));
  }
  if (rest.empty() || rest.front() != '-') return fail("package line without \" - \"");
  rest = trim(rest.substr(1));
  // The note is everything from the first '(' on; notes may contain any words.
  std::size_t paren = rest.find('(');
  if (paren != std::string_view::npos) {
    std::string_view note = trim(rest.substr(paren));
    if (note.back() != ')') return fail("package line note without ')'");
    line.note = std::string(trim(note.substr(1, note.size() - 2)));
    rest = trim(rest.substr(0, paren));
  }
  std::vector<std::string_view> words = split_words(rest);
  if (words.size() != 2) {
    return fail(words.size() < 2 ? "package line without a version or <tag>"
                                 : "package line with more than a package and a version");
  }
  line.package = std::string(words[0]);
  std::string_view what = words[1];
  if (what.front() == '<') {
    bool known = false;
    for (const auto& meaning : kTags) {
      if (what == meaning.tag) {
        line.state = meaning.state;
        known = true;
      }
    }
    if (!known) return fail("unknown tag " + std::string(what));
  } else {
    auto version = version::DebVersion::parse(what);
    if (!version.ok()) return fail("invalid fixed version (" + version.error().message + ")");
    line.state = core::FixState::kFixed;
    line.version = std::string(what);
  }
  // "bug #332524; medium", "low", "unimportant": keep the highest severity word.
  std::string word;
  for (std::size_t i = 0; i <= line.note.size(); ++i) {
    const char c = i < line.note.size() ? line.note[i] : ' ';
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word.push_back(c);
      continue;
    }
    if (word == "unimportant" || word == "low" || word == "medium" || word == "high") {
      const core::Severity severity = core::severity_from_vendor(word);
      if (severity > line.note_severity) {
        line.note_severity = severity;
        line.note_severity_word = word;
      }
    }
    word.clear();
  }
  return line;
}

void raise_severity(core::Advisory& advisory, core::Severity severity, std::string_view word) {
  if (severity > advisory.severity) {
    advisory.severity = severity;
    advisory.vendor_severity = std::string(word);
  }
}

}  // namespace fleetpatch::feed::debian_tracker
