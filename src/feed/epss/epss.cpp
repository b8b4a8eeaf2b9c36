#include "feed/epss/epss.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "feed/file_io.hpp"

namespace fleetpatch::feed::epss {
namespace {

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find(sep, start);
    out.push_back(trim(line.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

bool valid_cve(std::string_view id) {
  if (id.size() < 13 || id.substr(0, 4) != "CVE-" || id[8] != '-') return false;
  for (std::size_t i = 4; i < id.size(); ++i) {
    if (i == 8) continue;
    if (id[i] < '0' || id[i] > '9') return false;
  }
  return true;
}

bool parse_unit(std::string_view text, double& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(out) &&
         out >= 0.0 && out <= 1.0;
}

}  // namespace

bool looks_like_epss(std::string_view head) {
  head = trim(head.substr(0, head.find('\n')));
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  return head.starts_with("#model_version") || head.starts_with("cve,epss");
}

core::Result<std::string> maybe_gunzip(std::string_view bytes, std::string_view source) {
  if (!is_gzip(bytes)) return std::string(bytes);
  std::string out;
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) {
    return core::Error{core::ErrorCode::kInternal, "zlib: inflateInit2 failed"};
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  char buffer[1 << 16];
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    const int status = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (status == Z_STREAM_END) {
      // Concatenated gzip members are one file (gzip -c a b > c).
      if (stream.avail_in > 0 &&
          is_gzip({reinterpret_cast<const char*>(stream.next_in), stream.avail_in})) {
        inflateReset(&stream);
        continue;
      }
      break;
    }
    if (status != Z_OK) {
      const std::string message = stream.msg != nullptr ? stream.msg : "corrupt data";
      inflateEnd(&stream);
      return core::invalid_argument(std::string(source) + ": gzip: " + message);
    }
    if (stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      return core::invalid_argument(std::string(source) + ": gzip: truncated");
    }
  }
  inflateEnd(&stream);
  return out;
}

core::Result<EpssData> parse_csv(std::string_view text, std::string_view source,
                                 core::Diagnostics& diags) {
  EpssData data;
  std::size_t cve_col = 0, epss_col = 0, percentile_col = 0, columns = 0;
  bool has_percentile = false;
  bool header_seen = false;
  std::size_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++number;
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    if (line.empty()) continue;
    if (line.front() == '#') {
      for (std::string_view field : split(line.substr(1), ',')) {
        const std::size_t colon = field.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view key = trim(field.substr(0, colon));
        const std::string_view value = trim(field.substr(colon + 1));
        if (key == "model_version") data.model_version = std::string(value);
        if (key == "score_date") data.score_date = std::string(value);
      }
      continue;
    }
    const std::vector<std::string_view> fields = split(line, ',');
    if (!header_seen) {
      bool has_cve = false, has_epss = false;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (fields[i] == "cve") {
          cve_col = i;
          has_cve = true;
        } else if (fields[i] == "epss") {
          epss_col = i;
          has_epss = true;
        } else if (fields[i] == "percentile") {
          percentile_col = i;
          has_percentile = true;
        }
      }
      if (!has_cve || !has_epss) {
        return core::invalid_argument(std::string(source) + ":" + std::to_string(number) +
                                      ": not an EPSS CSV: expected a header row "
                                      "\"cve,epss,percentile\"");
      }
      columns = fields.size();
      header_seen = true;
      continue;
    }
    auto bad = [&](std::string message) {
      diags.add(std::string(source), number, std::move(message));
    };
    if (fields.size() != columns) {
      bad("expected " + std::to_string(columns) + " columns, found " +
          std::to_string(fields.size()));
      continue;
    }
    EpssRow row;
    row.cve = std::string(fields[cve_col]);
    if (!valid_cve(row.cve)) {
      bad("not a CVE id: \"" + row.cve + "\"");
      continue;
    }
    if (!parse_unit(fields[epss_col], row.epss)) {
      bad("epss must be a number in [0, 1]: \"" + std::string(fields[epss_col]) + "\"");
      continue;
    }
    if (has_percentile && !parse_unit(fields[percentile_col], row.percentile)) {
      bad("percentile must be a number in [0, 1]: \"" + std::string(fields[percentile_col]) + "\"");
      continue;
    }
    data.rows.push_back(std::move(row));
  }
  if (!header_seen) {
    return core::invalid_argument(std::string(source) +
                                  ": not an EPSS CSV: no header row \"cve,epss,percentile\"");
  }
  return data;
}

core::Result<EpssData> read_file(const std::string& path, core::Diagnostics& diags) {
  std::string bytes;
  if (auto status = feed::read_file(path, bytes); !status.ok()) return status.error();
  auto text = maybe_gunzip(bytes, path);
  if (!text.ok()) return text.error();
  return parse_csv(*text, path, diags);
}

bool is_epss_file(const std::string& path) {
  auto head = feed::read_head(path, 4096);
  if (!head.ok()) return false;
  if (!is_gzip(*head)) return looks_like_epss(*head);
  // The first block of a gzip stream decompresses to the start of the text; a short head is
  // "truncated" for zlib, so decompress what there is by hand.
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return false;
  stream.next_in = reinterpret_cast<Bytef*>(head->data());
  stream.avail_in = static_cast<uInt>(head->size());
  char buffer[512];
  stream.next_out = reinterpret_cast<Bytef*>(buffer);
  stream.avail_out = sizeof buffer;
  inflate(&stream, Z_SYNC_FLUSH);
  const std::size_t produced = sizeof buffer - stream.avail_out;
  inflateEnd(&stream);
  return looks_like_epss(std::string_view(buffer, produced));
}

std::string write_csv(const EpssData& data) {
  std::vector<const EpssRow*> rows;
  rows.reserve(data.rows.size());
  for (const auto& r : data.rows) rows.push_back(&r);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const EpssRow* a, const EpssRow* b) { return a->cve < b->cve; });
  std::string out;
  out.reserve(32 * rows.size() + 128);
  if (!data.model_version.empty() || !data.score_date.empty()) {
    out += "#model_version:" + data.model_version + ",score_date:" + data.score_date + "\n";
  }
  out += "cve,epss,percentile\n";
  char buf[64];
  for (const EpssRow* r : rows) {
    out += r->cve;
    const int n = std::snprintf(buf, sizeof buf, ",%.5f,%.5f\n", r->epss, r->percentile);
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace fleetpatch::feed::epss
