#include "hoststate/host_report_json.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace fleetpatch::hoststate {
namespace {

core::HostReport full_report() {
  core::HostReport r;
  r.host = {"3d1219c7c4c5404aaa1f6d2a48adfda4", "web-1", {"prod", "eu"}};
  r.os = {"almalinux", "9.0", "AlmaLinux 9.0 (Emerald Puma)", {"rhel", "centos", "fedora"}, ""};
  r.kernel.running = "5.14.0-70.13.1.el9_0.x86_64";
  r.kernel.installed = {"5.14.0-70.13.1.el9_0.x86_64", "5.14.0-70.22.1.el9_0.x86_64"};
  r.kernel.reboot_required = true;
  r.kernel.livepatch = {{"kpatch_5_14_0_70_1_1", "kpatch", true, false, {"CVE-2022-0847"}}};
  r.package_format = core::PackageFormat::kRpm;
  r.packages = {
      {"openssl-libs", "1:3.0.1-41.el9_0", "x86_64", "openssl", "1:3.0.1-41.el9_0", std::nullopt},
      {"nodejs", "1:18.14.2-2.module_el9.1.0+1", "x86_64", "nodejs", "1:18.14.2-2.module_el9.1.0+1",
       "nodejs:18"}};
  r.listening = {{"tcp", "0.0.0.0", 443, 812, "/usr/sbin/nginx", "nginx", core::Exposure::kNetwork},
                 {"udp6", "::1", 323, std::nullopt, "", "", core::Exposure::kLocal}};
  r.pending_restart = {
      {812, "/usr/sbin/nginx", "nginx.service", {"/usr/lib64/libssl.so.3"}, {"openssl-libs"}}};
  r.collected_at = "2026-11-26T03:00:00Z";
  r.collector = "fleetpatch 0.1.0";
  return r;
}

TEST(HostReportJson, RoundTripsEveryField) {
  const core::HostReport original = full_report();
  for (const bool pretty : {true, false}) {
    SCOPED_TRACE(pretty ? "pretty" : "compact");
    const std::string text = to_json(original, pretty);
    const auto parsed = host_report_from_json(text, "mem");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(*parsed, original);
    EXPECT_EQ(to_json(*parsed, pretty), text);
  }
}

TEST(HostReportJson, RoundTripsEmptyReport) {
  const core::HostReport empty;
  const auto parsed = host_report_from_json(to_json(empty), "mem");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, empty);
}

TEST(HostReportJson, FieldNamesAndOrderAreTheContract) {
  const auto doc = nlohmann::ordered_json::parse(to_json(full_report(), false));
  auto keys = [](const nlohmann::ordered_json& object) {
    std::vector<std::string> out;
    for (const auto& item : object.items()) out.push_back(item.key());
    return out;
  };
  using Keys = std::vector<std::string>;
  EXPECT_EQ(keys(doc), (Keys{"schema", "host", "os", "kernel", "package_format", "packages",
                             "listening", "pending_restart", "collected_at", "collector"}));
  EXPECT_EQ(doc["schema"], "fleetpatch.host/1");
  EXPECT_EQ(keys(doc["host"]), (Keys{"id", "hostname", "tags"}));
  EXPECT_EQ(keys(doc["os"]), (Keys{"id", "version_id", "name", "id_like", "version_codename"}));
  EXPECT_EQ(keys(doc["kernel"]),
            (Keys{"running", "installed", "reboot_required", "reboot_required_by", "livepatch"}));
  EXPECT_EQ(keys(doc["kernel"]["livepatch"][0]),
            (Keys{"name", "tool", "enabled", "transition", "cves", "effective_kernel"}));
  EXPECT_EQ(keys(doc["packages"][0]), (Keys{"name", "version", "arch", "source", "module"}));
  EXPECT_EQ(keys(doc["packages"][0]["source"]), (Keys{"name", "version"}));
  EXPECT_TRUE(doc["packages"][0]["module"].is_null());
  EXPECT_EQ(doc["packages"][1]["module"], "nodejs:18");
  EXPECT_EQ(keys(doc["listening"][0]), (Keys{"proto", "address", "port", "pid", "exe", "package",
                                             "exposure", "mapped_packages"}));
  EXPECT_EQ(doc["listening"][0]["exposure"], "network");
  EXPECT_TRUE(doc["listening"][1]["pid"].is_null());
  EXPECT_EQ(keys(doc["pending_restart"][0]), (Keys{"pid", "exe", "unit", "files", "packages"}));
  EXPECT_EQ(doc["package_format"], "rpm");
}

