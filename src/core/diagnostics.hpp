// Per-run collection of expected, recoverable input problems: a malformed line in a dpkg status
// file, a feed record without an id. The run goes on; the caller decides how to show them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace fleetpatch::core {

/// One problem in one place of one input. `line` is 1-based, 0 when the input has no lines
/// (a JSON record); `record` names the record (advisory id, package name) when there is one.
struct Diagnostic {
  std::string source;  // file path or other input name
  std::size_t line = 0;
  std::string record;
  std::string message;

  /// "FILE:LINE: [RECORD: ]MESSAGE", the form compilers use, so editors can jump to it.
  std::string to_string() const;
};

/// Accumulates diagnostics. Not thread-safe: give each worker its own and merge().
class Diagnostics {
 public:
  void add(Diagnostic diagnostic) { items_.push_back(std::move(diagnostic)); }
  void add(std::string source, std::size_t line, std::string message, std::string record = {});
  void merge(Diagnostics other);

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace fleetpatch::core
