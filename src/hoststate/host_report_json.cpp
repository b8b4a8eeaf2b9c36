#include "hoststate/host_report_json.hpp"

#include <cstdint>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace fleetpatch::hoststate {

namespace {

// ordered_json keeps the members in the order written here, the order docs/host-report.md shows,
// so the output is deterministic and reads top-down (schema first, packages after identity).
using OrderedJson = nlohmann::ordered_json;
using Json = nlohmann::json;

std::string_view exposure_name(core::Exposure exposure) {
  switch (exposure) {
    case core::Exposure::kLocal:
      return "local";
    case core::Exposure::kNetwork:
      return "network";
    case core::Exposure::kNone:
      break;
  }
  return "none";
}

OrderedJson string_array(const std::vector<std::string>& items) {
  OrderedJson out = OrderedJson::array();
  for (const auto& item : items) out.push_back(item);
  return out;
}

OrderedJson to_ordered_json(const core::HostReport& report) {
  OrderedJson out;
  out["schema"] = core::kHostReportSchema;
  out["host"] = {{"id", report.host.id},
                 {"hostname", report.host.hostname},
                 {"tags", string_array(report.host.tags)}};
  out["os"] = {{"id", report.os.id},
               {"version_id", report.os.version_id},
               {"name", report.os.name},
               {"id_like", string_array(report.os.id_like)},
               {"version_codename", report.os.version_codename}};
  OrderedJson livepatch = OrderedJson::array();
  for (const auto& lp : report.kernel.livepatch) {
    livepatch.push_back({{"name", lp.name},
                         {"tool", lp.tool},
                         {"enabled", lp.enabled},
                         {"transition", lp.transition},
                         {"cves", string_array(lp.cves)},
                         {"effective_kernel", lp.effective_kernel}});
  }
  out["kernel"] = {{"running", report.kernel.running},
                   {"installed", string_array(report.kernel.installed)},
                   {"reboot_required", report.kernel.reboot_required},
                   {"reboot_required_by", string_array(report.kernel.reboot_required_by)},
                   {"livepatch", std::move(livepatch)}};
  out["package_format"] = core::to_string(report.package_format);
  OrderedJson packages = OrderedJson::array();
  for (const auto& p : report.packages) {
    OrderedJson pkg = {{"name", p.name},
                       {"version", p.version},
                       {"arch", p.arch},
                       {"source", {{"name", p.source_name}, {"version", p.source_version}}}};
    pkg["module"] = p.module ? OrderedJson(*p.module) : OrderedJson(nullptr);
    // Only RPM records it; written when known rather than as hundreds of nulls.
    if (p.install_time) pkg["install_time"] = *p.install_time;
    packages.push_back(std::move(pkg));
  }
  out["packages"] = std::move(packages);
  OrderedJson listening = OrderedJson::array();
  for (const auto& s : report.listening) {
    OrderedJson sock = {{"proto", s.proto}, {"address", s.address}, {"port", s.port}};
    sock["pid"] = s.pid ? OrderedJson(*s.pid) : OrderedJson(nullptr);
    sock["exe"] = s.exe;
    sock["package"] = s.package;
    sock["exposure"] = exposure_name(s.exposure);
    sock["mapped_packages"] = string_array(s.mapped_packages);
    listening.push_back(std::move(sock));
  }
  out["listening"] = std::move(listening);
  OrderedJson pending = OrderedJson::array();
  for (const auto& r : report.pending_restart) {
    pending.push_back({{"pid", r.pid},
                       {"exe", r.exe},
                       {"unit", r.unit},
                       {"files", string_array(r.files)},
                       {"packages", string_array(r.packages)}});
  }
  out["pending_restart"] = std::move(pending);
  out["collected_at"] = report.collected_at;
  out["collector"] = report.collector;
  return out;
}

// ---- parsing ----------------------------------------------------------------------------------
//
// The reader walks the document by hand instead of using nlohmann's from_json so that every
// error can name the exact JSON pointer of the offending value. Unknown members are ignored
// (fields may be added in later producers of fleetpatch.host/1); a known member with the wrong
// type is an error. `null` counts as absent for optional members.

std::string type_name(const Json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number_float()) return "number";
  return value.type_name();
}

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  core::Error error(const std::string& pointer, const std::string& what) const {
    return core::invalid_argument(std::string(source_) + ": " + (pointer.empty() ? "/" : pointer) +
                                  ": " + what);
  }
  core::Error type_error(const std::string& pointer, std::string_view expected,
                         const Json& got) const {
    return error(pointer, "expected " + std::string(expected) + ", got " + type_name(got));
  }

  // Each reader returns an error, or nullopt on success. A missing optional member leaves `out`
  // as it is.
  std::optional<core::Error> object(const Json& value, const std::string& pointer) const {
    if (!value.is_object()) return type_error(pointer, "an object", value);
    return std::nullopt;
  }

  std::optional<core::Error> string(const Json& parent, const std::string& pointer, const char* key,
                                    std::string& out, bool required) const {
    const std::string here = pointer + "/" + key;
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) {
      if (required) return error(here, "missing required member");
      return std::nullopt;
    }
    if (!it->is_string()) return type_error(here, "a string", *it);
    out = it->get<std::string>();
    return std::nullopt;
  }

  std::optional<core::Error> boolean(const Json& parent, const std::string& pointer,
                                     const char* key, bool& out) const {
    const std::string here = pointer + "/" + key;
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) return type_error(here, "true or false", *it);
    out = it->get<bool>();
    return std::nullopt;
  }

  // Integers in [min, max]; returns whether the member was present.
  std::optional<core::Error> integer(const Json& parent, const std::string& pointer,
                                     const char* key, std::int64_t min, std::int64_t max,
                                     std::optional<std::int64_t>& out) const {
    const std::string here = pointer + "/" + key;
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) return type_error(here, "an integer", *it);
    std::int64_t value = 0;
    if (it->is_number_unsigned()) {
      const auto u = it->get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return error(here, "integer out of range");
      }
      value = static_cast<std::int64_t>(u);
    } else {
      value = it->get<std::int64_t>();
    }
    if (value < min || value > max) {
      return error(here, "integer " + std::to_string(value) + " out of range [" +
                             std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    out = value;
    return std::nullopt;
  }

  std::optional<core::Error> strings(const Json& parent, const std::string& pointer,
                                     const char* key, std::vector<std::string>& out) const {
    const std::string here = pointer + "/" + key;
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return std::nullopt;
    if (!it->is_array()) return type_error(here, "an array of strings", *it);
    out.clear();
    out.reserve(it->size());
    for (std::size_t i = 0; i < it->size(); ++i) {
      const Json& item = (*it)[i];
      if (!item.is_string()) {
        return type_error(here + "/" + std::to_string(i), "a string", item);
      }
      out.push_back(item.get<std::string>());
    }
    return std::nullopt;
  }

  // Calls `read_item(item, item_pointer)` for each element of an optional (or required) array.
  template <typename ReadItem>
  std::optional<core::Error> array(const Json& parent, const std::string& pointer, const char* key,
                                   bool required, ReadItem read_item) const {
    const std::string here = pointer + "/" + key;
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) {
      if (required) return error(here, "missing required member");
      return std::nullopt;
    }
    if (!it->is_array()) return type_error(here, "an array", *it);
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string item_pointer = here + "/" + std::to_string(i);
      const Json& item = (*it)[i];
      if (auto e = object(item, item_pointer)) return e;
      if (auto e = read_item(item, item_pointer)) return e;
    }
    return std::nullopt;
  }

  // Finds an optional nested object; nullptr when absent.
  std::optional<core::Error> member_object(const Json& parent, const std::string& pointer,
                                           const char* key, bool required, const Json*& out) const {
    const std::string here = pointer + "/" + key;
    out = nullptr;
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) {
      if (required) return error(here, "missing required member");
      return std::nullopt;
    }
    if (auto e = object(*it, here)) return e;
    out = &*it;
    return std::nullopt;
  }

 private:
  std::string_view source_;
};

