// On-disk layout of the compiled advisory index (docs/index-format.md). Everything here is the
// file format: DO NOT CHANGE the layout, the section ids or the enum values without bumping
// kFormatVersion. Only the builder and the reader include this header.
//
// File = Header, section table, sections. All integers are in the writer's byte order, which
// must be the reader's (the endianness marker says so; a mismatch is an error, the index is
// rebuilt rather than byte-swapped). Every section starts at a multiple of 8. Strings live once
// in the string section and are referenced as (offset, length). Record arrays are plain arrays
// of the structs below, read in place from the memory map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace fleetpatch::index::format {

inline constexpr char kMagic[8] = {'F', 'P', 'I', 'N', 'D', 'E', 'X', '\x1a'};
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::uint32_t kEndianMarker = 0x01020304;
inline constexpr std::uint32_t kMaxSections = 64;

/// Section ids. DO NOT CHANGE THESE VALUES.
enum class SectionId : std::uint32_t {
  kStrings = 1,     // bytes
  kAdvisories = 2,  // AdvisoryRecord[], sorted by id
  kCves = 3,        // StrRef[], each advisory's CVEs (sorted) as a contiguous run
  kReleases = 4,    // ReleaseRecord[], sorted by key
  kKeys = 5,        // KeyRecord[], sorted by (release, name)
  kEntries = 6,     // EntryRecord[], grouped by key; within a key sorted by (advisory, module)
  kEvents = 7,      // EventRecord[], each entry's events as a contiguous run, in feed order
  kKev = 8,         // KevRecord[], sorted by CVE
  kSources = 9,     // SourceRecord[], sorted by name
};

struct Header {
  char magic[8];
  std::uint32_t format_version;
  std::uint32_t endian_marker;
  std::uint64_t file_size;
  /// XXH64 (seed 0) of every byte after the header: section table and sections.
  std::uint64_t payload_checksum;
  std::uint32_t section_count;
  std::uint32_t header_size;  // sizeof(Header)
  std::uint64_t reserved[3];
};

struct SectionEntry {
  std::uint32_t id;
  std::uint32_t record_size;  // 1 for the string bytes
  std::uint64_t offset;       // from the start of the file
  std::uint64_t size;         // bytes
};

struct StrRef {
  std::uint32_t offset;
  std::uint32_t length;
};

struct AdvisoryRecord {
  StrRef id;
  StrRef vendor_severity;
  StrRef published;
  StrRef modified;
  std::uint32_t cve_begin;
  std::uint32_t cve_count;
  std::uint64_t cvss_bits;  // IEEE 754 double, valid when has_cvss
  std::uint8_t kind;        // core::AdvisoryKind
  std::uint8_t severity;    // core::Severity
  std::uint8_t has_cvss;
  std::uint8_t reserved[5];
};

struct ReleaseRecord {
  StrRef key;  // "almalinux:9"
  std::uint32_t key_begin;
  std::uint32_t key_count;
  std::uint32_t entry_count;
  std::uint32_t reserved;
};

struct KeyRecord {
  StrRef release;
  StrRef name;
  std::uint32_t entry_begin;
  std::uint32_t entry_count;
};

struct EntryRecord {
  std::uint32_t advisory;  // index into the advisory array
  StrRef module;           // "" = packages from no module
  std::uint32_t event_begin;
  std::uint32_t event_count;
  std::uint8_t state;  // core::FixState
  std::uint8_t reserved[3];
  StrRef origin;  // feed kind that contributed the entry (format version 2)
};

struct EventRecord {
  StrRef version;
  std::uint8_t type;  // core::VersionEvent::Type
  std::uint8_t reserved[3];
};

struct KevRecord {
  StrRef cve;
  StrRef date_added;
  StrRef due_date;
  StrRef vendor;
  StrRef product;
  std::uint8_t known_ransomware;
  std::uint8_t reserved[7];
};

struct SourceRecord {
  StrRef name;
  StrRef imported_at;
  StrRef newest_record;
  StrRef origin;
  std::uint64_t record_count;
};

// The layout is the contract: pin every size so an accidental change fails to compile.
static_assert(sizeof(Header) == 64);
static_assert(sizeof(SectionEntry) == 24);
static_assert(sizeof(StrRef) == 8);
static_assert(sizeof(AdvisoryRecord) == 56);
static_assert(sizeof(ReleaseRecord) == 24);
static_assert(sizeof(KeyRecord) == 24);
static_assert(sizeof(EntryRecord) == 32);
static_assert(sizeof(EventRecord) == 12);
static_assert(sizeof(KevRecord) == 48);
static_assert(sizeof(SourceRecord) == 40);
static_assert(std::is_trivially_copyable_v<AdvisoryRecord> &&
              std::is_standard_layout_v<AdvisoryRecord>);

/// XXH64 of `size` bytes (seed 0): the payload checksum.
std::uint64_t xxh64(const void* data, std::size_t size);

}  // namespace fleetpatch::index::format
