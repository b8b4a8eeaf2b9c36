// Where each feed is published: the official locations `fleetpatch feed update` downloads
// from. One table (sources.cpp); the feed layer itself never downloads (the command fetches
// and then hands the files to feed::read_paths, which recognises them by content).
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace fleetpatch::feed {

/// How a source's download URLs are found.
enum class Locator {
  kDirect,       // `urls` are the files
  kLatestIndex,  // `urls[0]` is a small text file naming the current archive in its directory
                 // (Red Hat's archive_latest.txt); see latest_archive_url()
  kPerRelease,   // `urls` contain "{release}" (Alpine's "v3.19"); see source_urls()
  kHostMirror,   // no fixed URL: the packages of the host's own apt mirror (apt_changelog/)
};

/// One official publication of a feed.
struct FeedSource {
  std::string_view name;    // the `feed update --source` word: "redhat-vex", "ubuntu-osv", ...
  std::string_view family;  // distribution family it serves ("rhel", "ubuntu"), "" for all
  std::string_view format;  // what the files hold: "csaf", "osv", "debian-tracker-json",
                            // "debian-advisory-list", "alpine-secdb", "kev", "apt-changelog"
  Locator locator = Locator::kDirect;
  std::array<std::string_view, 2> urls;  // unused slots are ""
  std::string_view publisher;            // who publishes it, with the page that documents it
};

/// Every source, in a fixed order.
std::span<const FeedSource> official_sources();

/// The source named `name`, or nullptr.
const FeedSource* find_source(std::string_view name);

/// The URLs to download for a kDirect or kPerRelease source (`release` replaces "{release}";
/// a per-release source needs one). kLatestIndex gives its index URL, kHostMirror nothing.
core::Result<std::vector<std::string>> source_urls(const FeedSource& source,
                                                   std::string_view release = {});

/// For a kLatestIndex source: the archive URL that the index file's text names (its first
/// non-empty line, a file name or a URL; a file name is taken relative to the index's
/// directory). Errors when the text names nothing usable.
core::Result<std::string> latest_archive_url(const FeedSource& source, std::string_view index_text);

}  // namespace fleetpatch::feed
