#include "policy/policy.hpp"

#include <cmath>
#include <string>

#include "policy/toml_subset.hpp"

namespace fleetpatch::policy {
namespace {

// The built-in frameworks, in the documented format (docs/policy.md). Each is parsed by
// parse_policy like a user's file, so a mistake here fails the policy tests, not an audit.
constexpr std::string_view kSoc2 =
    R"(# SOC 2 (CC7.1): no fixed number in the criteria; 30 days for critical and
# high is the common auditor expectation, 90 for medium, 180 for low.
name = "soc2"
description = "SOC 2 vulnerability management: critical and high within 30 days, medium 90, low 180"
clock_start = "fix-available"
kev = "earliest-of"
due_soon_days = 7

[days]
critical = 30
high = 30
medium = 90
low = 180
unknown = 90  # no vendor rating: treated like medium rather than never due
)";

constexpr std::string_view kSox = R"(# SOX ITGC practice: the same clock as SOC 2.
name = "sox"
description = "SOX IT general controls: critical and high within 30 days, medium 90, low 180"
clock_start = "fix-available"
kev = "earliest-of"
due_soon_days = 7

[days]
critical = 30
high = 30
medium = 90
low = 180
unknown = 90
)";

constexpr std::string_view kPciDss4 =
    R"(# PCI DSS 4.0 requirement 6.3.3: critical and high security patches within one
# month of release; others within an appropriate time frame (90 days here).
name = "pci-dss-4"
description = "PCI DSS 4.0 (6.3.3): critical and high within 30 days of release, medium and low 90"
clock_start = "fix-available"
kev = "earliest-of"
due_soon_days = 7

[days]
critical = 30
high = 30
medium = 90
low = 90
unknown = 90
)";

constexpr std::string_view kFedramp =
    R"(# FedRAMP continuous monitoring: high 30 days, moderate 90, low 180
# (critical is held to the high deadline).
name = "fedramp"
description = "FedRAMP ConMon: critical and high within 30 days, moderate 90, low 180"
clock_start = "fix-available"
kev = "earliest-of"
due_soon_days = 7

[days]
critical = 30
high = 30
medium = 90
low = 180
unknown = 90
)";

constexpr std::string_view kCisaBod2201 =
    R"(# CISA BOD 22-01: a CVE in the Known Exploited Vulnerabilities catalog is due on
# its KEV due date. Other findings: critical 15 days, high 30 (the BOD 19-02 clock);
# medium and low carry no deadline.
name = "cisa-bod-22-01"
description = "CISA BOD 22-01: KEV CVEs by their KEV due date; otherwise critical 15 days, high 30"
clock_start = "fix-available"
kev = "due-date"
due_soon_days = 7

[days]
critical = 15
high = 30
medium = "none"
low = "none"
unknown = "none"
)";

