#include "hoststate/host_report_json.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace fleetpatch::hoststate {

namespace {

// ordered_json keeps the members in the order written here, the order docs/host-report.md shows,
// so the output is deterministic and reads top-down (schema first, packages after identity).
using OrderedJson = nlohmann::ordered_json;

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
// The reader walks a simdjson DOM by hand so that every error can name the exact JSON pointer of
// the offending value. simdjson rather than nlohmann because the fleet server parses thousands of
// reports a second and nlohmann's parse alone cost ~1 ms per 600-package report. The DOM (not
// on-demand) API keeps the old behaviour: the whole text is validated first, so malformed JSON is
// always reported as such, never as a schema error found before the syntax error. Unknown members
// are ignored (fields may be added in later producers of fleetpatch.host/1); a known member with
// the wrong type is an error. `null` counts as absent for optional members.

namespace dom = simdjson::dom;

std::string_view type_name(dom::element value) {
  switch (value.type()) {
    case dom::element_type::ARRAY:
      return "array";
    case dom::element_type::OBJECT:
      return "object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return "integer";
    case dom::element_type::DOUBLE:
      return "number";
    case dom::element_type::STRING:
      return "string";
    case dom::element_type::BOOL:
      return "boolean";
    case dom::element_type::NULL_VALUE:
      break;
  }
  return "null";
}

// The value of `key`, nullopt when absent or null. With duplicate keys the last one wins, as it
// did with nlohmann, so a report reads the same as before.
std::optional<dom::element> find(dom::object parent, std::string_view key) {
  std::optional<dom::element> found;
  for (const auto field : parent) {
    if (field.key == key) found = field.value;
  }
  if (found && found->is_null()) return std::nullopt;
  return found;
}

// `key` (of length N - 1, checked by the caller) is `name`: a fixed-size compare the compiler
// inlines, where string_view's == calls memcmp.
template <std::size_t N>
bool same_key(std::string_view key, const char (&name)[N]) {
  return std::memcmp(key.data(), name, N - 1) == 0;
}

/// The members of a package object the reader asks for: slot() numbers them 0..kSlots-1, and
/// gives kSlots for any other member (ignored).
struct PackageKeys {
  static constexpr std::size_t kName = 0, kVersion = 1, kArch = 2, kSource = 3, kModule = 4,
                               kInstallTime = 5, kSlots = 6;
  static std::size_t slot(std::string_view key) {
    switch (key.size()) {
      case 4:
        if (same_key(key, "name")) return kName;
        if (same_key(key, "arch")) return kArch;
        break;
      case 6:
        if (same_key(key, "source")) return kSource;
        if (same_key(key, "module")) return kModule;
        break;
      case 7:
        if (same_key(key, "version")) return kVersion;
        break;
      case 12:
        if (same_key(key, "install_time")) return kInstallTime;
        break;
      default:
        break;
    }
    return kSlots;
  }
};

/// The same for a package's "source" object.
struct SourceKeys {
  static constexpr std::size_t kName = 0, kVersion = 1, kSlots = 2;
  static std::size_t slot(std::string_view key) {
    if (key.size() == 4 && same_key(key, "name")) return kName;
    if (key.size() == 7 && same_key(key, "version")) return kVersion;
    return kSlots;
  }
};

/// An object's members read in one pass into one slot per key of `Keys`: find() over them
/// answers what find() over the object does (the last of duplicate keys, null as absent),
/// without comparing each key asked for with each member and walking simdjson's tape again for
/// every key. Used for the objects a report has hundreds of: packages and their sources.
template <typename Keys>
struct KnownMembers {
  explicit KnownMembers(dom::object object) {
    for (const auto field : object) {
      if (const auto slot = Keys::slot(field.key); slot != Keys::kSlots) values[slot] = field.value;
    }
  }
  std::array<std::optional<dom::element>, Keys::kSlots> values{};
};

template <typename Keys>
std::optional<dom::element> find(const KnownMembers<Keys>& parent, std::string_view key) {
  const auto slot = Keys::slot(key);
  if (slot == Keys::kSlots) {
    // The reader asked for a member its key table does not list: a bug here, not in the input.
    throw std::logic_error("host report reader: \"" + std::string(key) + "\" is not in its table");
  }
  const auto& found = parent.values[slot];
  if (found && found->is_null()) return std::nullopt;
  return found;
}

/// A JSON pointer ("/packages/12/source") kept as its parts and spelled out only when an error
/// names it: spelling it for each of a report's hundreds of packages, every one of which reads
/// fine, was ~12% of reading a report. Holds views: it lives no longer than the call it is given
/// to.
class Path {
 public:
  // Implicit: the readers take a pointer spelled out ("/host") wherever they take a Path.
  Path(const char* spelled) : base_(spelled) {}         // NOLINT(google-explicit-constructor)
  Path(const std::string& spelled) : base_(spelled) {}  // NOLINT(google-explicit-constructor)
  /// Item `index` of the array at `array`.
  Path(std::string_view array, std::size_t index) : base_(array), index_(index) {}

