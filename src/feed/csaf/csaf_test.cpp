#include "feed/csaf/csaf.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "feed/feed.hpp"
#include "feed/osv/test_util.hpp"

namespace fleetpatch::feed::csaf {
namespace {

using namespace fleetpatch::feed::testing;

/// "release name [module] state fixed-version" of one entry, for compact expectations.
std::string describe(const core::AffectedPackage& entry) {
  static constexpr const char* kStates[] = {"?", "fixed", "unfixed", "will-not-fix",
                                            "not-affected"};
  std::string text = entry.release + " " + entry.name;
  if (!entry.module.empty()) text += " [" + entry.module + "]";
  text += std::string(" ") + kStates[static_cast<int>(entry.state)];
  if (!entry.events.empty()) text += " " + entry.events.back().version;
  return text;
}

bool has_entry(const core::Advisory& advisory, const std::string& description) {
  return std::any_of(advisory.affected.begin(), advisory.affected.end(),
                     [&](const auto& entry) { return describe(entry) == description; });
}

const core::Advisory* find(const FeedBatch& batch, const std::string& id) {
  for (const auto& advisory : batch.advisories) {
    if (advisory.id == id) return &advisory;
  }
  return nullptr;
}

/// Expected values read by hand from each sample (tests/data/feeds/csaf/README.md).
struct SampleCase {
  std::string id;
  core::Severity severity;
  std::string vendor_severity;
  std::optional<double> cvss;
  std::string published;
  std::string modified;
  std::vector<std::string> some_cves;
  std::size_t cve_count;
  std::size_t entry_count;
  std::vector<std::string> some_entries;
};

void check(const FeedBatch& batch, const SampleCase& c) {
  SCOPED_TRACE(c.id);
  const core::Advisory* advisory = find(batch, c.id);
  ASSERT_NE(advisory, nullptr);
  EXPECT_EQ(advisory->kind, core::AdvisoryKind::kSecurity);
  EXPECT_EQ(advisory->severity, c.severity);
  EXPECT_EQ(advisory->vendor_severity, c.vendor_severity);
  EXPECT_EQ(advisory->cvss_score, c.cvss);
  EXPECT_EQ(advisory->published, c.published);
  EXPECT_EQ(advisory->modified, c.modified);
  EXPECT_EQ(advisory->cves.size(), c.cve_count);
  for (const auto& cve : c.some_cves) {
    EXPECT_TRUE(std::binary_search(advisory->cves.begin(), advisory->cves.end(), cve)) << cve;
  }
  EXPECT_EQ(advisory->affected.size(), c.entry_count);
  for (const auto& entry : c.some_entries) EXPECT_TRUE(has_entry(*advisory, entry)) << entry;
}

TEST(Csaf, RedHatAdvisories) {
  core::Diagnostics diags;
  auto batch = read_path(test_data("csaf/redhat"), diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
  // RHSA-2023:7218 ships container images of a layered product (Kernel Module Management on
  // RHEL 9): no RPM of a supported release, so it is skipped and counted by its CPE.
  EXPECT_EQ(batch->advisories.size(), 1u);
  EXPECT_EQ(batch->skipped_ecosystems.at("cpe:/a:redhat:kernel_module_management:1.1::el9"), 1u);
  // RHSA-2023:7207: c-ares on BaseOS-8.9.0.Z.MAIN (cpe:/o:redhat:enterprise_linux:8::baseos),
  // four binary RPMs for five architectures, the .src RPM dropped.
  check(*batch,
        {"RHSA-2023:7207",
         core::Severity::kMedium,
         "Moderate",
         5.9,
         "2023-11-14T17:00:58Z",
         "2025-09-26T06:08:08Z",
         {"CVE-2020-22217", "CVE-2023-31130"},
         2,
         4,
         {"rhel:8 c-ares fixed 1.13.0-9.el8_9.1", "rhel:8 c-ares-devel fixed 1.13.0-9.el8_9.1",
          "rhel:8 c-ares-debuginfo fixed 1.13.0-9.el8_9.1",
          "rhel:8 c-ares-debugsource fixed 1.13.0-9.el8_9.1"}});
  EXPECT_EQ(find(*batch, "RHSA-2023:7207")->summary, "c-ares security update");
}

TEST(Csaf, RedHatVexDocuments) {
  core::Diagnostics diags;
  auto batch = read_path(test_data("csaf/redhat-vex"), diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
  // CVE-2026-88888 names only a Flatpak build (rpmmod "rhel10" without a stream): no RPM, no
  // error (vuls-data-update uses it to test that its own extractor rejects a bare module).
  EXPECT_EQ(batch->advisories.size(), 6u);
  EXPECT_EQ(batch->skipped_ecosystems.at("csaf: no RPM products"), 1u);
  const SampleCase cases[] = {
      // Known affected with no_fix_planned "Will not fix" on rhel-9.4.0
      // (cpe:/a:redhat:enterprise_linux:9); not affected on rhel-8.10.z, RHEL 6/7 ELS; the
      // EUS/AUS streams are not mapped.
      {"REDHAT-CVE-2023-6238",
       core::Severity::kLow,
       "Low",
       6.7,
       "2023-10-13T00:00:00Z",
       "2026-05-07T13:49:43Z",
       {"CVE-2023-6238"},
       1,
       10,
       {"rhel:9 kernel will-not-fix", "rhel:9 kernel-rt will-not-fix", "rhel:9 kpatch not-affected",
        "rhel:8 kernel not-affected", "rhel:6 kernel not-affected", "rhel:7 kpatch not-affected"}},
      // Fixed in rhel-8.10.z and rhel-9.4.0 (RHSA-2024:5079, RHSA-2024:2289, the earlier of
      // whose dates is when a fix became available); "Out of support scope" for RHEL 6/7 ELS;
      // "Will not fix" for compat-libtiff3 on RHEL 8. The known-affected rhel-8.10.0 and rhel-9
      // products lose to the fixes of the same release.
      {"REDHAT-CVE-2023-6228",
       core::Severity::kLow,
       "Low",
       3.3,
       "2024-04-30T10:39:42Z",
       "2026-05-07T13:49:42Z",
       {"CVE-2023-6228"},
       1,
       6,
       {"rhel:8 libtiff fixed 4.0.9-32.el8_10", "rhel:9 libtiff fixed 4.4.0-12.el9",
        "rhel:6 libtiff will-not-fix", "rhel:7 libtiff will-not-fix",
        "rhel:7 compat-libtiff3 will-not-fix", "rhel:8 compat-libtiff3 will-not-fix"}},
      // none_available "Affected" on rhel-10.0 (python3.12) -> unfixed; python39 module
      // records ("3.9-8100020240826142629.d47b87a4") and the gimp:flatpak build are not RPMs.
      {"REDHAT-CVE-2024-6923",
       core::Severity::kMedium,
       "Moderate",
       6.8,
       "2024-09-03T02:28:11Z",
       "2026-05-07T12:22:18Z",
       {"CVE-2024-6923"},
       1,
       10,
       {"rhel:10 python3.12 unfixed", "rhel:6 python will-not-fix", "rhel:7 python3 will-not-fix",
        "rhel:8 python3 fixed 3.6.8-67.el8_10", "rhel:8 python3.11 fixed 3.11.9-7.el8_10",
        "rhel:9 python3.9 fixed 3.9.18-3.el9_4.5", "rhel:9 python3.11 fixed 3.11.7-1.el9_4.5"}},
      // Only fixed products; the RHEL 7 .NET Software Collection (cpe:/a:redhat:rhel_dotnet) is
      // a layered product and left out.
      {"REDHAT-CVE-2024-0056",
       core::Severity::kHigh,
       "Important",
       7.5,
       "2024-01-10T15:42:10Z",
       "2026-05-06T23:29:24Z",
       {"CVE-2024-0056"},
       1,
       6,
       {"rhel:8 dotnet8.0 fixed 8.0.101-1.el8_9", "rhel:9 dotnet6.0 fixed 6.0.126-1.el9_3"}},
      // RHEL 4 and 5: several minor releases name samba; the highest fix of a release wins.
      {"REDHAT-CVE-2007-6015",
       core::Severity::kCritical,
       "Critical",
       std::nullopt,
       "2007-12-10T11:53:00Z",
       "2026-05-06T19:44:02Z",
       {"CVE-2007-6015"},
       1,
       2,
       {"rhel:4 samba fixed 3.0.25b-1.el4_6.4", "rhel:5 samba fixed 3.0.25b-1.el5_1.4"}},
      // A known-affected RPM with a version in its product id: the version is not a fix.
      {"REDHAT-CVE-2026-7323",
       core::Severity::kHigh,
       "Important",
       std::nullopt,
       "2026-01-19T00:00:00Z",
       "2026-01-19T00:00:00Z",
       {"CVE-2026-7323"},
       1,
       1,
       {"rhel:10 firefox unfixed"}},
  };
  for (const auto& c : cases) check(*batch, c);
}

TEST(Csaf, LargeSamplesFromAnArchive) {
  core::Diagnostics diags;
  auto batch = read_path(test_data("csaf/large-samples.tar.zst"), diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
  ASSERT_EQ(batch->sources.size(), 1u);
  EXPECT_EQ(batch->sources[0].format, "csaf-archive");
  EXPECT_EQ(batch->sources[0].records, 4u);
  // RHSA-2025:2399 is Satellite 6.16 (layered products on RHEL 8 and 9): skipped.
  EXPECT_EQ(batch->skipped_ecosystems.at("cpe:/a:redhat:satellite_capsule:6.16::el8"), 1u);
  ASSERT_EQ(batch->advisories.size(), 3u);
  // RHSA-2023:6939: the container-tools:rhel8 module stream on AppStream-8.9.0.GA; each RPM's
  // purl names epoch and rpmmod ("container-tools:rhel8:8090020230825121312:e7857ab1").
  check(*batch,
        {"RHSA-2023:6939",
         core::Severity::kMedium,
         "Moderate",
         9.8,
         "2023-11-14T16:03:32Z",
         "2025-09-25T17:26:05Z",
         {"CVE-2022-3064", "CVE-2023-24538", "CVE-2023-29406"},
         17,
         64,
         {"rhel:8 podman [container-tools:rhel8] fixed 3:4.6.1-4.module+el8.9.0+19761+326da906",
          "rhel:8 aardvark-dns [container-tools:rhel8] fixed "
          "2:1.7.0-1.module+el8.9.0+19244+655f84ee",
          "rhel:8 udica [container-tools:rhel8] fixed 0.2.6-20.module+el8.9.0+19244+655f84ee"}});
  // CVE-2017-20146: podman not affected in two container-tools streams of RHEL 8 and in RHEL 9.
  check(*batch,
        {"REDHAT-CVE-2017-20146",
         core::Severity::kMedium,
         "Moderate",
         7.0,
         "2022-12-27T00:00:00Z",
         "2026-05-07T12:54:01Z",
         {"CVE-2017-20146"},
         1,
         3,
         {"rhel:8 podman [container-tools:rhel8] not-affected",
          "rhel:8 podman [container-tools:4.0] not-affected", "rhel:9 podman not-affected"}});
  // SUSE-SU-2015:0011-2: SLES 11 SP2 and SP2-LTSS (the SAP product is not mapped); no
  // aggregate severity, so the highest per-CVE impact ("important").
  check(*batch, {"SUSE-SU-2015:0011-2",
                 core::Severity::kHigh,
                 "important",
                 std::nullopt,
                 "2014-01-27T18:38:10Z",
                 "2014-01-27T18:38:10Z",
                 {"CVE-2012-1667", "CVE-2014-8500"},
                 7,
                 8,
                 {"sles:11.2 bind fixed 9.9.4P2-0.6.1", "sles:11.2 bind-devel fixed 9.9.6P1-0.5.5",
                  "sles:11.2 bind-libs-32bit fixed 9.9.4P2-0.6.1"}});
}

TEST(Csaf, SuseAdvisoryOfAnUnmappedProductIsSkipped) {
  core::Diagnostics diags;
  auto batch = read_path(test_data("csaf/suse/openSUSE-SU-2016-1623-1.json"), diags);
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(diags.empty());
  EXPECT_TRUE(batch->advisories.empty());
  EXPECT_EQ(batch->skipped_ecosystems.at("cpe:/o:suse:packagehub:12"), 1u);
}

/// A small CSAF document: one platform per (id, cpe), one component per (id, purl), and the
/// vulnerabilities given as raw JSON.
std::string document(const std::string& tracking_id, const std::string& vulnerabilities,
                     const std::string& extra_products = "",
                     const std::string& publisher = "https://www.redhat.com") {
  return R"({"document":{"title":"Red Hat Security Advisory: foo update","tracking":{"id":")" +
         tracking_id +
         R"(","initial_release_date":"2024-01-02T03:04:05+00:00","current_release_date":"2024-02-01T00:00:00+00:00"},"publisher":{"namespace":")" +
         publisher + R"("}},
    "product_tree":{"branches":[{"category":"vendor","branches":[
      {"category":"product_name","product":{"product_id":"rhel9","product_identification_helper":{"cpe":"cpe:/o:redhat:enterprise_linux:9::baseos"}}},
      {"category":"product_name","product":{"product_id":"rhel9eus","product_identification_helper":{"cpe":"cpe:/a:redhat:rhel_eus:9.2"}}},
      {"category":"product_name","product":{"product_id":"rhel8","product_identification_helper":{"cpe":"cpe:/a:redhat:enterprise_linux:8"}}},
      {"category":"product_version","product":{"product_id":"foo-0:1.0-2.el9.x86_64","product_identification_helper":{"purl":"pkg:rpm/redhat/foo@1.0-2.el9?arch=x86_64"}}},
      {"category":"product_version","product":{"product_id":"foo-0:1.0-3.el9.x86_64","product_identification_helper":{"purl":"pkg:rpm/redhat/foo@1.0-3.el9?arch=x86_64"}}},
      {"category":"product_version","product":{"product_id":"foo-0:1.0-2.el9.src","product_identification_helper":{"purl":"pkg:rpm/redhat/foo@1.0-2.el9?arch=src"}}},
      {"category":"product_version","product":{"product_id":"foo","product_identification_helper":{"purl":"pkg:rpm/redhat/foo?arch=src"}}},
      {"category":"product_version","product":{"product_id":"bar","product_identification_helper":{"purl":"pkg:rpm/redhat/bar?arch=src"}}},
      {"category":"product_version","product":{"product_id":"baz","product_identification_helper":{"purl":"pkg:rpm/redhat/baz?arch=src"}}})" +
         extra_products + R"(]}],
    "relationships":[
      {"full_product_name":{"product_id":"rhel9:foo-2"},"product_reference":"foo-0:1.0-2.el9.x86_64","relates_to_product_reference":"rhel9"},
      {"full_product_name":{"product_id":"rhel9:foo-3"},"product_reference":"foo-0:1.0-3.el9.x86_64","relates_to_product_reference":"rhel9"},
      {"full_product_name":{"product_id":"rhel9:foo-src"},"product_reference":"foo-0:1.0-2.el9.src","relates_to_product_reference":"rhel9"},
      {"full_product_name":{"product_id":"rhel9eus:foo-2"},"product_reference":"foo-0:1.0-2.el9.x86_64","relates_to_product_reference":"rhel9eus"},
      {"full_product_name":{"product_id":"rhel8:foo"},"product_reference":"foo","relates_to_product_reference":"rhel8"},
      {"full_product_name":{"product_id":"rhel8:bar"},"product_reference":"bar","relates_to_product_reference":"rhel8"},
      {"full_product_name":{"product_id":"rhel8:baz"},"product_reference":"baz","relates_to_product_reference":"rhel8"},
      {"full_product_name":{"product_id":"rhel9:baz"},"product_reference":"baz","relates_to_product_reference":"rhel9"}]},
    "vulnerabilities":)" +
         vulnerabilities + "}";
}

TEST(Csaf, StatesFromProductStatusAndRemediations) {
  struct Case {
    std::string name;
    std::string tracking_id;  // a per-CVE document keeps source RPMs, an advisory drops them
    std::string vulnerabilities;
    std::vector<std::string> want;  // every entry, in order
  };
  const Case cases[] = {
      {"remediation words",
       "CVE-2024-1",
       R"([{"cve":"CVE-2024-1","product_status":{"known_affected":["rhel8:foo","rhel8:bar","rhel8:baz"]},
            "remediations":[{"category":"no_fix_planned","details":"Out of support scope","product_ids":["rhel8:foo"]},
                            {"category":"none_available","details":"Fix deferred","product_ids":["rhel8:bar"]},
                            {"category":"workaround","details":"Do not use it","product_ids":["rhel8:baz"]}]}])",
       {"rhel:8 bar unfixed", "rhel:8 baz unfixed", "rhel:8 foo will-not-fix"}},
      {"under investigation and not affected",
       "CVE-2024-1",
       R"([{"cve":"CVE-2024-1","product_status":{"under_investigation":["rhel8:foo"],"known_not_affected":["rhel8:bar"],"recommended":["rhel8:baz"]}}])",
       {"rhel:8 bar not-affected", "rhel:8 foo unfixed"}},
      {"a fix beats every other statement of the release; EUS streams are not mapped",
       "CVE-2024-1",
       R"([{"cve":"CVE-2024-1","product_status":{"fixed":["rhel9:foo-2","rhel9eus:foo-2"],"known_not_affected":["rhel9:baz"]}},
           {"cve":"CVE-2024-2","product_status":{"known_affected":["rhel9:baz"],"fixed":["rhel9:foo-3"]},
            "remediations":[{"category":"no_fix_planned","details":"Will not fix","product_ids":["rhel9:baz"]}]}])",
       {"rhel:9 baz will-not-fix", "rhel:9 foo fixed 1.0-3.el9"}},
      {"the source RPM of an advisory document is dropped",
       "RHSA-2024:0001",
       R"([{"cve":"CVE-2024-1","product_status":{"fixed":["rhel9:foo-src"]}}])",
       {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    core::Diagnostics diags;
    FeedBatch batch;
    DocumentParser parser;
    parser.parse(document(c.tracking_id, c.vulnerabilities), "t.json", batch, diags);
    EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
    std::vector<std::string> got;
    for (const auto& advisory : batch.advisories) {
      for (const auto& entry : advisory.affected) got.push_back(describe(entry));
    }
    EXPECT_EQ(got, c.want);
  }
}

