#include "version/apk_version.hpp"

#include <array>
#include <cstddef>
#include <limits>
#include <utility>

#include "version/quote.hpp"

namespace fleetpatch::version {
namespace {

// apk's token kinds (enum PARTS in apk-tools src/version.c). Their order is part of the
// ordering: when two versions reach parts of different kinds, the later kind is older.
enum class Kind : std::uint8_t {
  kInitialDigit = 0,
  kDigit = 1,
  kLetter = 2,
  kSuffix = 3,
  kSuffixNumber = 4,
  kCommitHash = 5,
  kRevision = 6,
  kEnd = 7,
};

// Suffix ranks; kNoSuffix is the pivot between pre-releases and post-releases.
constexpr std::uint8_t kNoSuffix = 5;
constexpr std::array<std::pair<std::string_view, std::uint8_t>, 9> kSuffixes = {{
    {"alpha", 1},
    {"beta", 2},
    {"pre", 3},
    {"rc", 4},
    {"cvs", 6},
    {"svn", 7},
    {"git", 8},
    {"hg", 9},
    {"p", 10},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kInitialDigit:
    case Kind::kDigit:
      return "a number";
    case Kind::kLetter:
      return "a letter";
    case Kind::kSuffix:
      return "a suffix";
    case Kind::kSuffixNumber:
      return "a suffix number";
    case Kind::kCommitHash:
      return "a commit hash";
    case Kind::kRevision:
      return "the release -rN";
    case Kind::kEnd:
      break;
  }
  return "the end";
}

core::Error bad(std::string_view text, const std::string& why) {
  return core::invalid_argument("invalid apk version " + detail::quote(text) + ": " + why);
}

std::string at(std::size_t pos) { return " at offset " + std::to_string(pos); }

}  // namespace

// Walks the string as apk's token_first()/token_next() do, refusing what apk_version_validate()
// refuses, and keeps every part so that compare() never re-reads the text.
core::Result<ApkVersion> ApkVersion::parse(std::string_view text) {
  if (text.empty()) return bad(text, "version string is empty");
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) {
    return bad(text.substr(0, 64), "version string is too long");
  }
  ApkVersion v;
  v.parts_.reserve(8);
  std::size_t pos = 0;
  Kind prev = Kind::kInitialDigit;

  // Reads a run of decimal digits into `kind`; apk's number wraps modulo 2^64.
  auto push_digits = [&](Kind kind) -> bool {
    const std::size_t begin = pos;
    std::uint64_t number = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      number = number * 10 + static_cast<std::uint64_t>(text[pos] - '0');
      ++pos;
    }
    if (pos == begin) return false;
    v.parts_.push_back({number, static_cast<std::uint32_t>(begin),
                        static_cast<std::uint32_t>(pos - begin), static_cast<std::uint8_t>(kind),
                        0});
    prev = kind;
    return true;
  };
  auto misplaced = [&](std::string_view what) {
    return bad(text,
               std::string(what) + at(pos) + " cannot follow " + std::string(kind_name(prev)));
  };

  if (!push_digits(Kind::kInitialDigit)) return bad(text, "must start with a digit");
  while (pos < text.size()) {
    const char c = text[pos];
    if (is_lower(c)) {
      if (prev > Kind::kDigit) return misplaced("letter " + detail::quote_char(c));
      v.parts_.push_back({0, static_cast<std::uint32_t>(pos), 1,
                          static_cast<std::uint8_t>(Kind::kLetter), static_cast<std::uint8_t>(c)});
      prev = Kind::kLetter;
      ++pos;
    } else if (c == '.') {
      if (prev > Kind::kDigit) return misplaced("'.'");
      ++pos;
      if (!push_digits(Kind::kDigit)) return bad(text, "expected a number after '.'" + at(pos));
    } else if (is_digit(c)) {
      // Only a suffix can be directly followed by digits (numbers absorb their own digits).
      if (prev != Kind::kSuffix) return misplaced("digit");
      static_cast<void>(push_digits(Kind::kSuffixNumber));
    } else if (c == '_') {
      if (prev > Kind::kSuffixNumber) return misplaced("suffix");
      const std::size_t begin = ++pos;
      while (pos < text.size() && is_lower(text[pos])) ++pos;
      const std::string_view name = text.substr(begin, pos - begin);
      std::uint8_t rank = 0;
      for (const auto& [suffix, suffix_rank] : kSuffixes) {
        if (suffix == name) rank = suffix_rank;
      }
      if (rank == 0) {
        return bad(text, "unknown suffix " + detail::quote("_" + std::string(name)) +
                             at(begin - 1) +
                             " (use _alpha, _beta, _pre, _rc, _cvs, _svn, _git, _hg or _p)");
      }
      v.parts_.push_back({0, static_cast<std::uint32_t>(begin),
                          static_cast<std::uint32_t>(name.size()),
                          static_cast<std::uint8_t>(Kind::kSuffix), rank});
      prev = Kind::kSuffix;
    } else if (c == '~') {
      if (prev >= Kind::kCommitHash) return misplaced("'~'");
      const std::size_t begin = ++pos;
      while (pos < text.size() && is_hex(text[pos])) ++pos;
      if (pos == begin) return bad(text, "expected lower-case hex digits after '~'" + at(pos));
      v.parts_.push_back({0, static_cast<std::uint32_t>(begin),
                          static_cast<std::uint32_t>(pos - begin),
                          static_cast<std::uint8_t>(Kind::kCommitHash), 0});
      prev = Kind::kCommitHash;
    } else if (c == '-') {
      if (prev >= Kind::kRevision) return misplaced("'-'");
      if (pos + 1 >= text.size() || text[pos + 1] != 'r') {
        return bad(text, "expected the release \"-r<number>\"" + at(pos));
      }
      pos += 2;
      if (!push_digits(Kind::kRevision)) {
        return bad(text, "expected a number after \"-r\"" + at(pos));
      }
    } else {
      return bad(text, "unexpected character " + detail::quote_char(c) + at(pos));
    }
  }
  // A missing release reads as -r0 (see the header).
  if (prev != Kind::kRevision) {
    v.parts_.push_back({0, static_cast<std::uint32_t>(text.size()), 0,
                        static_cast<std::uint8_t>(Kind::kRevision), 0});
  }
  v.text_ = std::string(text);
  return v;
}