TEST(HostReportJson, CompactOutputIsExact) {
  core::HostReport r;
  r.host.id = "h1";
  r.package_format = core::PackageFormat::kDpkg;
  r.packages = {{"bash", "5.2.15-2+b2", "amd64", "bash", "5.2.15-2", std::nullopt}};
  r.collected_at = "2026-01-02T03:04:05Z";
  r.collector = "fleetpatch 0.1.0";
  EXPECT_EQ(
      to_json(r, false),
      R"({"schema":"fleetpatch.host/1","host":{"id":"h1","hostname":"","tags":[]},)"
      R"("os":{"id":"","version_id":"","name":"","id_like":[],"version_codename":""},)"
      R"("kernel":{"running":"","installed":[],"reboot_required":false,"reboot_required_by":[],)"
      R"("livepatch":[]},)"
      R"("package_format":"dpkg","packages":[{"name":"bash","version":"5.2.15-2+b2",)"
      R"("arch":"amd64","source":{"name":"bash","version":"5.2.15-2"},"module":null}],)"
      R"("listening":[],"pending_restart":[],"collected_at":"2026-01-02T03:04:05Z",)"
      R"("collector":"fleetpatch 0.1.0"})");
}

TEST(HostReportJson, ParsesTheArchitectureExample) {
  // The example of ../shared/ARCHITECTURE.md, verbatim.
  const std::string example = R"({"schema": "fleetpatch.host/1",
 "host": {"id": "machine-id or given", "hostname": "web-1", "tags": ["prod"]},
 "os": {"id": "almalinux", "version_id": "9.0", "name": "AlmaLinux 9.0"},
 "kernel": {"running": "5.14.0-70.13.1.el9_0.x86_64", "installed": ["..."], "reboot_required": false,
            "livepatch": [{"name": "kpatch_5_14_0_70_1_1", "tool": "kpatch", "enabled": true,
                           "transition": false, "cves": ["CVE-2022-0847"]}]},
 "packages": [{"name": "openssl-libs", "version": "1:3.0.1-41.el9_0", "arch": "x86_64",
               "source": {"name": "openssl", "version": "1:3.0.1-41.el9_0"}, "module": null}],
 "listening": [{"proto": "tcp", "address": "0.0.0.0", "port": 443, "pid": 812,
                "exe": "/usr/sbin/nginx", "package": "nginx", "exposure": "network"}],
 "pending_restart": [{"pid": 812, "exe": "/usr/sbin/nginx", "unit": "nginx.service",
                      "files": ["/usr/lib64/libssl.so.3"], "packages": ["openssl-libs"]}],
 "collected_at": "2026-11-26T03:00:00Z", "collector": "fleetpatch 0.1.0"})";
  const auto parsed = host_report_from_json(example, "ARCHITECTURE.md");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->host.hostname, "web-1");
  EXPECT_EQ(parsed->os.id, "almalinux");
  EXPECT_EQ(parsed->kernel.livepatch.at(0).cves, std::vector<std::string>{"CVE-2022-0847"});
  ASSERT_EQ(parsed->packages.size(), 1u);
  EXPECT_EQ(parsed->packages[0].source_name, "openssl");
  EXPECT_EQ(parsed->packages[0].module, std::nullopt);
  EXPECT_EQ(parsed->listening.at(0).pid, 812);
  EXPECT_EQ(parsed->listening.at(0).exposure, core::Exposure::kNetwork);
  EXPECT_EQ(parsed->pending_restart.at(0).unit, "nginx.service");
  // package_format is absent from the example: unknown.
  EXPECT_EQ(parsed->package_format, core::PackageFormat::kUnknown);
}

