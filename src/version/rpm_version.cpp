#include "version/rpm_version.hpp"

#include <cstddef>
#include <cstdint>

#include "version/quote.hpp"

namespace fleetpatch::version {
namespace {

// rpm's risdigit()/risalpha(): ASCII only, whatever the locale.
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_separator(char c) { return !is_digit(c) && !is_alpha(c) && c != '~' && c != '^'; }

core::Error bad(std::string_view text, std::string_view why) {
  return core::invalid_argument("invalid rpm version " + detail::quote(text) + ": " +
                                std::string(why));
}

}  // namespace

// rpmvercmp() of rpm 4.18 (rpmio/rpmvercmp.c) on string views: the same walk, with "at the end"
// standing for rpm's NUL test. A NUL byte inside a view is not alphanumeric, so it is skipped
// as a separator (rpm would stop there; parse() never lets one through).
int rpm_vercmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  const std::size_t na = a.size();
  const std::size_t nb = b.size();
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < na || j < nb) {
    while (i < na && is_separator(a[i])) ++i;
    while (j < nb && is_separator(b[j])) ++j;
    const bool a_end = i >= na;
    const bool b_end = j >= nb;

    // '~' sorts before everything, even the end of the string.
    const bool a_tilde = !a_end && a[i] == '~';
    const bool b_tilde = !b_end && b[j] == '~';
    if (a_tilde || b_tilde) {
      if (!a_tilde) return 1;
      if (!b_tilde) return -1;
      ++i;
      ++j;
      continue;
    }
    // '^' sorts after the end of the string but before anything else.
    const bool a_caret = !a_end && a[i] == '^';
    const bool b_caret = !b_end && b[j] == '^';
    if (a_caret || b_caret) {
      if (a_end) return -1;
      if (b_end) return 1;
      if (!a_caret) return 1;
      if (!b_caret) return -1;
      ++i;
      ++j;
      continue;
    }
    if (a_end || b_end) break;

    const std::size_t a_start = i;
    const std::size_t b_start = j;
    const bool numeric = is_digit(a[i]);
    if (numeric) {
      while (i < na && is_digit(a[i])) ++i;
      while (j < nb && is_digit(b[j])) ++j;
    } else {
      while (i < na && is_alpha(a[i])) ++i;
      while (j < nb && is_alpha(b[j])) ++j;
    }
    // Segments of different kinds: the numeric one is newer.
    if (j == b_start) return numeric ? 1 : -1;

    std::string_view seg_a = a.substr(a_start, i - a_start);
    std::string_view seg_b = b.substr(b_start, j - b_start);
    if (numeric) {
      while (!seg_a.empty() && seg_a.front() == '0') seg_a.remove_prefix(1);
      while (!seg_b.empty() && seg_b.front() == '0') seg_b.remove_prefix(1);
      if (seg_a.size() != seg_b.size()) return seg_a.size() > seg_b.size() ? 1 : -1;
    }
    // strcmp() of the two segments.
    const int rc = seg_a.compare(seg_b);
    if (rc != 0) return rc < 0 ? -1 : 1;
  }
  if (i >= na && j >= nb) return 0;
  return i >= na ? -1 : 1;
}

// Splits like rpm's parseEVR() (used by rpmverParse): the epoch is the leading run of digits
// when a ':' follows it, the release is what follows the last '-' after that. Strings rpm would
// still split but that cannot be a real EVR (no version, empty release, junk before the ':',
// whitespace or control bytes) are refused.
core::Result<RpmEvr> RpmEvr::parse(std::string_view text) {
  if (text.empty()) return bad(text, "version string is empty");
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return bad(text, "whitespace or control character " + detail::quote_char(c));
    }
  }
  RpmEvr v;
  std::string_view rest = text;
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view epoch = text.substr(0, colon);
    if (epoch.empty()) return bad(text, "epoch before ':' is empty");
    std::uint64_t value = 0;
    for (const char c : epoch) {
      if (!is_digit(c)) return bad(text, "epoch before ':' is not a decimal number");
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > UINT32_MAX) return bad(text, "epoch is too large");
    }
    v.epoch_ = static_cast<std::uint32_t>(value);
    rest.remove_prefix(colon + 1);
  }
  const std::size_t hyphen = rest.rfind('-');
  std::string_view version = rest;
  if (hyphen != std::string_view::npos) {
    version = rest.substr(0, hyphen);
    const std::string_view release = rest.substr(hyphen + 1);
    if (release.empty()) return bad(text, "release after '-' is empty");
    v.release_ = std::string(release);
    v.has_release_ = true;
  }
  if (version.empty()) return bad(text, "version is empty");
  v.version_ = std::string(version);
  v.text_ = std::string(text);
  return v;
}

// rpmverCmp() of rpm 4.18 (rpmio/rpmver.c): epochs (missing = 0), versions, then releases,
// where a missing release sorts before any release (its compare_values() helper).
int RpmEvr::compare(const RpmEvr& other) const {
  const std::uint32_t ea = epoch();
  const std::uint32_t eb = other.epoch();
  if (ea != eb) return ea < eb ? -1 : 1;
  const int version = rpm_vercmp(version_, other.version_);
  if (version != 0) return version;
  if (has_release_ && other.has_release_) return rpm_vercmp(release_, other.release_);
  return static_cast<int>(has_release_) - static_cast<int>(other.has_release_);
}

}  // namespace fleetpatch::version
