#include "feed/kev/kev.hpp"

#include <simdjson.h>

#include <cctype>

#include "feed/file_io.hpp"

namespace fleetpatch::feed::kev {
namespace {

namespace sj = simdjson::ondemand;

bool is_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

bool is_cve(std::string_view text) {
  constexpr std::string_view kPrefix = "CVE-";
  if (text.substr(0, kPrefix.size()) != kPrefix || text.size() < 13 || text[8] != '-') {
    return false;
  }
  for (std::size_t i = kPrefix.size(); i < text.size(); ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

/// Reads a string field; a value of another type is a problem for the entry (not the parse).
simdjson::error_code read_text(sj::value& value, std::string& out, bool& wrong_type) {
  sj::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type != sj::json_type::string) {
    wrong_type = true;
    return simdjson::SUCCESS;
  }
  std::string_view text;
  if (auto e = value.get_string().get(text)) return e;
  out.assign(text);
  return simdjson::SUCCESS;
}

}  // namespace

core::Result<KevCatalog> parse_catalog(std::string_view json, const std::string& source,
                                       core::Diagnostics& diags) {
  simdjson::padded_string padded(json);
  sj::parser parser;
  sj::document doc;
  auto fail = [&](const std::string& where, simdjson::error_code e) {
    return core::invalid_argument(source + ": " + where + ": " + simdjson::error_message(e));
  };
  if (auto e = parser.iterate(padded).get(doc)) return fail("not a KEV catalog", e);
  sj::object object;
  if (auto e = doc.get_object().get(object)) return fail("not a KEV catalog", e);
  KevCatalog catalog;
  bool saw_vulnerabilities = false;
  for (auto field_result : object) {
    sj::field field;
    if (auto e = std::move(field_result).get(field)) return fail("catalog", e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return fail("catalog", e);
    sj::value value = field.value();
    bool wrong_type = false;
    if (key == "title") {
      if (auto e = read_text(value, catalog.title, wrong_type)) return fail("title", e);
    } else if (key == "catalogVersion") {
      if (auto e = read_text(value, catalog.catalog_version, wrong_type)) {
        return fail("catalogVersion", e);
      }
    } else if (key == "dateReleased") {
      if (auto e = read_text(value, catalog.date_released, wrong_type)) {
        return fail("dateReleased", e);
      }
    } else if (key == "count") {
      std::uint64_t count = 0;
      if (value.get_uint64().get(count) == simdjson::SUCCESS) catalog.declared_count = count;
    } else if (key == "vulnerabilities") {
      saw_vulnerabilities = true;
      sj::array array;
      if (auto e = value.get_array().get(array)) return fail("vulnerabilities", e);
      std::size_t index = 0;
      for (auto item : array) {
        ++index;
        sj::object entry_object;
        if (auto e = item.get_object().get(entry_object)) {
          return fail("vulnerabilities[" + std::to_string(index - 1) + "]", e);
        }
        core::KevEntry entry;
        std::string ransomware;
        bool bad_type = false;
        for (auto entry_field_result : entry_object) {
          sj::field entry_field;
          simdjson::error_code e = std::move(entry_field_result).get(entry_field);
          std::string_view entry_key;
          if (!e) e = entry_field.unescaped_key().get(entry_key);
          if (e) return fail("vulnerabilities[" + std::to_string(index - 1) + "]", e);
          sj::value entry_value = entry_field.value();
          std::string* slot = nullptr;
          if (entry_key == "cveID") {
            slot = &entry.cve;
          } else if (entry_key == "vendorProject") {
            slot = &entry.vendor;
          } else if (entry_key == "product") {
            slot = &entry.product;
          } else if (entry_key == "dateAdded") {
            slot = &entry.date_added;
          } else if (entry_key == "dueDate") {
            slot = &entry.due_date;
          } else if (entry_key == "knownRansomwareCampaignUse") {
            slot = &ransomware;
          }
          if (slot == nullptr) continue;
          if (auto read_error = read_text(entry_value, *slot, bad_type)) {
            return fail("vulnerabilities[" + std::to_string(index - 1) + "]", read_error);
          }
        }
        entry.known_ransomware = ransomware == "Known";
        std::string problem;
        if (bad_type) {
          problem = "a field is not a string";
        } else if (!is_cve(entry.cve)) {
          problem = "cveID is missing or not a CVE id";
        } else if (!is_date(entry.date_added)) {
          problem = "dateAdded is not YYYY-MM-DD";
        } else if (!is_date(entry.due_date)) {
          problem = "dueDate is not YYYY-MM-DD";
        }
        if (!problem.empty()) {
          std::string record =
              entry.cve.empty() ? "vulnerabilities[" + std::to_string(index - 1) + "]" : entry.cve;
          diags.add(source, 0, problem, std::move(record));
          continue;
        }
        catalog.entries.push_back(std::move(entry));
      }
    }
  }
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
    return fail("catalog", simdjson::TRAILING_CONTENT);
  }
  if (!saw_vulnerabilities) {
    return core::invalid_argument(source + ": not a KEV catalog: no \"vulnerabilities\" array");
  }
  if (catalog.declared_count != 0 && catalog.declared_count != catalog.entries.size()) {
    diags.add(source, 0,
              "catalog says count " + std::to_string(catalog.declared_count) + " but " +
                  std::to_string(catalog.entries.size()) + " entries were read");
  }
  return catalog;
}

bool looks_like_kev(std::string_view head) {
  return head.find("\"catalogVersion\"") != std::string_view::npos ||
         (head.find("\"vulnerabilities\"") != std::string_view::npos &&
          head.find("\"cveID\"") != std::string_view::npos);
}

core::Result<FeedBatch> read_kev(const std::string& path, core::Diagnostics& diags) {
  std::string bytes;
  if (auto status = read_file(path, bytes); !status.ok()) return status.error();
  if (sniff(bytes) == Magic::kZstd) {  // a compressed catalog, like the demo's kev.json.zst
    std::string json;
    if (auto status = zstd_decompress(bytes, path, json); !status.ok()) return status.error();
    bytes = std::move(json);
  }
  auto catalog = parse_catalog(bytes, path, diags);
  if (!catalog.ok()) return catalog.error();
  FeedBatch batch;
  SourceInfo info;
  info.path = path;
  info.format = "kev";
  info.version = catalog->catalog_version;
  info.date = catalog->date_released;
  info.accepted = catalog->entries.size();
  info.records = catalog->declared_count != 0 ? catalog->declared_count : info.accepted;
  batch.kev = std::move(catalog->entries);
  batch.sources.push_back(std::move(info));
  return batch;
}

}  // namespace fleetpatch::feed::kev