TEST(HostReportJson, IgnoresUnknownMembersAndTreatsNullAsAbsent) {
  const auto parsed = host_report_from_json(
      R"({"schema":"fleetpatch.host/1","future":{"x":1},"host":{"id":"h","hostname":null,"new":2},
          "os":null,"packages":[{"name":"a","version":"1","extra":[1,2],"module":null}]})",
      "mem");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->host.id, "h");
  EXPECT_EQ(parsed->host.hostname, "");
  ASSERT_EQ(parsed->packages.size(), 1u);
  EXPECT_EQ(parsed->packages[0].name, "a");
}

TEST(HostReportJson, PackageMembersLastDuplicateWinsAlsoInLongObjects) {
  // Package members are read once into a small table (16 members); longer objects fall back to
  // walking the object. Both must give the same answers: the last duplicate wins, null is absent.
  for (const int extra : {0, 5, 14, 15, 16, 17, 40}) {
    std::string text = R"({"schema":"fleetpatch.host/1","host":{"id":"h"},"packages":[{)";
    for (int i = 0; i < extra; ++i)
      text += "\"x" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    text += R"("name":"a","version":"1","version":"2","arch":"x86_64","arch":null,)";
    text += R"("source":{"name":"s","name":"t"},"install_time":5}]})";
    const auto parsed = host_report_from_json(text, "mem");
    ASSERT_TRUE(parsed.ok()) << extra << ": " << parsed.error().message;
    ASSERT_EQ(parsed->packages.size(), 1u);
    const auto& p = parsed->packages[0];
    EXPECT_EQ(p.name, "a") << extra;
    EXPECT_EQ(p.version, "2") << extra;
    EXPECT_EQ(p.arch, "") << extra;
    EXPECT_EQ(p.source_name, "t") << extra;
    EXPECT_EQ(p.install_time, 5) << extra;
  }
}

TEST(HostReportJson, ReplacesInvalidUtf8InsteadOfThrowing) {
  core::HostReport r;
  r.packages = {{"bad\xff name", "1", "", "", "", std::nullopt}};
  std::string text;
  ASSERT_NO_THROW(text = to_json(r));
  EXPECT_TRUE(host_report_from_json(text, "mem").ok());
}

struct ErrorCase {
  const char* name;
  std::string json;
  std::string expected;  // must appear in the message, after the source name
  core::ErrorCode code = core::ErrorCode::kInvalidArgument;
};

