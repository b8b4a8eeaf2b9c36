#include "store/codec.hpp"

#include <lz4.h>
#include <openssl/evp.h>
#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace fleetpatch::store::codec {
namespace {

constexpr std::string_view kReportMagic{"FPR\x01", 4};
constexpr std::string_view kLedgerMagic{"FPL\x01", 4};
constexpr std::string_view kLedgerV2Magic{"FPL\x02", 4};  // + keys digest + version 1 blob

// zstd level of stored reports and ledgers: a report is compressed once per accepted report on
// the server's hot path, a ledger once per changed host of a re-evaluation. On a 600-package
// report's fields (`zstd -b1`, `-b3`, `-b --fast=5`): level 1 gives x6.97 at ~960 MB/s, level 3
// x7.05 at ~800 MB/s, --fast=5 x4.54 at ~1,240 MB/s: level 1 keeps nearly all of the space.
constexpr int kStoredLevel = 1;

// Report bodies are LZ4 (compress_lz4): the server compresses every full report it accepts, and
// on a 600-package report's ~40 KB encoding zstd level 1 took ~70 us (~10% of the server's CPU
// per report) for x5.5; LZ4 takes ~25 us for x4.4 and decompresses ~4x faster, which
// re-evaluation pays for every stored report. Ledgers stay zstd: they are written only when a
// host's findings change. The frame: this magic, the content size as 4 bytes little-endian, one
// LZ4 block.
constexpr std::string_view kLz4Magic{"FL4\x01", 4};
constexpr std::size_t kLz4HeaderSize = kLz4Magic.size() + 4;

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

/// Assigns the next string into `out`, reusing its capacity.
void read_into(Reader& rd, std::string& out) { out.assign(rd.view(rd.u())); }
void read_into(Reader& rd, std::vector<std::string>& out) {
  out.resize(rd.count());
  for (auto& item : out) read_into(rd, item);
}

/// Decodes into `r`, reusing the strings and vectors it already holds (re-evaluation decodes
/// 300,000 reports through one buffer per thread); every field is overwritten.
void decode_canonical_into(std::string_view data, core::HostReport& r) {
  if (data.substr(0, kReportMagic.size()) != kReportMagic) {
    throw Truncated("not a version 1 report encoding");
  }
  Reader rd(data.substr(kReportMagic.size()));
  read_into(rd, r.host.id);
  read_into(rd, r.host.hostname);
  read_into(rd, r.host.tags);
  read_into(rd, r.os.id);
  read_into(rd, r.os.version_id);
  read_into(rd, r.os.name);
  read_into(rd, r.os.id_like);
  read_into(rd, r.os.version_codename);
  read_into(rd, r.kernel.running);
  read_into(rd, r.kernel.installed);
  r.kernel.reboot_required = rd.byte() != 0;
  r.kernel.livepatch.resize(rd.count());
  for (auto& lp : r.kernel.livepatch) {
    read_into(rd, lp.name);
    read_into(rd, lp.tool);
    lp.enabled = rd.byte() != 0;
    lp.transition = rd.byte() != 0;
    read_into(rd, lp.cves);
    read_into(rd, lp.effective_kernel);
  }
  read_into(rd, r.kernel.reboot_required_by);
  const auto format = rd.byte();
  if (format > static_cast<std::uint8_t>(core::PackageFormat::kApk)) {
    throw Truncated("unknown package format " + std::to_string(format));
  }
  r.package_format = static_cast<core::PackageFormat>(format);
  r.packages.resize(rd.count());
  for (auto& p : r.packages) {
    read_into(rd, p.name);
    read_into(rd, p.version);
    read_into(rd, p.arch);
    read_into(rd, p.source_name);
    read_into(rd, p.source_version);
    if (rd.byte() != 0) {
      if (!p.module) p.module.emplace();
      read_into(rd, *p.module);
    } else {
      p.module.reset();
    }
    p.install_time.reset();
    if (rd.byte() != 0) p.install_time = rd.s();
  }
  r.listening.resize(rd.count());
  for (auto& l : r.listening) {
    read_into(rd, l.proto);
    read_into(rd, l.address);
    const auto port = rd.u();
    if (port > 65535) throw Truncated("port out of range");
    l.port = static_cast<std::uint16_t>(port);
    l.pid.reset();
    if (rd.byte() != 0) l.pid = rd.s();
    read_into(rd, l.exe);
    read_into(rd, l.package);
    const auto exposure = rd.byte();
    if (exposure > static_cast<std::uint8_t>(core::Exposure::kNetwork)) {
      throw Truncated("unknown exposure " + std::to_string(exposure));
    }
    l.exposure = static_cast<core::Exposure>(exposure);
    read_into(rd, l.mapped_packages);
  }
  r.pending_restart.resize(rd.count());
  for (auto& p : r.pending_restart) {
    p.pid = rd.s();
    read_into(rd, p.exe);
    read_into(rd, p.unit);
    read_into(rd, p.files);
    read_into(rd, p.packages);
  }
  read_into(rd, r.collector);
  if (!rd.done()) throw Truncated("trailing bytes after the report");
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

// Per-thread scratch buffers (the compression output, a report's canonical encoding) are kept
// between calls up to this size; a larger one is used once and freed, so that one huge report
// does not leave every server thread holding its size.
constexpr std::size_t kKeptScratchBytes = std::size_t{4} << 20;

}  // namespace

std::string compress(std::string_view data, int level) {
  // Compressed into a per-thread buffer of the worst-case size, then copied out at the frame's
  // size: a string of ZSTD_compressBound bytes per call was zero-filled for nothing (~40 KB for
  // a report whose frame is ~8 KB) and carried that unused capacity wherever the body went.
  thread_local std::string scratch;
  std::string one_off;
  const std::size_t bound = ZSTD_compressBound(data.size());
  std::string& buffer = bound <= kKeptScratchBytes ? scratch : one_off;
  if (buffer.size() < bound) buffer.resize(bound);
  const auto n =
      ZSTD_compressCCtx(zstd_contexts().c, buffer.data(), bound, data.data(), data.size(), level);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));  // bound was too small
  return buffer.substr(0, n);
}

