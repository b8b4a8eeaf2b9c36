// The matcher: host reports x compiled advisory index -> findings. Pure (no I/O, no clock),
// parallel, and deterministic: the same index and hosts give the same findings in the same order
// whatever the thread count.
//
// Rules (issue 3; the per-distribution parts come from the distro table, never from a switch):
//  - A host's release comes from distro::resolve_os. An unknown OS, or a release with no
//    advisories in the index, gets a note and no findings. Advisories of other releases never
//    apply: lookups are keyed by the host's own release.
//  - RPM families match binary package names at the binary version; Debian, Ubuntu and Alpine
//    (Distro::matches_source_names) match the source package name at the source version. The
//    finding still names the installed binary and its own version.
//    A binary-matched family may have entries that name source packages all the same
//    (Distro::entry_names_source: Red Hat's CSAF-VEX "known affected"/"not affected" SRPMs):
//    an installed binary is then also judged by those entries under its source name, at its
//    own version, merged per advisory with the entries under its binary name (a fix under the
//    binary name beats a source-named "will not fix" of the same advisory).
//  - Only AdvisoryKind::kSecurity advisories make findings (not bug-fix or enhancement ones).
//  - Module streams: an entry applies only when distro::module_applies(entry.module,
//    Distro::module_of(package)); "" applies to "" only.
//  - Range events: affected inside [introduced, fixed) or [introduced, last_affected]; the fixed
//    version is the "fixed" event closing the interval the installed version is in. A version
//    affected without a fixed event is `will-not-fix` when the vendor says so, else `unfixed`.
//    A not-affected entry for the package suppresses that advisory for it.
//  - Merging: one finding per (installed package, state, fixed version): advisories that one
//    upgrade fixes are reported together (e.g. a DSA and the per-CVE records it closes). Its
//    advisories and CVEs are the sorted unions; severity the highest, vendor_severity and cvss
//    those of the most severe advisory (highest CVSS on ties); fix_available_since the earliest
//    `published`; kev_due_date the earliest KEV due date of any of its CVEs.
//  - Options filter advisories before merging: a finding lists only the advisories that pass.
//  - Identical (release, name, version, module, source) tuples are matched once per Matcher (every
//    distinct installed version is parsed once) and the result is shared by every host having it.
//
// Runtime rules (issue 5: what is really running decides the state; the facts come from
// match::RuntimeFacts, the kernel package naming from Distro::kernel_package). They are per host
// and touch only kernel packages and the packages of pending restarts, after the shared lookup:
//  - Kernel: when the host report names its running kernel, kernel packages (the images and
//    their modules packages) are judged by the running build only. An installed build that is
//    not running makes no findings of its own (a note says how many were left out;
//    MatchOptions::report_inactive_kernels reports them as plain findings instead). A running
//    kernel finding whose advisories are all fixed in a newer installed build of the same package
//    is `fixed-pending-reboot`, its fixed_version that build's version (the newest such). With no
//    running kernel (an offline image, an import without it) kernel packages are plain packages.
//  - Livepatch: patches count when enabled and not in transition. A running kernel finding all
//    of whose CVEs such patches name is `mitigated`; every patch naming some of its CVEs is
//    listed in mitigated_by, so a partly covered finding keeps its state and says what is
//    covered. A finding with no CVE ids cannot be covered by CVE lists. A patch stating an
//    effective kernel (KernelCare) has the running kernel packages judged at that kernel's
//    version (Distro::kernel_package_version): findings that version no longer has are
//    `mitigated` by it; when the family cannot turn the release into a version, a note says the
//    installed version was judged.
//  - Restart pending: for a package named by the host's pending_restart list, the installed
//    version is judged for fixes it contains. The version of the old copy still mapped is not in
//    the report; fleetpatch takes it to predate the newest fix the installed version contains
//    and reports that fix's advisories (those not affecting the installed version) as one
//    `fixed-pending-restart` finding with fixed_version that fix and pending_restart the
//    processes (pid, exe, unit). Older fixes are not listed; a restart pending after a later
//    update that fixed nothing is still attributed to that newest fix.
//  - Exposure (match_host only; summaries carry none): the widest exposure of the listening
//    sockets whose `package` or `mapped_packages` name the finding's binary package; `none`
//    without one. Kernel findings get it the same way (in practice `none`).
//
// End of life (issue 4): a host whose release is past its vendor's support at
// MatchOptions::as_of gets one `end-of-life` finding (src/distro/<family>/lifecycle.cpp,
// Distro::lifecycle; "past" is Lifecycle::past_end_of_life without a paid extension, which the
// host report cannot show). It names no package (package and source_package empty,
// installed_version the os version_id), its one advisory is "EOL:<release>" (a stable id, so that
// history can track it), it has no CVE, severity `high` (no fix will come for any flaw found
// from then on; not `critical`, which is kept for a known flaw) and Finding::end_of_life carries
// the release, the dates and their source. It is emitted whether or not the release has
// advisories imported (the dates do not come from feeds). --ignore-unfixed does not drop it (it
// is about the release, not a missing fix for a package); the severity filter applies to it like
// to any finding. Without as_of (a caller that gave no time) there is none: the matcher never
// reads a clock.
//
// Findings are sorted by (package, installed version, source package, first advisory, fixed
// version); exact duplicates (the same package installed for two architectures) are reported once.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/advisory.hpp"
#include "core/finding.hpp"
#include "core/host_report.hpp"
#include "core/time.hpp"
#include "index/index.hpp"