constexpr BuiltinPolicy kBuiltins[] = {
    {"soc2", kSoc2},
    {"sox", kSox},
    {"pci-dss-4", kPciDss4},
    {"fedramp", kFedramp},
    {"cisa-bod-22-01", kCisaBod2201},
};

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  core::Error error(std::size_t line, std::string_view message) const {
    return core::invalid_argument(std::string(source_) + ":" + std::to_string(line) + ": " +
                                  std::string(message));
  }

  core::Result<std::string> string(const toml::Value& v, std::string_view key) const {
    if (v.kind != toml::Value::Kind::kString) {
      return error(v.line, "\"" + std::string(key) + "\" must be a string, not " +
                               std::string(toml::to_string(v.kind)));
    }
    return v.text;
  }

  /// A day count or "none".
  core::Result<std::optional<int>> days(const toml::Value& v, std::string_view key) const {
    if (v.kind == toml::Value::Kind::kString && v.text == "none") return std::optional<int>();
    if (v.kind != toml::Value::Kind::kInteger || v.integer < 0 || v.integer > 36500) {
      return error(
          v.line, "\"" + std::string(key) + "\" must be a number of days (0 to 36500) or \"none\"");
    }
    return std::optional<int>(static_cast<int>(v.integer));
  }

  core::Result<double> number(const toml::Value& v, std::string_view key) const {
    if (v.kind != toml::Value::Kind::kInteger && v.kind != toml::Value::Kind::kFloat) {
      return error(v.line, "\"" + std::string(key) + "\" must be a number");
    }
    return v.number;
  }

  /// Reads a {critical, high, medium, low, unknown} table. `required` severities must be there.
  core::Status severity_days(const toml::Value& table, bool required, SeverityDays& out) const {
    static constexpr std::pair<std::string_view, core::Severity> kKeys[] = {
        {"critical", core::Severity::kCritical}, {"high", core::Severity::kHigh},
        {"medium", core::Severity::kMedium},     {"low", core::Severity::kLow},
        {"unknown", core::Severity::kUnknown},
    };
    for (const auto& [key, value] : table.entries) {
      bool known = false;
      for (const auto& [name, severity] : kKeys) {
        if (key != name) continue;
        known = true;
        auto d = days(value, key);
        if (!d.ok()) return d.error();
        out[static_cast<std::size_t>(severity)] = *d;
      }
      if (!known) {
        return error(value.line,
                     "unknown severity \"" + key + "\" (critical, high, medium, low, unknown)");
      }
    }
    if (required) {
      for (const auto& [name, severity] : kKeys) {
        if (severity == core::Severity::kUnknown) continue;  // optional: defaults to none
        if (table.find(name) == nullptr) {
          return error(table.line,
                       "[days] needs \"" + std::string(name) + "\" (a number of days or \"none\")");
        }
      }
    }
    return {};
  }

 private:
  std::string_view source_;
};

core::Result<TierMatch> parse_match(const Reader& r, const toml::Value& v) {
  auto text = r.string(v, "match");
  if (!text.ok()) return text.error();
  TierMatch m;
  const std::string& s = *text;
  if (s.starts_with("tag:") && s.size() > 4) {
    m.kind = TierMatch::Kind::kTag;
    m.tag = s.substr(4);
    return m;
  }
  if (s == "exposure:network" || s == "exposure:local") {
    m.kind = TierMatch::Kind::kExposure;
    m.exposure = s == "exposure:network" ? core::Exposure::kNetwork : core::Exposure::kLocal;
    return m;
  }
  return r.error(v.line,
                 "\"match\" must be \"tag:NAME\", \"exposure:network\" or "
                 "\"exposure:local\", not \"" +
                     s + "\"");
}

core::Result<Tier> parse_tier(const Reader& r, const toml::Value& table) {
  Tier tier;
  tier.line = table.line;
  std::optional<double> risk_factor;
  bool has_match = false;
  bool has_days = false;
  for (const auto& [key, value] : table.entries) {
    if (key == "match") {
      auto m = parse_match(r, value);
      if (!m.ok()) return m.error();
      tier.match = std::move(m).value();
      has_match = true;
    } else if (key == "factor") {
      auto f = r.number(value, key);
      if (!f.ok()) return f.error();
      if (!(*f > 0 && *f <= 1)) {
        return r.error(value.line, "\"factor\" must be in (0, 1]: tiers only shorten deadlines");
      }
      tier.factor = *f;
    } else if (key == "days") {
      if (value.kind != toml::Value::Kind::kTable) {
        return r.error(value.line, "\"days\" must be an inline table { critical = 7, ... }");
      }
      if (auto s = r.severity_days(value, false, tier.days); !s.ok()) return s.error();
      has_days = true;
    } else if (key == "risk_factor") {
      auto f = r.number(value, key);
      if (!f.ok()) return f.error();
      if (!(*f >= 1 && *f <= 10)) {
        return r.error(value.line, "\"risk_factor\" must be between 1 and 10");
      }
      risk_factor = *f;
    } else {
      return r.error(value.line,
                     "unknown tier key \"" + key + "\" (match, factor, days, risk_factor)");
    }
  }
  if (!has_match) return r.error(table.line, "a [[tier]] needs \"match\"");
  if (!tier.factor && !has_days) {
    return r.error(table.line, "a [[tier]] needs \"factor\" or \"days\"");
  }
  tier.risk_factor = risk_factor ? *risk_factor : (tier.factor ? 1.0 / *tier.factor : 1.0);
  return tier;
}

}  // namespace