TEST(Csaf, PerCveDocumentsGetThePublishersPrefix) {
  const std::string vulnerabilities =
      R"([{"cve":"CVE-2024-9","product_status":{"fixed":["rhel9:foo-src"]},
           "remediations":[{"category":"vendor_fix","date":"2024-03-01T00:00:00+00:00","product_ids":["rhel9:foo-src"]}]}])";
  struct Case {
    std::string publisher;
    std::string want_id;
  };
  for (const auto& c : {Case{"https://www.redhat.com", "REDHAT-CVE-2024-9"},
                        Case{"https://www.suse.com/", "SUSE-CVE-2024-9"},
                        Case{"https://example.org", "CSAF-CVE-2024-9"}}) {
    core::Diagnostics diags;
    auto advisory =
        parse_document(document("CVE-2024-9", vulnerabilities, "", c.publisher), "t", diags);
    ASSERT_TRUE(advisory.has_value()) << c.publisher;
    EXPECT_EQ(advisory->id, c.want_id);
    EXPECT_EQ(advisory->cves, std::vector<std::string>{"CVE-2024-9"});
    // Per-CVE documents keep source RPMs, and date the fix by its vendor_fix remediation.
    ASSERT_EQ(advisory->affected.size(), 1u);
    EXPECT_EQ(describe(advisory->affected[0]), "rhel:9 foo fixed 1.0-2.el9");
    EXPECT_EQ(advisory->published, "2024-03-01T00:00:00Z");
    EXPECT_EQ(advisory->modified, "2024-02-01T00:00:00Z");
  }
}