std::vector<ErrorCase> error_cases() {
  const std::string head = R"("schema":"fleetpatch.host/1","host":{"id":"h"})";
  return {
      {"not json", "{\"schema\": ", "not valid JSON"},
      {"not an object", "[1,2]", "/: expected an object, got array"},
      {"no schema", R"({"host":{"id":"h"},"packages":[]})", "/schema: missing"},
      {"schema not string", R"({"schema":1})", "/schema: expected a string, got integer"},
      {"future schema", R"({"schema":"fleetpatch.host/2","host":{"id":"h"},"packages":[]})",
       "unsupported schema \"fleetpatch.host/2\"", core::ErrorCode::kUnsupported},
      {"other schema", R"({"schema":"fleetpatch.scan/1"})", "unsupported schema",
       core::ErrorCode::kUnsupported},
      {"no host", R"({"schema":"fleetpatch.host/1","packages":[]})", "/host: missing required"},
      {"host id", R"({"schema":"fleetpatch.host/1","host":{},"packages":[]})",
       "/host/id: missing required"},
      {"tag type", R"({"schema":"fleetpatch.host/1","host":{"id":"h","tags":["a",2]}})",
       "/host/tags/1: expected a string, got integer"},
      {"no packages", "{" + head + "}", "/packages: missing required"},
      {"packages type", "{" + head + R"(,"packages":{}})", "/packages: expected an array"},
      {"package item", "{" + head + R"(,"packages":[{"name":"a","version":"1"},"b"]})",
       "/packages/1: expected an object, got string"},
      {"package version",
       "{" + head + R"(,"packages":[{"name":"a","version":"1"},)" + R"({"name":"b","version":3}]})",
       "/packages/1/version: expected a string, got integer"},
      {"package name", "{" + head + R"(,"packages":[{"version":"1"}]})",
       "/packages/0/name: missing required member"},
      {"source type", "{" + head + R"(,"packages":[{"name":"a","version":"1","source":"x"}]})",
       "/packages/0/source: expected an object"},
      {"source version",
       "{" + head + R"(,"packages":[{"name":"a","version":"1","source":{"version":1.5}}]})",
       "/packages/0/source/version: expected a string, got number"},
      {"module type", "{" + head + R"(,"packages":[{"name":"a","version":"1","module":[]}]})",
       "/packages/0/module: expected a string or null, got array"},
      {"package format", "{" + head + R"(,"package_format":"pacman","packages":[]})",
       "/package_format: unknown package format \"pacman\""},
      {"reboot type", "{" + head + R"(,"kernel":{"reboot_required":"yes"},"packages":[]})",
       "/kernel/reboot_required: expected true or false, got string"},
      {"livepatch cves",
       "{" + head + R"(,"kernel":{"livepatch":[{"name":"k","cves":["CVE-1",null]}]},)" +
           R"("packages":[]})",
       "/kernel/livepatch/0/cves/1: expected a string, got null"},
      {"port range", "{" + head + R"(,"packages":[],"listening":[{"proto":"tcp","port":70000}]})",
       "/listening/0/port: integer 70000 out of range [0, 65535]"},
      {"port missing", "{" + head + R"(,"packages":[],"listening":[{"proto":"tcp"}]})",
       "/listening/0/port: missing required member"},
      {"pid float",
       "{" + head + R"(,"packages":[],"listening":[{"proto":"tcp","port":1,"pid":1.5}]})",
       "/listening/0/pid: expected an integer, got number"},
      {"pid huge",
       "{" + head +
           R"(,"packages":[],"listening":[{"proto":"tcp","port":1,"pid":18446744073709551615}]})",
       "/listening/0/pid: integer out of range"},
      {"exposure",
       "{" + head + R"(,"packages":[],"listening":[{"proto":"tcp","port":1,)" +
           R"("exposure":"internet"}]})",
       "/listening/0/exposure: unknown exposure \"internet\""},
      {"restart pid", "{" + head + R"(,"packages":[],"pending_restart":[{"pid":-1}]})",
       "/pending_restart/0/pid: integer -1 out of range"},
      {"collected_at", "{" + head + R"(,"packages":[],"collected_at":"yesterday"})",
       "/collected_at: invalid timestamp 'yesterday'"},
  };
}

TEST(HostReportJson, ErrorsNameTheSourceAndThePointer) {
  for (const auto& c : error_cases()) {
    SCOPED_TRACE(c.name);
    const auto parsed = host_report_from_json(c.json, "reports/web-1.json");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, c.code);
    const std::string& message = parsed.error().message;
    EXPECT_EQ(message.rfind("reports/web-1.json: ", 0), 0u) << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
}

// ---- parsing into a reused report (host_report_from_json_into) --------------------------------

core::Package package(int i, bool rich) {
  core::Package p;
  p.name = "package-with-a-longer-name-" + std::to_string(i);
  p.version = std::to_string(i) + ".2.3-4.el9_" + std::to_string(i % 7);
  if (!rich) return p;  // no arch, no source, no module, no install time
  p.arch = i % 3 == 0 ? "noarch" : "x86_64";
  p.source_name = "source-package-" + std::to_string(i / 2);
  p.source_version = "1:" + p.version;
  if (i % 4 == 0) p.module = "module-stream-name:" + std::to_string(i);
  if (i % 5 != 0) p.install_time = 1700000000 + i;
  return p;
}

