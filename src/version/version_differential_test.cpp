// Differential tests: our comparators against the real ones, linked in.
//   deb: libdpkg's parseversion() + dpkg_version_compare() (via the C shim dpkg_reference.c);
//   rpm: librpm's rpmvercmp() on raw strings, and rpmverParse() + rpmverCmp() on E:V-R.
// A seeded generator aims at the corner cases (tildes, carets, epochs, leading zeros, letters
// against digits, missing and empty releases, separators, long digit runs) and makes half the
// pairs near-equal by mutating one side into the other. Every pair must agree; the counts are
// printed so that a generator that stopped reaching a region shows up.
#include <gtest/gtest.h>
#include <rpm/rpmver.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "version/deb_version.hpp"
#include "version/dpkg_reference.h"
#include "version/rpm_version.hpp"

namespace fleetpatch::version {
namespace {

constexpr int kPairs = 125000;  // per check; the brief floor is 100,000
constexpr std::size_t kMaxReported = 20;

/// splitmix64: tiny, fast, and the same sequence on every platform and standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool percent(unsigned p) { return below(100) < p; }
  char pick(std::string_view from) { return from[below(from.size())]; }

 private:
  std::uint64_t state_;
};

std::string sign_name(int c) { return c < 0 ? "<" : (c > 0 ? ">" : "="); }
int sign(int c) { return (c > 0) - (c < 0); }
/// The slot of a comparison result in an outcomes array: 0 for <, 1 for =, 2 for >.
std::size_t outcome_slot(int c) { return c < 0 ? 0 : (c > 0 ? 2 : 1); }

/// "'a' vs 'b': ours <, dpkg >": how a comparison of ours and a reference tool's differ.
std::string disagreement(const std::string& a, const std::string& b, int ours,
                         std::string_view tool, int theirs) {
  return "'" + a + "' vs '" + b + "': ours " + sign_name(ours) + ", " + std::string(tool) + " " +
         sign_name(theirs);
}

// A run of digits: mostly short, sometimes with leading zeros, sometimes longer than any
// integer type (both tools compare those without converting).
std::string digit_run(Rng& rng) {
  std::string s;
  const std::size_t zeros = rng.percent(15) ? 1 + rng.below(3) : 0;
  s.append(zeros, '0');
  std::size_t len = 1 + rng.below(3);
  if (rng.percent(4)) len = 15 + rng.below(20);
  for (std::size_t i = 0; i < len; ++i) s += rng.pick(rng.percent(60) ? "0123" : "0123456789");
  return s;
}

std::string letter_run(Rng& rng) {
  std::string s;
  const std::size_t len = 1 + rng.below(rng.percent(80) ? 2 : 5);
  for (std::size_t i = 0; i < len; ++i) s += rng.pick(rng.percent(70) ? "abzAZ" : "cdefgmpqrxy");
  return s;
}

// A fragment built from digit runs, letter runs and one-character pieces from `specials`.
std::string fragment(Rng& rng, std::string_view specials, std::size_t max_pieces) {
  std::string s;
  const std::size_t pieces = rng.below(max_pieces + 1);
  for (std::size_t i = 0; i < pieces; ++i) {
    const std::size_t kind = rng.below(10);
    if (kind < 4) {
      s += digit_run(rng);
    } else if (kind < 6) {
      s += letter_run(rng);
    } else {
      s += rng.pick(specials);
    }
  }
  return s;
}

// Turns `s` into a near neighbour: the edits that flip or preserve order at the margin.
std::string mutate(Rng& rng, std::string s, std::string_view alphabet,
                   std::span<const std::string_view> appendices) {
  switch (rng.below(9)) {
    case 0:
    case 1:
      s += appendices[rng.below(appendices.size())];
      break;
    case 2:
      if (!s.empty()) s.pop_back();
      break;
    case 3:
      if (!s.empty()) s.erase(rng.below(s.size()), 1);
      break;
    case 4:
      s.insert(s.begin() + static_cast<std::ptrdiff_t>(rng.below(s.size() + 1)),
               rng.pick(alphabet));
      break;
    case 5:
      if (!s.empty()) s[rng.below(s.size())] = rng.pick(alphabet);
      break;
    case 6: {  // bump a digit up or down
      for (std::size_t tries = 0; tries < 4 && !s.empty(); ++tries) {
        const std::size_t at = rng.below(s.size());
        if (s[at] >= '0' && s[at] <= '9') {
          s[at] =
              rng.percent(50) ? (s[at] == '9' ? '0' : s[at] + 1) : (s[at] == '0' ? '9' : s[at] - 1);
          break;
        }
      }
      break;
    }
    case 7: {  // a leading zero in front of some digit run
      for (std::size_t tries = 0; tries < 4 && !s.empty(); ++tries) {
        const std::size_t at = rng.below(s.size());
        if (s[at] >= '0' && s[at] <= '9' && (at == 0 || !(s[at - 1] >= '0' && s[at - 1] <= '9'))) {
          s.insert(at, 1, '0');
          break;
        }
      }
      break;
    }
    default:  // the same string: equality must hold too
      break;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// deb

constexpr auto kDebAppendices = std::to_array<std::string_view>(
    {"~", "~~", "~a", ".0", "0", "a", "+", "-0", "-1", "-0.1", ".1", "+b1", "~rc1"});

std::string deb_epoch(Rng& rng) {
  if (rng.percent(65)) return "";
  static constexpr std::array<std::string_view, 14> kOdd = {
      "",   "a",  "-0", "+1", "-1",  "2147483647", "2147483648", "99999999999999999999",
      "00", "1a", " 1", "+",  "0x1", "007"};
  if (rng.percent(12)) return std::string(kOdd[rng.below(kOdd.size())]) + ":";
  return std::to_string(rng.below(rng.percent(80) ? 3 : 100)) + ":";
}

std::string deb_version(Rng& rng) {
  std::string s = deb_epoch(rng);
  if (rng.percent(92)) s += digit_run(rng);
  // A ':' in the upstream is only valid after an epoch; without one dpkg reads it as an epoch.
  s += fragment(rng, s.find(':') != std::string::npos ? ".+~.~-:" : ".+~.~-.+~", 5);
  if (rng.percent(55)) {
    s += '-';
    if (rng.percent(97)) s += fragment(rng, ".+~.", 4);
    if (s.back() == '-' && rng.percent(85)) s += digit_run(rng);
  }
  if (rng.percent(2)) {  // things dpkg refuses or only warns about
    static constexpr std::string_view kJunk = " \t_@%,/!\x80\xff\n\r";
    s.insert(s.begin() + static_cast<std::ptrdiff_t>(rng.below(s.size() + 1)), rng.pick(kJunk));
  }
  if (rng.percent(2)) s.insert(0, rng.percent(50) ? " " : "\t");
  if (rng.percent(2)) s += rng.percent(50) ? " " : "\t ";
  return s;
}

// Where dpkg accepts a string we refuse, it must be a refusal the header documents: dpkg only
// warned (invalid character, upstream not starting with a digit), or the epoch starts with
// whitespace that strtol() skips.
bool documented_extra_refusal(const std::string& text, const fp_dpkg_parsed& ref) {
  if (ref.status == FP_DPKG_WARNING) return true;
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  return i < text.size() &&
         (text[i] == '\n' || text[i] == '\r' || text[i] == '\v' || text[i] == '\f');
}

TEST(DebDifferential, ParseAndCompareAgreeWithLibdpkg) {
  Rng rng(0x5eed0deb);
  std::vector<std::string> failures;
  long compared = 0, both_refused = 0, extra_refused = 0, warned_accepted = 0;
  std::array<long, 3> outcomes{};
  auto fail = [&](std::string what) {
    if (failures.size() < kMaxReported) failures.push_back(std::move(what));
  };

  for (int n = 0; n < kPairs; ++n) {
    const std::string a = deb_version(rng);
    std::string b;
    if (rng.percent(50)) {
      b = mutate(rng, a, "0123456789abzAZ.+~-:", kDebAppendices);
      if (rng.percent(30)) b = mutate(rng, b, "0123456789abzAZ.+~-:", kDebAppendices);
    } else {
      b = deb_version(rng);
    }
    fp_dpkg_parsed ref_a{}, ref_b{};
    fp_dpkg_parse(a.c_str(), &ref_a);
    fp_dpkg_parse(b.c_str(), &ref_b);
    const auto ours_a = DebVersion::parse(a);
    const auto ours_b = DebVersion::parse(b);

    // Accepted by both with the same split; records why not otherwise.
    auto check_one = [&](const std::string& text, const fp_dpkg_parsed& ref,
                         const core::Result<DebVersion>& ours) {
      if (!ours.ok()) {
        if (ref.status == FP_DPKG_ERROR) {
          ++both_refused;
        } else if (documented_extra_refusal(text, ref)) {
          ++extra_refused;
        } else {
          fail("we refuse, dpkg accepts: '" + text + "': " + ours.error().message);
        }
        return false;
      }
      if (ref.status == FP_DPKG_ERROR) {
        fail("we accept, dpkg refuses: '" + text + "': " + ref.message);
        return false;
      }
      if (ref.status == FP_DPKG_WARNING) {
        // The one warning we accept; invalid characters we refuse (see the header).
        if (std::string_view(ref.message).find("does not start with digit") ==
            std::string_view::npos) {
          fail("we accept what dpkg warns about: '" + text + "': " + ref.message);
          return false;
        }
        ++warned_accepted;
      }
      if (ours->epoch() != ref.epoch || ours->upstream() != ref.version ||
          ours->revision() != ref.revision) {
        fail("split differs for '" + text + "': ours " + std::to_string(ours->epoch()) + " '" +
             std::string(ours->upstream()) + "' '" + std::string(ours->revision()) + "', dpkg " +
             std::to_string(ref.epoch) + " '" + ref.version + "' '" + ref.revision + "'");
        return false;
      }
      return true;
    };
    const bool ok_a = check_one(a, ref_a, ours_a);
    const bool ok_b = check_one(b, ref_b, ours_b);
    const bool all_ok = ok_a && ok_b;
    if (all_ok) {
      const int ours = sign(ours_a->compare(*ours_b));
      const int theirs = sign(fp_dpkg_compare(&ref_a, &ref_b));
      ++compared;
      ++outcomes[outcome_slot(theirs)];
      if (ours != theirs) {
        fail(disagreement(a, b, ours, "dpkg", theirs));
      }
      if (sign(ours_b->compare(*ours_a)) != -ours)
        fail(std::string("not antisymmetric: '").append(a).append("' '").append(b).append("'"));
    }
    if (n % 4096 == 4095) fp_dpkg_release();
  }
  fp_dpkg_release();

  std::cout << "deb vs libdpkg: " << kPairs << " pairs, " << compared << " compared (<"
            << outcomes[0] << " =" << outcomes[1] << " >" << outcomes[2] << "), " << both_refused
            << " strings refused by both, " << extra_refused
            << " refused by us where dpkg only warns, " << warned_accepted
            << " accepted with a dpkg warning (upstream not starting with a digit)\n";
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_GE(compared, 100000);
  EXPECT_GT(outcomes[1], 1000);  // the generator must reach equality, not just order
  EXPECT_GT(both_refused, 100);
}

// verrevcmp on raw fragments, including bytes no valid version holds (high bytes sort between
// letters and punctuation in dpkg because its char is signed).
TEST(DebDifferential, FragmentOrderAgreesWithVerrevcmp) {
  Rng rng(0xf4a6);
  static constexpr std::string_view kSpecials = ".+~-:~~_%\x80\xff ";
  std::vector<std::string> failures;
  std::array<long, 3> outcomes{};
  for (int n = 0; n < kPairs; ++n) {
    const std::string a = fragment(rng, kSpecials, 7);
    const std::string b = rng.percent(50)
                              ? mutate(rng, a, "0123456789abzAZ.+~-_\x80", kDebAppendices)
                              : fragment(rng, kSpecials, 7);
    const int ours = sign(deb_compare_fragment(a, b));
    const int theirs = sign(fp_dpkg_compare_fragments(a.c_str(), b.c_str()));
    ++outcomes[outcome_slot(theirs)];
    if (ours != theirs && failures.size() < kMaxReported) {
      failures.push_back(disagreement(a, b, ours, "dpkg", theirs));
    }
  }
  std::cout << "deb fragments vs verrevcmp: " << kPairs << " pairs (<" << outcomes[0] << " ="
            << outcomes[1] << " >" << outcomes[2] << ")\n";
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_GT(outcomes[1], 1000);
}

// ---------------------------------------------------------------------------------------------
// rpm

constexpr auto kRpmAppendices =
    std::to_array<std::string_view>({"~", "~~", "^", "^^", "~rc1", "^post1", ".0", "0", "a", ".",
                                     "_", "-1", "-0", ".el9", "^~", "~^"});

std::string rpm_part(Rng& rng) { return fragment(rng, ".~^._+~^%", 6); }

TEST(RpmDifferential, RpmvercmpAgrees) {
  Rng rng(0x7e7c);
  static constexpr std::string_view kSpecials = ".~^_+-%:~^ \x80\xff";
  std::vector<std::string> failures;
  std::array<long, 3> outcomes{};
  for (int n = 0; n < kPairs; ++n) {
    const std::string a = fragment(rng, kSpecials, 7);
    const std::string b = rng.percent(50) ? mutate(rng, a, "0123456789abzAZ.~^_", kRpmAppendices)
                                          : fragment(rng, kSpecials, 7);
    const int ours = rpm_vercmp(a, b);
    const int theirs = sign(rpmvercmp(a.c_str(), b.c_str()));
    ++outcomes[outcome_slot(theirs)];
    if (ours != theirs && failures.size() < kMaxReported) {
      failures.push_back(disagreement(a, b, ours, "rpm", theirs));
    }
  }
  std::cout << "rpm_vercmp vs rpmvercmp: " << kPairs << " pairs (<" << outcomes[0] << " ="
            << outcomes[1] << " >" << outcomes[2] << ")\n";
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_GT(outcomes[1], 1000);
}

std::string rpm_evr(Rng& rng) {
  std::string s;
  if (rng.percent(35)) {
    static constexpr std::array<std::string_view, 8> kOdd = {
        "", "a", "1a", "00", "007", "4294967295", "4294967296", "+1"};
    s += rng.percent(10) ? std::string(kOdd[rng.below(kOdd.size())])
                         : std::to_string(rng.below(rng.percent(80) ? 3 : 50));
    s += ':';
  }
  if (rng.percent(90)) s += digit_run(rng);
  s += rpm_part(rng);
  if (rng.percent(65)) {
    s += '-';
    if (rng.percent(97)) s += rpm_part(rng);
    if (rng.percent(10)) s += "-" + rpm_part(rng);  // more hyphens: the last one splits
    if (s.back() == '-' && rng.percent(80)) s += digit_run(rng);
  }
  if (rng.percent(2)) s.insert(rng.below(s.size() + 1), 1, rng.pick(" \t\n\x01"));
  return s;
}

TEST(RpmDifferential, EvrParseAndRpmverCmpAgree) {
  Rng rng(0xe7e7);
  std::vector<std::string> failures;
  long compared = 0, refused = 0, release_ignored = 0;
  std::array<long, 3> outcomes{};
  auto fail = [&](std::string what) {
    if (failures.size() < kMaxReported) failures.push_back(std::move(what));
  };
  for (int n = 0; n < kPairs; ++n) {
    const std::string a = rpm_evr(rng);
    std::string b =
        rng.percent(50) ? mutate(rng, a, "0123456789abzAZ.~^_-:", kRpmAppendices) : rpm_evr(rng);
    if (rng.percent(5)) {  // drop the release: a missing release matches any
      const auto hyphen = b.rfind('-');
      if (hyphen != std::string::npos) b.resize(hyphen);
    }
    const auto ours_a = RpmEvr::parse(a);
    const auto ours_b = RpmEvr::parse(b);
    if (!ours_a.ok() || !ours_b.ok()) {
      ++refused;
      continue;
    }
    rpmver ref_a = rpmverParse(a.c_str());
    rpmver ref_b = rpmverParse(b.c_str());
    auto check_one = [&](const std::string& text, const core::Result<RpmEvr>& ours, rpmver ref) {
      if (ref == nullptr) {
        fail("rpm refuses what we accept: '" + text + "'");
        return false;
      }
      const char* e = rpmverE(ref);
      const char* r = rpmverR(ref);
      const bool epoch_ok = ours->has_epoch()
                                ? (e != nullptr && std::strtoull(e, nullptr, 10) == ours->epoch())
                                : e == nullptr;
      const bool release_ok =
          ours->has_release() ? (r != nullptr && ours->release() == r) : r == nullptr;
      if (!epoch_ok || ours->version() != rpmverV(ref) || !release_ok) {
        fail("split differs for '" + text + "': ours E=" + std::to_string(ours->epoch()) + " V='" +
             std::string(ours->version()) + "' R='" + std::string(ours->release()) +
             "', rpm E=" + (e ? e : "(none)") + " V='" + rpmverV(ref) +
             "' R=" + (r ? std::string("'") + r + "'" : "(none)"));
        return false;
      }
      return true;
    };
    const bool ok_a = check_one(a, ours_a, ref_a);
    const bool ok_b = check_one(b, ours_b, ref_b);
    const bool split_ok = ok_a && ok_b;
    if (split_ok) {
      const int ours = sign(ours_a->compare(*ours_b));
      const int theirs = sign(rpmverCmp(ref_a, ref_b));
      ++compared;
      ++outcomes[outcome_slot(theirs)];
      if (!ours_a->has_release() || !ours_b->has_release()) ++release_ignored;
      if (ours != theirs) {
        fail(disagreement(a, b, ours, "rpmverCmp", theirs));
      }
    }
    rpmverFree(ref_a);
    rpmverFree(ref_b);
  }
  std::cout << "RpmEvr vs rpmverCmp: " << kPairs << " pairs, " << compared << " compared (<"
            << outcomes[0] << " =" << outcomes[1] << " >" << outcomes[2] << "), " << release_ignored
            << " with a release missing on one side, " << refused
            << " pairs with a string we refuse\n";
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_GE(compared, 100000);
  EXPECT_GT(outcomes[1], 1000);
  EXPECT_GT(release_ignored, 1000);
}

}  // namespace
}  // namespace fleetpatch::version