std::optional<core::Error> read_report(const Reader& r, const Json& doc, core::HostReport& out) {
  if (auto e = r.object(doc, "")) return e;
  const auto schema = doc.find("schema");
  if (schema == doc.end()) {
    return r.error("/schema", "missing; not a fleetpatch host report (expected \"schema\": \"" +
                                  std::string(core::kHostReportSchema) + "\")");
  }
  if (!schema->is_string()) return r.type_error("/schema", "a string", *schema);
  if (schema->get<std::string>() != core::kHostReportSchema) {
    return core::unsupported(r.error("/schema", "unsupported schema \"" +
                                                    schema->get<std::string>() +
                                                    "\"; this fleetpatch reads \"" +
                                                    std::string(core::kHostReportSchema) + "\"")
                                 .message);
  }

  const Json* host = nullptr;
  if (auto e = r.member_object(doc, "", "host", true, host)) return e;
  if (auto e = r.string(*host, "/host", "id", out.host.id, true)) return e;
  if (auto e = r.string(*host, "/host", "hostname", out.host.hostname, false)) return e;
  if (auto e = r.strings(*host, "/host", "tags", out.host.tags)) return e;

  const Json* os = nullptr;
  if (auto e = r.member_object(doc, "", "os", false, os)) return e;
  if (os != nullptr) {
    if (auto e = r.string(*os, "/os", "id", out.os.id, false)) return e;
    if (auto e = r.string(*os, "/os", "version_id", out.os.version_id, false)) return e;
    if (auto e = r.string(*os, "/os", "name", out.os.name, false)) return e;
    if (auto e = r.strings(*os, "/os", "id_like", out.os.id_like)) return e;
    if (auto e = r.string(*os, "/os", "version_codename", out.os.version_codename, false)) {
      return e;
    }
  }

  const Json* kernel = nullptr;
  if (auto e = r.member_object(doc, "", "kernel", false, kernel)) return e;
  if (kernel != nullptr) {
    if (auto e = r.string(*kernel, "/kernel", "running", out.kernel.running, false)) return e;
    if (auto e = r.strings(*kernel, "/kernel", "installed", out.kernel.installed)) return e;
    if (auto e = r.boolean(*kernel, "/kernel", "reboot_required", out.kernel.reboot_required)) {
      return e;
    }
    if (auto e =
            r.strings(*kernel, "/kernel", "reboot_required_by", out.kernel.reboot_required_by)) {
      return e;
    }
    auto read_livepatch = [&](const Json& item,
                              const std::string& p) -> std::optional<core::Error> {
      core::Livepatch lp;
      if (auto e = r.string(item, p, "name", lp.name, true)) return e;
      if (auto e = r.string(item, p, "tool", lp.tool, false)) return e;
      if (auto e = r.boolean(item, p, "enabled", lp.enabled)) return e;
      if (auto e = r.boolean(item, p, "transition", lp.transition)) return e;
      if (auto e = r.strings(item, p, "cves", lp.cves)) return e;
      if (auto e = r.string(item, p, "effective_kernel", lp.effective_kernel, false)) return e;
      out.kernel.livepatch.push_back(std::move(lp));
      return std::nullopt;
    };
    if (auto e = r.array(*kernel, "/kernel", "livepatch", false, read_livepatch)) return e;
  }

  std::string format = "unknown";
  if (auto e = r.string(doc, "", "package_format", format, false)) return e;
  out.package_format = core::package_format_from_string(format);
  if (out.package_format == core::PackageFormat::kUnknown && format != "unknown") {
    return r.error("/package_format", "unknown package format \"" + format +
                                          "\" (expected dpkg, rpm, apk or unknown)");
  }

  auto read_package = [&](const Json& item, const std::string& p) -> std::optional<core::Error> {
    core::Package pkg;
    if (auto e = r.string(item, p, "name", pkg.name, true)) return e;
    if (auto e = r.string(item, p, "version", pkg.version, true)) return e;
    if (auto e = r.string(item, p, "arch", pkg.arch, false)) return e;
    const Json* source = nullptr;
    if (auto e = r.member_object(item, p, "source", false, source)) return e;
    if (source != nullptr) {
      if (auto e = r.string(*source, p + "/source", "name", pkg.source_name, false)) return e;
      if (auto e = r.string(*source, p + "/source", "version", pkg.source_version, false)) {
        return e;
      }
    }
    const auto module = item.find("module");
    if (module != item.end() && !module->is_null()) {
      if (!module->is_string()) return r.type_error(p + "/module", "a string or null", *module);
      pkg.module = module->get<std::string>();
    }
    if (auto e = r.integer(item, p, "install_time", 0, std::numeric_limits<std::int64_t>::max(),
                           pkg.install_time)) {
      return e;
    }
    out.packages.push_back(std::move(pkg));
    return std::nullopt;
  };
  if (auto e = r.array(doc, "", "packages", true, read_package)) return e;

  auto read_socket = [&](const Json& item, const std::string& p) -> std::optional<core::Error> {
    core::ListeningSocket sock;
    if (auto e = r.string(item, p, "proto", sock.proto, true)) return e;
    if (auto e = r.string(item, p, "address", sock.address, false)) return e;
    std::optional<std::int64_t> port;
    if (auto e = r.integer(item, p, "port", 0, 65535, port)) return e;
    if (!port) return r.error(p + "/port", "missing required member");
    sock.port = static_cast<std::uint16_t>(*port);
    if (auto e = r.integer(item, p, "pid", 0, std::numeric_limits<std::int64_t>::max(), sock.pid)) {
      return e;
    }
    if (auto e = r.string(item, p, "exe", sock.exe, false)) return e;
    if (auto e = r.string(item, p, "package", sock.package, false)) return e;
    if (auto e = r.strings(item, p, "mapped_packages", sock.mapped_packages)) return e;
    std::string exposure = "none";
    if (auto e = r.string(item, p, "exposure", exposure, false)) return e;
    if (exposure == "none") {
      sock.exposure = core::Exposure::kNone;
    } else if (exposure == "local") {
      sock.exposure = core::Exposure::kLocal;
    } else if (exposure == "network") {
      sock.exposure = core::Exposure::kNetwork;
    } else {
      return r.error(p + "/exposure",
                     "unknown exposure \"" + exposure + "\" (expected none, local or network)");
    }
    out.listening.push_back(std::move(sock));
    return std::nullopt;
  };
  if (auto e = r.array(doc, "", "listening", false, read_socket)) return e;

  auto read_pending = [&](const Json& item, const std::string& p) -> std::optional<core::Error> {
    core::PendingRestart restart;
    std::optional<std::int64_t> pid;
    if (auto e = r.integer(item, p, "pid", 0, std::numeric_limits<std::int64_t>::max(), pid)) {
      return e;
    }
    if (!pid) return r.error(p + "/pid", "missing required member");
    restart.pid = *pid;
    if (auto e = r.string(item, p, "exe", restart.exe, false)) return e;
    if (auto e = r.string(item, p, "unit", restart.unit, false)) return e;
    if (auto e = r.strings(item, p, "files", restart.files)) return e;
    if (auto e = r.strings(item, p, "packages", restart.packages)) return e;
    out.pending_restart.push_back(std::move(restart));
    return std::nullopt;
  };
  if (auto e = r.array(doc, "", "pending_restart", false, read_pending)) return e;

  if (auto e = r.string(doc, "", "collected_at", out.collected_at, false)) return e;
  if (!out.collected_at.empty()) {
    const auto parsed = core::parse_rfc3339(out.collected_at);
    if (!parsed.ok()) return r.error("/collected_at", parsed.error().message);
  }
  if (auto e = r.string(doc, "", "collector", out.collector, false)) return e;
  return std::nullopt;
}

}  // namespace

std::string to_json(const core::HostReport& report, bool pretty) {
  // Package data comes from files on the host and need not be valid UTF-8; replace bad bytes
  // rather than throw, so a report of a host with an odd package name still prints.
  return to_ordered_json(report).dump(pretty ? 2 : -1, ' ', false,
                                      OrderedJson::error_handler_t::replace);
}

core::Result<core::HostReport> host_report_from_json(std::string_view text,
                                                     std::string_view source_name) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    // nlohmann's message already says where ("at line 3, column 7").
    return core::invalid_argument(std::string(source_name) + ": not valid JSON: " + e.what());
  }
  const Reader reader(source_name);
  core::HostReport report;
  if (auto e = read_report(reader, doc, report)) return std::move(*e);
  return report;
}

}  // namespace fleetpatch::hoststate
