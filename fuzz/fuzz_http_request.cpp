// Fuzzes the fleet server's HTTP/1.1 request parser (server/http_parse.hpp): whatever arrives on
// the port. Checks that reading the same bytes in two pieces gives what reading them at once
// gives (the server sees requests in arbitrary TCP segments), and that a parsed request never
// claims more bytes than it was given or a body over the limit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/http_parse.hpp"

namespace {

using fleetpatch::server::http1::ParserLimits;
using fleetpatch::server::http1::RequestParser;

struct Outcome {
  RequestParser::State state;
  std::size_t consumed = 0;
  int status = 0;
  std::string summary;
};

// Parses every request in `input`; the bytes arrive up to `split` first, then the rest.
std::string parse_stream(std::string_view input, std::size_t split, const ParserLimits& limits) {
  RequestParser parser(limits);
  std::string buffer(input.substr(0, split));
  std::string log;
  bool whole = split >= input.size();
  for (int requests = 0; requests < 64; ++requests) {
    auto state = parser.parse(buffer);
    if (state == RequestParser::State::kNeedMore && !whole) {
      buffer.append(input.substr(split));
      whole = true;
      state = parser.parse(buffer);
    }
    if (state == RequestParser::State::kNeedMore) return log + "|more";
    if (state == RequestParser::State::kError) {
      return log + "|error " + std::to_string(parser.error_status());
    }
    if (parser.consumed() > buffer.size() || parser.request().body.size() > limits.max_body) {
      __builtin_trap();
    }
    const auto& r = parser.request();
    log += "|" + r.method + " " + r.path + " " + std::to_string(r.headers.size()) + " " + r.body;
    buffer.erase(0, parser.consumed());
    parser.reset();
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ParserLimits limits;
  limits.max_head = 4096;
  limits.max_headers = 20;
  limits.max_body = 4096;
  const std::size_t split = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (parse_stream(input, input.size(), limits) != parse_stream(input, split, limits)) {
    __builtin_trap();
  }
  return 0;
}
