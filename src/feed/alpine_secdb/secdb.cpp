#include "feed/alpine_secdb/secdb.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <unordered_map>

#include "distro/distro.hpp"
#include "feed/file_io.hpp"
#include "feed/parallel.hpp"
#include "version/apk_version.hpp"

namespace fleetpatch::feed::alpine_secdb {
namespace {

namespace sj = simdjson::ondemand;
using simdjson::error_code;

// ---- the document, whatever its syntax ---------------------------------------------------

struct Fix {
  std::string version;
  std::vector<std::string> ids;
  std::size_t line = 0;
};

struct PackageFixes {
  std::string name;
  std::vector<Fix> fixes;
  std::size_t line = 0;
};

struct Document {
  std::string distroversion;
  std::string reponame;
  std::vector<PackageFixes> packages;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_blank(text[pos])) ++pos;
    std::size_t start = pos;
    while (pos < text.size() && !is_blank(text[pos])) ++pos;
    if (pos > start) words.push_back(text.substr(start, pos - start));
  }
  return words;
}

/// "CVE-2017-17434-1", "CVE_2019-2426", "CVE-2017-8073.patch" -> "CVE-2017-17434", ...: the CVE
/// id a word starts with, or "".
std::string cve_prefix(std::string_view word) {
  if (word.size() < 13 || word.substr(0, 3) != "CVE" || (word[3] != '-' && word[3] != '_')) {
    return {};
  }
  std::size_t pos = 4;
  for (; pos < 8; ++pos) {
    if (!is_digit(word[pos])) return {};
  }
  if (word[8] != '-' && word[8] != '_') return {};
  pos = 9;
  while (pos < word.size() && is_digit(word[pos])) ++pos;
  if (pos - 9 < 4) return {};
  return "CVE-" + std::string(word.substr(4, 4)) + "-" + std::string(word.substr(9, pos - 9));
}

/// "XSA-207", "TALOS-2017-0499", "wnpa-sec-2017-18" (Wireshark): a letter, then letters or
/// digits, a dash and a rest of letters, digits, dashes and dots holding a digit.
bool is_other_id(std::string_view word) {
  std::size_t dash = word.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == word.size()) return false;
  if (!std::isalpha(static_cast<unsigned char>(word[0]))) return false;
  if (word.substr(0, dash) == "CVE") return false;  // a misspelt CVE id is not another id
  for (std::size_t i = 0; i < dash; ++i) {
    if (!std::isalnum(static_cast<unsigned char>(word[i]))) return false;
  }
  bool digit = false;
  for (char c : word.substr(dash + 1)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
      return false;
    }
    digit = digit || is_digit(c);
  }
  return digit;
}

struct VulnerabilityId {
  std::string id;
  bool is_cve = false;
};

std::optional<VulnerabilityId> vulnerability_id(std::string_view entry) {
  const auto words = split_words(entry);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (std::string cve = cve_prefix(words[i]); !cve.empty()) return VulnerabilityId{cve, true};
    // "CVE 2018-16859": the id split by a space.
    if (words[i] == "CVE" && i + 1 < words.size()) {
      const std::string joined = "CVE-" + std::string(words[i + 1]);
      if (std::string cve = cve_prefix(joined); !cve.empty()) return VulnerabilityId{cve, true};
    }
  }
  for (auto word : words) {
    if (is_other_id(word)) return VulnerabilityId{std::string(word), false};
  }
  return std::nullopt;
}