  /// The member `key` of this item (one level: what the readers need).
  Path member(const char* key) const {
    Path p = *this;
    p.member_ = key;
    return p;
  }

  std::string str() const {
    std::string s(base_);
    if (index_) s.append("/").append(std::to_string(*index_));
    if (member_ != nullptr) s.append("/").append(member_);
    return s;
  }
  operator std::string() const { return str(); }  // NOLINT(google-explicit-constructor)

  friend std::string operator+(const Path& p, const char* tail) { return p.str() + tail; }

 private:
  std::string_view base_;
  std::optional<std::size_t> index_;
  const char* member_ = nullptr;
};

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  core::Error error(const std::string& pointer, const std::string& what) const {
    return core::invalid_argument(std::string(source_) + ": " + (pointer.empty() ? "/" : pointer) +
                                  ": " + what);
  }
  core::Error type_error(const std::string& pointer, std::string_view expected,
                         dom::element got) const {
    return error(pointer,
                 "expected " + std::string(expected) + ", got " + std::string(type_name(got)));
  }

  // Each reader returns an error, or nullopt on success. They write into a report that may hold
  // an earlier report's values (host_report_from_json_into), so each one sets its output also
  // when the member is absent: to what a default-constructed report holds.
  std::optional<core::Error> object(dom::element value, const Path& pointer,
                                    dom::object& out) const {
    if (value.get_object().get(out) != simdjson::SUCCESS) {
      return type_error(pointer, "an object", value);
    }
    return std::nullopt;
  }

  // A string member as a view into the parsed document; an absent one leaves `out` as it is (the
  // caller's default).
  template <typename Parent>
  std::optional<core::Error> text(const Parent& parent, const Path& pointer, const char* key,
                                  std::string_view& out, bool required) const {
    const auto value = find(parent, key);
    if (!value) {
      if (required) return error(pointer + "/" + key, "missing required member");
      return std::nullopt;
    }
    if (value->get_string().get(out) != simdjson::SUCCESS) {
      return type_error(pointer + "/" + key, "a string", *value);
    }
    return std::nullopt;
  }

  // A string member copied into `out`, reusing its capacity; absent: empty.
  template <typename Parent>
  std::optional<core::Error> string(const Parent& parent, const Path& pointer, const char* key,
                                    std::string& out, bool required) const {
    std::string_view value;
    if (auto e = text(parent, pointer, key, value, required)) return e;
    out.assign(value);
    return std::nullopt;
  }

  // Absent: false.
  template <typename Parent>
  std::optional<core::Error> boolean(const Parent& parent, const Path& pointer, const char* key,
                                     bool& out) const {
    out = false;
    const auto value = find(parent, key);
    if (!value) return std::nullopt;
    if (value->get_bool().get(out) != simdjson::SUCCESS) {
      return type_error(pointer + "/" + key, "true or false", *value);
    }
    return std::nullopt;
  }

