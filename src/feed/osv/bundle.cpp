#include "feed/osv/bundle.hpp"

#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "feed/file_io.hpp"
#include "feed/osv/osv.hpp"
#include "feed/parallel.hpp"

namespace fleetpatch::feed::osv {
namespace {

using nlohmann::json;

void copy_fields(const json& from, json& to, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (auto it = from.find(key); it != from.end()) to[key] = *it;
  }
}

/// Newest `modified` of the advisories from index `first` on.
std::string newest_modified(const FeedBatch& batch, std::size_t first) {
  std::string newest;
  for (std::size_t i = first; i < batch.advisories.size(); ++i) {
    newest = std::max(newest, batch.advisories[i].modified);
  }
  return newest;
}

}  // namespace

core::Result<std::string> strip_record(std::string_view osv_json) {
  json record = json::parse(osv_json, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded() || !record.is_object()) {
    return core::invalid_argument("not a JSON object");
  }
  json out = json::object();
  copy_fields(record, out,
              {"id", "summary", "published", "modified", "withdrawn", "aliases", "related",
               "upstream", "severity", "database_specific"});
  if (auto it = record.find("affected"); it != record.end() && it->is_array()) {
    json affected = json::array();
    for (const auto& entry : *it) {
      if (!entry.is_object()) continue;
      json kept = json::object();
      copy_fields(entry, kept,
                  {"package", "ranges", "severity", "ecosystem_specific", "database_specific"});
      affected.push_back(std::move(kept));
    }
    out["affected"] = std::move(affected);
  }
  // dump() escapes control characters, so the line cannot contain a raw newline.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

core::Status write_bundle(const std::vector<std::string>& osv_json_records, const std::string& path,
                          int level) {
  std::string lines;
  for (std::size_t i = 0; i < osv_json_records.size(); ++i) {
    auto stripped = strip_record(osv_json_records[i]);
    if (!stripped.ok()) {
      return core::invalid_argument("record " + std::to_string(i + 1) + ": " +
                                    stripped.error().message);
    }
    lines += *stripped;
    lines += '\n';
  }
  std::string compressed(ZSTD_compressBound(lines.size()), '\0');
  std::size_t size =
      ZSTD_compress(compressed.data(), compressed.size(), lines.data(), lines.size(), level);
  if (ZSTD_isError(size)) {
    return core::Error{core::ErrorCode::kInternal,
                       std::string("zstd compression failed: ") + ZSTD_getErrorName(size)};
  }
  compressed.resize(size);

  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(compressed.data(), static_cast<std::streamsize>(compressed.size()));
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      return core::io_error(temporary + ": cannot write");
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::remove(temporary.c_str());
    return core::io_error(path + ": " + error.message());
  }
  return {};
}

FeedBatch read_bundle_bytes(std::string_view compressed, const std::string& source,
                            core::Diagnostics& diags) {
  // Decompress everything first (the AlmaLinux feed is ~25 MB of lines), then parse the lines
  // in parallel straight from the buffer: the bytes after each line keep simdjson's reads in
  // bounds, and kReadPadding is reserved after the last one.
  std::string text;
  std::string problem;
  if (compressed.empty()) {
    problem = "empty bundle";
  } else {
    ZSTD_DCtx* context = ZSTD_createDCtx();
    std::string out_buffer(ZSTD_DStreamOutSize(), '\0');
    ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
    std::size_t last_result = 0;
    while (input.pos < input.size) {
      ZSTD_outBuffer output{out_buffer.data(), out_buffer.size(), 0};
      last_result = ZSTD_decompressStream(context, &output, &input);
      if (ZSTD_isError(last_result)) {
        problem = std::string("corrupt bundle: ") + ZSTD_getErrorName(last_result);
        break;
      }
      text.append(out_buffer.data(), output.pos);
    }
    if (problem.empty() && last_result != 0) {
      problem = "truncated bundle: the compressed stream ends inside a frame";
    }
    ZSTD_freeDCtx(context);
  }
  if (!problem.empty()) {
    // Only complete lines are trusted from a damaged stream.
    std::size_t last_newline = text.rfind('\n');
    text.resize(last_newline == std::string::npos ? 0 : last_newline + 1);
  }
  text.reserve(text.size() + kReadPadding);

  struct Line {
    std::size_t offset;
    std::size_t length;
    std::size_t number;
  };
  std::vector<Line> lines;
  std::size_t number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t newline = text.find('\n', start);
    if (newline == std::string::npos) newline = text.size();
    ++number;
    if (newline > start) lines.push_back({start, newline - start, number});
    start = newline + 1;
  }
  if (!problem.empty()) {
    diags.add(source, number + 1,
              problem + "; records after line " + std::to_string(number) + " are lost");
  }

  const std::size_t workers = worker_count(lines.size());
  std::vector<FeedBatch> parts(workers);
  std::vector<core::Diagnostics> part_diags(workers);
  run_ranges(lines.size(), workers, [&](std::size_t worker, std::size_t begin, std::size_t end) {
    RecordParser parser;
    for (std::size_t i = begin; i < end; ++i) {
      const Line& line = lines[i];
      parser.parse_padded(std::string_view(text.data() + line.offset, line.length),
                          text.capacity() - line.offset, source, line.number, parts[worker],
                          part_diags[worker]);
    }
  });
  FeedBatch batch;
  for (std::size_t worker = 0; worker < workers; ++worker) {
    batch.merge(std::move(parts[worker]));
    diags.merge(std::move(part_diags[worker]));
  }

  SourceInfo info;
  info.path = source;
  info.format = "osv-bundle";
  info.date = newest_modified(batch, 0);
  info.records = lines.size();
  info.accepted = batch.advisories.size();
  batch.sources.push_back(std::move(info));
  batch.deduplicate();
  return batch;
}

core::Result<FeedBatch> read_bundle(const std::string& path, core::Diagnostics& diags) {
  std::string bytes;
  if (auto status = read_file(path, bytes); !status.ok()) return status.error();
  return read_bundle_bytes(bytes, path, diags);
}

}  // namespace fleetpatch::feed::osv
