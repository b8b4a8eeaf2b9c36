// Paths to records: single files, directory trees and archives.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>

#include "feed/file_io.hpp"
#include "feed/osv/bundle.hpp"
#include "feed/osv/osv.hpp"
#include "feed/parallel.hpp"

namespace fleetpatch::feed::osv {
namespace {

namespace fs = std::filesystem;

std::string newest_modified(const FeedBatch& batch) {
  std::string newest;
  for (const auto& advisory : batch.advisories) newest = std::max(newest, advisory.modified);
  return newest;
}

void add_source(FeedBatch& batch, const std::string& path, std::string format,
                std::size_t records) {
  SourceInfo info;
  info.path = path;
  info.format = std::move(format);
  info.date = newest_modified(batch);
  info.records = records;
  info.accepted = batch.advisories.size();
  batch.sources.push_back(std::move(info));
}

core::Result<FeedBatch> read_file_by_content(const std::string& path, RecordParser& parser,
                                             std::string& buffer, core::Diagnostics& diags) {
  auto head = read_head(path, 4);
  if (!head.ok()) return head.error();
  // Archives are streamed by libarchive; only bundles and records are read whole.
  if (sniff(*head) == Magic::kZip) return read_zip(path, diags);
  if (auto status = read_file(path, buffer); !status.ok()) return status.error();
  if (sniff(buffer) == Magic::kZstd) return read_bundle_bytes(buffer, path, diags);
  FeedBatch batch;
  parser.parse_padded(buffer, buffer.capacity(), path, 0, batch, diags);
  add_source(batch, path, "osv-json", 1);
  return batch;
}

core::Result<FeedBatch> read_directory(const std::string& root, core::Diagnostics& diags) {
  std::vector<std::string> records;
  std::vector<std::string> containers;
  std::error_code error;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error);
  if (error) return core::io_error(root + ": " + error.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) return core::io_error(root + ": " + error.message());
    if (!it->is_regular_file(error)) continue;
    std::string path = it->path().string();
    std::string name = it->path().filename().string();
    if (ends_with(name, ".json")) {
      records.push_back(std::move(path));
    } else if (ends_with(name, ".zip") || ends_with(name, ".jsonl.zst")) {
      containers.push_back(std::move(path));
    }
  }
  if (error) return core::io_error(root + ": " + error.message());
  std::sort(records.begin(), records.end());
  std::sort(containers.begin(), containers.end());

  // Opening thousands of small files costs as much as parsing them: parse in parallel, each
  // worker with its own parser, batch and diagnostics, merged in order below.
  const std::size_t workers = worker_count(records.size());
  std::vector<FeedBatch> parts(workers);
  std::vector<core::Diagnostics> part_diags(workers);
  run_ranges(records.size(), workers, [&](std::size_t worker, std::size_t begin, std::size_t end) {
    RecordParser parser;
    std::string buffer;
    for (std::size_t i = begin; i < end; ++i) {
      const std::string& path = records[i];
      if (auto status = read_file(path, buffer); !status.ok()) {
        // One unreadable file among thousands is a problem in the input, not a failed import.
        part_diags[worker].add(path, 0, status.error().message);
        continue;
      }
      parser.parse_padded(buffer, buffer.capacity(), path, 0, parts[worker], part_diags[worker]);
    }
  });
  FeedBatch batch;
  for (std::size_t worker = 0; worker < workers; ++worker) {
    batch.merge(std::move(parts[worker]));
    diags.merge(std::move(part_diags[worker]));
  }
  add_source(batch, root, "osv-directory", records.size());
  RecordParser parser;
  std::string buffer;
  for (const auto& path : containers) {
    auto inner = read_file_by_content(path, parser, buffer, diags);
    if (!inner.ok()) {
      diags.add(path, 0, inner.error().message);
      continue;
    }
    batch.merge(std::move(*inner));
  }
  return batch;
}

}  // namespace

core::Result<FeedBatch> read_zip(const std::string& path, core::Diagnostics& diags) {
  archive* reader = archive_read_new();
  archive_read_support_format_zip(reader);
  archive_read_support_format_tar(reader);
  archive_read_support_filter_all(reader);
  if (archive_read_open_filename(reader, path.c_str(), 1 << 16) != ARCHIVE_OK) {
    core::Error error =
        core::invalid_argument(path + ": not a readable archive: " + archive_error_string(reader));
    archive_read_free(reader);
    return error;
  }
  FeedBatch batch;
  RecordParser parser;
  std::string buffer;
  std::size_t records = 0;
  const std::string member_prefix = path + "!";  // a member's source is "<archive>!<member>"
  archive_entry* entry = nullptr;
  while (true) {
    int status = archive_read_next_header(reader, &entry);
    if (status == ARCHIVE_EOF) break;
    if (status == ARCHIVE_FATAL) {
      diags.add(path, 0,
                std::string("archive is corrupt or truncated: ") + archive_error_string(reader) +
                    "; later members are lost");
      break;
    }
    if (status == ARCHIVE_RETRY) continue;
    const char* raw_name = archive_entry_pathname(entry);
    std::string name = raw_name != nullptr ? raw_name : "";
    if (archive_entry_filetype(entry) != AE_IFREG || !ends_with(name, ".json")) continue;
    ++records;
    const std::string source = member_prefix + name;
    buffer.clear();
    if (archive_entry_size_is_set(entry)) {
      buffer.reserve(static_cast<std::size_t>(archive_entry_size(entry)) + kReadPadding);
    }
    char chunk[1 << 16];
    la_ssize_t got = 0;
    while ((got = archive_read_data(reader, chunk, sizeof chunk)) > 0) {
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    if (got < 0) {
      diags.add(source, 0, std::string("cannot read member: ") + archive_error_string(reader));
      if (got == ARCHIVE_FATAL) break;
      continue;
    }
    buffer.reserve(buffer.size() + kReadPadding);
    parser.parse_padded(buffer, buffer.capacity(), source, 0, batch, diags);
  }
  archive_read_free(reader);
  add_source(batch, path, "osv-zip", records);
  batch.deduplicate();
  return batch;
}

core::Result<FeedBatch> read_path(const std::string& path, core::Diagnostics& diags) {
  std::error_code error;
  auto status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    return core::not_found(path + ": no such file or directory");
  }
  RecordParser parser;
  std::string buffer;
  auto batch = fs::is_directory(status) ? read_directory(path, diags)
                                        : read_file_by_content(path, parser, buffer, diags);
  if (batch.ok()) batch->deduplicate();
  return batch;
}

}  // namespace fleetpatch::feed::osv