/// Turns a document into advisories (one per vulnerability id, sorted by id).
std::vector<core::Advisory> to_advisories(const Document& doc, const std::string& source,
                                          core::Diagnostics& diags, SecdbStats& stats) {
  stats.distroversion = doc.distroversion;
  stats.reponame = doc.reponame;
  stats.packages = doc.packages.size();
  for (const auto& package : doc.packages) stats.fixes += package.fixes.size();
  std::vector<core::Advisory> advisories;
  if (doc.distroversion == "edge") return advisories;  // the development branch: no release
  auto release = distro::resolve_osv_ecosystem("Alpine:" + doc.distroversion);
  if (!release || release->distro->family() != "alpine") {
    diags.add(source, 0,
              "distroversion \"" + doc.distroversion + "\" is not an Alpine release (vX.Y)");
    return advisories;
  }
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& package : doc.packages) {
    for (const auto& fix : package.fixes) {
      const bool never_affected = fix.version == "0";
      if (!never_affected) {
        auto version = version::ApkVersion::parse(fix.version);
        if (!version.ok()) {
          diags.add(source, fix.line, "invalid version key: " + version.error().message,
                    package.name);
          continue;
        }
      }
      for (const auto& entry : fix.ids) {
        auto id = vulnerability_id(entry);
        if (!id) {
          diags.add(source, fix.line, "no CVE or other id in \"" + entry + "\"", package.name);
          continue;
        }
        std::string advisory_id = std::string(kSecdbIdPrefix) + id->id;
        auto [it, inserted] = index.emplace(advisory_id, advisories.size());
        if (inserted) {
          core::Advisory advisory;
          advisory.id = std::move(advisory_id);
          advisory.kind = core::AdvisoryKind::kSecurity;
          if (id->is_cve) advisory.cves.push_back(id->id);
          advisories.push_back(std::move(advisory));
        }
        core::AffectedPackage affected;
        affected.release = release->key;
        affected.name = package.name;
        if (never_affected) {
          affected.state = core::FixState::kNotAffected;
        } else {
          affected.state = core::FixState::kFixed;
          affected.events = {{core::VersionEvent::Type::kIntroduced, "0"},
                             {core::VersionEvent::Type::kFixed, fix.version}};
        }
        auto& list = advisories[it->second].affected;
        if (std::find(list.begin(), list.end(), affected) == list.end()) {
          list.push_back(std::move(affected));
          ++stats.entries;
        }
      }
    }
  }
  std::sort(advisories.begin(), advisories.end(),
            [](const core::Advisory& a, const core::Advisory& b) { return a.id < b.id; });
  return advisories;
}

// ---- JSON ----------------------------------------------------------------------------------

class JsonReader {
 public:
  JsonReader(const std::string& source, core::Diagnostics& diags)
      : source_(source), diags_(diags) {}