// apk's apk_version_compare(): token_cmp() on each pair of parts of the same kind, then the
// tail rule on the first pair whose kinds differ.
int ApkVersion::compare(const ApkVersion& other) const {
  const std::size_t na = parts_.size();
  const std::size_t nb = other.parts_.size();
  auto text_of = [](const ApkVersion& v, const Part& p) {
    return std::string_view(v.text_).substr(p.offset, p.length);
  };
  auto by_number = [](std::uint64_t x, std::uint64_t y) { return (x > y) - (x < y); };
  auto as_text = [](std::string_view x, std::string_view y) {
    const int r = x.compare(y);
    return (r > 0) - (r < 0);
  };

  std::size_t k = 0;
  Kind ka = Kind::kEnd;
  Kind kb = Kind::kEnd;
  for (;; ++k) {
    ka = k < na ? static_cast<Kind>(parts_[k].kind) : Kind::kEnd;
    kb = k < nb ? static_cast<Kind>(other.parts_[k].kind) : Kind::kEnd;
    if (ka != kb || ka == Kind::kEnd) break;
    const Part& pa = parts_[k];
    const Part& pb = other.parts_[k];
    int r = 0;
    switch (ka) {
      case Kind::kDigit: {
        const std::string_view ta = text_of(*this, pa);
        const std::string_view tb = text_of(other, pb);
        // A leading zero on either side: compare as text, as Gentoo does.
        r = (ta.front() == '0' || tb.front() == '0') ? as_text(ta, tb)
                                                     : by_number(pa.number, pb.number);
        break;
      }
      case Kind::kInitialDigit:
      case Kind::kSuffixNumber:
      case Kind::kRevision:
        r = by_number(pa.number, pb.number);
        break;
      case Kind::kLetter:
      case Kind::kSuffix:
        r = by_number(pa.rank, pb.rank);
        break;
      case Kind::kCommitHash:
        r = as_text(text_of(*this, pa), text_of(other, pb));
        break;
      case Kind::kEnd:
        break;
    }
    if (r != 0) return r;
  }
  if (ka == kb) return 0;
  if (ka == Kind::kSuffix && parts_[k].rank < kNoSuffix) return -1;
  if (kb == Kind::kSuffix && other.parts_[k].rank < kNoSuffix) return 1;
  return ka > kb ? -1 : 1;
}

}  // namespace fleetpatch::version
