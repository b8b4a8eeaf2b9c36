#include "report/compliance_json_writer.hpp"

#include <charconv>
#include <cmath>

#include "report/render_util.hpp"

namespace fleetpatch::report {
namespace {

constexpr std::size_t kFlushAt = 1 << 16;

}  // namespace

JsonWriter::JsonWriter(std::ostream& out, int pretty_depth)
    : out_(out), pretty_depth_(pretty_depth) {}

JsonWriter::~JsonWriter() { flush(); }

void JsonWriter::flush() {
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
}

void JsonWriter::newline(std::size_t depth) {
  buffer_.push_back('\n');
  buffer_.append(2 * depth, ' ');
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  Frame& f = stack_.back();
  if (!f.first) buffer_.push_back(',');
  if (static_cast<int>(stack_.size()) <= pretty_depth_) {
    newline(stack_.size());
  } else if (!f.first && pretty_depth_ > 0) {
    buffer_.push_back(' ');
  }
  f.first = false;
  if (buffer_.size() >= kFlushAt) flush();
}

void JsonWriter::begin_object() {
  separate();
  buffer_.push_back('{');
  stack_.push_back({});
}

void JsonWriter::end_object() {
  const bool empty = stack_.back().first;
  stack_.pop_back();
  if (!empty && static_cast<int>(stack_.size()) < pretty_depth_) newline(stack_.size());
  buffer_.push_back('}');
}

void JsonWriter::begin_array() {
  separate();
  buffer_.push_back('[');
  stack_.push_back({});
}

void JsonWriter::end_array() {
  const bool empty = stack_.back().first;
  stack_.pop_back();
  if (!empty && static_cast<int>(stack_.size()) < pretty_depth_) newline(stack_.size());
  buffer_.push_back(']');
}

void JsonWriter::key(std::string_view k) {
  separate();
  write_string(k);
  buffer_ += pretty_depth_ > 0 ? ": " : ":";
  after_key_ = true;
}

void JsonWriter::string(std::string_view s) {
  separate();
  write_string(s);
}

void JsonWriter::write_string(std::string_view s) { detail::append_json_string(buffer_, s); }

void JsonWriter::integer(std::int64_t v) {
  separate();
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  buffer_.append(buf, end);
}

void JsonWriter::unsigned_integer(std::uint64_t v) {
  separate();
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  buffer_.append(buf, end);
}

void JsonWriter::number(double v) {
  if (!std::isfinite(v)) {
    null();
    return;
  }
  separate();
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  buffer_.append(buf, end);
}

void JsonWriter::boolean(bool v) {
  separate();
  buffer_ += v ? "true" : "false";
}

void JsonWriter::null() {
  separate();
  buffer_ += "null";
}

void JsonWriter::field_optional(std::string_view k, const std::optional<std::string>& v) {
  key(k);
  if (v) {
    string(*v);
  } else {
    null();
  }
}

void JsonWriter::field_optional(std::string_view k, const std::optional<double>& v) {
  key(k);
  if (v) {
    number(*v);
  } else {
    null();
  }
}

void JsonWriter::string_array(std::string_view k, const std::vector<std::string>& items) {
  key(k);
  begin_array();
  for (const auto& s : items) string(s);
  end_array();
}

}  // namespace fleetpatch::report