/// Sets every field of core::HostReport, most of them to long (heap-allocated) strings: a field
/// added to the report and not set here is one the reuse tests below do not guard.
core::HostReport rich_report() {
  core::HostReport r = full_report();
  r.host.tags = {"production-web-tier", "eu-west-1", "pci-dss-scope"};
  r.os.version_codename = "emerald-puma-codename";
  r.kernel.reboot_required_by = {"kernel-core-5.14.0-70.22.1.el9_0", "glibc-2.34-28.el9_0"};
  r.kernel.livepatch = {{"kpatch_5_14_0_70_1_1",
                         "kpatch",
                         true,
                         true,
                         {"CVE-2022-0847", "CVE-2022-0185"},
                         "5.14.0-70.22.1.el9_0.x86_64"},
                        {"livepatch-second-one", "kernelcare", true, false, {"CVE-2021-4154"}, ""}};
  r.packages.clear();
  for (int i = 0; i < 40; ++i) r.packages.push_back(package(i, true));
  r.listening = {{"tcp",
                  "0.0.0.0",
                  443,
                  812,
                  "/usr/sbin/nginx-long-executable-path",
                  "nginx",
                  core::Exposure::kNetwork,
                  {"nginx-core-package", "openssl-libs-package"}},
                 {"udp6", "::1", 323, std::nullopt, "", "", core::Exposure::kLocal, {}},
                 {"tcp6",
                  "::",
                  22,
                  1,
                  "/usr/sbin/sshd",
                  "openssh-server",
                  core::Exposure::kNetwork,
                  {"openssh-server"}}};
  r.pending_restart = {{812,
                        "/usr/sbin/nginx-long-executable-path",
                        "nginx.service",
                        {"/usr/lib64/libssl.so.3.0.1-long", "/usr/lib64/libcrypto.so.3"},
                        {"openssl-libs"}},
                       {4242, "/usr/bin/python3.9", "", {"/usr/lib64/libz.so.1"}, {}}};
  return r;
}

/// The other extreme: every optional part empty or unset, fewer packages, none with optional
/// members.
core::HostReport sparse_report() {
  core::HostReport r;
  r.host.id = "sparse";
  r.package_format = core::PackageFormat::kDpkg;
  for (int i = 0; i < 7; ++i) r.packages.push_back(package(i, false));
  return r;
}

/// More packages than rich_report, a different livepatch, no listening sockets.
core::HostReport bigger_report() {
  core::HostReport r = full_report();
  r.host.tags = {"one"};
  r.kernel.livepatch = {{"klp_patch_x", "klp", false, true, {}, "6.1.0-18-amd64"}};
  r.kernel.reboot_required = false;
  r.packages.clear();
  for (int i = 0; i < 90; ++i) r.packages.push_back(package(i + 1, i % 2 == 0));
  r.listening.clear();
  r.pending_restart = {{1, "", "", {}, {"bash"}}};
  r.collected_at = "";
  r.collector = "";
  return r;
}

/// Inputs to parse one after another into the same report: the serialised reports above, and
/// texts to_json never writes, where members are absent or null (each of which must reset the
/// field a previous report set).
std::vector<std::pair<std::string, std::string>> reuse_inputs() {
  return {
      {"rich", to_json(rich_report(), false)},
      {"sparse", to_json(sparse_report(), false)},
      {"bigger", to_json(bigger_report(), true)},
      {"empty", to_json(core::HostReport{}, false)},
      {"absent members",
       R"({"schema":"fleetpatch.host/1","host":{"id":"h"},"packages":[{"name":"a","version":"1"},)"
       R"({"name":"b","version":"2","source":{}}],"listening":[{"proto":"tcp","port":1}],)"
       R"("pending_restart":[{"pid":2}]})"},
      {"null members",
       R"({"schema":"fleetpatch.host/1","host":{"id":"h","hostname":null,"tags":null},"os":null,)"
       R"("kernel":{"running":null,"livepatch":[{"name":"k","tool":null,"enabled":null,)"
       R"("cves":null}]},"packages":[{"name":"a","version":"1","arch":null,"source":null,)"
       R"("module":null,"install_time":null}],"listening":[{"proto":"udp","port":2,"pid":null,)"
       R"("mapped_packages":null,"exposure":null}],"pending_restart":null,"collected_at":null,)"
       R"("collector":null})"},
      {"kernel without lists",
       R"({"schema":"fleetpatch.host/1","host":{"id":"h"},"kernel":{"reboot_required":true},)"
       R"("packages":[],"os":{"id":"alpine"}})"},
  };
}