  /// Structural errors end the read and come back as a message.
  std::optional<std::string> read(sj::document& json, Document& doc) {
    sj::object root;
    if (auto e = json.get_object().get(root)) return where("document", e);
    for (auto field_result : root) {
      sj::field field;
      if (auto e = std::move(field_result).get(field)) return where("document", e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return where("document", e);
      sj::value value = field.value();
      if (key == "distroversion" || key == "reponame") {
        std::string& out = key == "distroversion" ? doc.distroversion : doc.reponame;
        bool wrong_type = false;
        if (auto e = read_text(value, out, wrong_type)) return where(key, e);
        if (wrong_type) diags_.add(source_, 0, std::string(key) + " is not a string");
      } else if (key == "packages") {
        if (auto message = read_packages(value, doc)) return message;
      }
    }
    const char* trailing = nullptr;
    if (json.current_location().get(trailing) == simdjson::SUCCESS) {
      return where("document", simdjson::TRAILING_CONTENT);
    }
    return std::nullopt;
  }

 private:
  std::string where(std::string_view what, error_code e) const {
    return source_ + ": " + std::string(what) + ": " + simdjson::error_message(e);
  }

  static error_code read_text(sj::value& value, std::string& out, bool& wrong_type) {
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

  static error_code is_type(sj::value& value, sj::json_type want, bool& matches) {
    sj::json_type type;
    if (auto e = value.type().get(type)) return e;
    matches = type == want;
    return simdjson::SUCCESS;
  }

  std::optional<std::string> read_packages(sj::value& value, Document& doc) {
    bool ok = false;
    if (auto e = is_type(value, sj::json_type::array, ok)) return where("packages", e);
    if (!ok) {
      diags_.add(source_, 0, "packages is not an array");
      return std::nullopt;
    }
    sj::array items;
    if (auto e = value.get_array().get(items)) return where("packages", e);
    std::size_t index = 0;
    for (auto item_result : items) {
      const std::string item_name = "packages[" + std::to_string(index++) + "]";
      sj::value item;
      if (auto e = item_result.get(item)) return where(item_name, e);
      if (auto e = is_type(item, sj::json_type::object, ok)) return where(item_name, e);
      if (!ok) {
        diags_.add(source_, 0, item_name + " is not an object");
        continue;
      }
      sj::object item_object;
      if (auto e = item.get_object().get(item_object)) return where(item_name, e);
      for (auto field_result : item_object) {
        sj::field field;
        if (auto e = std::move(field_result).get(field)) return where(item_name, e);
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return where(item_name, e);
        if (key != "pkg") continue;
        sj::value pkg = field.value();
        PackageFixes package;
        if (auto message = read_pkg(pkg, item_name, package)) return message;
        if (!package.name.empty()) doc.packages.push_back(std::move(package));
      }
    }
    return std::nullopt;
  }

  /// One "pkg" object; a problem leaves package.name empty (the package is skipped).
  std::optional<std::string> read_pkg(sj::value& value, const std::string& item_name,
                                      PackageFixes& package) {
    bool ok = false;
    if (auto e = is_type(value, sj::json_type::object, ok)) return where(item_name, e);
    if (!ok) {
      diags_.add(source_, 0, item_name + ".pkg is not an object");
      return std::nullopt;
    }
    sj::object object;
    if (auto e = value.get_object().get(object)) return where(item_name, e);
    bool problem = false;
    for (auto field_result : object) {
      sj::field field;
      if (auto e = std::move(field_result).get(field)) return where(item_name, e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return where(item_name, e);
      sj::value field_value = field.value();
      if (key == "name") {
        bool wrong_type = false;
        if (auto e = read_text(field_value, package.name, wrong_type)) return where(item_name, e);
        problem = problem || wrong_type;
      } else if (key == "secfixes") {
        if (auto e = is_type(field_value, sj::json_type::null, ok)) return where(item_name, e);
        if (ok) continue;  // "secfixes": null, no fixes
        if (auto e = is_type(field_value, sj::json_type::object, ok)) return where(item_name, e);
        if (!ok) {
          problem = true;
          continue;
        }
        sj::object fixes;
        if (auto e = field_value.get_object().get(fixes)) return where(item_name, e);
        for (auto fix_result : fixes) {
          sj::field fix_field;
          if (auto e = std::move(fix_result).get(fix_field)) return where(item_name, e);
          Fix fix;
          std::string_view version;
          if (auto e = fix_field.unescaped_key().get(version)) return where(item_name, e);
          fix.version.assign(version);
          sj::value list = fix_field.value();
          if (auto e = is_type(list, sj::json_type::null, ok)) return where(item_name, e);
          if (!ok) {
            if (auto e = is_type(list, sj::json_type::array, ok)) return where(item_name, e);
            if (!ok) {
              problem = true;
              continue;
            }
            sj::array ids;
            if (auto e = list.get_array().get(ids)) return where(item_name, e);
            for (auto id_result : ids) {
              sj::value id_value;
              if (auto e = id_result.get(id_value)) return where(item_name, e);
              std::string id;
              bool wrong_type = false;
              if (auto e = read_text(id_value, id, wrong_type)) return where(item_name, e);
              if (wrong_type) {
                problem = true;
              } else {
                fix.ids.push_back(std::move(id));
              }
            }
          }
          package.fixes.push_back(std::move(fix));
        }
      }
    }
    if (problem || package.name.empty()) {
      diags_.add(source_, 0,
                 item_name + ": a name or secfixes field is missing or of the wrong type",
                 package.name);
      package.name.clear();
    }
    return std::nullopt;
  }

  const std::string& source_;
  core::Diagnostics& diags_;
};

// ---- YAML (the fixed shape of the older repository) ------------------------------------------

/// Strips one level of matching quotes.
std::string_view unquote(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front()) {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

/// The text before a " #" comment (not inside quotes).
std::string_view strip_comment(std::string_view line) {
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || is_blank(line[i - 1]))) {
      return line.substr(0, i);
    }
  }
  return line;
}

/// "key: value" / "key:" -> key and value (value "" when absent); nullopt when not a mapping.
std::optional<std::pair<std::string_view, std::string_view>> split_key(std::string_view content) {
  std::size_t colon = std::string_view::npos;
  char quote = 0;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const char c = content[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == ':' && (i + 1 == content.size() || is_blank(content[i + 1]))) {
      colon = i;
      break;
    }
  }
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  return std::pair{unquote(trim(content.substr(0, colon))), trim(content.substr(colon + 1))};
}

