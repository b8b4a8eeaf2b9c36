#include "feed/osv/bundle.hpp"

#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "feed/file_io.hpp"
#include "feed/osv/osv.hpp"

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
  FeedBatch batch;
  RecordParser parser;
  ZSTD_DCtx* context = ZSTD_createDCtx();
  std::string pending;  // decompressed bytes not yet split into lines
  std::string out_buffer(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  std::size_t line = 0;
  std::size_t records = 0;
  bool stream_ok = true;
  std::size_t last_result = 0;

  auto take_lines = [&](bool final) {
    std::size_t start = 0;
    while (true) {
      std::size_t newline = pending.find('\n', start);
      if (newline == std::string::npos) break;
      ++line;
      std::string_view text(pending.data() + start, newline - start);
      if (!text.empty()) {
        ++records;
        parser.parse(text, source, line, batch, diags);
      }
      start = newline + 1;
    }
    pending.erase(0, start);
    if (final && !pending.empty()) {
      ++line;
      ++records;
      parser.parse(pending, source, line, batch, diags);
      pending.clear();
    }
  };

  while (input.pos < input.size) {
    ZSTD_outBuffer output{out_buffer.data(), out_buffer.size(), 0};
    last_result = ZSTD_decompressStream(context, &output, &input);
    if (ZSTD_isError(last_result)) {
      diags.add(source, line + 1,
                std::string("corrupt bundle: ") + ZSTD_getErrorName(last_result) +
                    "; records after line " + std::to_string(line) + " are lost");
      stream_ok = false;
      break;
    }
    pending.append(out_buffer.data(), output.pos);
    take_lines(false);
  }
  if (stream_ok && last_result != 0) {
    diags.add(source, line + 1,
              "truncated bundle: the compressed stream ends inside a frame; records after line " +
                  std::to_string(line) + " are lost");
    stream_ok = false;
  }
  ZSTD_freeDCtx(context);
  // A final line without its newline is a complete record only if the stream ended properly.
  if (stream_ok) {
    take_lines(true);
  } else if (!pending.empty()) {
    pending.clear();
  }
  if (compressed.empty()) {
    diags.add(source, 0, "empty bundle");
  }
  SourceInfo info;
  info.path = source;
  info.format = "osv-bundle";
  info.date = newest_modified(batch, 0);
  info.records = records;
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