TEST(Csaf, BugFixAdvisoriesThatFixVulnerabilitiesStaySecurity) {
  core::Diagnostics diags;
  auto advisory = parse_document(
      document("RHBA-2024:0002",
               R"([{"cve":"CVE-2024-1","product_status":{"fixed":["rhel9:foo-2"]}}])"),
      "t", diags);
  ASSERT_TRUE(advisory.has_value());
  EXPECT_EQ(advisory->kind, core::AdvisoryKind::kSecurity);
  EXPECT_EQ(advisory->published, "2024-01-02T03:04:05Z");
  EXPECT_EQ(advisory->summary, "foo update");
}

TEST(Csaf, ModuleBuildsOfOneFixKeepTheLowest) {
  const std::string products =
      R"(,{"category":"product_version","product":{"product_id":"m1","product_identification_helper":{"purl":"pkg:rpm/redhat/nodejs@18.14.2-3.module%2Bel9.2.0%2B1%2Baaaa?arch=x86_64&epoch=1&rpmmod=nodejs:18:9020:aaaa"}}},
         {"category":"product_version","product":{"product_id":"m2","product_identification_helper":{"purl":"pkg:rpm/redhat/nodejs@18.14.2-3.module%2Bel9.0.0%2B9%2Bbbbb?arch=x86_64&epoch=1&rpmmod=nodejs:18:9000:bbbb"}}},
         {"category":"product_version","product":{"product_id":"m3","product_identification_helper":{"purl":"pkg:rpm/redhat/nodejs@18.15.0-1.module%2Bel9.2.0%2B5%2Bcccc?arch=x86_64&epoch=1&rpmmod=nodejs:18:9020:cccc"}}})";
  const std::string relationships =
      R"({"full_product_name":{"product_id":"rhel9:m1"},"product_reference":"m1","relates_to_product_reference":"rhel9"},
         {"full_product_name":{"product_id":"rhel9:m2"},"product_reference":"m2","relates_to_product_reference":"rhel9"},
         {"full_product_name":{"product_id":"rhel9:m3"},"product_reference":"m3","relates_to_product_reference":"rhel9"},)";
  auto with_modules = [&](const std::string& vulnerabilities) {
    std::string json = document("RHSA-2024:0003", vulnerabilities, products);
    const std::string marker = R"("relationships":[)";
    json.insert(json.find(marker) + marker.size(), relationships);
    return json;
  };
  core::Diagnostics diags;
  auto advisory = parse_document(
      with_modules(R"([{"cve":"CVE-2024-1","product_status":{"fixed":["rhel9:m1","rhel9:m2"]}},
                       {"cve":"CVE-2024-2","product_status":{"fixed":["rhel9:m3"]}}])"),
      "t", diags);
  ASSERT_TRUE(advisory.has_value());
  EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
  ASSERT_EQ(advisory->affected.size(), 1u);
  // 18.14.2-3 in two module builds collapses to the lower build; the later 18.15.0-1 fix of the
  // same advisory is higher still and wins.
  EXPECT_EQ(describe(advisory->affected[0]),
            "rhel:9 nodejs [nodejs:18] fixed 1:18.15.0-1.module+el9.2.0+5+cccc");

  // Without the later fix, the two builds of 18.14.2-3 give the lower one, in either order.
  for (const char* ids : {R"("rhel9:m1","rhel9:m2")", R"("rhel9:m2","rhel9:m1")"}) {
    advisory = parse_document(
        with_modules(std::string(R"([{"cve":"CVE-2024-1","product_status":{"fixed":[)") + ids +
                     "]}}]"),
        "t", diags);
    ASSERT_TRUE(advisory.has_value());
    EXPECT_EQ(describe(advisory->affected[0]),
              "rhel:9 nodejs [nodejs:18] fixed 1:18.14.2-3.module+el9.0.0+9+bbbb")
        << ids;
  }
}

