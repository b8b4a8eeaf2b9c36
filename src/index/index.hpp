// The compiled advisory index: every imported advisory, keyed by (distribution release, package
// name), plus the KEV catalog and a record of which sources were imported when. Built once per
// `feed import` by IndexBuilder and written atomically; read by memory-mapping the file, with no
// parsing: opening checks the header, the payload checksum and the structure (one linear pass
// over fixed-size records), after which every lookup reads the mapped bytes in place.
// docs/index-format.md describes the file.
//
// Thread safety: an open Index is immutable; any number of threads may read it at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/advisory.hpp"
#include "core/result.hpp"
#include "index/format.hpp"

namespace fleetpatch::index {

/// The file name of the index inside <data-dir>/index/.
inline constexpr std::string_view kIndexFileName = "advisories.fpi";

/// One imported feed source as `feed status` shows it.
struct SourceInfo {
  std::string name;         // "osv almalinux:9", "cisa-kev"
  std::string imported_at;  // RFC 3339, when `feed import` read it
  std::uint64_t record_count = 0;
  std::string newest_record;  // RFC 3339: newest published/modified date among its records
  std::string origin;         // the path or URL it was read from
  friend bool operator==(const SourceInfo&, const SourceInfo&) = default;
};

class Index;

/// An advisory as stored; string views point into the mapped file (valid while the Index lives).
class AdvisoryView {
 public:
  std::string_view id() const;
  core::AdvisoryKind kind() const;
  core::Severity severity() const;
  std::string_view vendor_severity() const;
  std::optional<double> cvss_score() const;
  std::string_view published() const;
  std::string_view modified() const;
  std::size_t cve_count() const;
  std::string_view cve(std::size_t i) const;

 private:
  friend class Index;
  AdvisoryView(const Index* index, const format::AdvisoryRecord* record)
      : index_(index), record_(record) {}
  const Index* index_;
  const format::AdvisoryRecord* record_;
};

struct EventView {
  core::VersionEvent::Type type;
  std::string_view version;
};

/// One affected-package entry: what one advisory says about one package of one release.
class EntryView {
 public:
  std::uint32_t advisory_index() const;
  AdvisoryView advisory() const;
  std::string_view module() const;
  /// The feed kind that contributed the entry (core::AffectedPackage::origin).
  std::string_view origin() const;
  core::FixState state() const;
  std::size_t event_count() const;
  EventView event(std::size_t i) const;

 private:
  friend class Index;
  friend class EntryRange;
  EntryView(const Index* index, const format::EntryRecord* record)
      : index_(index), record_(record) {}
  const Index* index_;
  const format::EntryRecord* record_;
};

/// The entries of one (release, name) key, ordered by advisory id then module.
class EntryRange {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = EntryView;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = EntryView;
    EntryView operator*() const { return EntryView(index_, record_); }
    iterator& operator++() {
      ++record_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++record_;
      return old;
    }
    friend bool operator==(const iterator&, const iterator&) = default;

   private:
    friend class EntryRange;
    iterator(const Index* index, const format::EntryRecord* record)
        : index_(index), record_(record) {}
    const Index* index_ = nullptr;
    const format::EntryRecord* record_ = nullptr;
  };

  EntryRange() = default;
  iterator begin() const { return iterator(index_, begin_); }
  iterator end() const { return iterator(index_, begin_ + size_); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  EntryView operator[](std::size_t i) const { return EntryView(index_, begin_ + i); }

 private:
  friend class Index;
  EntryRange(const Index* index, const format::EntryRecord* begin, std::size_t size)
      : index_(index), begin_(begin), size_(size) {}
  const Index* index_ = nullptr;
  const format::EntryRecord* begin_ = nullptr;
  std::size_t size_ = 0;
};

/// A release present in the index and how many entries name it.
struct ReleaseSummary {
  std::string_view key;
  std::size_t package_count = 0;  // distinct package names
  std::size_t entry_count = 0;
};

struct OpenOptions {
  /// Verify the payload checksum (reads every byte once; ~1 ms for the AlmaLinux feed).
  bool verify_checksum = true;
};

/// A read-only, memory-mapped index. Movable, not copyable.
class Index {
 public:
  /// Maps `path` and validates it. A missing, truncated, corrupt or foreign file is an Error that
  /// says which, never a crash.
  static core::Result<Index> open(const std::string& path, OpenOptions options = {});
  /// Validates a copy of `bytes` (tests, fuzzing, in-memory indexes).
  static core::Result<Index> from_bytes(std::string_view bytes, OpenOptions options = {});

