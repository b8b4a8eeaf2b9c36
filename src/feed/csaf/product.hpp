// Naming in CSAF product trees, as Red Hat and SUSE publish them: which distribution release a
// product (platform) is, from its CPE, and which RPM package a component is, from its purl or,
// when it has none, from its product id. Pure string functions, used by csaf.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fleetpatch::feed::csaf {

/// Release key for a platform CPE, or nullopt when the CPE names no supported release.
///
/// Red Hat (vendor "redhat"):
///  - product "enterprise_linux" (any edition: "::baseos", "::appstream", "::crb", "::server",
///    ...) at version N or N.M -> "rhel:N";
///  - product "rhel_els" (Extended Life-cycle Support, RHEL 6 and 7 after their maintenance
///    phase) -> "rhel:N": like Ubuntu Pro, the fixes a host of that release can still get;
///  - minor-release streams (rhel_eus, rhel_aus, rhel_e4s, rhel_tus) are NOT mapped: whether a
///    host is subscribed to one is not in its inventory, and their fixed versions would be
///    compared against hosts on the main stream;
///  - layered products (satellite, rhel_dotnet, openshift, ...) are not mapped: their packages
///    come from repositories an inventory does not name (the "repository to CPE" mapping would
///    be needed, and no supported host needs it yet).
/// SUSE (vendors "suse", "opensuse"), through the distro table's OSV ecosystem names:
///  - sles / suse_sles:V[:spN] -> "SUSE:Linux Enterprise Server V[ SPN]";
///  - sles-ltss / sles_ltss / suse_sles_ltss -> "SUSE:Linux Enterprise Server LTSS ...";
///  - sle-module-<x>:V[:spN] -> "SUSE:Linux Enterprise Module for <x> ...";
///  - opensuse leap:15.5 -> "openSUSE:Leap 15.5"; opensuse tumbleweed -> "openSUSE:Tumbleweed".
/// Other SUSE products (SAP, desktop, Package Hub, SDK) stay unmapped, as in the OSV mapping.
std::optional<std::string> release_for_cpe(std::string_view cpe);

/// An RPM named by a CSAF component.
struct RpmComponent {
  std::string name;
  std::string version;  // "[E:]V-R", epoch only when not 0; "" when the component has none
  std::string arch;     // "src", "x86_64", ...; "" when not given
  std::string module;   // "name:stream" for modular RPMs, else ""
};

/// Why a component is not an RPM a host could have installed.
enum class NotRpm {
  kOtherType,   // a container image, Go module, Maven artifact, ...
  kFlatpak,     // an RPM built for a Flatpak (rpmmod "rhel10" without a stream, "gimp:flatpak")
  kUnparsable,  // not understood
};

/// Reads a purl "pkg:rpm/<namespace>/<name>[@<version>][?arch=..&epoch=..&rpmmod=..]".
/// Percent-escapes are decoded. rpmmod "name:stream:version:context" gives module "name:stream".
std::optional<RpmComponent> parse_rpm_purl(std::string_view purl, NotRpm* why = nullptr);

/// Reads a component's product id when it has no purl. Accepted forms:
///   "c-ares-0:1.13.0-9.el8_9.1.aarch64", "bind-9.9.4P2-0.6.1.i586" (N-[E:]V-R.A)
///   "aardvark-dns-1.7.0-1.module+el8.9.0+19244+655f84ee.aarch64.rpm-container-tools:rhel8"
///   "nodejs:18:9020020230602092936:rhel9/nodejs-1:18.14.2-3.module+el9.2.0.z+18497+a402347c.src"
///   "python36:3.6/python36.src", "kernel", "kernel.src" (no version: unfixed components)
/// A trailing ".A" is an architecture only when A is a known RPM architecture. A name-only id
/// is told from N-V-R by requiring V to start with a digit (after an epoch) and R to contain
/// one ("java-17-openjdk" is a name).
std::optional<RpmComponent> parse_rpm_product_id(std::string_view id, NotRpm* why = nullptr);

/// True for the RPM architectures CSAF ids end with ("x86_64", "noarch", "src", ...).
bool is_rpm_arch(std::string_view arch);

/// Converts a CSAF date ("2023-11-14T17:00:58+00:00", "2014-01-27T18:38:10Z") to RFC 3339
/// UTC with "Z", so that dates from every feed compare as strings; "" stays "", an
/// unparsable date is returned unchanged.
std::string normalize_date(std::string_view date);

}  // namespace fleetpatch::feed::csaf