TEST(Csaf, MalformedDocumentsAreDiagnostics) {
  struct Case {
    std::string json;
    std::string message_part;
  };
  const Case cases[] = {
      {"{", "malformed CSAF document"},
      {"[1,2]", "not a JSON object"},
      {R"({"product_tree":{}})", "no \"document\" object"},
      {R"({"document":{"tracking":{}}})", "no document.tracking.id"},
      {R"({"document":{"tracking":{"id":"RHSA-1"}},"vulnerabilities":{}})", "not an array"},
      {R"({"document":{"tracking":{"id":"RHSA-1"}},"vulnerabilities":[{"cve":"CVE-1","product_status":[]}]})",
       "product_status is not an object"},
      {R"({"document":{"tracking":{"id":"RHSA-1"}},"vulnerabilities":[{"cve":"CVE-1","product_status":{"fixed":"x"}}]})",
       "product_status.fixed is not an array"},
  };
  for (const auto& c : cases) {
    core::Diagnostics diags;
    EXPECT_FALSE(parse_document(c.json, "bad.json", diags).has_value()) << c.json;
    ASSERT_EQ(diags.size(), 1u) << c.json;
    EXPECT_NE(diags.items()[0].message.find(c.message_part), std::string::npos)
        << diags.items()[0].message;
    EXPECT_EQ(diags.items()[0].source, "bad.json");
  }
  // No vulnerabilities at all (found by fuzz_csaf: it used to walk a missing array): nothing
  // to say, no advisory, no diagnostic.
  {
    core::Diagnostics none;
    FeedBatch batch;
    DocumentParser parser;
    parser.parse(R"({"document":{"tracking":{"id":"RHSA-1"}},"product_tree":{}})", "t", batch,
                 none);
    EXPECT_TRUE(none.empty());
    EXPECT_TRUE(batch.advisories.empty());
    EXPECT_EQ(batch.skipped_ecosystems.at("csaf: no RPM products"), 1u);
  }
  // A fixed product without a version is reported and left out; the rest is kept.
  core::Diagnostics diags;
  auto advisory = parse_document(
      document("RHSA-2024:0004",
               R"([{"cve":"CVE-2024-1","product_status":{"fixed":["rhel8:bar","rhel9:foo-2"]}}])"),
      "t", diags);
  ASSERT_TRUE(advisory.has_value());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags.items()[0].message.find("names no version"), std::string::npos);
  EXPECT_EQ(diags.items()[0].record, "RHSA-2024:0004");
  EXPECT_EQ(advisory->affected.size(), 1u);
}