/// "[a, b]" -> {"a", "b"}; a plain scalar -> {scalar}; "" or "[]" -> {}.
std::vector<std::string> flow_items(std::string_view value) {
  std::vector<std::string> items;
  if (value.empty()) return items;
  if (value.front() == '[' && value.back() == ']') {
    value = value.substr(1, value.size() - 2);
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      std::string_view item = trim(value.substr(start, comma - start));
      if (!item.empty()) items.emplace_back(unquote(item));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return items;
  }
  items.emplace_back(unquote(value));
  return items;
}

class YamlReader {
 public:
  YamlReader(const std::string& source, core::Diagnostics& diags)
      : source_(source), diags_(diags) {}

  void line(std::string_view raw, std::size_t number, Document& doc) {
    line_ = number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view text = strip_comment(raw);
    std::size_t indent = 0;
    while (indent < text.size() && text[indent] == ' ') ++indent;
    std::string_view content = trim(text.substr(indent));
    if (content.empty()) return;
    if (indent < text.size() && text[indent] == '\t') {
      problem("tab in indentation");
      return;
    }
    if (indent == 0) {
      top_level(content, doc);
      return;
    }
    if (section_ != Section::kPackages) return;  // "archs:" items and the like
    packages_line(indent, content, doc);
  }

 private:
  enum class Section { kNone, kPackages, kOther };

  void problem(std::string message) {
    diags_.add(source_, line_, std::move(message), package_ ? package_->name : std::string());
  }

  void top_level(std::string_view content, Document& doc) {
    if (content == "---" || content == "...") return;
    auto kv = split_key(content);
    if (!kv) {
      problem("expected \"key: value\" at the top level");
      return;
    }
    const auto [key, value] = *kv;
    section_ = Section::kOther;
    if (key == "distroversion") {
      doc.distroversion = std::string(unquote(value));
    } else if (key == "reponame") {
      doc.reponame = std::string(unquote(value));
    } else if (key == "packages") {
      section_ = Section::kPackages;
      package_ = nullptr;
    }
  }

  void packages_line(std::size_t indent, std::string_view content, Document& doc) {
    if (content.front() == '-') {
      std::string_view item = trim(content.substr(1));
      auto kv = split_key(item);
      if (kv && kv->first == "pkg") {
        doc.packages.emplace_back();
        package_ = &doc.packages.back();
        package_->line = line_;
        fix_ = nullptr;
        secfixes_indent_.reset();
        if (!kv->second.empty()) problem("\"pkg:\" followed by a value");
        return;
      }
      if (kv && kv->first == "name" && package_ == nullptr) {
        // "- name: x" written without "pkg:" is not the shape this reader knows.
        problem("package item without \"pkg:\"");
        return;
      }
      if (fix_ == nullptr) {
        problem("list item outside a version's fix list");
        return;
      }
      fix_->ids.emplace_back(unquote(item));
      return;
    }
    if (package_ == nullptr) {
      problem("expected \"- pkg:\"");
      return;
    }
    auto kv = split_key(content);
    if (!kv) {
      problem("expected \"key:\" or \"- id\"");
      return;
    }
    const auto [key, value] = *kv;
    if (secfixes_indent_ && indent > *secfixes_indent_) {
      // A version key; its ids follow as "- id" lines (or inline, "1.2-r0: [CVE-...]").
      package_->fixes.push_back(Fix{std::string(key), flow_items(value), line_});
      fix_ = &package_->fixes.back();
      return;
    }
    secfixes_indent_.reset();
    fix_ = nullptr;
    if (key == "name") {
      package_->name = std::string(unquote(value));
    } else if (key == "secfixes") {
      if (!value.empty() && value != "{}") problem("secfixes followed by a value");
      secfixes_indent_ = indent;
    } else {
      // Also catches a version key indented no deeper than "secfixes:", which would otherwise
      // be lost without a word.
      problem("unexpected key \"" + std::string(key) + "\" in a package");
    }
  }