std::string compress_lz4(std::string_view data) {
  // LZ4's block API takes int sizes; anything near that is no report (bodies are capped far
  // below it) but still gets stored, as zstd.
  if (data.size() > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE)) {
    return compress(data, kStoredLevel);
  }
  // The same per-thread output buffer scheme as compress(); LZ4's state (16 KB) is per thread too.
  thread_local std::string scratch;
  thread_local std::vector<char> state(static_cast<std::size_t>(LZ4_sizeofState()));
  std::string one_off;
  const int bound = LZ4_compressBound(static_cast<int>(data.size()));
  const std::size_t capacity = kLz4HeaderSize + static_cast<std::size_t>(bound);
  std::string& buffer = capacity <= kKeptScratchBytes ? scratch : one_off;
  if (buffer.size() < capacity) buffer.resize(capacity);
  std::memcpy(buffer.data(), kLz4Magic.data(), kLz4Magic.size());
  const auto size = static_cast<std::uint32_t>(data.size());
  for (std::size_t i = 0; i < 4; ++i) {
    buffer[kLz4Magic.size() + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  }
  const int n =
      LZ4_compress_fast_extState(state.data(), data.data(), buffer.data() + kLz4HeaderSize,
                                 static_cast<int>(data.size()), bound, 1);
  if (n <= 0) throw std::runtime_error("LZ4 compression failed");  // bound was too small
  return buffer.substr(0, kLz4HeaderSize + static_cast<std::size_t>(n));
}

namespace {

core::Status decompress_lz4_into(std::string_view frame, std::string& out, std::size_t max_size) {
  if (frame.size() < kLz4HeaderSize) {
    return core::Error{core::ErrorCode::kInternal, "corrupt stored blob: truncated LZ4 header"};
  }
  std::uint32_t size = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    size |= static_cast<std::uint32_t>(static_cast<unsigned char>(frame[kLz4Magic.size() + i]))
            << (8 * i);
  }
  if (size > max_size || size > static_cast<std::uint32_t>(LZ4_MAX_INPUT_SIZE)) {
    return core::Error{core::ErrorCode::kInternal,
                       "stored blob decompresses to " + std::to_string(size) + " bytes"};
  }
  const std::string_view block = frame.substr(kLz4HeaderSize);
  if (block.size() > static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(size)))) {
    return core::Error{core::ErrorCode::kInternal,
                       "corrupt stored blob: LZ4 block larger than its content can be"};
  }
  out.resize(size);
  const int n = LZ4_decompress_safe(block.data(), out.data(), static_cast<int>(block.size()),
                                    static_cast<int>(size));
  if (n < 0 || static_cast<std::uint32_t>(n) != size) {
    out.clear();
    return core::Error{core::ErrorCode::kInternal,
                       n < 0 ? std::string("corrupt stored blob: invalid LZ4 block")
                             : "corrupt stored blob: LZ4 block holds " + std::to_string(n) +
                                   " bytes, its header says " + std::to_string(size)};
  }
  return {};
}

}  // namespace

