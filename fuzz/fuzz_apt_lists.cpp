// Fuzzes what apt_changelog reads from a host: sources.list (both formats), Release and
// Packages indexes, dpkg's status file, and the upgrade planning over them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "feed/apt_changelog/apt_lists.hpp"
#include "feed/apt_changelog/deb822.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ac = fleetpatch::feed::apt_changelog;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diags;
  (void)ac::parse_sources_list(input, "sources.list", diags);
  (void)ac::parse_deb822_sources(input, "x.sources", diags);
  (void)ac::uri_to_filename(input);
  ac::AptIndex index;
  ac::PackageList list;
  list.release = ac::parse_release(input);
  list.security = ac::is_security(list.release);
  list.priority = ac::default_priority(list.release);
  index.lists.push_back(list);
  ac::add_packages(input, 0, "Packages", {}, index, diags);
  const auto installed = ac::parse_dpkg_status(input, "status", diags);
  (void)ac::plan_security_upgrades(index, installed);
  return 0;
}