  const std::string& source_;
  core::Diagnostics& diags_;
  std::size_t line_ = 0;
  Section section_ = Section::kNone;
  PackageFixes* package_ = nullptr;  // into Document::packages, valid until the next "- pkg:"
  Fix* fix_ = nullptr;
  std::optional<std::size_t> secfixes_indent_;
};

// ---- files and directories -------------------------------------------------------------------

enum class Syntax { kJson, kYaml, kUnknown };

Syntax sniff_syntax(std::string_view head) {
  if (looks_like_secdb_json(head)) return Syntax::kJson;
  if (looks_like_secdb_yaml(head)) return Syntax::kYaml;
  return Syntax::kUnknown;
}

struct DocumentResult {
  std::vector<core::Advisory> advisories;
  SourceInfo info;
};

core::Result<DocumentResult> read_document(const std::string& path, std::string& buffer,
                                           core::Diagnostics& diags) {
  if (auto status = read_file(path, buffer); !status.ok()) return status.error();
  SecdbStats stats;
  DocumentResult result;
  result.info.path = path;
  core::Result<std::vector<core::Advisory>> advisories = core::Error{};
  switch (sniff_syntax(std::string_view(buffer).substr(0, 4096))) {
    case Syntax::kJson:
      advisories = parse_secdb_json(buffer, path, diags, &stats);
      result.info.format = "alpine-secdb-json";
      break;
    case Syntax::kYaml:
      advisories = parse_secdb_yaml(buffer, path, diags, &stats);
      result.info.format = "alpine-secdb-yaml";
      break;
    case Syntax::kUnknown:
      return core::unsupported(path + ": not an Alpine secdb document (no \"distroversion\")");
  }
  if (!advisories.ok()) return advisories.error();
  result.advisories = std::move(*advisories);
  result.info.version = stats.distroversion + "/" + stats.reponame;
  result.info.records = stats.packages;
  result.info.accepted = result.advisories.size();
  return result;
}

/// Merges per-document advisories by id, in document order.
class Merger {
 public:
  void add(std::vector<core::Advisory> advisories) {
    for (auto& advisory : advisories) {
      auto [it, inserted] = index_.emplace(advisory.id, merged_.size());
      if (inserted) {
        merged_.push_back(std::move(advisory));
        continue;
      }
      auto& list = merged_[it->second].affected;
      for (auto& entry : advisory.affected) {
        if (std::find(list.begin(), list.end(), entry) == list.end()) {
          list.push_back(std::move(entry));
        }
      }
    }
  }

  FeedBatch finish(std::vector<SourceInfo> sources) {
    FeedBatch batch;
    batch.advisories = std::move(merged_);
    for (const auto& advisory : batch.advisories) {
      std::vector<std::string_view> releases;
      for (const auto& entry : advisory.affected) releases.push_back(entry.release);
      std::sort(releases.begin(), releases.end());
      releases.erase(std::unique(releases.begin(), releases.end()), releases.end());
      for (auto release : releases) ++batch.advisories_per_release[std::string(release)];
    }
    batch.sources = std::move(sources);
    return batch;
  }

 private:
  std::vector<core::Advisory> merged_;
  std::unordered_map<std::string, std::size_t> index_;
};

bool has_secdb_name(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".json" || ext == ".yaml" || ext == ".yml";
}