  // Integers in [min, max]; absent: nullopt.
  template <typename Parent>
  std::optional<core::Error> integer(const Parent& parent, const Path& pointer, const char* key,
                                     std::int64_t min, std::int64_t max,
                                     std::optional<std::int64_t>& out) const {
    out.reset();
    const auto value = find(parent, key);
    if (!value) return std::nullopt;
    // Built only for an error: this runs for every package of every report the server accepts.
    const auto here = [&] { return pointer + "/" + key; };
    std::int64_t number = 0;
    switch (value->type()) {
      case dom::element_type::INT64:
        number = value->get_int64().value_unsafe();
        break;
      case dom::element_type::UINT64:
        // simdjson only types a value UINT64 when it does not fit in int64.
        return error(here(), "integer out of range");
      default:
        return type_error(here(), "an integer", *value);
    }
    if (number < min || number > max) {
      return error(here(), "integer " + std::to_string(number) + " out of range [" +
                               std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    out = number;
    return std::nullopt;
  }

  // Assigns into the strings `out` already holds, then drops the ones past the array's end;
  // absent: empty.
  template <typename Parent>
  std::optional<core::Error> strings(const Parent& parent, const Path& pointer, const char* key,
                                     std::vector<std::string>& out) const {
    const auto value = find(parent, key);
    if (!value) {
      out.clear();
      return std::nullopt;
    }
    dom::array items;
    if (value->get_array().get(items) != simdjson::SUCCESS) {
      return type_error(pointer + "/" + key, "an array of strings", *value);
    }
    std::size_t i = 0;
    for (const dom::element item : items) {
      std::string_view text;
      if (item.get_string().get(text) != simdjson::SUCCESS) {
        return type_error(pointer + "/" + key + "/" + std::to_string(i), "a string", item);
      }
      if (i < out.size()) {
        out[i].assign(text);
      } else {
        out.emplace_back(text);
      }
      ++i;
    }
    out.resize(i);
    return std::nullopt;
  }

  // Reads an array of objects into `out`: `read_item(item, item_pointer, element)` fills
  // out[i], an element that may hold an earlier report's values, so it must set every field.
  // Elements past the array's end are dropped; an absent optional array leaves `out` empty.
  template <typename T, typename ReadItem>
  std::optional<core::Error> array(dom::object parent, const Path& pointer, const char* key,
                                   bool required, std::vector<T>& out, ReadItem read_item) const {
    const std::string here = pointer + "/" + key;
    const auto value = find(parent, key);
    if (!value) {
      if (required) return error(here, "missing required member");
      out.clear();
      return std::nullopt;
    }
    dom::array items;
    if (value->get_array().get(items) != simdjson::SUCCESS) {
      return type_error(here, "an array", *value);
    }
    std::size_t i = 0;
    for (const dom::element element : items) {
      const Path item_pointer(here, i);
      dom::object item;
      if (auto e = object(element, item_pointer, item)) return e;
      if (i == out.size()) out.emplace_back();
      if (auto e = read_item(item, item_pointer, out[i])) return e;
      ++i;
    }
    out.resize(i);
    return std::nullopt;
  }

  // Finds an optional nested object; `found` tells whether it was there.
  template <typename Parent>
  std::optional<core::Error> member_object(const Parent& parent, const Path& pointer,
                                           const char* key, bool required, dom::object& out,
                                           bool& found) const {
    found = false;
    const auto value = find(parent, key);
    if (!value) {
      if (required) return error(pointer + "/" + key, "missing required member");
      return std::nullopt;
    }
    if (value->get_object().get(out) != simdjson::SUCCESS) {
      return type_error(pointer + "/" + key, "an object", *value);
    }
    found = true;
    return std::nullopt;
  }

 private:
  std::string_view source_;
};

// Fills `out` field by field, overwriting whatever an earlier report left there (every field
// of core::HostReport is set here, also when its member is absent).
std::optional<core::Error> read_report(const Reader& r, dom::element root, core::HostReport& out) {
  dom::object doc;
  if (auto e = r.object(root, "", doc)) return e;
  std::optional<dom::element> schema;
  for (const auto field : doc) {
    if (field.key == "schema") schema = field.value;
  }
  if (!schema) {
    return r.error("/schema", "missing; not a fleetpatch host report (expected \"schema\": \"" +
                                  std::string(core::kHostReportSchema) + "\")");
  }
  std::string_view schema_text;
  if (schema->get_string().get(schema_text) != simdjson::SUCCESS) {
    return r.type_error("/schema", "a string", *schema);
  }
  if (schema_text != core::kHostReportSchema) {
    return core::unsupported(r.error("/schema", "unsupported schema \"" + std::string(schema_text) +
                                                    "\"; this fleetpatch reads \"" +
                                                    std::string(core::kHostReportSchema) + "\"")
                                 .message);
  }

  dom::object host;
  bool found = false;
  if (auto e = r.member_object(doc, "", "host", true, host, found)) return e;
  if (auto e = r.string(host, "/host", "id", out.host.id, true)) return e;
  if (auto e = r.string(host, "/host", "hostname", out.host.hostname, false)) return e;
  if (auto e = r.strings(host, "/host", "tags", out.host.tags)) return e;

  dom::object os;
  if (auto e = r.member_object(doc, "", "os", false, os, found)) return e;
  if (found) {
    if (auto e = r.string(os, "/os", "id", out.os.id, false)) return e;
    if (auto e = r.string(os, "/os", "version_id", out.os.version_id, false)) return e;
    if (auto e = r.string(os, "/os", "name", out.os.name, false)) return e;
    if (auto e = r.strings(os, "/os", "id_like", out.os.id_like)) return e;
    if (auto e = r.string(os, "/os", "version_codename", out.os.version_codename, false)) {
      return e;
    }
  } else {
    out.os = core::OsInfo{};  // rare: not worth keeping capacity for
  }

  dom::object kernel;
  if (auto e = r.member_object(doc, "", "kernel", false, kernel, found)) return e;
  if (found) {
    if (auto e = r.string(kernel, "/kernel", "running", out.kernel.running, false)) return e;
    if (auto e = r.strings(kernel, "/kernel", "installed", out.kernel.installed)) return e;
    if (auto e = r.boolean(kernel, "/kernel", "reboot_required", out.kernel.reboot_required)) {
      return e;
    }
    if (auto e =
            r.strings(kernel, "/kernel", "reboot_required_by", out.kernel.reboot_required_by)) {
      return e;
    }
    auto read_livepatch = [&](dom::object item, const Path& p,
                              core::Livepatch& lp) -> std::optional<core::Error> {
      if (auto e = r.string(item, p, "name", lp.name, true)) return e;
      if (auto e = r.string(item, p, "tool", lp.tool, false)) return e;
      if (auto e = r.boolean(item, p, "enabled", lp.enabled)) return e;
      if (auto e = r.boolean(item, p, "transition", lp.transition)) return e;
      if (auto e = r.strings(item, p, "cves", lp.cves)) return e;
      if (auto e = r.string(item, p, "effective_kernel", lp.effective_kernel, false)) return e;
      return std::nullopt;
    };
    if (auto e =
            r.array(kernel, "/kernel", "livepatch", false, out.kernel.livepatch, read_livepatch)) {
      return e;
    }
  } else {
    out.kernel = core::KernelInfo{};
  }

  std::string_view format = "unknown";
  if (auto e = r.text(doc, "", "package_format", format, false)) return e;
  out.package_format = core::package_format_from_string(format);
  if (out.package_format == core::PackageFormat::kUnknown && format != "unknown") {
    return r.error("/package_format", "unknown package format \"" + std::string(format) +
                                          "\" (expected dpkg, rpm, apk or unknown)");
  }

  auto read_package = [&](dom::object object, const Path& p,
                          core::Package& pkg) -> std::optional<core::Error> {
    const KnownMembers<PackageKeys> item(object);
    if (auto e = r.string(item, p, "name", pkg.name, true)) return e;
    if (auto e = r.string(item, p, "version", pkg.version, true)) return e;
    if (auto e = r.string(item, p, "arch", pkg.arch, false)) return e;
    dom::object source;
    bool has_source = false;
    if (auto e = r.member_object(item, p, "source", false, source, has_source)) return e;
    if (has_source) {
      const Path source_pointer = p.member("source");
      const KnownMembers<SourceKeys> source_members(source);
      if (auto e = r.string(source_members, source_pointer, "name", pkg.source_name, false)) {
        return e;
      }
      if (auto e = r.string(source_members, source_pointer, "version", pkg.source_version, false)) {
        return e;
      }
    } else {
      pkg.source_name.clear();
      pkg.source_version.clear();
    }
    if (const auto module = find(item, "module")) {
      std::string_view text;
      if (module->get_string().get(text) != simdjson::SUCCESS) {
        return r.type_error(p + "/module", "a string or null", *module);
      }
      if (pkg.module) {
        pkg.module->assign(text);
      } else {
        pkg.module.emplace(text);
      }
    } else {
      pkg.module.reset();
    }
    if (auto e = r.integer(item, p, "install_time", 0, std::numeric_limits<std::int64_t>::max(),
                           pkg.install_time)) {
      return e;
    }
    return std::nullopt;
  };
  if (const auto packages = find(doc, "packages")) {
    dom::array items;
    // Capped: an array of 5 million empty objects fits into a 16 MiB body, and reserving that
    // many packages before reading the first would take gigabytes; a real host has thousands.
    constexpr std::size_t kMaxReserved = 20000;
    if (packages->get_array().get(items) == simdjson::SUCCESS) {
      out.packages.reserve(std::min(items.size(), kMaxReserved));
    }
  }
  if (auto e = r.array(doc, "", "packages", true, out.packages, read_package)) return e;

  auto read_socket = [&](dom::object item, const Path& p,
                         core::ListeningSocket& sock) -> std::optional<core::Error> {
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
    std::string_view exposure = "none";
    if (auto e = r.text(item, p, "exposure", exposure, false)) return e;
    if (exposure == "none") {
      sock.exposure = core::Exposure::kNone;
    } else if (exposure == "local") {
      sock.exposure = core::Exposure::kLocal;
    } else if (exposure == "network") {
      sock.exposure = core::Exposure::kNetwork;
    } else {
      return r.error(p + "/exposure", "unknown exposure \"" + std::string(exposure) +
                                          "\" (expected none, local or network)");
    }
    return std::nullopt;
  };
  if (auto e = r.array(doc, "", "listening", false, out.listening, read_socket)) return e;

  auto read_pending = [&](dom::object item, const Path& p,
                          core::PendingRestart& restart) -> std::optional<core::Error> {
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
    return std::nullopt;
  };
  if (auto e = r.array(doc, "", "pending_restart", false, out.pending_restart, read_pending)) {
    return e;
  }

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

core::Status host_report_from_json_into(std::string_view text, std::string_view source_name,
                                        core::HostReport& out) {
  // One parser per thread, reused: its buffers (tape, structural indexes, strings and the padded
  // copy of the text, ~15 bytes per byte of JSON: ~2 MB for a 600-package report) are what a
  // parser per call allocated and page-faulted anew for every report the server accepted. A text
  // over 1 MiB (~4,500 packages; larger than nearly any real host's report) gets a parser of its
  // own, freed after it, so that one huge request does not leave a server thread holding a
  // parser of up to 16 MB x 15.
  constexpr std::size_t kReusedParserMaxBytes = std::size_t{1} << 20;
  thread_local dom::parser reused;
  std::optional<dom::parser> own;
  dom::parser& parser = text.size() <= kReusedParserMaxBytes ? reused : own.emplace();
  dom::element root;
  // realloc_if_needed copies the text into a padded buffer: a string_view carries no padding.
  if (const auto error = parser.parse(text.data(), text.size(), true).get(root);
      error != simdjson::SUCCESS) {
    return core::invalid_argument(std::string(source_name) +
                                  ": not valid JSON: " + simdjson::error_message(error));
  }
  const Reader reader(source_name);
  if (auto e = read_report(reader, root, out)) return std::move(*e);
  return {};
}

core::Result<core::HostReport> host_report_from_json(std::string_view text,
                                                     std::string_view source_name) {
  core::HostReport report;
  if (auto status = host_report_from_json_into(text, source_name, report); !status.ok()) {
    return status.error();
  }
  return report;
}

}  // namespace fleetpatch::hoststate
