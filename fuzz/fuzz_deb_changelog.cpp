// Fuzzes the Debian changelog parser, the entry selection, gunzip and the .deb reader: a
// mirror's packages are untrusted bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "feed/apt_changelog/changelog.hpp"
#include "feed/apt_changelog/deb_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ac = fleetpatch::feed::apt_changelog;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diags;
  auto entries = ac::parse_changelog(input, "fuzz", diags);
  if (!entries.empty()) {
    auto selected = ac::entries_between(entries, entries.back().version, entries.front().version);
    auto advisory = ac::make_advisory("debian:12", "fuzz", entries.front().version, "sid", selected,
                                      ac::first_change_line(input, entries.front().line));
    (void)advisory;
  }
  (void)ac::rfc2822_to_rfc3339(input);
  (void)ac::gunzip(input, 1u << 20);
  (void)ac::changelog_from_deb(input, "fuzz");
  return 0;
}
