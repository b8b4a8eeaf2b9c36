// A small strict parser for the TOML subset that policies and exception files use
// (docs/policy.md "File format"). Supported: comments, `key = value` with bare keys, basic
// "..." and literal '...' strings, integers, floats, booleans, bare dates (kept as text), one-line
// arrays of those, one-line inline tables of those, `[table]` and `[[array-of-tables]]` headers
// with one bare key. Anything else (multi-line strings, dotted keys, nested headers) is an error
// with its line, never a guess: a policy misread is a wrong deadline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace fleetpatch::policy::toml {

struct Entry;

struct Value {
  enum class Kind : std::uint8_t { kString, kInteger, kFloat, kBool, kDate, kArray, kTable };
  Kind kind = Kind::kString;
  std::string text;  // kString, kDate
  std::int64_t integer = 0;
  double number = 0;  // kFloat (and kInteger, converted)
  bool boolean = false;
  std::vector<Value> items;    // kArray; kTable for arrays of tables
  std::vector<Entry> entries;  // kTable, in file order
  std::size_t line = 0;

  /// The entry `key` of a table, or nullptr.
  const Value* find(std::string_view key) const;
};

/// One `key = value` of a table. A struct rather than std::pair so that Value may hold a vector
/// of them while still incomplete (libc++ and clang reject pair<string, incomplete>).
struct Entry {
  Entry(std::string k, Value v) : key(std::move(k)), value(std::move(v)) {}
  std::string key;
  Value value;
};

/// "string", "integer", ... for error messages.
std::string_view to_string(Value::Kind kind);

/// Parses `text` into its root table. Errors read "SOURCE:LINE: message".
core::Result<Value> parse(std::string_view text, std::string_view source);

}  // namespace fleetpatch::policy::toml
