#include "feed/feed.hpp"

#include <filesystem>

#include "feed/alpine_secdb/secdb.hpp"
#include "feed/csaf/csaf.hpp"
#include "feed/debian_tracker/advisory_list.hpp"
#include "feed/debian_tracker/tracker_json.hpp"
#include "feed/file_io.hpp"
#include "feed/kev/kev.hpp"
#include "feed/osv/bundle.hpp"
#include "feed/osv/osv.hpp"

namespace fleetpatch::feed {

namespace {

/// A zstd-compressed file that is not an archive: judged by what it decompresses to, since
/// both the OSV bundle (*.jsonl.zst) and a compressed KEV catalog (the demo's kev.json.zst) are
/// zstd JSON. Other compressed documents are named, so that the error says what to do.
core::Result<InputKind> detect_zstd_document(const std::string& path) {
  auto inner = read_zstd_head(path, 4096);
  // Undecodable from the start: the bundle reader reports the damage as it does mid-way.
  if (!inner.ok() || inner->empty()) return InputKind::kOsvBundle;
  if (kev::looks_like_kev(*inner)) return InputKind::kKev;
  std::string_view what;
  if (csaf::looks_like_csaf(*inner)) {
    what = "CSAF document";
  } else if (debian_tracker::looks_like_tracker_json(*inner)) {
    what = "Debian security tracker JSON";
  } else if (debian_tracker::looks_like_advisory_list(*inner)) {
    what = "Debian advisory list";
  } else if (alpine_secdb::looks_like_secdb_json(*inner) ||
             alpine_secdb::looks_like_secdb_yaml(*inner)) {
    what = "Alpine secdb document";
  }
  if (!what.empty()) {
    return core::unsupported(path + ": a zstd-compressed " + std::string(what) +
                             " is read only uncompressed; run `zstd -d` on it first");
  }
  return InputKind::kOsvBundle;
}

}  // namespace

core::Result<InputKind> detect(const std::string& path) {
  std::error_code error;
  auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) {
    return core::not_found(path + ": no such file or directory");
  }
  if (std::filesystem::is_directory(status)) {
    if (alpine_secdb::is_secdb_directory(path)) return InputKind::kAlpineSecdbDirectory;
    if (csaf::is_csaf_directory(path)) return InputKind::kCsafDirectory;
    return InputKind::kOsvDirectory;
  }
  // The KEV catalog names its fields within the first few hundred bytes.
  auto head = read_head(path, 4096);
  if (!head.ok()) return head.error();
  switch (sniff(*head)) {
    case Magic::kZip:
      return csaf::looks_like_csaf_archive(path) ? InputKind::kCsafArchive : InputKind::kOsvZip;
    case Magic::kZstd:
      if (csaf::looks_like_csaf_archive(path)) return InputKind::kCsafArchive;
      return detect_zstd_document(path);
    case Magic::kText:
      break;
  }
  if (kev::looks_like_kev(*head)) return InputKind::kKev;
  if (csaf::looks_like_csaf(*head)) return InputKind::kCsaf;
  // bzip2, gzip and xz compressed tarballs: of CSAF documents (SUSE's csaf.tar.bz2), else of
  // OSV records (Canonical's osv-all.tar.xz), which the OSV archive reader streams.
  constexpr std::string_view kXz =
      "\xfd"
      "7zXZ";
  if (head->rfind("BZh", 0) == 0 || head->rfind("\x1f\x8b", 0) == 0 || head->rfind(kXz, 0) == 0) {
    return csaf::looks_like_csaf_archive(path) ? InputKind::kCsafArchive : InputKind::kOsvZip;
  }
  if (debian_tracker::looks_like_tracker_json(*head)) return InputKind::kDebianTrackerJson;
  if (debian_tracker::looks_like_advisory_list(*head)) return InputKind::kDebianAdvisoryList;
  if (alpine_secdb::looks_like_secdb_json(*head) || alpine_secdb::looks_like_secdb_yaml(*head)) {
    return InputKind::kAlpineSecdb;
  }
  return InputKind::kOsvJson;
}

std::string_view origin_of(InputKind kind) {
  switch (kind) {
    case InputKind::kKev:
      return "kev";
    case InputKind::kOsvBundle:
    case InputKind::kOsvZip:
    case InputKind::kOsvDirectory:
    case InputKind::kOsvJson:
      return "osv";
    case InputKind::kDebianTrackerJson:
      return "debian-tracker";
    case InputKind::kDebianAdvisoryList:
      return "dsa-list";
    case InputKind::kAlpineSecdb:
    case InputKind::kAlpineSecdbDirectory:
      return "alpine-secdb";
    case InputKind::kCsaf:
    case InputKind::kCsafDirectory:
    case InputKind::kCsafArchive:
      return "csaf";
  }
  return "";
}

namespace {

/// Says which feed kind each entry came from, unless the reader already did. The DSA, DLA and
/// DTSA lists are told apart by their advisory ids, so importing one does not replace another.
void stamp_origin(InputKind kind, FeedBatch& part) {
  for (auto& advisory : part.advisories) {
    std::string origin(origin_of(kind));
    if (kind == InputKind::kDebianAdvisoryList) {
      const auto dash = advisory.id.find('-');
      if (dash != std::string::npos && dash > 0) {
        origin.clear();
        for (char c : advisory.id.substr(0, dash)) {
          origin += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
        }
        origin += "-list";
      }
    }
    for (auto& p : advisory.affected) {
      if (p.origin.empty()) p.origin = origin;
    }
  }
}

}  // namespace

core::Result<FeedBatch> read_paths(const std::vector<std::string>& paths,
                                   core::Diagnostics& diags) {
  FeedBatch batch;
  for (const auto& path : paths) {
    auto kind = detect(path);
    if (!kind.ok()) return kind.error();
    core::Result<FeedBatch> part = core::Error{};
    switch (*kind) {
      case InputKind::kKev:
        part = kev::read_kev(path, diags);
        break;
      case InputKind::kOsvBundle:
        part = osv::read_bundle(path, diags);
        break;
      case InputKind::kOsvZip:
        part = osv::read_zip(path, diags);
        break;
      case InputKind::kOsvDirectory:
      case InputKind::kOsvJson:
        part = osv::read_path(path, diags);
        break;
      case InputKind::kDebianTrackerJson:
        part = debian_tracker::read_tracker_json(path, diags);
        break;
      case InputKind::kDebianAdvisoryList:
        part = debian_tracker::read_advisory_list(path, diags);
        break;
      case InputKind::kAlpineSecdb:
      case InputKind::kAlpineSecdbDirectory:
        part = alpine_secdb::read_secdb(path, diags);
        break;
      case InputKind::kCsaf:
      case InputKind::kCsafDirectory:
      case InputKind::kCsafArchive:
        part = csaf::read_path(path, diags);
        break;
    }
    if (!part.ok()) return part.error();
    stamp_origin(*kind, *part);
    batch.merge(std::move(*part));
  }
  batch.deduplicate();
  return batch;
}

}  // namespace fleetpatch::feed
