#include "feed/apt_changelog/deb822.hpp"

#include <cctype>

namespace fleetpatch::feed::apt_changelog {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

/// The signed content of a clear-signed message, or the text itself.
std::string_view strip_signature(std::string_view text) {
  constexpr std::string_view kBegin = "-----BEGIN PGP SIGNED MESSAGE-----";
  constexpr std::string_view kSignature = "-----BEGIN PGP SIGNATURE-----";
  if (text.substr(0, kBegin.size()) != kBegin) return text;
  // Armor headers ("Hash: SHA512") end at the first blank line.
  std::size_t pos = text.find('\n');
  while (pos != std::string_view::npos) {
    std::size_t end = text.find('\n', pos + 1);
    std::string_view line =
        text.substr(pos + 1, end == std::string_view::npos ? end : end - pos - 1);
    pos = end;
    if (is_blank(line)) break;
  }
  if (pos == std::string_view::npos) return {};
  std::string_view body = text.substr(pos + 1);
  if (std::size_t signature = body.find(kSignature); signature != std::string_view::npos) {
    body = body.substr(0, signature);
  }
  return body;
}

}  // namespace

std::string_view Paragraph::get(std::string_view name) const {
  for (const auto& [key, value] : fields) {
    if (iequals(key, name)) return value;
  }
  return {};
}

bool Paragraph::has(std::string_view name) const {
  for (const auto& field : fields) {
    if (iequals(field.first, name)) return true;
  }
  return false;
}

void for_each_paragraph(std::string_view text, const std::function<void(const Paragraph&)>& visit,
                        const std::function<void(std::size_t, std::string)>& problem) {
  const bool signed_text = text.rfind("-----BEGIN PGP SIGNED MESSAGE-----", 0) == 0;
  std::size_t line_offset = 0;
  if (signed_text) {
    std::string_view body = strip_signature(text);
    if (!body.empty()) {
      for (const char* p = text.data(); p < body.data(); ++p) line_offset += *p == '\n';
    }
    text = body;
  }
  Paragraph paragraph;
  // Where the value of the last field starts and ends (for continuation lines).
  const char* value_begin = nullptr;
  const char* value_end = nullptr;
  auto flush = [&] {
    if (!paragraph.fields.empty() && value_begin != nullptr) {
      paragraph.fields.back().second = trim(std::string_view(value_begin, value_end - value_begin));
    }
    if (!paragraph.fields.empty()) visit(paragraph);
    paragraph.fields.clear();
    value_begin = value_end = nullptr;
  };
  std::size_t line_number = line_offset;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    ++line_number;
    pos = end + 1;
    if (is_blank(line)) {
      flush();
      continue;
    }
    if (line[0] == '#') continue;
    if (line[0] == ' ' || line[0] == '\t') {
      if (paragraph.fields.empty()) {
        problem(line_number, "continuation line outside a field");
        continue;
      }
      value_end = line.data() + line.size();
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        line.substr(0, colon).find_first_of(" \t") != std::string_view::npos) {
      problem(line_number,
              "not a \"Field: value\" line: \"" + std::string(line.substr(0, 80)) + "\"");
      continue;
    }
    if (!paragraph.fields.empty() && value_begin != nullptr) {
      paragraph.fields.back().second = trim(std::string_view(value_begin, value_end - value_begin));
    }
    if (paragraph.fields.empty()) paragraph.line = line_number;
    paragraph.fields.emplace_back(line.substr(0, colon), std::string_view());
    value_begin = line.data() + colon + 1;
    value_end = line.data() + line.size();
  }
  flush();
}

std::string fold(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::string_view> words(std::string_view value) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < value.size()) {
    pos = value.find_first_not_of(" \t\r\n", pos);
    if (pos == std::string_view::npos) break;
    std::size_t end = value.find_first_of(" \t\r\n", pos);
    if (end == std::string_view::npos) end = value.size();
    out.push_back(value.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

}  // namespace fleetpatch::feed::apt_changelog