namespace fleetpatch::match {

struct MatchOptions {
  /// Drop findings that have no fixed version (unfixed, will-not-fix), like peers'
  /// --ignore-unfixed.
  bool ignore_unfixed = false;
  /// Keep only advisories of these normalised severities; empty = all.
  std::vector<core::Severity> severities;
  /// Worker threads for fleets; 0 = std::thread::hardware_concurrency().
  unsigned threads = 0;
  /// Report the findings of installed kernel builds that are not running as plain findings (by
  /// default they are left out and counted in a note; see "Runtime rules").
  bool report_inactive_kernels = false;
  /// The evaluation time (the caller's Clock::now() or --as-of, read once per scan so every host
  /// is judged at the same instant): hosts past their release's end of life at this time get an
  /// end-of-life finding. nullopt = no end-of-life findings.
  std::optional<core::TimePoint> as_of;
};

/// Work counters, for benchmarks and tests of the sharing.
struct MatchStats {
  std::size_t hosts = 0;
  std::size_t packages = 0;
  std::size_t distinct_tuples = 0;  // matched against the index (cache misses)
  std::size_t shared_hits = 0;      // answered from the cache
};

/// Counts of a host's findings, without building them (see Matcher::summarize_host).
struct HostSummary {
  std::size_t findings = 0;
  std::size_t by_severity[5] = {};  // indexed by core::Severity
  std::size_t by_state[8] = {};     // indexed by the core::FindingState value
  std::size_t unfixed = 0;          // unfixed + will-not-fix
  std::size_t kev = 0;              // findings with a KEV due date
};

/// The part of a finding that every host with the same (release, package, version, module,
/// source) tuple shares, made once per tuple per Matcher: all of core::Finding but the host's own
/// package, its exposure and the runtime details. Immutable once made.
struct FindingPayload {
  core::FindingState state = core::FindingState::kFixed;
  std::string fixed_version;
  std::vector<std::string> advisories;  // sorted
  std::vector<std::string> cves;        // sorted, unique
  core::Severity severity = core::Severity::kUnknown;
  std::string vendor_severity;
  std::optional<double> cvss_score;
  std::string fix_available_since;
  std::optional<std::string> kev_due_date;
};

/// An installed package that has findings, as HostMatches names it.
struct MatchedPackage {
  std::string name;         // core::Finding::package
  std::string source_name;  // core::Finding::source_package
  std::string version;      // core::Finding::installed_version
};

/// What the runtime rules and end of life add to a finding (core::Finding's fields of the same
/// names); few findings have any.
struct FindingDetails {
  std::vector<core::LivepatchCover> mitigated_by;
  std::vector<core::RestartProcess> pending_restart;
  std::optional<core::EndOfLife> end_of_life;
};

/// One finding of a HostMatches: the shared payload by reference, the host's own part by index,
/// no strings of its own (a fleet has ~900 findings a host).
struct FindingRef {
  static constexpr std::uint32_t kNoDetails = 0xffffffff;
  const FindingPayload* payload = nullptr;  // alive as long as the HostMatches holding this
  std::uint32_t package = 0;                // HostMatches::packages index
  std::uint32_t details = kNoDetails;       // HostMatches::details index, or kNoDetails
  core::Exposure exposure = core::Exposure::kNone;
};

/// A host's findings as Matcher::match_stream gives them: the same findings, in the same order,
/// as match_host, each a FindingRef to a payload shared by every host with the same tuple instead
/// of a deep copy (which made a 100,000-host fleet spend most of its time copying strings).
/// finding(i) and to_host_findings() build the core::Finding values. Copies and moves keep the
/// references valid; the payloads stay alive as long as any HostMatches referring to them, even
/// after the Matcher is gone.
struct HostMatches {
  core::HostIdentity host;
  core::OsInfo os;
  std::string release;  // as core::HostFindings::release
  std::vector<FindingRef> findings;
  std::vector<MatchedPackage> packages;  // named by findings[i].package
  std::vector<FindingDetails> details;   // named by findings[i].details
  std::vector<std::string> notes;
  /// Owners of the payloads: the Matcher's shared cache, and this host's own findings (end of
  /// life, those the runtime rules rewrote).
  std::vector<std::shared_ptr<const void>> payload_owners;
  /// Elements `packages` no longer needed at its last reuse (match_host_shared_into), kept with
  /// their strings' buffers for a later, larger host: not part of the result.
  std::vector<MatchedPackage> spare_packages;

