#include "feed/csaf/csaf.hpp"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "distro/distro.hpp"
#include "feed/csaf/product.hpp"
#include "version/rpm_version.hpp"

namespace fleetpatch::feed::csaf {
namespace {

namespace dom = simdjson::dom;

std::string_view string_at(const dom::object& object, std::string_view key) {
  std::string_view value;
  if (object[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return value;
}

bool object_at(const dom::object& object, std::string_view key, dom::object& out) {
  return object[key].get_object().get(out) == simdjson::SUCCESS;
}

bool array_at(const dom::object& object, std::string_view key, dom::array& out) {
  return object[key].get_array().get(out) == simdjson::SUCCESS;
}

/// A JSON number, or nullopt (Red Hat's template shows `"baseScore": ""` for unscored CVEs).
std::optional<double> number_at(const dom::object& object, std::string_view key) {
  double value = 0;
  if (object[key].get_double().get(value) == simdjson::SUCCESS) return value;
  int64_t integer = 0;
  if (object[key].get_int64().get(integer) == simdjson::SUCCESS) {
    return static_cast<double>(integer);
  }
  return std::nullopt;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// True for "3.9-8100020240826142629.d47b87a4": Red Hat VEX files list a module build (version,
/// then the module's timestamp version and context) with an rpm purl; it is not an RPM.
bool is_module_record(std::string_view evr) {
  std::size_t dash = evr.rfind('-');
  if (dash == std::string_view::npos) return false;
  std::string_view release = evr.substr(dash + 1);
  std::size_t dot = release.find('.');
  if (dot == std::string_view::npos || dot < 10) return false;
  for (char c : release.substr(0, dot)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  std::string_view context = release.substr(dot + 1);
  if (context.size() < 6) return false;
  for (char c : context) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

/// Where a product id leads: a release and an RPM, or why not.
struct Resolved {
  bool usable = false;
  std::string release;
  RpmComponent rpm;
  std::string unmapped_platform;  // the CPE (or platform id) that names no supported release
};

/// The per-document product tree.
struct ProductTree {
  struct Product {
    std::string cpe;
    std::string purl;
  };
  struct Relationship {
    std::string component;
    std::string platform;
  };
  std::unordered_map<std::string, Product> products;
  std::unordered_map<std::string, Relationship> relationships;
  std::unordered_map<std::string, Resolved> resolved;  // cache

  void add_product(const dom::object& product) {
    std::string_view id = string_at(product, "product_id");
    if (id.empty()) return;
    Product& entry = products[std::string(id)];
    dom::object helper;
    if (object_at(product, "product_identification_helper", helper)) {
      entry.cpe = string_at(helper, "cpe");
      entry.purl = string_at(helper, "purl");
    }
  }

  void add_branches(const dom::array& branches, int depth) {
    if (depth > 32) return;  // CSAF trees are a few levels deep; stop hostile nesting
    for (dom::element element : branches) {
      dom::object branch;
      if (element.get_object().get(branch) != simdjson::SUCCESS) continue;
      dom::object product;
      if (object_at(branch, "product", product)) add_product(product);
      dom::array children;
      if (array_at(branch, "branches", children)) add_branches(children, depth + 1);
    }
  }

  void read(const dom::object& tree) {
    dom::array branches;
    if (array_at(tree, "branches", branches)) add_branches(branches, 0);
    dom::array names;
    if (array_at(tree, "full_product_names", names)) {
      for (dom::element element : names) {
        dom::object product;
        if (element.get_object().get(product) == simdjson::SUCCESS) add_product(product);
      }
    }
    dom::array relationships_array;
    if (!array_at(tree, "relationships", relationships_array)) return;
    for (dom::element element : relationships_array) {
      dom::object relationship;
      if (element.get_object().get(relationship) != simdjson::SUCCESS) continue;
      dom::object full;
      if (!object_at(relationship, "full_product_name", full)) continue;
      std::string_view id = string_at(full, "product_id");
      if (id.empty()) continue;
      Relationship& entry = relationships[std::string(id)];
      entry.component = string_at(relationship, "product_reference");
      entry.platform = string_at(relationship, "relates_to_product_reference");
    }
  }

  const Resolved& resolve(const std::string& product_id) {
    auto cached = resolved.find(product_id);
    if (cached != resolved.end()) return cached->second;
    Resolved& out = resolved[product_id];
    auto relationship = relationships.find(product_id);
    if (relationship == relationships.end()) return out;  // a platform alone: no package
    const std::string& platform = relationship->second.platform;
    auto platform_product = products.find(platform);
    const std::string cpe =
        platform_product == products.end() ? std::string() : platform_product->second.cpe;
    auto release = release_for_cpe(cpe);
    if (!release) {
      out.unmapped_platform = cpe.empty() ? platform : cpe;
      return out;
    }
    const std::string& component = relationship->second.component;
    auto component_product = products.find(component);
    std::optional<RpmComponent> rpm;
    if (component_product != products.end() && !component_product->second.purl.empty()) {
      rpm = parse_rpm_purl(component_product->second.purl);
    } else {
      rpm = parse_rpm_product_id(component);
    }
    if (!rpm || is_module_record(rpm->version)) return out;
    out.usable = true;
    out.release = std::move(*release);
    out.rpm = std::move(*rpm);
    return out;
  }
};

/// What the vendor says about one known-affected product.
core::FixState affected_state(std::string_view category, std::string_view details) {
  const std::string words = lowercase(details);
  if (words.find("will not fix") != std::string::npos ||
      words.find("out of support scope") != std::string::npos) {
    return core::FixState::kWillNotFix;
  }
  if (words.find("deferred") != std::string::npos || words.find("affected") != std::string::npos) {
    return core::FixState::kUnfixed;
  }
  return category == "no_fix_planned" ? core::FixState::kWillNotFix : core::FixState::kUnfixed;
}

/// Order of preference when several statements name one package of one release.
int rank(core::FixState state) {
  switch (state) {
    case core::FixState::kFixed:
      return 3;
    case core::FixState::kUnfixed:
      return 2;
    case core::FixState::kWillNotFix:
      return 1;
    case core::FixState::kNotAffected:
      return 0;
  }
  return 0;
}

/// The release with a ".module+el8.6.0+123+abc" / ".module_el8..." build suffix cut off.
std::string_view without_module_build(std::string_view evr) {
  std::size_t marker = evr.find(".module");
  return marker == std::string_view::npos ? evr : evr.substr(0, marker);
}

/// Which of two fixed versions of one package an entry keeps (see csaf.hpp).
bool prefer_fixed(const std::string& candidate, const std::string& current) {
  auto a = version::RpmEvr::parse(candidate);
  auto b = version::RpmEvr::parse(current);
  if (!a.ok() || !b.ok()) return false;
  const int cmp = a->compare(*b);
  const bool same_build = without_module_build(candidate) == without_module_build(current) &&
                          without_module_build(candidate).size() != candidate.size();
  return same_build ? cmp < 0 : cmp > 0;
}

struct EntryKey {
  std::string release;
  std::string name;
  std::string module;
  friend bool operator<(const EntryKey& a, const EntryKey& b) {
    return std::tie(a.release, a.name, a.module) < std::tie(b.release, b.name, b.module);
  }
};

struct EntryValue {
  core::FixState state = core::FixState::kNotAffected;
  std::string fixed_version;
};

enum class StatusKind { kFixed, kAffected, kNotAffected, kIgnored };

StatusKind status_kind(std::string_view status) {
  if (status == "fixed" || status == "first_fixed") return StatusKind::kFixed;
  if (status == "known_affected" || status == "first_affected" || status == "last_affected" ||
      status == "under_investigation") {
    return StatusKind::kAffected;
  }
  if (status == "known_not_affected") return StatusKind::kNotAffected;
  return StatusKind::kIgnored;
}

std::string guess_id(std::string_view json) {
  std::size_t tracking = json.find("\"tracking\"");
  if (tracking == std::string_view::npos) return {};
  std::size_t pos = json.find("\"id\"", tracking);
  if (pos == std::string_view::npos) return {};
  pos = json.find('"', json.find(':', pos + 4));
  if (pos == std::string_view::npos) return {};
  std::size_t end = json.find('"', pos + 1);
  if (end == std::string_view::npos || end - pos > 200) return {};
  return std::string(json.substr(pos + 1, end - pos - 1));
}

/// "Red Hat Security Advisory: c-ares security update" -> "c-ares security update".
std::string summary_from_title(std::string_view title) {
  constexpr std::string_view kMarker = "Advisory: ";
  if (starts_with(title, "Red Hat ")) {
    std::size_t marker = title.find(kMarker);
    if (marker != std::string_view::npos) return std::string(title.substr(marker + kMarker.size()));
  }
  return std::string(title);
}

std::string vex_prefix(std::string_view publisher_namespace, std::string_view publisher_name) {
  const std::string where = lowercase(publisher_namespace) + " " + lowercase(publisher_name);
  if (where.find("redhat") != std::string::npos || where.find("red hat") != std::string::npos) {
    return "REDHAT-";
  }
  if (where.find("suse") != std::string::npos) return "SUSE-";
  return "CSAF-";
}

class Builder {
 public:
  Builder(const std::string& source, FeedBatch& batch, core::Diagnostics& diags)
      : source_(source), batch_(batch), diags_(diags) {}

  void build(const dom::object& root) {
    dom::object document;
    if (!object_at(root, "document", document)) {
      diags_.add(source_, 0, "not a CSAF document: no \"document\" object", guess_id_);
      return;
    }
    dom::object tracking;
    std::string_view id;
    if (object_at(document, "tracking", tracking)) id = string_at(tracking, "id");
    if (id.empty()) {
      diags_.add(source_, 0, "CSAF document has no document.tracking.id", guess_id_);
      return;
    }
    record_ = std::string(id);
    const bool per_cve = starts_with(id, "CVE-");

    dom::object tree_object;
    if (object_at(root, "product_tree", tree_object)) tree_.read(tree_object);

    core::Advisory advisory;
    advisory.summary = summary_from_title(string_at(document, "title"));
    advisory.modified = normalize_date(string_at(tracking, "current_release_date"));
    const std::string initial = normalize_date(string_at(tracking, "initial_release_date"));
    dom::object aggregate;
    if (object_at(document, "aggregate_severity", aggregate)) {
      set_vendor_severity(advisory, string_at(aggregate, "text"), true);
    }

    // A default-constructed dom::array must not be iterated: only walk one that was read.
    dom::array vulnerabilities;
    const bool has_vulnerabilities = array_at(root, "vulnerabilities", vulnerabilities);
    if (!has_vulnerabilities && root["vulnerabilities"].error() != simdjson::NO_SUCH_FIELD) {
      diags_.add(source_, 0, "\"vulnerabilities\" is not an array", record_);
      return;
    }
    std::optional<double> cvss3;
    std::optional<double> cvss2;
    std::string earliest_fix;
    if (has_vulnerabilities) {
      for (dom::element element : vulnerabilities) {
        dom::object vulnerability;
        if (element.get_object().get(vulnerability) != simdjson::SUCCESS) {
          diags_.add(source_, 0, "a vulnerability is not an object", record_);
          continue;
        }
        read_vulnerability(vulnerability, per_cve, advisory, cvss3, cvss2, earliest_fix);
      }
    }

    for (auto& [key, value] : entries_) {
      core::AffectedPackage entry;
      entry.release = key.release;
      entry.name = key.name;
      entry.module = key.module;
      entry.state = value.state;
      if (value.state == core::FixState::kFixed) {
        entry.events = {{core::VersionEvent::Type::kIntroduced, "0"},
                        {core::VersionEvent::Type::kFixed, value.fixed_version}};
      }
      advisory.affected.push_back(std::move(entry));
    }
    if (advisory.affected.empty()) {
      ++batch_.skipped_ecosystems[first_unmapped_.empty() ? std::string("csaf: no RPM products")
                                                          : first_unmapped_];
      return;
    }

    dom::object publisher;
    std::string_view publisher_namespace;
    std::string_view publisher_name;
    if (object_at(document, "publisher", publisher)) {
      publisher_namespace = string_at(publisher, "namespace");
      publisher_name = string_at(publisher, "name");
    }
    advisory.id = per_cve ? vex_prefix(publisher_namespace, publisher_name) + std::string(id)
                          : std::string(id);
    advisory.published = per_cve && !earliest_fix.empty() ? earliest_fix : initial;
    advisory.cvss_score = cvss3 ? cvss3 : cvss2;
    std::sort(advisory.cves.begin(), advisory.cves.end());
    advisory.cves.erase(std::unique(advisory.cves.begin(), advisory.cves.end()),
                        advisory.cves.end());

    const distro::Distro* family = distro::distro_for_release(advisory.affected.front().release);
    if (family != nullptr) family->refine_advisory(advisory);
    advisory.kind = core::AdvisoryKind::kSecurity;
    if (advisory.affected.empty()) {
      ++batch_.skipped_ecosystems[std::string(family != nullptr ? family->family() : "csaf") +
                                  " (not applicable)"];
      return;
    }
    std::vector<std::string_view> releases;
    for (const auto& entry : advisory.affected) releases.push_back(entry.release);
    std::sort(releases.begin(), releases.end());
    releases.erase(std::unique(releases.begin(), releases.end()), releases.end());
    for (auto release : releases) ++batch_.advisories_per_release[std::string(release)];
    batch_.advisories.push_back(std::move(advisory));
  }

  std::string guess_id_;

 private:
  /// Keeps the highest vendor word; the document's aggregate severity wins over threats.
  void set_vendor_severity(core::Advisory& advisory, std::string_view word, bool authoritative) {
    if (word.empty()) return;
    const core::Severity severity = core::severity_from_vendor(word);
    if (severity == core::Severity::kUnknown) return;
    if (aggregate_set_ && !authoritative) return;
    if (authoritative || advisory.vendor_severity.empty() || severity > advisory.severity) {
      advisory.severity = severity;
      advisory.vendor_severity = std::string(word);
    }
    if (authoritative) aggregate_set_ = true;
  }

  void read_vulnerability(const dom::object& vulnerability, bool per_cve, core::Advisory& advisory,
                          std::optional<double>& cvss3, std::optional<double>& cvss2,
                          std::string& earliest_fix) {
    std::string_view cve = string_at(vulnerability, "cve");
    if (starts_with(cve, "CVE-")) advisory.cves.emplace_back(cve);

    dom::array threats;
    if (array_at(vulnerability, "threats", threats)) {
      for (dom::element element : threats) {
        dom::object threat;
        if (element.get_object().get(threat) != simdjson::SUCCESS) continue;
        if (string_at(threat, "category") == "impact") {
          set_vendor_severity(advisory, string_at(threat, "details"), false);
        }
      }
    }
    dom::array scores;
    if (array_at(vulnerability, "scores", scores)) {
      for (dom::element element : scores) {
        dom::object score;
        if (element.get_object().get(score) != simdjson::SUCCESS) continue;
        dom::object metric;
        if (object_at(score, "cvss_v3", metric)) keep_max(cvss3, number_at(metric, "baseScore"));
        if (object_at(score, "cvss_v2", metric)) keep_max(cvss2, number_at(metric, "baseScore"));
      }
    }

    // Remediations by product: the state of known-affected products and fix dates.
    std::unordered_map<std::string, core::FixState> affected_states;
    std::unordered_map<std::string, std::string> fix_dates;
    dom::array remediations;
    if (array_at(vulnerability, "remediations", remediations)) {
      for (dom::element element : remediations) {
        dom::object remediation;
        if (element.get_object().get(remediation) != simdjson::SUCCESS) continue;
        const std::string_view category = string_at(remediation, "category");
        const bool no_fix = category == "no_fix_planned" || category == "none_available";
        const bool vendor_fix = category == "vendor_fix";
        if (!no_fix && !vendor_fix) continue;
        const core::FixState state = affected_state(category, string_at(remediation, "details"));
        const std::string date = normalize_date(string_at(remediation, "date"));
        dom::array ids;
        if (!array_at(remediation, "product_ids", ids)) continue;
        for (dom::element id_element : ids) {
          std::string_view id;
          if (id_element.get_string().get(id) != simdjson::SUCCESS) continue;
          if (no_fix) {
            auto [it, inserted] = affected_states.emplace(std::string(id), state);
            if (!inserted && rank(state) > rank(it->second)) it->second = state;
          } else if (!date.empty()) {
            auto [it, inserted] = fix_dates.emplace(std::string(id), date);
            if (!inserted && date < it->second) it->second = date;
          }
        }
      }
    }

    dom::object status;
    if (vulnerability["product_status"].error() == simdjson::NO_SUCH_FIELD) return;
    if (!object_at(vulnerability, "product_status", status)) {
      diags_.add(source_, 0, std::string(cve) + ": product_status is not an object", record_);
      return;
    }
    for (auto field : status) {
      const StatusKind kind = status_kind(field.key);
      if (kind == StatusKind::kIgnored) continue;
      dom::array ids;
      if (field.value.get_array().get(ids) != simdjson::SUCCESS) {
        diags_.add(
            source_, 0,
            std::string(cve) + ": product_status." + std::string(field.key) + " is not an array",
            record_);
        continue;
      }
      for (dom::element id_element : ids) {
        std::string_view id_view;
        if (id_element.get_string().get(id_view) != simdjson::SUCCESS) continue;
        const std::string id(id_view);
        const Resolved& product = tree_.resolve(id);
        if (!product.usable) {
          if (first_unmapped_.empty()) first_unmapped_ = product.unmapped_platform;
          continue;
        }
        if (kind == StatusKind::kFixed && product.rpm.version.empty()) {
          diags_.add(source_, 0, std::string(cve) + ": fixed product " + id + " names no version",
                     record_);
          continue;
        }
        // Advisory documents list every binary RPM; their source RPMs add nothing a binary
        // name could match.
        if (!per_cve && product.rpm.arch == "src") continue;
        EntryValue value;
        switch (kind) {
          case StatusKind::kFixed:
            value.state = core::FixState::kFixed;
            value.fixed_version = product.rpm.version;
            if (auto date = fix_dates.find(id); date != fix_dates.end()) {
              if (earliest_fix.empty() || date->second < earliest_fix) earliest_fix = date->second;
            }
            break;
          case StatusKind::kAffected: {
            auto state = affected_states.find(id);
            value.state = state == affected_states.end() ? core::FixState::kUnfixed : state->second;
            break;
          }
          case StatusKind::kNotAffected:
            value.state = core::FixState::kNotAffected;
            break;
          case StatusKind::kIgnored:
            continue;
        }
        merge(EntryKey{product.release, product.rpm.name, product.rpm.module}, std::move(value));
      }
    }
  }

  void merge(EntryKey key, EntryValue value) {
    auto [it, inserted] = entries_.emplace(std::move(key), value);
    if (inserted) return;
    EntryValue& current = it->second;
    if (rank(value.state) > rank(current.state)) {
      current = std::move(value);
    } else if (value.state == core::FixState::kFixed && current.state == core::FixState::kFixed &&
               prefer_fixed(value.fixed_version, current.fixed_version)) {
      current.fixed_version = std::move(value.fixed_version);
    }
  }

  static void keep_max(std::optional<double>& slot, std::optional<double> value) {
    if (value && (!slot || *value > *slot)) slot = value;
  }

  const std::string& source_;
  FeedBatch& batch_;
  core::Diagnostics& diags_;
  std::string record_;
  ProductTree tree_;
  std::map<EntryKey, EntryValue> entries_;
  std::string first_unmapped_;
  bool aggregate_set_ = false;
};

}  // namespace

bool looks_like_csaf(std::string_view head) {
  if (head.find("\"csaf_version\"") != std::string_view::npos) return true;
  return head.find("\"document\"") != std::string_view::npos &&
         (head.find("\"product_tree\"") != std::string_view::npos ||
          head.find("\"tracking\"") != std::string_view::npos);
}

struct DocumentParser::Impl {
  dom::parser parser;
};

DocumentParser::DocumentParser() : impl_(std::make_unique<Impl>()) {}
DocumentParser::~DocumentParser() = default;

void DocumentParser::parse(std::string_view json, const std::string& source, FeedBatch& batch,
                           core::Diagnostics& diags) {
  dom::element root;
  auto error = impl_->parser.parse(json.data(), json.size(), true).get(root);
  if (error) {
    diags.add(source, 0, std::string("malformed CSAF document: ") + simdjson::error_message(error),
              guess_id(json));
    return;
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    diags.add(source, 0, "malformed CSAF document: not a JSON object", guess_id(json));
    return;
  }
  Builder builder(source, batch, diags);
  builder.guess_id_ = guess_id(json);
  builder.build(object);
}

std::optional<core::Advisory> parse_document(std::string_view json, const std::string& source,
                                             core::Diagnostics& diags) {
  DocumentParser parser;
  FeedBatch batch;
  parser.parse(json, source, batch, diags);
  if (batch.advisories.empty()) return std::nullopt;
  return std::move(batch.advisories.front());
}

}  // namespace fleetpatch::feed::csaf