  Index(Index&&) noexcept;
  Index& operator=(Index&&) noexcept;
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;
  ~Index();

  /// Entries for a package of a release; empty when none. O(log n), no allocation.
  EntryRange lookup(std::string_view release, std::string_view name) const;
  /// True when any advisory names a package of this release.
  bool has_release(std::string_view release) const;
  std::vector<ReleaseSummary> releases() const;

  std::size_t advisory_count() const { return advisory_count_; }
  AdvisoryView advisory(std::uint32_t i) const;
  /// The advisory with this id, by binary search.
  std::optional<AdvisoryView> find_advisory(std::string_view id) const;

  /// KEV due date (YYYY-MM-DD) of a CVE, when the KEV catalog lists it.
  std::optional<std::string_view> kev_due_date(std::string_view cve) const;
  std::size_t kev_count() const { return kev_count_; }
  std::size_t entry_count() const { return entry_count_; }

  std::vector<SourceInfo> sources() const;

  /// The payload checksum from the header, as 16 hex digits: names this index's content (the
  /// fleet store records which index an evaluation used).
  std::string checksum_hex() const;

  /// Decodes everything back into feed values (used to rebuild the index when only some sources
  /// are re-imported). Advisories come out sorted by id; `summary` is not stored and is empty.
  std::vector<core::Advisory> decode_advisories() const;
  std::vector<core::KevEntry> decode_kev() const;

  /// Internal to the views: a string of the string table.
  std::string_view str(format::StrRef ref) const {
    return std::string_view(strings_ + ref.offset, ref.length);
  }

 private:
  Index() = default;
  static core::Result<Index> validate(Index index, OpenOptions options);

  friend class AdvisoryView;
  friend class EntryView;

  // Backing storage: either a memory map or an owned, 8-byte aligned copy.
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  std::unique_ptr<std::uint64_t[]> owned_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;

  const char* strings_ = nullptr;
  std::size_t strings_size_ = 0;
  const format::AdvisoryRecord* advisories_ = nullptr;
  std::size_t advisory_count_ = 0;
  const format::StrRef* cves_ = nullptr;
  std::size_t cve_count_ = 0;
  const format::ReleaseRecord* releases_ = nullptr;
  std::size_t release_count_ = 0;
  const format::KeyRecord* keys_ = nullptr;
  std::size_t key_count_ = 0;
  const format::EntryRecord* entries_ = nullptr;
  std::size_t entry_count_ = 0;
  const format::EventRecord* events_ = nullptr;
  std::size_t event_count_ = 0;
  const format::KevRecord* kev_ = nullptr;
  std::size_t kev_count_ = 0;
  const format::SourceRecord* sources_ = nullptr;
  std::size_t source_count_ = 0;
};

/// Collects advisories, KEV entries and source records, then writes an index. Building is a sort
/// and a sequential write (no per-record trees), so compiling a whole feed stays well under a
/// second. Not thread-safe.
class IndexBuilder {
 public:
  /// Adds an advisory. A later advisory with the same id replaces the earlier one.
  void add(core::Advisory advisory);
  /// Adds a KEV entry; a later entry for the same CVE replaces the earlier one.
  void add_kev(core::KevEntry entry);
  /// Records a source for `feed status`; a later record with the same name replaces it.
  void set_source_info(SourceInfo info);

  std::size_t advisory_count() const { return advisories_.size(); }

  /// The complete index file, in memory.
  std::string serialize() const;
  /// Writes the index to a temporary file next to `path`, fsyncs it, and renames it over `path`
  /// (then fsyncs the directory): a crash leaves either the old index or the new one.
  core::Status write_atomic(const std::string& path) const;

 private:
  std::vector<core::Advisory> advisories_;
  std::unordered_map<std::string, std::size_t> advisory_by_id_;
  std::vector<core::KevEntry> kev_;
  std::unordered_map<std::string, std::size_t> kev_by_cve_;
  std::vector<SourceInfo> sources_;
};

}  // namespace fleetpatch::index
