// Index: the memory-mapped reader. Opening validates everything a lookup will later trust
// (bounds of every section, string reference and index, enum values, sort order), so lookups
// need no checks and a corrupt file can only ever be an error.
#include "index/index.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <tuple>
#include <utility>

namespace fleetpatch::index {
namespace {

using format::StrRef;

std::string errno_text() { return std::strerror(errno); }

core::Error corrupt(const std::string& what) {
  return core::invalid_argument("corrupt advisory index: " + what +
                                " (re-run `fleetpatch feed import` to rebuild it)");
}

}  // namespace

// ---- views ---------------------------------------------------------------------------------

std::string_view AdvisoryView::id() const { return index_->str(record_->id); }
core::AdvisoryKind AdvisoryView::kind() const {
  return static_cast<core::AdvisoryKind>(record_->kind);
}
core::Severity AdvisoryView::severity() const {
  return static_cast<core::Severity>(record_->severity);
}
std::string_view AdvisoryView::vendor_severity() const {
  return index_->str(record_->vendor_severity);
}
std::optional<double> AdvisoryView::cvss_score() const {
  if (record_->has_cvss == 0) return std::nullopt;
  double score;
  std::memcpy(&score, &record_->cvss_bits, sizeof score);
  return score;
}
std::string_view AdvisoryView::published() const { return index_->str(record_->published); }
std::string_view AdvisoryView::modified() const { return index_->str(record_->modified); }
std::size_t AdvisoryView::cve_count() const { return record_->cve_count; }
std::string_view AdvisoryView::cve(std::size_t i) const {
  return index_->str(index_->cves_[record_->cve_begin + i]);
}

std::uint32_t EntryView::advisory_index() const { return record_->advisory; }
AdvisoryView EntryView::advisory() const { return index_->advisory(record_->advisory); }
std::string_view EntryView::module() const { return index_->str(record_->module); }
std::string_view EntryView::origin() const { return index_->str(record_->origin); }
core::FixState EntryView::state() const { return static_cast<core::FixState>(record_->state); }
std::size_t EntryView::event_count() const { return record_->event_count; }
EventView EntryView::event(std::size_t i) const {
  const format::EventRecord& e = index_->events_[record_->event_begin + i];
  return {static_cast<core::VersionEvent::Type>(e.type), index_->str(e.version)};
}

// ---- lifetime --------------------------------------------------------------------------------

Index::Index(Index&& other) noexcept { *this = std::move(other); }

Index& Index::operator=(Index&& other) noexcept {
  if (this == &other) return *this;
  if (map_ != nullptr) ::munmap(map_, map_size_);
  map_ = std::exchange(other.map_, nullptr);
  map_size_ = std::exchange(other.map_size_, 0);
  owned_ = std::move(other.owned_);
  data_ = std::exchange(other.data_, nullptr);
  size_ = std::exchange(other.size_, 0);
  strings_ = other.strings_;
  strings_size_ = other.strings_size_;
  advisories_ = other.advisories_;
  advisory_count_ = other.advisory_count_;
  cves_ = other.cves_;
  cve_count_ = other.cve_count_;
  releases_ = other.releases_;
  release_count_ = other.release_count_;
  keys_ = other.keys_;
  key_count_ = other.key_count_;
  entries_ = other.entries_;
  entry_count_ = other.entry_count_;
  events_ = other.events_;
  event_count_ = other.event_count_;
  kev_ = other.kev_;
  kev_count_ = other.kev_count_;
  sources_ = other.sources_;
  source_count_ = other.source_count_;
  return *this;
}

std::string Index::checksum_hex() const {
  format::Header header{};
  std::memcpy(&header, data_, sizeof header);
  char text[17];
  std::snprintf(text, sizeof text, "%016llx",
                static_cast<unsigned long long>(header.payload_checksum));
  return text;
}

Index::~Index() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

core::Result<Index> Index::open(const std::string& path, OpenOptions options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return core::not_found("no advisory index at " + path +
                             " (run `fleetpatch feed import PATH...` first)");
    }
    return core::io_error("cannot open " + path + ": " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string message = "cannot stat " + path + ": " + errno_text();
    ::close(fd);
    return core::io_error(message);
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < sizeof(format::Header)) {
    ::close(fd);
    return corrupt(path + " is truncated (" + std::to_string(size) + " bytes)");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return core::io_error("cannot map " + path + ": " + errno_text());
  Index index;
  index.map_ = map;
  index.map_size_ = size;
  index.data_ = static_cast<const std::uint8_t*>(map);
  index.size_ = size;
  auto result = validate(std::move(index), options);
  if (!result.ok()) return core::Error{result.error().code, path + ": " + result.error().message};
  return result;
}

core::Result<Index> Index::from_bytes(std::string_view bytes, OpenOptions options) {
  Index index;
  const std::size_t words = (bytes.size() + 7) / 8;
  index.owned_ = std::make_unique<std::uint64_t[]>(words == 0 ? 1 : words);
  if (!bytes.empty()) std::memcpy(index.owned_.get(), bytes.data(), bytes.size());
  index.data_ = reinterpret_cast<const std::uint8_t*>(index.owned_.get());
  index.size_ = bytes.size();
  return validate(std::move(index), options);
}

// ---- validation ------------------------------------------------------------------------------

core::Result<Index> Index::validate(Index index, OpenOptions options) {
  const std::uint8_t* data = index.data_;
  const std::size_t size = index.size_;
  if (size < sizeof(format::Header)) {
    return corrupt("truncated: " + std::to_string(size) + " bytes, shorter than the header");
  }
  format::Header header;
  std::memcpy(&header, data, sizeof header);
  if (std::memcmp(header.magic, format::kMagic, sizeof header.magic) != 0) {
    return core::invalid_argument("not a fleetpatch advisory index (bad magic)");
  }
  if (header.endian_marker != format::kEndianMarker) {
    return core::unsupported(
        "advisory index was written on a machine of the other byte order; re-run `fleetpatch "
        "feed import` here");
  }
  if (header.format_version != format::kFormatVersion) {
    return core::unsupported(
        "advisory index format version " + std::to_string(header.format_version) +
        ", this fleetpatch reads " + std::to_string(format::kFormatVersion) +
        "; re-import your feeds (`fleetpatch feed import PATH...` or `fleetpatch feed update`) to "
        "rebuild it");
  }
  if (header.header_size != sizeof(format::Header)) return corrupt("bad header size");
  if (header.file_size != size) {
    return corrupt("truncated or extended: header says " + std::to_string(header.file_size) +
                   " bytes, file has " + std::to_string(size));
  }
  if (header.section_count > format::kMaxSections) return corrupt("too many sections");
  const std::size_t table_end =
      sizeof(format::Header) + std::size_t{header.section_count} * sizeof(format::SectionEntry);
  if (table_end > size) return corrupt("section table runs past the end of the file");
  if (options.verify_checksum) {
    const std::uint64_t sum =
        format::xxh64(data + sizeof(format::Header), size - sizeof(format::Header));
    if (sum != header.payload_checksum) return corrupt("checksum mismatch");
  }

  // Sections: each known id exactly once, in bounds, aligned, whole records.
  struct Expected {
    format::SectionId id;
    std::uint32_t record_size;
    const std::uint8_t* base = nullptr;
    std::size_t count = 0;
    bool seen = false;
  };
  Expected expected[] = {
      {format::SectionId::kStrings, 1},
      {format::SectionId::kAdvisories, sizeof(format::AdvisoryRecord)},
      {format::SectionId::kCves, sizeof(StrRef)},
      {format::SectionId::kReleases, sizeof(format::ReleaseRecord)},
      {format::SectionId::kKeys, sizeof(format::KeyRecord)},
      {format::SectionId::kEntries, sizeof(format::EntryRecord)},
      {format::SectionId::kEvents, sizeof(format::EventRecord)},
      {format::SectionId::kKev, sizeof(format::KevRecord)},
      {format::SectionId::kSources, sizeof(format::SourceRecord)},
  };
  for (std::uint32_t i = 0; i < header.section_count; ++i) {
    format::SectionEntry s;
    std::memcpy(&s, data + sizeof(format::Header) + i * sizeof(format::SectionEntry), sizeof s);
    Expected* e = nullptr;
    for (auto& candidate : expected) {
      if (static_cast<std::uint32_t>(candidate.id) == s.id) e = &candidate;
    }
    if (e == nullptr) continue;  // a section this version does not know: ignore
    const std::string name = "section " + std::to_string(s.id);
    if (e->seen) return corrupt(name + " appears twice");
    if (s.record_size != e->record_size) return corrupt(name + " has an unexpected record size");
    if (s.offset % 8 != 0 || s.offset < table_end || s.offset > size || s.size > size - s.offset) {
      return corrupt(name + " lies outside the file");
    }
    if (s.size % e->record_size != 0) return corrupt(name + " holds a partial record");
    e->seen = true;
    e->base = data + s.offset;
    e->count = s.size / e->record_size;
  }
  for (const auto& e : expected) {
    if (!e.seen) {
      return corrupt("section " + std::to_string(static_cast<std::uint32_t>(e.id)) + " missing");
    }
  }
  index.strings_ = reinterpret_cast<const char*>(expected[0].base);
  index.strings_size_ = expected[0].count;
  index.advisories_ = reinterpret_cast<const format::AdvisoryRecord*>(expected[1].base);
  index.advisory_count_ = expected[1].count;
  index.cves_ = reinterpret_cast<const StrRef*>(expected[2].base);
  index.cve_count_ = expected[2].count;
  index.releases_ = reinterpret_cast<const format::ReleaseRecord*>(expected[3].base);
  index.release_count_ = expected[3].count;
  index.keys_ = reinterpret_cast<const format::KeyRecord*>(expected[4].base);
  index.key_count_ = expected[4].count;
  index.entries_ = reinterpret_cast<const format::EntryRecord*>(expected[5].base);
  index.entry_count_ = expected[5].count;
  index.events_ = reinterpret_cast<const format::EventRecord*>(expected[6].base);
  index.event_count_ = expected[6].count;
  index.kev_ = reinterpret_cast<const format::KevRecord*>(expected[7].base);
  index.kev_count_ = expected[7].count;
  index.sources_ = reinterpret_cast<const format::SourceRecord*>(expected[8].base);
  index.source_count_ = expected[8].count;
  if (index.advisory_count_ > UINT32_MAX || index.entry_count_ > UINT32_MAX ||
      index.key_count_ > UINT32_MAX || index.event_count_ > UINT32_MAX ||
      index.cve_count_ > UINT32_MAX) {
    return corrupt("too many records");
  }

  const std::size_t strings_size = index.strings_size_;
  auto str_ok = [strings_size](StrRef r) {
    return std::uint64_t{r.offset} + r.length <= strings_size;
  };
  auto range_ok = [](std::uint32_t begin, std::uint32_t count, std::size_t total) {
    return std::uint64_t{begin} + count <= total;
  };

  for (std::size_t i = 0; i < index.advisory_count_; ++i) {
    const auto& a = index.advisories_[i];
    if (!str_ok(a.id) || !str_ok(a.vendor_severity) || !str_ok(a.published) ||
        !str_ok(a.modified)) {
      return corrupt("advisory " + std::to_string(i) + " has a bad string reference");
    }
    if (!range_ok(a.cve_begin, a.cve_count, index.cve_count_)) {
      return corrupt("advisory " + std::to_string(i) + " has a bad CVE range");
    }
    if (a.kind < 1 || a.kind > 3 || a.severity > 4 || a.has_cvss > 1) {
      return corrupt("advisory " + std::to_string(i) + " has a bad enum value");
    }
    if (i > 0 && !(index.str(index.advisories_[i - 1].id) < index.str(a.id))) {
      return corrupt("advisories out of order at " + std::to_string(i));
    }
  }
  for (std::size_t i = 0; i < index.cve_count_; ++i) {
    if (!str_ok(index.cves_[i])) return corrupt("bad CVE string reference");
  }
  for (std::size_t i = 0; i < index.event_count_; ++i) {
    const auto& e = index.events_[i];
    if (!str_ok(e.version) || e.type > 2) return corrupt("bad event " + std::to_string(i));
  }
  for (std::size_t i = 0; i < index.entry_count_; ++i) {
    const auto& e = index.entries_[i];
    if (e.advisory >= index.advisory_count_ || !str_ok(e.module) || !str_ok(e.origin) ||
        !range_ok(e.event_begin, e.event_count, index.event_count_) || e.state < 1 || e.state > 4) {
      return corrupt("bad entry " + std::to_string(i));
    }
  }
  // Keys must tile the entry array in order, and be sorted, for lookup's binary search.
  std::uint64_t next_entry = 0;
  for (std::size_t i = 0; i < index.key_count_; ++i) {
    const auto& k = index.keys_[i];
    if (!str_ok(k.release) || !str_ok(k.name) || k.entry_begin != next_entry ||
        !range_ok(k.entry_begin, k.entry_count, index.entry_count_)) {
      return corrupt("bad key " + std::to_string(i));
    }
    next_entry += k.entry_count;
    if (i > 0) {
      const auto& p = index.keys_[i - 1];
      if (!(std::make_tuple(index.str(p.release), index.str(p.name)) <
            std::make_tuple(index.str(k.release), index.str(k.name)))) {
        return corrupt("keys out of order at " + std::to_string(i));
      }
    }
  }
  if (next_entry != index.entry_count_) return corrupt("entries not covered by keys");
  // Releases must tile the key array and agree with the keys' release names.
  std::uint64_t next_key = 0;
  for (std::size_t i = 0; i < index.release_count_; ++i) {
    const auto& r = index.releases_[i];
    if (!str_ok(r.key) || r.key_begin != next_key || r.key_count == 0 ||
        !range_ok(r.key_begin, r.key_count, index.key_count_)) {
      return corrupt("bad release " + std::to_string(i));
    }
    const std::string_view key = index.str(r.key);
    if (index.str(index.keys_[r.key_begin].release) != key ||
        index.str(index.keys_[r.key_begin + r.key_count - 1].release) != key) {
      return corrupt("release " + std::to_string(i) + " disagrees with its keys");
    }
    if (i > 0 && !(index.str(index.releases_[i - 1].key) < key)) {
      return corrupt("releases out of order at " + std::to_string(i));
    }
    next_key += r.key_count;
  }
  if (next_key != index.key_count_) return corrupt("keys not covered by releases");
  for (std::size_t i = 0; i < index.kev_count_; ++i) {
    const auto& k = index.kev_[i];
    if (!str_ok(k.cve) || !str_ok(k.date_added) || !str_ok(k.due_date) || !str_ok(k.vendor) ||
        !str_ok(k.product) || k.known_ransomware > 1) {
      return corrupt("bad KEV entry " + std::to_string(i));
    }
    if (i > 0 && !(index.str(index.kev_[i - 1].cve) < index.str(k.cve))) {
      return corrupt("KEV entries out of order at " + std::to_string(i));
    }
  }
  for (std::size_t i = 0; i < index.source_count_; ++i) {
    const auto& s = index.sources_[i];
    if (!str_ok(s.name) || !str_ok(s.imported_at) || !str_ok(s.newest_record) ||
        !str_ok(s.origin)) {
      return corrupt("bad source " + std::to_string(i));
    }
  }
  return index;
}

// ---- lookups ---------------------------------------------------------------------------------

EntryRange Index::lookup(std::string_view release, std::string_view name) const {
  const format::ReleaseRecord* rel_end = releases_ + release_count_;
  const format::ReleaseRecord* rel = std::lower_bound(
      releases_, rel_end, release,
      [this](const format::ReleaseRecord& r, std::string_view key) { return str(r.key) < key; });
  if (rel == rel_end || str(rel->key) != release) return {};
  const format::KeyRecord* first = keys_ + rel->key_begin;
  const format::KeyRecord* last = first + rel->key_count;
  const format::KeyRecord* key = std::lower_bound(
      first, last, name,
      [this](const format::KeyRecord& k, std::string_view n) { return str(k.name) < n; });
  if (key == last || str(key->name) != name) return {};
  return EntryRange(this, entries_ + key->entry_begin, key->entry_count);
}

bool Index::has_release(std::string_view release) const {
  const format::ReleaseRecord* end = releases_ + release_count_;
  const format::ReleaseRecord* it = std::lower_bound(
      releases_, end, release,
      [this](const format::ReleaseRecord& r, std::string_view key) { return str(r.key) < key; });
  return it != end && str(it->key) == release;
}

std::vector<ReleaseSummary> Index::releases() const {
  std::vector<ReleaseSummary> out;
  for (std::size_t i = 0; i < release_count_; ++i) {
    out.push_back({str(releases_[i].key), releases_[i].key_count, releases_[i].entry_count});
  }
  return out;
}

AdvisoryView Index::advisory(std::uint32_t i) const { return AdvisoryView(this, advisories_ + i); }

std::optional<AdvisoryView> Index::find_advisory(std::string_view id) const {
  const format::AdvisoryRecord* end = advisories_ + advisory_count_;
  const format::AdvisoryRecord* it = std::lower_bound(
      advisories_, end, id,
      [this](const format::AdvisoryRecord& a, std::string_view key) { return str(a.id) < key; });
  if (it == end || str(it->id) != id) return std::nullopt;
  return AdvisoryView(this, it);
}

std::optional<std::string_view> Index::kev_due_date(std::string_view cve) const {
  const format::KevRecord* end = kev_ + kev_count_;
  const format::KevRecord* it = std::lower_bound(
      kev_, end, cve,
      [this](const format::KevRecord& k, std::string_view key) { return str(k.cve) < key; });
  if (it == end || str(it->cve) != cve) return std::nullopt;
  return str(it->due_date);
}

std::vector<SourceInfo> Index::sources() const {
  std::vector<SourceInfo> out;
  for (std::size_t i = 0; i < source_count_; ++i) {
    const auto& s = sources_[i];
    out.push_back({std::string(str(s.name)), std::string(str(s.imported_at)), s.record_count,
                   std::string(str(s.newest_record)), std::string(str(s.origin))});
  }
  return out;
}

std::vector<core::Advisory> Index::decode_advisories() const {
  std::vector<core::Advisory> out(advisory_count_);
  for (std::uint32_t i = 0; i < advisory_count_; ++i) {
    const AdvisoryView a = advisory(i);
    core::Advisory& d = out[i];
    d.id = a.id();
    d.kind = a.kind();
    d.severity = a.severity();
    d.vendor_severity = a.vendor_severity();
    d.cvss_score = a.cvss_score();
    d.published = a.published();
    d.modified = a.modified();
    for (std::size_t c = 0; c < a.cve_count(); ++c) d.cves.emplace_back(a.cve(c));
  }
  for (std::size_t k = 0; k < key_count_; ++k) {
    const format::KeyRecord& key = keys_[k];
    for (std::uint32_t e = 0; e < key.entry_count; ++e) {
      const EntryView entry(this, entries_ + key.entry_begin + e);
      core::AffectedPackage p;
      p.release = str(key.release);
      p.name = str(key.name);
      p.module = entry.module();
      p.state = entry.state();
      p.origin = entry.origin();
      for (std::size_t v = 0; v < entry.event_count(); ++v) {
        const EventView ev = entry.event(v);
        p.events.push_back({ev.type, std::string(ev.version)});
      }
      out[entry.advisory_index()].affected.push_back(std::move(p));
    }
  }
  return out;
}

std::vector<core::KevEntry> Index::decode_kev() const {
  std::vector<core::KevEntry> out;
  out.reserve(kev_count_);
  for (std::size_t i = 0; i < kev_count_; ++i) {
    const auto& k = kev_[i];
    out.push_back({std::string(str(k.cve)), std::string(str(k.date_added)),
                   std::string(str(k.due_date)), k.known_ransomware != 0,
                   std::string(str(k.vendor)), std::string(str(k.product))});
  }
  return out;
}

}  // namespace fleetpatch::index