  /// Finding i as match_host gives it.
  core::Finding finding(std::size_t i) const;
  /// All of them: what match_host gives.
  core::HostFindings to_host_findings() const&;
  core::HostFindings to_host_findings() &&;
};

/// Matches hosts against one index. Holds the cache of distinct tuples, so reuse one Matcher
/// across batches of a fleet to share work. Every const member may be called from any number of
/// threads at once; the index must outlive the Matcher.
class Matcher {
 public:
  explicit Matcher(const index::Index& index, MatchOptions options = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  /// Findings of one host.
  core::HostFindings match_host(const core::HostReport& host) const;

  /// Findings of one host as shared payloads (what match_stream gives): no deep copy of the
  /// per-tuple parts, for callers that only read them (the fleet server's ledger).
  HostMatches match_host_shared(const core::HostReport& host) const;
  /// match_host_shared into `out` (every member overwritten), reusing the memory it holds: for a
  /// caller that matches host after host through one HostMatches (the server, per thread). `out`
  /// keeps this Matcher's cache alive until it is cleared or reused.
  void match_host_shared_into(const core::HostReport& host, HostMatches& out) const;

  /// Findings of every host, in input order, on options.threads workers.
  std::vector<core::HostFindings> match_fleet(std::span<const core::HostReport> hosts) const;

  /// Streams a fleet too large to hold in memory: `produce(i, report)` fills host i (reusing the
  /// report's allocations), `consume(i, matches)` receives its findings, sharing the per-tuple
  /// payloads (HostMatches::to_host_findings() gives match_host's values). Both are called from
  /// the worker threads (consume in no particular order of i), so they must be thread-safe.
  void match_stream(std::size_t count,
                    const std::function<void(std::size_t, core::HostReport&)>& produce,
                    const std::function<void(std::size_t, HostMatches&&)>& consume) const;

  /// The counts match_host(host) would give, without building the findings (fleet dashboards
  /// and benchmarks over hundreds of thousands of hosts).
  HostSummary summarize_host(const core::HostReport& host) const;

  /// match_stream's counterpart giving each host's summary: the way to match fleets of 100,000+
  /// hosts, whose findings (thousands per host) would not fit in memory.
  void summarize_stream(std::size_t count,
                        const std::function<void(std::size_t, core::HostReport&)>& produce,
                        const std::function<void(std::size_t, const HostSummary&)>& consume) const;

  MatchStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// Convenience: one Matcher over `hosts`.
std::vector<core::HostFindings> match(const index::Index& index,
                                      std::span<const core::HostReport> hosts,
                                      const MatchOptions& options = {});

}  // namespace fleetpatch::match
