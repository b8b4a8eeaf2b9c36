// A small streaming JSON writer for the compliance report formats (JSON, SARIF, CycloneDX):
// no tree is built, so a 100,000-host report streams out in one pass. Strings are escaped and
// bytes that are not UTF-8 become U+FFFD (inventories are arbitrary input). Pretty output breaks
// lines only down to `pretty_depth` levels of nesting and writes deeper values on one line, so a
// report keeps one finding per line (easy to grep and diff).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace fleetpatch::report {

class JsonWriter {
 public:
  /// pretty_depth 0 = compact (one line).
  JsonWriter(std::ostream& out, int pretty_depth);
  ~JsonWriter();  // flushes
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  /// The key of the next value inside an object.
  void key(std::string_view k);

  void string(std::string_view s);
  void integer(std::int64_t v);
  void unsigned_integer(std::uint64_t v);
  /// Shortest representation that reads back exactly; non-finite values are written as null.
  void number(double v);
  void boolean(bool v);
  void null();

  // key + value shorthands.
  void field(std::string_view k, std::string_view v) { key(k), string(v); }
  void field(std::string_view k, const char* v) { key(k), string(v); }
  void field(std::string_view k, const std::string& v) { key(k), string(v); }
  void field(std::string_view k, bool v) { key(k), boolean(v); }
  void field_int(std::string_view k, std::int64_t v) { key(k), integer(v); }
  void field_uint(std::string_view k, std::uint64_t v) { key(k), unsigned_integer(v); }
  void field_number(std::string_view k, double v) { key(k), number(v); }
  /// Writes null when empty.
  void field_optional(std::string_view k, const std::optional<std::string>& v);
  void field_optional(std::string_view k, const std::optional<double>& v);
  void string_array(std::string_view k, const std::vector<std::string>& items);

  void flush();

 private:
  void separate();
  void write_string(std::string_view s);
  void newline(std::size_t depth);

  std::ostream& out_;
  int pretty_depth_;
  std::string buffer_;
  struct Frame {
    bool first = true;
  };
  std::vector<Frame> stack_;
  bool after_key_ = false;
};

}  // namespace fleetpatch::report
