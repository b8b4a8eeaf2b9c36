#include "version/deb_version.hpp"

#include <climits>
#include <cstddef>
#include <utility>

#include "version/quote.hpp"

namespace fleetpatch::version {
namespace {

// dpkg's c-ctype helpers: ASCII only, whatever the locale.
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// dpkg's order(): the weight of the character at `i`, the end of the string weighing 0.
// dpkg reads a `char`, which is signed on the platforms dpkg ships for, so bytes >= 0x80 weigh
// 128..255 (between letters and punctuation); we do the same to agree on raw fragments.
// A NUL byte cannot reach dpkg (it ends a C string); here it weighs as punctuation (256), which
// keeps the comparison a total order and guarantees progress.
int order(std::string_view s, std::size_t i) {
  if (i >= s.size()) return 0;
  const char c = s[i];
  if (is_digit(c)) return 0;
  if (is_alpha(c)) return c;
  if (c == '~') return -1;
  return static_cast<signed char>(c) + 256;
}

int sign(int v) { return (v > 0) - (v < 0); }

bool valid_upstream_char(char c) {
  return is_digit(c) || is_alpha(c) || c == '.' || c == '-' || c == '+' || c == '~' || c == ':';
}
bool valid_revision_char(char c) {
  return is_digit(c) || is_alpha(c) || c == '.' || c == '+' || c == '~';
}

core::Error bad(std::string_view text, std::string_view why) {
  return core::invalid_argument("invalid deb version " + detail::quote(text) + ": " +
                                std::string(why));
}

}  // namespace

int deb_compare_fragment(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  const std::size_t na = a.size();
  const std::size_t nb = b.size();
  while (i < na || j < nb) {
    int first_diff = 0;
    // Non-digit run. Equal weights are never 0 here, so neither index can pass its end.
    while ((i < na && !is_digit(a[i])) || (j < nb && !is_digit(b[j]))) {
      const int ac = order(a, i);
      const int bc = order(b, j);
      if (ac != bc) return sign(ac - bc);
      ++i;
      ++j;
    }
    // Digit run, compared numerically without converting (runs may be arbitrarily long).
    while (i < na && a[i] == '0') ++i;
    while (j < nb && b[j] == '0') ++j;
    while (i < na && j < nb && is_digit(a[i]) && is_digit(b[j])) {
      if (first_diff == 0) first_diff = a[i] - b[j];
      ++i;
      ++j;
    }
    if (i < na && is_digit(a[i])) return 1;
    if (j < nb && is_digit(b[j])) return -1;
    if (first_diff != 0) return sign(first_diff);
  }
  return 0;
}

// Mirrors parseversion() in dpkg's lib/dpkg/parsehelp.c (dpkg 1.21), step by step. Where dpkg
// only warns (an upstream that does not start with a digit, an invalid character) we follow the
// header: the first is accepted, the second refused.
core::Result<DebVersion> DebVersion::parse(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size() && is_blank(text[begin])) ++begin;
  if (begin == text.size()) return bad(text, "version string is empty");
  std::size_t end = begin;
  while (end < text.size() && !is_blank(text[end])) ++end;
  for (std::size_t k = end; k < text.size(); ++k) {
    if (!is_blank(text[k])) return bad(text, "version string has embedded spaces");
  }
  std::string_view body = text.substr(begin, end - begin);

  DebVersion v;
  const std::size_t colon = body.find(':');
  if (colon != std::string_view::npos) {
    // strtol(): an optional sign, then decimal digits that must end exactly at the colon.
    std::size_t k = 0;
    bool negative = false;
    if (k < colon && (body[k] == '+' || body[k] == '-')) {
      negative = body[k] == '-';
      ++k;
    }
    const std::size_t digits_begin = k;
    unsigned long long epoch = 0;
    bool too_big = false;
    while (k < body.size() && is_digit(body[k])) {
      if (!too_big) {
        epoch = epoch * 10 + static_cast<unsigned>(body[k] - '0');
        if (epoch > static_cast<unsigned long long>(INT_MAX)) too_big = true;
      }
      ++k;
    }
    if (k == digits_begin) return bad(text, "epoch in version is empty");
    if (k != colon) return bad(text, "epoch in version is not number");
    if (negative && (epoch != 0 || too_big)) return bad(text, "epoch in version is negative");
    if (too_big) return bad(text, "epoch in version is too big");
    // dpkg tests the byte after the colon before trimming trailing blanks.
    if (begin + colon + 1 >= text.size()) return bad(text, "nothing after colon in version number");
    v.epoch_ = static_cast<std::uint32_t>(epoch);
    body.remove_prefix(colon + 1);
  }

  std::string_view upstream = body;
  std::string_view revision;
  const std::size_t hyphen = body.rfind('-');
  if (hyphen != std::string_view::npos) {
    upstream = body.substr(0, hyphen);
    revision = body.substr(hyphen + 1);
    if (revision.empty()) return bad(text, "revision number is empty");
  }
  if (upstream.empty()) return bad(text, "version number is empty");
  for (const char c : upstream) {
    if (!valid_upstream_char(c)) {
      return bad(text, "invalid character " + detail::quote_char(c) + " in version number");
    }
  }
  for (const char c : revision) {
    if (!valid_revision_char(c)) {
      return bad(text, "invalid character " + detail::quote_char(c) + " in revision number");
    }
  }

  v.text_ = std::string(text);
  v.upstream_ = std::string(upstream);
  v.revision_ = std::string(revision);
  return v;
}

int DebVersion::compare(const DebVersion& other) const {
  if (epoch_ != other.epoch_) return epoch_ < other.epoch_ ? -1 : 1;
  const int upstream = deb_compare_fragment(upstream_, other.upstream_);
  if (upstream != 0) return upstream;
  return deb_compare_fragment(revision_, other.revision_);
}

}  // namespace fleetpatch::version