TEST(HostReportJsonInto, AnyReportThenAnotherEqualsTheOtherParsedFresh) {
  const auto inputs = reuse_inputs();
  for (const auto& [first_name, first] : inputs) {
    for (const auto& [second_name, second] : inputs) {
      SCOPED_TRACE(std::string(first_name).append(" then ").append(second_name));
      const auto fresh = host_report_from_json(second, "mem");
      ASSERT_TRUE(fresh.ok()) << fresh.error().message;
      core::HostReport reused;
      ASSERT_TRUE(host_report_from_json_into(first, "mem", reused).ok());
      const auto status = host_report_from_json_into(second, "mem", reused);
      ASSERT_TRUE(status.ok()) << status.error().message;
      EXPECT_EQ(reused, *fresh);
      EXPECT_EQ(to_json(reused), to_json(*fresh));
    }
  }
}

TEST(HostReportJsonInto, ReusedReportKeepsTheRoundTrip) {
  // The same object through every input twice in a row: each parse equals its fresh parse.
  core::HostReport reused;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [name, text] : reuse_inputs()) {
      SCOPED_TRACE(name + " pass " + std::to_string(pass));
      ASSERT_TRUE(host_report_from_json_into(text, "mem", reused).ok());
      EXPECT_EQ(reused, *host_report_from_json(text, "mem"));
    }
  }
  ASSERT_TRUE(host_report_from_json_into(to_json(rich_report()), "mem", reused).ok());
  EXPECT_EQ(reused, rich_report());
}

TEST(HostReportJsonInto, FailedParseGivesTheSameErrorAndTheNextParseIsClean) {
  // Errors after part of the report was overwritten: deep in a longer package list, in a
  // livepatch, in a socket, at the very end.
  std::vector<ErrorCase> cases = error_cases();
  auto broken = [](const std::function<void(nlohmann::json&)>& edit) {
    auto doc = nlohmann::json::parse(to_json(rich_report()));
    edit(doc);
    return doc.dump();
  };
  cases.push_back({"late package", broken([](auto& d) { d["packages"][35]["arch"] = 1; }),
                   "/packages/35/arch: expected a string, got integer"});
  cases.push_back({"late livepatch",
                   broken([](auto& d) { d["kernel"]["livepatch"][1]["cves"] = 2; }),
                   "/kernel/livepatch/1/cves: expected an array of strings, got integer"});
  cases.push_back({"late socket", broken([](auto& d) { d["listening"][2]["exposure"] = "wide"; }),
                   "/listening/2/exposure: unknown exposure \"wide\""});
  cases.push_back({"restart file",
                   broken([](auto& d) { d["pending_restart"][1]["files"][0] = {}; }),
                   "/pending_restart/1/files/0: expected a string, got null"});
  cases.push_back({"collected_at", broken([](auto& d) { d["collected_at"] = "soon"; }),
                   "/collected_at: invalid timestamp 'soon'"});
  const std::string good = to_json(sparse_report());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto fresh = host_report_from_json(c.json, "reports/web-1.json");
    ASSERT_FALSE(fresh.ok());
    EXPECT_NE(fresh.error().message.find(c.expected), std::string::npos) << fresh.error().message;
    core::HostReport reused = rich_report();
    const auto status = host_report_from_json_into(c.json, "reports/web-1.json", reused);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, fresh.error().code);
    EXPECT_EQ(status.error().message, fresh.error().message);
    ASSERT_TRUE(host_report_from_json_into(good, "mem", reused).ok());
    EXPECT_EQ(reused, sparse_report());
  }
}

}  // namespace
}  // namespace fleetpatch::hoststate