std::string_view to_string(ClockStart start) {
  switch (start) {
    case ClockStart::kFirstSeen:
      return "first-seen";
    case ClockStart::kEndOfLife:
      return "end-of-life";
    case ClockStart::kFixAvailable:
      break;
  }
  return "fix-available";
}

std::string_view to_string(KevRule rule) {
  switch (rule) {
    case KevRule::kEarliestOf:
      return "earliest-of";
    case KevRule::kIgnore:
      return "ignore";
    case KevRule::kDueDate:
      return "due-date";
  }
  return "earliest-of";
}

std::string TierMatch::to_string() const {
  if (kind == Kind::kTag) return "tag:" + tag;
  return exposure == core::Exposure::kNetwork ? "exposure:network" : "exposure:local";
}

core::Result<Policy> parse_policy(std::string_view text, std::string_view source) {
  auto doc = toml::parse(text, source);
  if (!doc.ok()) return doc.error();
  const Reader r(source);
  Policy policy;
  policy.source = std::string(source);
  bool has_days = false;
  for (const auto& [key, value] : doc->entries) {
    if (key == "name") {
      auto s = r.string(value, key);
      if (!s.ok()) return s.error();
      if (s->empty()) return r.error(value.line, "\"name\" must not be empty");
      policy.name = *s;
    } else if (key == "description") {
      auto s = r.string(value, key);
      if (!s.ok()) return s.error();
      policy.description = *s;
    } else if (key == "clock_start") {
      auto s = r.string(value, key);
      if (!s.ok()) return s.error();
      if (*s == "fix-available") {
        policy.clock_start = ClockStart::kFixAvailable;
      } else if (*s == "first-seen") {
        policy.clock_start = ClockStart::kFirstSeen;
      } else {
        return r.error(value.line, "\"clock_start\" must be \"fix-available\" or \"first-seen\"");
      }
    } else if (key == "kev") {
      auto s = r.string(value, key);
      if (!s.ok()) return s.error();
      if (*s == "earliest-of") {
        policy.kev = KevRule::kEarliestOf;
      } else if (*s == "ignore") {
        policy.kev = KevRule::kIgnore;
      } else if (*s == "due-date") {
        policy.kev = KevRule::kDueDate;
      } else {
        return r.error(value.line, "\"kev\" must be \"earliest-of\", \"due-date\" or \"ignore\"");
      }
    } else if (key == "due_soon_days") {
      if (value.kind != toml::Value::Kind::kInteger || value.integer < 0 || value.integer > 3650) {
        return r.error(value.line, "\"due_soon_days\" must be a number of days (0 to 3650)");
      }
      policy.due_soon_days = static_cast<int>(value.integer);
    } else if (key == "days") {
      if (value.kind != toml::Value::Kind::kTable) {
        return r.error(value.line, "\"days\" must be a table: [days] or days = { ... }");
      }
      if (auto s = r.severity_days(value, true, policy.days); !s.ok()) return s.error();
      has_days = true;
    } else if (key == "tier") {
      if (value.kind != toml::Value::Kind::kArray || value.items.empty() ||
          value.items.front().kind != toml::Value::Kind::kTable) {
        return r.error(value.line, "tiers are written as [[tier]] tables");
      }
      for (const auto& item : value.items) {
        auto tier = parse_tier(r, item);
        if (!tier.ok()) return tier.error();
        policy.tiers.push_back(std::move(tier).value());
      }
    } else {
      return r.error(value.line, "unknown key \"" + key +
                                     "\" (name, description, clock_start, kev, due_soon_days, "
                                     "[days], [[tier]])");
    }
  }
  if (policy.name.empty()) return r.error(1, "the policy needs a \"name\"");
  if (!has_days) return r.error(1, "the policy needs a [days] table");
  return policy;
}

std::span<const BuiltinPolicy> builtin_policies() { return kBuiltins; }

core::Result<Policy> builtin_policy(std::string_view name) {
  std::string known;
  for (const auto& b : kBuiltins) {
    if (b.name == name) {
      return parse_policy(b.text, "builtin:" + std::string(b.name));
    }
    if (!known.empty()) known += ", ";
    known += b.name;
  }
  return core::not_found("no built-in policy \"" + std::string(name) + "\" (built in: " + known +
                         "; or give a policy file)");
}

}  // namespace fleetpatch::policy
