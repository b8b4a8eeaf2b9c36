// Encodings both store backends share, so that a SQLite and a PostgreSQL database hold the same
// bytes for the same facts (and a dump of one can be read by the other's code). Everything here
// is on-disk format: a change needs a new encoding version, and decoders keep reading the old.
//
// Shared table layout (docs/store.md has the full schema): both backends name the audit table
// `audit(seq, at, actor, action, target, detail, prev_hash, hash)` and the migrations table
// `schema_migrations(version, applied_at, description)` (columns other than version have
// defaults); the conformance suite tampers with these through raw SQL.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/host_report.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

namespace fleetpatch::store::codec {

// ---- hashing ------------------------------------------------------------------------------

/// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Appends one field of a canonical length-prefixed encoding: the field's byte length as 8 bytes
/// big-endian, then the bytes. Concatenations of such fields cannot collide by shifting bytes
/// from one field into the next.
void append_field(std::string& out, std::string_view field);

// ---- compression --------------------------------------------------------------------------

/// zstd frame of `data` (the frame records its content size).
std::string compress(std::string_view data, int level = 3);
/// LZ4 frame of `data`: "FL4" 0x01, the content size as 4 bytes little-endian, one LZ4 block.
/// About 2.5x faster than zstd level 1 on report encodings, for ~25% more bytes (codec.cpp). An
/// input larger than LZ4 takes (~2 GB) gets a zstd frame instead.
std::string compress_lz4(std::string_view data);
/// Inverse of compress and compress_lz4 (told apart by their first four bytes); an error for a
/// corrupt frame or one larger than `max_size`.
core::Result<std::string> decompress(std::string_view frame,
                                     std::size_t max_size = std::size_t{1} << 30);
/// decompress into `out`, reusing its capacity (cleared on error).
core::Status decompress_into(std::string_view frame, std::string& out,
                             std::size_t max_size = std::size_t{1} << 30);

// ---- reports ------------------------------------------------------------------------------

/// Canonical binary encoding of a report WITHOUT collected_at (uncompressed): the input of
/// report_content_hash and, compressed, the stored report body. Version 1 layout (all integers
/// are LEB128 varints, strings are varint length + bytes, lists are varint count + items):
///   "FPR" 0x01, host{id, hostname, tags}, os{id, version_id, name, id_like, version_codename},
///   kernel{running, installed, reboot_required(1 byte), livepatch[{name, tool, enabled,
///   transition, cves, effective_kernel}], reboot_required_by}, package_format(1 byte),
///   packages[{name, version, arch, source_name, source_version, module(flag + string),
///   install_time(flag + zigzag varint)}], listening[{proto, address, port, pid(flag + zigzag),
///   exe, package, exposure(1 byte), mapped_packages}], pending_restart[{pid(zigzag), exe, unit,
///   files, packages}], collector.
std::string encode_report_canonical(const core::HostReport& report);

/// The stored report body: compress_lz4(encode_report_canonical(report)). Bodies written before
/// schema version 3 are zstd frames (compress) and still decode.
struct EncodedReport {
  std::string body;          // compressed canonical encoding
  std::string content_hash;  // report_content_hash(report)
};
EncodedReport encode_report(const core::HostReport& report);

/// Decodes a stored body; `collected_at` (kept in its own column) is put back into the report.
core::Result<core::HostReport> decode_report(std::string_view body, std::string_view collected_at);
/// decode_report into `out`, reusing the strings and vectors it holds (every field is
/// overwritten): what re-evaluation does for 300,000 reports through one buffer per thread.
core::Status decode_report_into(std::string_view body, std::string_view collected_at,
                                core::HostReport& out);

// ---- small lists --------------------------------------------------------------------------

/// A JSON array of strings ("[\"prod\",\"web\"]"): tags, CVE lists. Readable in SQL consoles.
std::string encode_string_list(const std::vector<std::string>& items);
core::Result<std::vector<std::string>> decode_string_list(std::string_view json);

// ---- findings ledger ----------------------------------------------------------------------

/// One host's open findings as ONE compressed blob (300,000 hosts x ~900 findings must not be a
/// row per finding). Version 1: "FPL" 0x01, varint count, then per entry sorted by key: varint
/// length of the prefix shared with the previous key, varint suffix length, suffix bytes, zigzag
/// varint of first_seen minus the previous entry's first_seen (seconds); the whole zstd
/// compressed. Entries are sorted by key; duplicate keys keep the earliest first_seen.
/// Version 2 (what is written now): "FPL" 0x02 and the 16-byte keys_digest of the keys,
/// uncompressed, then the version 1 blob. Most evaluations of a host find the findings it
/// already had (a full report whose packages did not change, a feed update that does not concern
/// it): comparing digests tells that without decompressing and merging ~900 keys. Decoders read
/// both versions.
std::string encode_ledger(const std::vector<LedgerEntry>& entries);

/// XXH3-128 (canonical, big-endian) of a ledger's keys, sorted and unique (each as a varint
/// length and its bytes). Change detection, not a security boundary: the keys are the server's
/// own matching results, and a host that could craft a collision could as well lie in its
/// report. SHA-256 cost ~18 us per ~1,000-key host, XXH3 about a tenth of that.
using KeysDigest = std::array<unsigned char, 16>;
KeysDigest keys_digest(const std::vector<std::string_view>& sorted_unique_keys);
/// The keys_digest a stored ledger carries (version 2), or nothing (version 1, or no ledger).
std::optional<KeysDigest> stored_keys_digest(std::string_view blob);
core::Result<std::vector<LedgerEntry>> decode_ledger(std::string_view blob);

/// One entry of a ledger given as views (keys owned by the caller).
struct LedgerItem {
  std::string_view key;
  core::TimePoint first_seen{};
};
/// encode_ledger of entries already sorted by key with unique keys (re-evaluation builds them
/// that way and must not copy ~900 key strings a host to call encode_ledger).
std::string encode_sorted_ledger(const std::vector<LedgerItem>& sorted_unique);

/// A decoded ledger whose keys live back to back in one buffer: what re-evaluation reads for
/// 300,000 hosts, without a string allocation per entry. Reusable: decode_ledger_into clears it.
struct LedgerView {
  struct Entry {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
    core::TimePoint first_seen{};
  };
  std::string raw;             // decompression buffer
  std::string keys;            // every key, back to back
  std::vector<Entry> entries;  // in stored order (sorted by key, unique)
  std::string_view key(std::size_t i) const {
    return std::string_view(keys).substr(entries[i].offset, entries[i].size);
  }
};
/// decode_ledger into `out` (same validation, same errors); entries keep the stored order.
core::Status decode_ledger_into(std::string_view blob, LedgerView& out);

// ---- times --------------------------------------------------------------------------------

inline std::int64_t to_unix(core::TimePoint t) { return t.time_since_epoch().count(); }
inline core::TimePoint from_unix(std::int64_t seconds) {
  return core::TimePoint{std::chrono::seconds{seconds}};
}

}  // namespace fleetpatch::store::codec
