// Internal to the version layer: how a rejected version string is shown in an error message.
#pragma once

#include <string>
#include <string_view>

namespace fleetpatch::version::detail {

/// `text` in double quotes, with bytes that would not print (control, non-ASCII, quote,
/// backslash) escaped, so that an error message names exactly the string that was refused.
inline std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

/// One byte shown for a message: 'x' when printable, else \xNN.
inline std::string quote_char(char c) {
  std::string q = quote(std::string_view(&c, 1));
  q.front() = '\'';
  q.back() = '\'';
  return q;
}

}  // namespace fleetpatch::version::detail
