// Pure parsers for the package databases and files a host (or a user) has. Each takes the text
// and the name of its source (for diagnostics), never touches the file system, and collects
// per-line problems into a Diagnostics while reading on (STYLE.md 5).
#pragma once

#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/host_report.hpp"
#include "core/package.hpp"
#include "core/result.hpp"

namespace fleetpatch::hoststate {

/// dpkg's /var/lib/dpkg/status. Packages whose files are on disk are returned: Status
/// "installed", "unpacked", "half-configured", "triggers-awaited" or "triggers-pending", whatever
/// the selection (not "config-files", "half-installed", "not-installed"). Source from
/// "Source: name" or "Source: name (version)"; without Source the binary's own name and version.
std::vector<core::Package> parse_dpkg_status(std::string_view text, std::string_view source_name,
                                             core::Diagnostics& diagnostics);

/// apk's /lib/apk/db/installed: P: name, V: version, A: arch, o: origin (source package).
std::vector<core::Package> parse_apk_installed(std::string_view text, std::string_view source_name,
                                               core::Diagnostics& diagnostics);

/// The output of `rpm -qa --queryformat` with the format kRpmQueryFormat below: one package per
/// line, tab-separated NAME EPOCH VERSION RELEASE ARCH SOURCERPM MODULARITYLABEL ("(none)" for
/// missing values, as rpm prints them).
inline constexpr std::string_view kRpmQueryFormat =
    "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t"
    "%{MODULARITYLABEL}\\n";
std::vector<core::Package> parse_rpm_qa(std::string_view text, std::string_view source_name,
                                        core::Diagnostics& diagnostics);

/// Splits a SOURCERPM file name "openssl-3.0.1-41.el9_0.src.rpm" into name "openssl" and
/// version "3.0.1-41.el9_0"; false when it does not have that shape.
bool split_source_rpm(std::string_view source_rpm, std::string& name, std::string& version);

/// Formats an RPM version string "[E:]V-R" with the epoch only when it is not 0.
std::string rpm_version_string(std::string_view epoch, std::string_view version,
                               std::string_view release);

/// os-release(5): KEY=value lines, values optionally quoted with shell escapes.
core::OsInfo parse_os_release(std::string_view text, std::string_view source_name,
                              core::Diagnostics& diagnostics);

/// A Vuls scan result JSON (jsonVersion 4): host identity, OS family/release, running kernel,
/// packages (+ srcPackages mapping, modularitylabel). Error when it is not a Vuls result at all.
core::Result<core::HostReport> import_vuls_json(std::string_view text, std::string_view source_name,
                                                core::Diagnostics& diagnostics);

}  // namespace fleetpatch::hoststate