core::Status decompress_into(std::string_view frame, std::string& out, std::size_t max_size) {
  if (frame.substr(0, kLz4Magic.size()) == kLz4Magic) {
    return decompress_lz4_into(frame, out, max_size);
  }
  const auto size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return core::Error{core::ErrorCode::kInternal,
                       "stored blob is neither a zstd nor an LZ4 frame"};
  }
  if (size > max_size) {
    return core::Error{core::ErrorCode::kInternal,
                       "stored blob decompresses to " + std::to_string(size) + " bytes"};
  }
  out.resize(static_cast<std::size_t>(size));
  const auto n =
      ZSTD_decompressDCtx(zstd_contexts().d, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) {
    out.clear();
    return core::Error{core::ErrorCode::kInternal,
                       std::string("corrupt stored blob: ") +
                           (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame")};
  }
  return {};
}

core::Result<std::string> decompress(std::string_view frame, std::size_t max_size) {
  std::string out;
  if (auto status = decompress_into(frame, out, max_size); !status.ok()) return status.error();
  return out;
}

std::string encode_report_canonical(const core::HostReport& report) {
  std::string out;
  out.reserve(64 + report.packages.size() * 64);
  encode_canonical_into(report, out);
  return out;
}

EncodedReport encode_report(const core::HostReport& report) {
  // The encoding is only compressed and hashed here, then dropped: one buffer per thread, reused,
  // rather than a ~40 KB string allocated per accepted report (and regrown: 64 bytes a package
  // is less than a real package takes).
  thread_local std::string raw;
  raw.clear();
  encode_canonical_into(report, raw);
  EncodedReport encoded{compress_lz4(raw), sha256_hex(raw)};
  if (raw.capacity() > kKeptScratchBytes) std::string().swap(raw);
  return encoded;
}

core::Status decode_report_into(std::string_view body, std::string_view collected_at,
                                core::HostReport& out) {
  thread_local std::string raw;
  if (auto status = decompress_into(body, raw); !status.ok()) return status;
  try {
    decode_canonical_into(raw, out);
    out.collected_at.assign(collected_at);
    return {};
  } catch (const Truncated& e) {
    return core::Error{core::ErrorCode::kInternal,
                       std::string("corrupt stored report: ") + e.what()};
  }
}

core::Result<core::HostReport> decode_report(std::string_view body, std::string_view collected_at) {
  core::HostReport report;
  if (auto status = decode_report_into(body, collected_at, report); !status.ok()) {
    return status.error();
  }
  return report;
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

KeysDigest keys_digest(const std::vector<std::string_view>& sorted_unique_keys) {
  // One buffer, one hash call: an update per key costs more than hashing the bytes.
  thread_local std::string buffer;
  buffer.clear();
  Writer w(buffer);
  for (const std::string_view key : sorted_unique_keys) w.str(key);
  XXH128_canonical_t canonical;  // big-endian bytes: the same digest on every machine
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(buffer.data(), buffer.size()));
  KeysDigest digest{};
  static_assert(sizeof(canonical.digest) == sizeof(KeysDigest));
  std::memcpy(digest.data(), canonical.digest, digest.size());
  return digest;
}

std::optional<KeysDigest> stored_keys_digest(std::string_view blob) {
  if (blob.size() < kLedgerV2Magic.size() + sizeof(KeysDigest) ||
      blob.substr(0, kLedgerV2Magic.size()) != kLedgerV2Magic) {
    return std::nullopt;
  }
  KeysDigest digest{};
  std::memcpy(digest.data(), blob.data() + kLedgerV2Magic.size(), digest.size());
  return digest;
}

std::string encode_sorted_ledger(const std::vector<LedgerItem>& sorted_unique) {
  std::vector<std::string_view> keys;
  keys.reserve(sorted_unique.size());
  for (const LedgerItem& e : sorted_unique) keys.push_back(e.key);
  const KeysDigest digest = keys_digest(keys);
  std::string blob(kLedgerV2Magic);
  blob.append(reinterpret_cast<const char*>(digest.data()), digest.size());

  std::string raw(kLedgerMagic);
  raw.reserve(16 + sorted_unique.size() * 16);
  Writer w(raw);
  w.u(sorted_unique.size());
  std::string_view previous_key;
  std::int64_t previous_time = 0;
  for (const LedgerItem& e : sorted_unique) {
    std::size_t shared = 0;
    const std::size_t limit = std::min(previous_key.size(), e.key.size());
    while (shared < limit && previous_key[shared] == e.key[shared]) ++shared;
    w.u(shared);
    w.str(e.key.substr(shared));
    const auto t = to_unix(e.first_seen);
    w.s(static_cast<std::int64_t>(static_cast<std::uint64_t>(t) -
                                  static_cast<std::uint64_t>(previous_time)));
    previous_time = t;
    previous_key = e.key;
  }
  blob += compress(raw, kStoredLevel);
  return blob;
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
  std::vector<LedgerItem> items;
  items.reserve(sorted.size());
  for (const LedgerEntry* e : sorted) items.push_back({e->key, e->first_seen});
  return encode_sorted_ledger(items);
}

core::Status decode_ledger_into(std::string_view blob, LedgerView& out) {
  out.keys.clear();
  out.entries.clear();
  if (blob.empty()) return {};
  if (blob.substr(0, kLedgerV2Magic.size()) == kLedgerV2Magic) {
    if (blob.size() < kLedgerV2Magic.size() + sizeof(KeysDigest)) {
      return core::Error{core::ErrorCode::kInternal, "corrupt stored ledger: truncated header"};
    }
    blob.remove_prefix(kLedgerV2Magic.size() + sizeof(KeysDigest));
  }
  if (auto status = decompress_into(blob, out.raw); !status.ok()) return status;
  std::string_view data = out.raw;
  if (data.substr(0, kLedgerMagic.size()) != kLedgerMagic) {
    return core::Error{core::ErrorCode::kInternal, "stored ledger is not a version 1 ledger"};
  }
  try {
    Reader rd(data.substr(kLedgerMagic.size()));
    const std::size_t count = rd.count();
    out.entries.resize(count);
    std::int64_t previous_time = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const auto shared = rd.u();
      const std::size_t previous_size = i == 0 ? 0 : out.entries[i - 1].size;
      if (shared > previous_size) throw Truncated("shared prefix too long");
      const std::string_view suffix = rd.view(rd.u());
      const std::size_t offset = out.keys.size();
      if (offset + shared + suffix.size() > 0xffffffffU) throw Truncated("ledger too large");
      if (shared > 0) out.keys.append(out.keys, out.entries[i - 1].offset, shared);
      out.keys.append(suffix);
      out.entries[i].offset = static_cast<std::uint32_t>(offset);
      out.entries[i].size = static_cast<std::uint32_t>(shared + suffix.size());
      // Unsigned wrap-around: corrupt deltas must not be signed overflow (UB).
      previous_time = static_cast<std::int64_t>(static_cast<std::uint64_t>(previous_time) +
                                                static_cast<std::uint64_t>(rd.s()));
      out.entries[i].first_seen = from_unix(previous_time);
    }
    if (!rd.done()) throw Truncated("trailing bytes after the ledger");
    return {};
  } catch (const Truncated& e) {
    out.keys.clear();
    out.entries.clear();
    return core::Error{core::ErrorCode::kInternal,
                       std::string("corrupt stored ledger: ") + e.what()};
  }
}

core::Result<std::vector<LedgerEntry>> decode_ledger(std::string_view blob) {
  LedgerView view;
  if (auto status = decode_ledger_into(blob, view); !status.ok()) return status.error();
  std::vector<LedgerEntry> out(view.entries.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].key = std::string(view.key(i));
    out[i].first_seen = view.entries[i].first_seen;
  }
  return out;
}

}  // namespace fleetpatch::store::codec
