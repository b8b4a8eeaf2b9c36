#include "store/codec.hpp"

#include <openssl/evp.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace fleetpatch::store::codec {
namespace {

constexpr std::string_view kReportMagic{"FPR\x01", 4};
constexpr std::string_view kLedgerMagic{"FPL\x01", 4};

// ---- varint writer / reader ----

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void s(std::int64_t v) {
    u((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void str(std::string_view v) {
    u(v.size());
    out_.append(v);
  }
  void strs(const std::vector<std::string>& v) {
    u(v.size());
    for (const auto& item : v) str(item);
  }

 private:
  std::string& out_;
};

// Reader failures are exceptional inside decoding only; decode_* catch and turn them into
// Result errors, so no exception leaves this file.
struct Truncated : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::uint64_t u() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) throw Truncated("truncated varint");
      const auto b = static_cast<std::uint8_t>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw Truncated("overlong varint");
  }
  std::int64_t s() {
    const std::uint64_t z = u();
    return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::uint8_t byte() {
    if (pos_ >= in_.size()) throw Truncated("truncated byte");
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::string_view view(std::uint64_t n) {
    if (n > in_.size() - pos_) throw Truncated("truncated string");
    auto v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::string str() { return std::string(view(u())); }
  // A count can never exceed the bytes left (every item takes at least one byte): a corrupt
  // count must not make us reserve gigabytes.
  std::size_t count() {
    const auto n = u();
    if (n > in_.size() - pos_) throw Truncated("count larger than the data");
    return n;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v(count());
    for (auto& item : v) item = str();
    return v;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

void encode_canonical_into(const core::HostReport& r, std::string& out) {
  out.append(kReportMagic);
  Writer w(out);
  w.str(r.host.id);
  w.str(r.host.hostname);
  w.strs(r.host.tags);
  w.str(r.os.id);
  w.str(r.os.version_id);
  w.str(r.os.name);
  w.strs(r.os.id_like);
  w.str(r.os.version_codename);
  w.str(r.kernel.running);
  w.strs(r.kernel.installed);
  w.byte(r.kernel.reboot_required ? 1 : 0);
  w.u(r.kernel.livepatch.size());
  for (const auto& lp : r.kernel.livepatch) {
    w.str(lp.name);
    w.str(lp.tool);
    w.byte(lp.enabled ? 1 : 0);
    w.byte(lp.transition ? 1 : 0);
    w.strs(lp.cves);
    w.str(lp.effective_kernel);
  }
  w.strs(r.kernel.reboot_required_by);
  w.byte(static_cast<std::uint8_t>(r.package_format));
  w.u(r.packages.size());
  for (const auto& p : r.packages) {
    w.str(p.name);
    w.str(p.version);
    w.str(p.arch);
    w.str(p.source_name);
    w.str(p.source_version);
    w.byte(p.module ? 1 : 0);
    if (p.module) w.str(*p.module);
    w.byte(p.install_time ? 1 : 0);
    if (p.install_time) w.s(*p.install_time);
  }
  w.u(r.listening.size());
  for (const auto& l : r.listening) {
    w.str(l.proto);
    w.str(l.address);
    w.u(l.port);
    w.byte(l.pid ? 1 : 0);
    if (l.pid) w.s(*l.pid);
    w.str(l.exe);
    w.str(l.package);
    w.byte(static_cast<std::uint8_t>(l.exposure));
    w.strs(l.mapped_packages);
  }
  w.u(r.pending_restart.size());
  for (const auto& p : r.pending_restart) {
    w.s(p.pid);
    w.str(p.exe);
    w.str(p.unit);
    w.strs(p.files);
    w.strs(p.packages);
  }
  w.str(r.collector);
}

core::HostReport decode_canonical(std::string_view data) {
  if (data.substr(0, kReportMagic.size()) != kReportMagic) {
    throw Truncated("not a version 1 report encoding");
  }
  Reader rd(data.substr(kReportMagic.size()));
  core::HostReport r;
  r.host.id = rd.str();
  r.host.hostname = rd.str();
  r.host.tags = rd.strs();
  r.os.id = rd.str();
  r.os.version_id = rd.str();
  r.os.name = rd.str();
  r.os.id_like = rd.strs();
  r.os.version_codename = rd.str();
  r.kernel.running = rd.str();
  r.kernel.installed = rd.strs();
  r.kernel.reboot_required = rd.byte() != 0;
  r.kernel.livepatch.resize(rd.count());
  for (auto& lp : r.kernel.livepatch) {
    lp.name = rd.str();
    lp.tool = rd.str();
    lp.enabled = rd.byte() != 0;
    lp.transition = rd.byte() != 0;
    lp.cves = rd.strs();
    lp.effective_kernel = rd.str();
  }
  r.kernel.reboot_required_by = rd.strs();
  const auto format = rd.byte();
  if (format > static_cast<std::uint8_t>(core::PackageFormat::kApk)) {
    throw Truncated("unknown package format " + std::to_string(format));
  }
  r.package_format = static_cast<core::PackageFormat>(format);
  r.packages.resize(rd.count());
  for (auto& p : r.packages) {
    p.name = rd.str();
    p.version = rd.str();
    p.arch = rd.str();
    p.source_name = rd.str();
    p.source_version = rd.str();
    if (rd.byte() != 0) p.module = rd.str();
    if (rd.byte() != 0) p.install_time = rd.s();
  }
  r.listening.resize(rd.count());
  for (auto& l : r.listening) {
    l.proto = rd.str();
    l.address = rd.str();
    const auto port = rd.u();
    if (port > 65535) throw Truncated("port out of range");
    l.port = static_cast<std::uint16_t>(port);
    if (rd.byte() != 0) l.pid = rd.s();
    l.exe = rd.str();
    l.package = rd.str();
    const auto exposure = rd.byte();
    if (exposure > static_cast<std::uint8_t>(core::Exposure::kNetwork)) {
      throw Truncated("unknown exposure " + std::to_string(exposure));
    }
    l.exposure = static_cast<core::Exposure>(exposure);
    l.mapped_packages = rd.strs();
  }
  r.pending_restart.resize(rd.count());
  for (auto& p : r.pending_restart) {
    p.pid = rd.s();
    p.exe = rd.str();
    p.unit = rd.str();
    p.files = rd.strs();
    p.packages = rd.strs();
  }
  r.collector = rd.str();
  if (!rd.done()) throw Truncated("trailing bytes after the report");
  return r;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    // OpenSSL failing to hash from memory is a broken invariant, not an expected failure.
    throw std::runtime_error("EVP_Digest(SHA-256) failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(static_cast<std::size_t>(length) * 2, '0');
  for (std::size_t i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

void append_field(std::string& out, std::string_view field) {
  const auto n = static_cast<std::uint64_t>(field.size());
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  out.append(field);
}

namespace {

// zstd contexts are worth reusing: creating one per call (what ZSTD_compress/ZSTD_decompress
// do) allocates and clears a few hundred KB and cost more than the work itself for report-sized
// inputs. One per thread, freed when the thread ends; no state is shared between calls.
struct ZstdContexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZstdContexts() = default;
  ZstdContexts(const ZstdContexts&) = delete;
  ZstdContexts& operator=(const ZstdContexts&) = delete;
  ~ZstdContexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};

ZstdContexts& zstd_contexts() {
  thread_local ZstdContexts contexts;
  if (contexts.c == nullptr || contexts.d == nullptr) throw std::bad_alloc();
  return contexts;
}

}  // namespace

std::string compress(std::string_view data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const auto n =
      ZSTD_compressCCtx(zstd_contexts().c, out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));  // bound was too small
  out.resize(n);
  return out;
}

core::Result<std::string> decompress(std::string_view frame, std::size_t max_size) {
  const auto size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return core::Error{core::ErrorCode::kInternal, "stored blob is not a zstd frame"};
  }
  if (size > max_size) {
    return core::Error{core::ErrorCode::kInternal,
                       "stored blob decompresses to " + std::to_string(size) + " bytes"};
  }
  std::string out(static_cast<std::size_t>(size), '\0');
  const auto n =
      ZSTD_decompressDCtx(zstd_contexts().d, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) {
    return core::Error{core::ErrorCode::kInternal,
                       std::string("corrupt stored blob: ") +
                           (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame")};
  }
  return out;
}

std::string encode_report_canonical(const core::HostReport& report) {
  std::string out;
  out.reserve(64 + report.packages.size() * 64);
  encode_canonical_into(report, out);
  return out;
}

EncodedReport encode_report(const core::HostReport& report) {
  const std::string raw = encode_report_canonical(report);
  // Level 1: this runs once per accepted report on the server's hot path; the higher levels
  // save a few percent of space for several times the CPU.
  return {compress(raw, 1), sha256_hex(raw)};
}

core::Result<core::HostReport> decode_report(std::string_view body, std::string_view collected_at) {
  auto raw = decompress(body);
  if (!raw.ok()) return raw.error();
  try {
    auto report = decode_canonical(*raw);
    report.collected_at = std::string(collected_at);
    return report;
  } catch (const Truncated& e) {
    return core::Error{core::ErrorCode::kInternal,
                       std::string("corrupt stored report: ") + e.what()};
  }
}

std::string encode_string_list(const std::vector<std::string>& items) {
  return nlohmann::json(items).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::Result<std::vector<std::string>> decode_string_list(std::string_view json) {
  if (json.empty()) return std::vector<std::string>{};
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return core::Error{core::ErrorCode::kInternal, "stored list is not a JSON array"};
  }
  std::vector<std::string> out;
  out.reserve(doc.size());
  for (const auto& item : doc) {
    if (!item.is_string()) {
      return core::Error{core::ErrorCode::kInternal, "stored list holds a non-string"};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string encode_ledger(const std::vector<LedgerEntry>& entries) {
  // Sorts pointers, not entries: copying ~900 key strings per host showed up in re-evaluation.
  std::vector<const LedgerEntry*> sorted;
  sorted.reserve(entries.size());
  for (const auto& e : entries) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](const LedgerEntry* a, const LedgerEntry* b) {
    const int c = a->key.compare(b->key);
    return c != 0 ? c < 0 : a->first_seen < b->first_seen;
  });
  // Equal keys are adjacent with the earliest first_seen first: keep that one.
  sorted.erase(
      std::unique(sorted.begin(), sorted.end(),
                  [](const LedgerEntry* a, const LedgerEntry* b) { return a->key == b->key; }),
      sorted.end());
  std::string raw(kLedgerMagic);
  raw.reserve(16 + sorted.size() * 16);
  Writer w(raw);
  w.u(sorted.size());
  std::string_view previous_key;
  std::int64_t previous_time = 0;
  for (const LedgerEntry* e : sorted) {
    std::size_t shared = 0;
    const std::size_t limit = std::min(previous_key.size(), e->key.size());
    while (shared < limit && previous_key[shared] == e->key[shared]) ++shared;
    w.u(shared);
    w.str(std::string_view(e->key).substr(shared));
    const auto t = to_unix(e->first_seen);
    w.s(static_cast<std::int64_t>(static_cast<std::uint64_t>(t) -
                                  static_cast<std::uint64_t>(previous_time)));
    previous_time = t;
    previous_key = e->key;
  }
  return compress(raw, 3);
}

core::Result<std::vector<LedgerEntry>> decode_ledger(std::string_view blob) {
  if (blob.empty()) return std::vector<LedgerEntry>{};
  auto raw = decompress(blob);
  if (!raw.ok()) return raw.error();
  std::string_view data = *raw;
  if (data.substr(0, kLedgerMagic.size()) != kLedgerMagic) {
    return core::Error{core::ErrorCode::kInternal, "stored ledger is not a version 1 ledger"};
  }
  try {
    Reader rd(data.substr(kLedgerMagic.size()));
    std::vector<LedgerEntry> out(rd.count());
    std::int64_t previous_time = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto shared = rd.u();
      const std::string& previous = i == 0 ? out[0].key : out[i - 1].key;
      if (shared > (i == 0 ? 0 : previous.size())) throw Truncated("shared prefix too long");
      std::string key = i == 0 ? std::string() : previous.substr(0, shared);
      key.append(rd.view(rd.u()));
      out[i].key = std::move(key);
      // Unsigned wrap-around: corrupt deltas must not be signed overflow (UB).
      previous_time = static_cast<std::int64_t>(static_cast<std::uint64_t>(previous_time) +
                                                static_cast<std::uint64_t>(rd.s()));
      out[i].first_seen = from_unix(previous_time);
    }
    if (!rd.done()) throw Truncated("trailing bytes after the ledger");
    return out;
  } catch (const Truncated& e) {
    return core::Error{core::ErrorCode::kInternal,
                       std::string("corrupt stored ledger: ") + e.what()};
  }
}

}  // namespace fleetpatch::store::codec
