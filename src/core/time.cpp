#include "core/time.hpp"

#include <cstdio>

namespace fleetpatch::core {

std::string format_rfc3339(TimePoint t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{t - days};
  const int year = static_cast<int>(ymd.year());
  if (year >= 0 && year <= 9999) {
    // Digits by hand: snprintf costs thousands of instructions, and a fleet report formats
    // millions of dates.
    std::string out = "0000-00-00T00:00:00Z";
    const auto two = [&out](std::size_t at, unsigned v) {
      out[at] = static_cast<char>('0' + v / 10);
      out[at + 1] = static_cast<char>('0' + v % 10);
    };
    two(0, static_cast<unsigned>(year) / 100);
    two(2, static_cast<unsigned>(year) % 100);
    two(5, static_cast<unsigned>(ymd.month()));
    two(8, static_cast<unsigned>(ymd.day()));
    two(11, static_cast<unsigned>(hms.hours().count()));
    two(14, static_cast<unsigned>(hms.minutes().count()));
    two(17, static_cast<unsigned>(hms.seconds().count()));
    return out;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

namespace {

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

Result<TimePoint> parse_rfc3339(std::string_view text) {
  auto fail = [&] {
    return invalid_argument("invalid timestamp '" + std::string(text) +
                            "' (expected RFC 3339, e.g. 2026-11-26T03:00:00Z)");
  };
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') ||
      !read_digits(text, pos, 2, month) || !expect(text, pos, '-') ||
      !read_digits(text, pos, 2, day)) {
    return fail();
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return fail();
  TimePoint result{std::chrono::sys_days{ymd}};
  if (pos == text.size()) return result;
  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return fail();
  ++pos;
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, minute) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, second) || hour > 23 || minute > 59 || second > 60) {
    return fail();
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return fail();
  }
  result += std::chrono::hours{hour} + std::chrono::minutes{minute} + std::chrono::seconds{second};
  if (pos == text.size()) return fail();  // a time without a zone is ambiguous
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const int sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    int off_h = 0, off_m = 0;
    if (!read_digits(text, pos, 2, off_h) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, off_m)) {
      return fail();
    }
    result -= sign * (std::chrono::hours{off_h} + std::chrono::minutes{off_m});
  } else {
    return fail();
  }
  if (pos != text.size()) return fail();
  return result;
}

}  // namespace fleetpatch::core