std::vector<std::string> secdb_files(const std::string& root, std::size_t limit,
                                     std::error_code& error) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code type_error;
    if (it->is_regular_file(type_error) && has_secdb_name(it->path())) {
      files.push_back(it->path().string());
      if (files.size() >= limit) break;
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

core::Result<std::vector<core::Advisory>> parse_secdb_json(std::string_view json,
                                                           const std::string& source,
                                                           core::Diagnostics& diags,
                                                           SecdbStats* stats) {
  SecdbStats local;
  simdjson::padded_string padded(json);
  sj::parser parser;
  sj::document doc_json;
  if (auto e = parser.iterate(padded).get(doc_json)) {
    return core::invalid_argument(source +
                                  ": not an Alpine secdb document: " + simdjson::error_message(e));
  }
  Document doc;
  JsonReader reader(source, diags);
  if (auto message = reader.read(doc_json, doc)) return core::invalid_argument(*message);
  return to_advisories(doc, source, diags, stats ? *stats : local);
}

core::Result<std::vector<core::Advisory>> parse_secdb_yaml(std::string_view yaml,
                                                           const std::string& source,
                                                           core::Diagnostics& diags,
                                                           SecdbStats* stats) {
  SecdbStats local;
  Document doc;
  YamlReader reader(source, diags);
  std::size_t number = 0;
  while (!yaml.empty()) {
    ++number;
    std::size_t end = yaml.find('\n');
    reader.line(yaml.substr(0, end), number, doc);
    if (end == std::string_view::npos) break;
    yaml.remove_prefix(end + 1);
  }
  for (const auto& package : doc.packages) {
    if (package.name.empty()) diags.add(source, package.line, "package without a name");
  }
  std::erase_if(doc.packages, [](const PackageFixes& package) { return package.name.empty(); });
  return to_advisories(doc, source, diags, stats ? *stats : local);
}

bool looks_like_secdb_json(std::string_view head) {
  std::size_t start = head.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || head[start] != '{') return false;
  return head.find("\"distroversion\"") != std::string_view::npos &&
         (head.find("\"packages\"") != std::string_view::npos ||
          head.find("\"secfixes\"") != std::string_view::npos);
}

bool looks_like_secdb_yaml(std::string_view head) {
  std::size_t start = head.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || head[start] == '{' || head[start] == '[') return false;
  auto at_line_start = [&](std::string_view key) {
    for (std::size_t pos = head.find(key); pos != std::string_view::npos;
         pos = head.find(key, pos + 1)) {
      if (pos == 0 || head[pos - 1] == '\n') return true;
    }
    return false;
  };
  return at_line_start("distroversion:") &&
         (at_line_start("packages:") || head.find("secfixes:") != std::string_view::npos);
}

bool is_secdb_directory(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) return false;
  std::vector<std::string> files = secdb_files(path, 8, error);
  if (files.empty()) return false;
  for (const auto& file : files) {
    auto head = read_head(file, 4096);
    if (!head.ok() || sniff_syntax(*head) == Syntax::kUnknown) return false;
  }
  return true;
}

core::Result<FeedBatch> read_secdb(const std::string& path, core::Diagnostics& diags) {
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) {
    std::string buffer;
    auto doc = read_document(path, buffer, diags);
    if (!doc.ok()) return doc.error();
    Merger merger;
    merger.add(std::move(doc->advisories));
    return merger.finish({std::move(doc->info)});
  }
  std::vector<std::string> files = secdb_files(path, SIZE_MAX, error);
  if (error) return core::io_error(path + ": " + error.message());
  // Each document is small; parsing them on several threads keeps a whole secdb mirror (a few
  // hundred files) quick. Results are merged in path order, so the output does not depend on
  // the thread count.
  const std::size_t workers = worker_count(files.size());
  std::vector<std::vector<DocumentResult>> parts(workers);
  std::vector<core::Diagnostics> part_diags(workers);
  run_ranges(files.size(), workers, [&](std::size_t worker, std::size_t begin, std::size_t end) {
    std::string buffer;
    for (std::size_t i = begin; i < end; ++i) {
      auto doc = read_document(files[i], buffer, part_diags[worker]);
      if (!doc.ok()) {
        part_diags[worker].add(files[i], 0, doc.error().message);
        continue;
      }
      parts[worker].push_back(std::move(*doc));
    }
  });
  Merger merger;
  std::vector<SourceInfo> sources;
  for (std::size_t worker = 0; worker < workers; ++worker) {
    for (auto& doc : parts[worker]) {
      merger.add(std::move(doc.advisories));
      sources.push_back(std::move(doc.info));
    }
    diags.merge(std::move(part_diags[worker]));
  }
  return merger.finish(std::move(sources));
}

}  // namespace fleetpatch::feed::alpine_secdb