TEST(Csaf, DetectsDocumentsByContent) {
  EXPECT_TRUE(looks_like_csaf(R"({"document": {"csaf_version": "2.0"}})"));
  EXPECT_TRUE(looks_like_csaf(R"({"document": {"tracking": {}}, "product_tree": {}})"));
  EXPECT_FALSE(looks_like_csaf(R"({"id": "ALSA-2022:1", "affected": []})"));
  EXPECT_FALSE(looks_like_csaf(R"({"catalogVersion": "1", "vulnerabilities": []})"));
}

/// Writes a compressed tar archive, as SUSE publishes csaf.tar.bz2 and Canonical
/// osv-all.tar.xz.
void write_tarball(const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& members,
                   bool xz = false) {
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  if (xz) {
    archive_write_add_filter_xz(writer);
  } else {
    archive_write_add_filter_bzip2(writer);
  }
  ASSERT_EQ(archive_write_open_filename(writer, path.c_str()), ARCHIVE_OK);
  for (const auto& [name, content] : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_write_header(writer, entry);
    archive_write_data(writer, content.data(), content.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
}

TEST(Csaf, FeedInputsAreRecognisedByContent) {
  const std::string dir = fresh_dir();
  write_tarball(
      dir + "/csaf.tar.bz2",
      {{"csaf/suse-su-2016_1623-1.json",
        slurp(test_data("csaf/suse/openSUSE-SU-2016-1623-1.json"))},
       {"csaf/rhsa-2023_7207.json", slurp(test_data("csaf/redhat/RHSA-2023-7207.json"))}});
  write_tarball(dir + "/osv-all.tar.xz",
                {{"osv/usn/USN-7095-1.json", slurp(test_data("osv-samples/USN-7095-1.json"))}},
                true);
  write_zip(dir + "/csaf.zip",
            {{"CVE-2023-6238.json", slurp(test_data("csaf/redhat-vex/CVE-2023-6238.json"))}});
  const std::pair<std::string, InputKind> cases[] = {
      {test_data("csaf/redhat/RHSA-2023-7207.json"), InputKind::kCsaf},
      {test_data("csaf/redhat-vex"), InputKind::kCsafDirectory},
      {test_data("csaf/large-samples.tar.zst"), InputKind::kCsafArchive},
      {dir + "/csaf.tar.bz2", InputKind::kCsafArchive},
      {dir + "/csaf.zip", InputKind::kCsafArchive},
      // A compressed tarball of OSV records is read by the OSV archive reader.
      {dir + "/osv-all.tar.xz", InputKind::kOsvZip},
      // Other inputs keep their kinds.
      {test_data("osv-samples"), InputKind::kOsvDirectory},
      {test_data("osv-samples/USN-7095-1.json"), InputKind::kOsvJson},
  };
  for (const auto& [path, kind] : cases) {
    auto got = detect(path);
    ASSERT_TRUE(got.ok()) << path;
    EXPECT_EQ(static_cast<int>(*got), static_cast<int>(kind)) << path;
  }
  core::Diagnostics diags;
  auto batch = read_paths({dir + "/csaf.tar.bz2", dir + "/csaf.zip",
                           test_data("csaf/redhat/RHSA-2023-7207.json"), dir + "/osv-all.tar.xz"},
                          diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty());
  // RHSA-2023:7207 twice (archive and file) is kept once.
  ASSERT_EQ(batch->advisories.size(), 3u);
  EXPECT_EQ(batch->advisories[0].id, "RHSA-2023:7207");
  EXPECT_EQ(batch->advisories[1].id, "REDHAT-CVE-2023-6238");
  EXPECT_EQ(batch->advisories[2].id, "USN-7095-1");
  EXPECT_EQ(batch->duplicates, 1u);
  EXPECT_EQ(batch->advisories_per_release.at("rhel:8"), 2u);
}

}  // namespace
}  // namespace fleetpatch::feed::csaf
