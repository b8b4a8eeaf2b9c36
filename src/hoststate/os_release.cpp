// os-release(5): newline-separated KEY=value assignments in a shell-compatible subset. Values
// are unquoted, "double-quoted" (backslash escapes \" \\ \$ \` only) or 'single-quoted'
// (no escapes); '#' starts a comment line. The unescaping follows systemd's
// parse_env_file(), which is what most readers of the file use.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

constexpr std::string_view kBlanks = " \t\r";

std::string_view trim(std::string_view s) {
  const auto begin = s.find_first_not_of(kBlanks);
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(kBlanks);
  return s.substr(begin, end - begin + 1);
}

bool valid_key(std::string_view key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  for (char c : key) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Unquotes one value; nullopt (with `error` set) when a quote is not closed or text follows
// a closing quote.
std::optional<std::string> unquote(std::string_view value, std::string& error) {
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    const char c = value[i];
    if (c == '"') {
      ++i;
      bool closed = false;
      while (i < value.size()) {
        const char d = value[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < value.size()) {
          const char next = value[i + 1];
          if (next == '"' || next == '\\' || next == '$' || next == '`') {
            out.push_back(next);
            i += 2;
            continue;
          }
        }
        out.push_back(d);
        ++i;
      }
      if (!closed) {
        error = "unterminated double quote";
        return std::nullopt;
      }
    } else if (c == '\'') {
      const auto close = value.find('\'', i + 1);
      if (close == std::string_view::npos) {
        error = "unterminated single quote";
        return std::nullopt;
      }
      out.append(value.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (c == '\\') {
      if (i + 1 < value.size()) out.push_back(value[i + 1]);
      i += 2;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace

core::OsInfo parse_os_release(std::string_view text, std::string_view source_name,
                              core::Diagnostics& diagnostics) {
  std::map<std::string, std::string, std::less<>> values;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    const std::string_view key = eq == std::string_view::npos ? line : trim(line.substr(0, eq));
    if (eq == std::string_view::npos || !valid_key(key)) {
      diagnostics.add(std::string(source_name), line_no,
                      "malformed line (expected KEY=value): " + std::string(line));
      continue;
    }
    std::string error;
    auto value = unquote(trim(line.substr(eq + 1)), error);
    if (!value) {
      diagnostics.add(std::string(source_name), line_no, error, std::string(key));
      continue;
    }
    values[std::string(key)] = std::move(*value);  // the last assignment wins, as in a shell
  }

  auto get = [&](std::string_view key) -> std::string {
    const auto it = values.find(key);
    return it == values.end() ? std::string{} : it->second;
  };

  core::OsInfo os;
  os.id = get("ID");
  os.version_id = get("VERSION_ID");
  os.name = get("PRETTY_NAME");
  if (os.name.empty()) {
    os.name = get("NAME");
    const std::string version = get("VERSION");
    if (!version.empty()) os.name = os.name.empty() ? version : os.name + " " + version;
  }
  const std::string id_like = get("ID_LIKE");
  std::string_view rest = id_like;
  while (!(rest = trim(rest)).empty()) {
    const auto space = rest.find_first_of(kBlanks);
    os.id_like.emplace_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space);
  }
  os.version_codename = get("VERSION_CODENAME");
  if (os.version_codename.empty()) os.version_codename = get("UBUNTU_CODENAME");
  if (os.version_codename.empty()) {
    // Before VERSION_CODENAME existed (Debian 8) the code name only appeared in VERSION, as
    // "8 (jessie)". Take a single lower-case word in parentheses; "7 (Core)" and
    // "38 (Thirty Eight)" are not code names that anything matches on.
    const std::string version = get("VERSION");
    const auto open = version.rfind('(');
    if (open != std::string::npos && !version.empty() && version.back() == ')') {
      const std::string word = version.substr(open + 1, version.size() - open - 2);
      bool lower_word = !word.empty();
      for (char c : word) lower_word = lower_word && ((c >= 'a' && c <= 'z') || c == '-');
      if (lower_word) os.version_codename = word;
    }
  }
  return os;
}

}  // namespace fleetpatch::hoststate
