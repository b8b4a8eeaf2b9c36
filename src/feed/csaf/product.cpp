#include "feed/csaf/product.hpp"

#include <array>
#include <cctype>
#include <vector>

#include "core/time.hpp"
#include "distro/distro.hpp"

namespace fleetpatch::feed::csaf {
namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

/// The fields of a CPE 2.2 URI ("cpe:/o:redhat:enterprise_linux:9::baseos") or 2.3 formatted
/// string ("cpe:2.3:o:redhat:enterprise_linux:9:*:..."): part, vendor, product, version,
/// update, ... ("*" and "-" read as empty).
std::vector<std::string> cpe_fields(std::string_view cpe) {
  std::vector<std::string> fields;
  std::string_view rest;
  if (starts_with(cpe, "cpe:/")) {
    rest = cpe.substr(5);
  } else if (starts_with(cpe, "cpe:2.3:")) {
    rest = cpe.substr(8);
  } else {
    return fields;
  }
  for (std::string_view field : split(rest, ':')) {
    if (field == "*" || field == "-") field = {};
    std::string lowered;
    for (char c : field) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fields.push_back(std::move(lowered));
  }
  while (fields.size() < 5) fields.emplace_back();
  return fields;
}

std::optional<std::string> red_hat_release(const std::vector<std::string>& f) {
  const std::string& product = f[2];
  if (product != "enterprise_linux" && product != "rhel_els") return std::nullopt;
  std::string_view version = f[3];
  std::string_view major = version.substr(0, version.find('.'));
  if (!all_digits(major)) return std::nullopt;
  std::string key = "rhel:" + std::string(major);
  if (distro::distro_for_release(key) == nullptr) return std::nullopt;
  return key;
}

std::optional<std::string> suse_release(const std::vector<std::string>& f) {
  const std::string& vendor = f[1];
  const std::string& product = f[2];
  const std::string& version = f[3];
  const std::string& update = f[4];
  std::string ecosystem;
  if (vendor == "opensuse") {
    if (product == "tumbleweed") {
      ecosystem = "openSUSE:Tumbleweed";
    } else if (product == "leap") {
      ecosystem = "openSUSE:Leap " + version;
    }
  } else if (vendor == "suse") {
    // "15" and "sp5" -> "15 SP5"; the distro table decides which versions exist.
    std::string sle_version = version;
    if (starts_with(update, "sp") && all_digits(std::string_view(update).substr(2))) {
      sle_version += " SP" + update.substr(2);
    } else if (!update.empty()) {
      return std::nullopt;
    }
    if (product == "sles" || product == "suse_sles") {
      ecosystem = "SUSE:Linux Enterprise Server " + sle_version;
    } else if (product == "sles-ltss" || product == "sles_ltss" || product == "suse_sles_ltss") {
      ecosystem = "SUSE:Linux Enterprise Server LTSS " + sle_version;
    } else if (starts_with(product, "sle-module-")) {
      ecosystem = "SUSE:Linux Enterprise Module for " + product.substr(11) + " " + sle_version;
    }
  }
  if (ecosystem.empty()) return std::nullopt;
  auto release = distro::resolve_osv_ecosystem(ecosystem);
  if (!release) return std::nullopt;
  return std::move(release->key);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

/// "name:stream:version:context" (or "name:stream") -> "name:stream"; "" when there is no
/// stream or the stream is a Flatpak build.
std::string module_stream(std::string_view label) {
  std::size_t first = label.find(':');
  if (first == std::string_view::npos || first == 0 || first + 1 == label.size()) return {};
  std::size_t second = label.find(':', first + 1);
  std::string_view stream = label.substr(
      first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1);
  // "gimp:flatpak": RPMs rebuilt for a Flatpak application, never installed on a host.
  if (stream == "flatpak") return {};
  return std::string(label.substr(0, second));
}

/// "[E:]V-R" with the epoch dropped when it is 0, the form host reports use.
std::string rpm_version(std::string_view epoch, std::string_view version_release) {
  if (epoch.empty() || epoch == "0" || version_release.empty()) {
    return std::string(version_release);
  }
  return std::string(epoch) + ":" + std::string(version_release);
}

bool has_digit(std::string_view text) {
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

void set_why(NotRpm* why, NotRpm value) {
  if (why != nullptr) *why = value;
}

}  // namespace

bool is_rpm_arch(std::string_view arch) {
  static constexpr std::array<std::string_view, 27> kArches = {
      "noarch", "src",    "nosrc",   "x86_64",  "i386",    "i486",     "i586",
      "i686",   "athlon", "aarch64", "ppc",     "ppc64",   "ppc64le",  "ppc64p7",
      "s390",   "s390x",  "ia64",    "armv7hl", "armv6hl", "armhfp",   "riscv64",
      "alpha",  "sparc",  "sparc64", "amd64",   "arm64",   "x86_64_v2"};
  for (std::string_view known : kArches) {
    if (arch == known) return true;
  }
  return false;
}

std::optional<std::string> release_for_cpe(std::string_view cpe) {
  const std::vector<std::string> fields = cpe_fields(cpe);
  if (fields.empty()) return std::nullopt;
  if (fields[1] == "redhat") return red_hat_release(fields);
  if (fields[1] == "suse" || fields[1] == "opensuse") return suse_release(fields);
  return std::nullopt;
}

std::optional<RpmComponent> parse_rpm_purl(std::string_view purl, NotRpm* why) {
  if (!starts_with(purl, "pkg:")) {
    set_why(why, NotRpm::kUnparsable);
    return std::nullopt;
  }
  std::string_view rest = purl.substr(4);
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos)
    rest = rest.substr(0, hash);
  std::string_view qualifiers;
  if (std::size_t question = rest.find('?'); question != std::string_view::npos) {
    qualifiers = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    set_why(why, NotRpm::kUnparsable);
    return std::nullopt;
  }
  if (rest.substr(0, slash) != "rpm") {
    set_why(why, NotRpm::kOtherType);
    return std::nullopt;
  }
  rest = rest.substr(slash + 1);
  std::string_view version;
  if (std::size_t at = rest.find('@'); at != std::string_view::npos) {
    version = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  std::string_view name = rest.substr(rest.rfind('/') + 1);
  if (name.empty()) {
    set_why(why, NotRpm::kUnparsable);
    return std::nullopt;
  }
  RpmComponent component;
  component.name = percent_decode(name);
  std::string epoch;
  for (std::string_view pair : split(qualifiers, '&')) {
    std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    std::string_view key = pair.substr(0, equals);
    std::string value = percent_decode(pair.substr(equals + 1));
    if (key == "arch") {
      component.arch = std::move(value);
    } else if (key == "epoch") {
      epoch = std::move(value);
    } else if (key == "rpmmod") {
      component.module = module_stream(value);
      if (component.module.empty()) {
        set_why(why, NotRpm::kFlatpak);
        return std::nullopt;
      }
    }
  }
  component.version = rpm_version(epoch, percent_decode(version));
  return component;
}

std::optional<RpmComponent> parse_rpm_product_id(std::string_view id, NotRpm* why) {
  if (id.empty()) {
    set_why(why, NotRpm::kUnparsable);
    return std::nullopt;
  }
  // Container images ("ubi9/ubi@sha256:...") and other non-RPM content.
  if (id.find('@') != std::string_view::npos) {
    set_why(why, NotRpm::kOtherType);
    return std::nullopt;
  }
  RpmComponent component;
  std::string_view rest = id;
  if (std::size_t slash = rest.rfind('/'); slash != std::string_view::npos) {
    component.module = module_stream(rest.substr(0, slash));
    if (component.module.empty()) {
      set_why(why, NotRpm::kFlatpak);
      return std::nullopt;
    }
    rest = rest.substr(slash + 1);
  } else if (std::size_t rpm = rest.find(".rpm-"); rpm != std::string_view::npos) {
    component.module = module_stream(rest.substr(rpm + 5));
    rest = rest.substr(0, rpm);
  }
  if (std::size_t dot = rest.rfind('.'); dot != std::string_view::npos) {
    if (is_rpm_arch(rest.substr(dot + 1))) {
      component.arch = std::string(rest.substr(dot + 1));
      rest = rest.substr(0, dot);
    }
  }
  // N-[E:]V-R when the last two hyphen-separated fields look like a version and a release.
  std::size_t release_dash = rest.rfind('-');
  if (release_dash != std::string_view::npos && release_dash > 0) {
    std::size_t version_dash = rest.rfind('-', release_dash - 1);
    if (version_dash != std::string_view::npos && version_dash > 0) {
      std::string_view version = rest.substr(version_dash + 1, release_dash - version_dash - 1);
      std::string_view release = rest.substr(release_dash + 1);
      std::string_view epoch;
      if (std::size_t colon = version.find(':'); colon != std::string_view::npos) {
        epoch = version.substr(0, colon);
        version = version.substr(colon + 1);
      }
      const bool epoch_ok = epoch.empty() || all_digits(epoch);
      if (epoch_ok && !version.empty() && std::isdigit(static_cast<unsigned char>(version[0])) &&
          has_digit(release)) {
        component.name = std::string(rest.substr(0, version_dash));
        component.version = rpm_version(epoch, std::string(version) + "-" + std::string(release));
        return component;
      }
    }
  }
  if (rest.find(':') != std::string_view::npos || rest.empty()) {
    set_why(why, NotRpm::kUnparsable);
    return std::nullopt;
  }
  component.name = std::string(rest);
  return component;
}

std::string normalize_date(std::string_view date) {
  if (date.empty()) return {};
  auto parsed = core::parse_rfc3339(date);
  if (!parsed.ok()) return std::string(date);
  return core::format_rfc3339(*parsed);
}

}  // namespace fleetpatch::feed::csaf
