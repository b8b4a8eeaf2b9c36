#include "feed/feed.hpp"

#include <filesystem>

#include "feed/file_io.hpp"
#include "feed/kev/kev.hpp"
#include "feed/osv/bundle.hpp"
#include "feed/osv/osv.hpp"

namespace fleetpatch::feed {

core::Result<InputKind> detect(const std::string& path) {
  std::error_code error;
  auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) {
    return core::not_found(path + ": no such file or directory");
  }
  if (std::filesystem::is_directory(status)) return InputKind::kOsvDirectory;
  // The KEV catalog names its fields within the first few hundred bytes.
  auto head = read_head(path, 4096);
  if (!head.ok()) return head.error();
  switch (sniff(*head)) {
    case Magic::kZip:
      return InputKind::kOsvZip;
    case Magic::kZstd:
      return InputKind::kOsvBundle;
    case Magic::kText:
      break;
  }
  return kev::looks_like_kev(*head) ? InputKind::kKev : InputKind::kOsvJson;
}

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
    }
    if (!part.ok()) return part.error();
    batch.merge(std::move(*part));
  }
  batch.deduplicate();
  return batch;
}

}  // namespace fleetpatch::feed
