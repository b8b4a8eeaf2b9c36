#include "policy/toml_subset.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace fleetpatch::policy::toml {
namespace {

bool is_bare_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

/// Cursor over one line; every error names the line.
class LineParser {
 public:
  LineParser(std::string_view line, std::size_t number, std::string_view source)
      : s_(line), line_(number), source_(source) {}

  core::Error error(std::string_view message) const {
    return core::invalid_argument(std::string(source_) + ":" + std::to_string(line_) + ": " +
                                  std::string(message));
  }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  bool at_end_or_comment() {
    skip_space();
    return pos_ >= s_.size() || s_[pos_] == '#';
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  char peek() {
    skip_space();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }

  core::Result<std::string> key() {
    skip_space();
    if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) {
      return error("quoted keys are not supported; use a bare key (letters, digits, _ and -)");
    }
    const std::size_t start = pos_;
    while (pos_ < s_.size() && is_bare_key_char(s_[pos_])) ++pos_;
    if (pos_ == start) return error("expected a key");
    std::string k(s_.substr(start, pos_ - start));
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '.') {
      return error("dotted keys are not supported; use an inline table { ... }");
    }
    return k;
  }

  core::Result<Value> value(bool allow_compound) {
    skip_space();
    if (pos_ >= s_.size()) return error("expected a value");
    const char c = s_[pos_];
    if (c == '"') return basic_string();
    if (c == '\'') return literal_string();
    if (c == '[') {
      if (!allow_compound) return error("nested arrays and tables are not supported");
      return array();
    }
    if (c == '{') {
      if (!allow_compound) return error("nested arrays and tables are not supported");
      return inline_table();
    }
    return bare_scalar();
  }

 private:
  core::Result<Value> basic_string() {
    Value v;
    v.kind = Value::Kind::kString;
    v.line = line_;
    ++pos_;  // opening quote
    if (s_.substr(pos_, 2) == "\"\"") return error("multi-line strings are not supported");
    while (true) {
      if (pos_ >= s_.size()) return error("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
        return error("control character in string");
      }
      if (c != '\\') {
        v.text.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return error("unterminated escape in string");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          v.text.push_back('"');
          break;
        case '\\':
          v.text.push_back('\\');
          break;
        case 'n':
          v.text.push_back('\n');
          break;
        case 't':
          v.text.push_back('\t');
          break;
        case 'r':
          v.text.push_back('\r');
          break;
        case 'b':
          v.text.push_back('\b');
          break;
        case 'f':
          v.text.push_back('\f');
          break;
        case 'u':
        case 'U': {
          const std::size_t digits = e == 'u' ? 4 : 8;
          if (pos_ + digits > s_.size()) return error("short \\u escape");
          std::uint32_t cp = 0;
          const auto hex = s_.substr(pos_, digits);
          const auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), cp, 16);
          if (ec != std::errc() || ptr != hex.data() + hex.size()) {
            return error("bad \\u escape");
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return error("\\u escape is not a Unicode scalar value");
          }
          pos_ += digits;
          append_utf8(v.text, cp);
          break;
        }
        default:
          return error(std::string("unknown escape \\") + e);
      }
    }
    return v;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  core::Result<Value> literal_string() {
    Value v;
    v.kind = Value::Kind::kString;
    v.line = line_;
    ++pos_;
    if (s_.substr(pos_, 2) == "''") return error("multi-line strings are not supported");
    const std::size_t end = s_.find('\'', pos_);
    if (end == std::string_view::npos) return error("unterminated string");
    v.text = std::string(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return v;
  }

  core::Result<Value> array() {
    Value v;
    v.kind = Value::Kind::kArray;
    v.line = line_;
    ++pos_;  // '['
    if (consume(']')) return v;
    while (true) {
      if (at_end_or_comment()) return error("unterminated array (arrays must fit on one line)");
      auto item = value(false);
      if (!item.ok()) return item.error();
      v.items.push_back(std::move(item).value());
      if (consume(',')) {
        if (consume(']')) return v;  // trailing comma
        continue;
      }
      if (consume(']')) return v;
      return error("expected ',' or ']' in array");
    }
  }

  core::Result<Value> inline_table() {
    Value v;
    v.kind = Value::Kind::kTable;
    v.line = line_;
    ++pos_;  // '{'
    if (consume('}')) return v;
    while (true) {
      auto k = key();
      if (!k.ok()) return k.error();
      if (!consume('=')) return error("expected '=' after key \"" + *k + "\"");
      auto item = value(false);
      if (!item.ok()) return item.error();
      if (v.find(*k) != nullptr) return error("duplicate key \"" + *k + "\"");
      v.entries.emplace_back(std::move(k).value(), std::move(item).value());
      if (consume(',')) continue;
      if (consume('}')) return v;
      return error("expected ',' or '}' in inline table (inline tables must fit on one line)");
    }
  }

  core::Result<Value> bare_scalar() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != ']' && s_[pos_] != '}' &&
           s_[pos_] != '#' && s_[pos_] != ' ' && s_[pos_] != '\t') {
      ++pos_;
    }
    std::string_view token = s_.substr(start, pos_ - start);
    // A date-time with a space instead of 'T' ("2026-01-02 03:04:05Z").
    if (token.size() == 10 && pos_ + 1 < s_.size() && s_[pos_] == ' ' &&
        std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])) != 0 && is_date(token)) {
      std::size_t end = pos_ + 1;
      while (end < s_.size() && s_[end] != ',' && s_[end] != ']' && s_[end] != '}' &&
             s_[end] != '#' && s_[end] != ' ' && s_[end] != '\t') {
        ++end;
      }
      pos_ = end;
      token = s_.substr(start, pos_ - start);
    }
    Value v;
    v.line = line_;
    if (token.empty()) return error("expected a value");
    if (token == "true" || token == "false") {
      v.kind = Value::Kind::kBool;
      v.boolean = token == "true";
      return v;
    }
    if (is_date(token)) {
      v.kind = Value::Kind::kDate;
      v.text = std::string(token);
      return v;
    }
    std::string digits;
    for (std::size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '_') {
        const bool between = i > 0 && i + 1 < token.size() &&
                             std::isdigit(static_cast<unsigned char>(token[i - 1])) != 0 &&
                             std::isdigit(static_cast<unsigned char>(token[i + 1])) != 0;
        if (!between) return error("misplaced '_' in number \"" + std::string(token) + "\"");
        continue;
      }
      digits.push_back(token[i]);
    }
    const char* first = digits.data();
    const char* last = digits.data() + digits.size();
    if (!digits.empty() && digits[0] == '+') ++first;
    const bool is_float = digits.find_first_of(".eE") != std::string::npos;
    if (!is_float) {
      std::int64_t n = 0;
      const auto [ptr, ec] = std::from_chars(first, last, n);
      if (ec == std::errc() && ptr == last && first != last) {
        v.kind = Value::Kind::kInteger;
        v.integer = n;
        v.number = static_cast<double>(n);
        return v;
      }
    } else {
      double d = 0;
      const auto [ptr, ec] = std::from_chars(first, last, d);
      if (ec == std::errc() && ptr == last && first != last && std::isfinite(d)) {
        v.kind = Value::Kind::kFloat;
        v.number = d;
        return v;
      }
    }
    return error("cannot read value \"" + std::string(token) + "\" (strings need quotes: \"...\")");
  }

  static bool is_date(std::string_view t) {
    if (t.size() < 10) return false;
    for (std::size_t i = 0; i < 10; ++i) {
      const bool digit = std::isdigit(static_cast<unsigned char>(t[i])) != 0;
      if ((i == 4 || i == 7) ? t[i] != '-' : !digit) return false;
    }
    if (t.size() == 10) return true;
    return t[10] == 'T' || t[10] == 't' || t[10] == ' ';
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t line_;
  std::string_view source_;
};

}  // namespace

