// Paths to CSAF documents: single files, directory trees and archives.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>

#include "feed/csaf/csaf.hpp"
#include "feed/file_io.hpp"
#include "feed/parallel.hpp"

namespace fleetpatch::feed::csaf {
namespace {

namespace fs = std::filesystem;

void add_source(FeedBatch& batch, const std::string& path, std::string format,
                std::size_t records) {
  SourceInfo info;
  info.path = path;
  info.format = std::move(format);
  for (const auto& advisory : batch.advisories) info.date = std::max(info.date, advisory.modified);
  info.records = records;
  info.accepted = batch.advisories.size();
  batch.sources.push_back(std::move(info));
}

core::Result<FeedBatch> read_directory(const std::string& root, core::Diagnostics& diags) {
  std::vector<std::string> documents;
  std::error_code error;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error);
  if (error) return core::io_error(root + ": " + error.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) return core::io_error(root + ": " + error.message());
    if (it->is_regular_file(error) && ends_with(it->path().filename().string(), ".json")) {
      documents.push_back(it->path().string());
    }
  }
  if (error) return core::io_error(root + ": " + error.message());
  std::sort(documents.begin(), documents.end());

  const std::size_t workers = worker_count(documents.size());
  std::vector<FeedBatch> parts(workers);
  std::vector<core::Diagnostics> part_diags(workers);
  run_ranges(documents.size(), workers,
             [&](std::size_t worker, std::size_t begin, std::size_t end) {
               DocumentParser parser;
               std::string buffer;
               for (std::size_t i = begin; i < end; ++i) {
                 if (auto status = read_file(documents[i], buffer); !status.ok()) {
                   part_diags[worker].add(documents[i], 0, status.error().message);
                   continue;
                 }
                 parser.parse(buffer, documents[i], parts[worker], part_diags[worker]);
               }
             });
  FeedBatch batch;
  for (std::size_t worker = 0; worker < workers; ++worker) {
    batch.merge(std::move(parts[worker]));
    diags.merge(std::move(part_diags[worker]));
  }
  add_source(batch, root, "csaf-directory", documents.size());
  return batch;
}

core::Result<FeedBatch> read_archive(const std::string& path, core::Diagnostics& diags) {
  archive* reader = archive_read_new();
  archive_read_support_format_tar(reader);
  archive_read_support_format_zip(reader);
  archive_read_support_filter_all(reader);
  if (archive_read_open_filename(reader, path.c_str(), 1 << 16) != ARCHIVE_OK) {
    core::Error error =
        core::invalid_argument(path + ": not a readable archive: " + archive_error_string(reader));
    archive_read_free(reader);
    return error;
  }
  FeedBatch batch;
  DocumentParser parser;
  std::string buffer;
  std::size_t documents = 0;
  const std::string member_prefix = path + "!";  // a member's source is "<archive>!<member>"
  archive_entry* entry = nullptr;
  while (true) {
    const int status = archive_read_next_header(reader, &entry);
    if (status == ARCHIVE_EOF) break;
    if (status == ARCHIVE_FATAL) {
      diags.add(path, 0,
                std::string("archive is corrupt or truncated: ") + archive_error_string(reader) +
                    "; later members are lost");
      break;
    }
    if (status == ARCHIVE_RETRY) continue;
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    if (archive_entry_filetype(entry) != AE_IFREG || !ends_with(name, ".json")) continue;
    ++documents;
    const std::string source = member_prefix + name;
    buffer.clear();
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
    parser.parse(buffer, source, batch, diags);
  }
  archive_read_free(reader);
  add_source(batch, path, "csaf-archive", documents);
  return batch;
}

}  // namespace

bool is_csaf_directory(const std::string& path) {
  std::error_code error;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file(error) || !ends_with(it->path().filename().string(), ".json")) {
      continue;
    }
    auto head = read_head(it->path().string(), 4096);
    return head.ok() && looks_like_csaf(*head);
  }
  return false;
}

bool looks_like_csaf_archive(const std::string& path) {
  archive* reader = archive_read_new();
  archive_read_support_format_tar(reader);
  archive_read_support_format_zip(reader);
  archive_read_support_filter_all(reader);
  bool csaf = false;
  if (archive_read_open_filename(reader, path.c_str(), 1 << 16) == ARCHIVE_OK) {
    archive_entry* entry = nullptr;
    // Look at the first few members only: archives put their documents first.
    for (int i = 0; i < 64 && archive_read_next_header(reader, &entry) == ARCHIVE_OK; ++i) {
      const char* name = archive_entry_pathname(entry);
      if (archive_entry_filetype(entry) != AE_IFREG || name == nullptr ||
          !ends_with(name, ".json")) {
        continue;
      }
      char head[4096];
      const la_ssize_t got = archive_read_data(reader, head, sizeof head);
      csaf = got > 0 && looks_like_csaf(std::string_view(head, static_cast<std::size_t>(got)));
      break;
    }
  }
  archive_read_free(reader);
  return csaf;
}

core::Result<FeedBatch> read_path(const std::string& path, core::Diagnostics& diags) {
  std::error_code error;
  auto status = fs::status(path, error);
  if (error || !fs::exists(status)) return core::not_found(path + ": no such file or directory");
  core::Result<FeedBatch> batch = core::Error{};
  if (fs::is_directory(status)) {
    batch = read_directory(path, diags);
  } else {
    auto head = read_head(path, 512);
    if (!head.ok()) return head.error();
    const std::size_t first = head->find_first_not_of(" \t\r\n");
    if (looks_like_csaf(*head) || (first != std::string::npos && (*head)[first] == '{')) {
      std::string buffer;
      if (auto read = read_file(path, buffer); !read.ok()) return read.error();
      FeedBatch single;
      DocumentParser parser;
      parser.parse(buffer, path, single, diags);
      add_source(single, path, "csaf-json", 1);
      batch = std::move(single);
    } else {
      batch = read_archive(path, diags);
    }
  }
  if (batch.ok()) batch->deduplicate();
  return batch;
}

}  // namespace fleetpatch::feed::csaf