const Value* Value::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string_view to_string(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kInteger:
      return "integer";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kBool:
      return "boolean";
    case Value::Kind::kDate:
      return "date";
    case Value::Kind::kArray:
      return "array";
    case Value::Kind::kTable:
      return "table";
  }
  return "value";
}

core::Result<Value> parse(std::string_view text, std::string_view source) {
  Value root;
  root.kind = Value::Kind::kTable;
  root.line = 1;
  Value* current = &root;  // the table `key = value` lines go into
  std::size_t number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    start = end + 1;
    if (number == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // BOM

    LineParser p(line, number, source);
    if (p.at_end_or_comment()) {
      if (end == text.size()) break;
      continue;
    }
    if (p.consume('[')) {
      const bool array_of_tables = p.consume('[');
      auto name = p.key();
      if (!name.ok()) return name.error();
      if (!p.consume(']') || (array_of_tables && !p.consume(']'))) {
        return p.error(array_of_tables ? "expected ']]' after the table name"
                                       : "expected ']' after the table name");
      }
      if (!p.at_end_or_comment()) return p.error("unexpected text after the table header");
      Value table;
      table.kind = Value::Kind::kTable;
      table.line = number;
      Value* existing = nullptr;
      for (auto& [k, v] : root.entries) {
        if (k == *name) existing = &v;
      }
      if (array_of_tables) {
        if (existing == nullptr) {
          Value array;
          array.kind = Value::Kind::kArray;
          array.line = number;
          root.entries.emplace_back(*name, std::move(array));
          existing = &root.entries.back().value;
        } else if (existing->kind != Value::Kind::kArray || existing->items.empty() ||
                   existing->items.front().kind != Value::Kind::kTable) {
          return p.error("\"" + *name + "\" is already defined (line " +
                         std::to_string(existing->line) + ") and is not an array of tables");
        }
        existing->items.push_back(std::move(table));
        current = &existing->items.back();
      } else {
        if (existing != nullptr) {
          return p.error("\"" + *name + "\" is already defined (line " +
                         std::to_string(existing->line) + ")");
        }
        root.entries.emplace_back(*name, std::move(table));
        current = &root.entries.back().value;
      }
      if (end == text.size()) break;
      continue;
    }
    auto key = p.key();
    if (!key.ok()) return key.error();
    if (!p.consume('=')) return p.error("expected '=' after key \"" + *key + "\"");
    auto value = p.value(true);
    if (!value.ok()) return value.error();
    if (!p.at_end_or_comment()) return p.error("unexpected text after the value");
    if (const Value* dup = current->find(*key); dup != nullptr) {
      return p.error("duplicate key \"" + *key + "\" (first on line " + std::to_string(dup->line) +
                     ")");
    }
    value->line = number;
    current->entries.emplace_back(std::move(key).value(), std::move(value).value());
    if (end == text.size()) break;
  }
  return root;
}

}  // namespace fleetpatch::policy::toml
