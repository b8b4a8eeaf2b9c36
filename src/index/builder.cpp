// IndexBuilder: collects feed values, then serialises them in one pass (sort, intern strings,
// append fixed-size records). See format.hpp for the layout.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <tuple>

#include "index/index.hpp"

namespace fleetpatch::index {
namespace {

using format::StrRef;

/// Interns strings into the string section. Keys view the builder's own strings, which outlive
/// the serialisation.
class StringTable {
 public:
  StringTable() { map_.reserve(1 << 16); }

  StrRef add(std::string_view s) {
    if (s.empty()) return {0, 0};
    auto [it, inserted] = map_.try_emplace(s, StrRef{});
    if (inserted) {
      it->second =
          StrRef{static_cast<std::uint32_t>(bytes_.size()), static_cast<std::uint32_t>(s.size())};
      bytes_.append(s);
    }
    return it->second;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
  std::unordered_map<std::string_view, StrRef> map_;
};

template <typename T>
void append_records(std::string& out, const std::vector<T>& records) {
  if (records.empty()) return;
  out.append(reinterpret_cast<const char*>(records.data()), records.size() * sizeof(T));
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void IndexBuilder::add(core::Advisory advisory) {
  auto [it, inserted] = advisory_by_id_.try_emplace(advisory.id, advisories_.size());
  if (inserted) {
    advisories_.push_back(std::move(advisory));
  } else {
    advisories_[it->second] = std::move(advisory);
  }
}

void IndexBuilder::add_kev(core::KevEntry entry) {
  auto [it, inserted] = kev_by_cve_.try_emplace(entry.cve, kev_.size());
  if (inserted) {
    kev_.push_back(std::move(entry));
  } else {
    kev_[it->second] = std::move(entry);
  }
}

void IndexBuilder::set_source_info(SourceInfo info) {
  for (auto& existing : sources_) {
    if (existing.name == info.name) {
      existing = std::move(info);
      return;
    }
  }
  sources_.push_back(std::move(info));
}

std::string IndexBuilder::serialize() const {
  StringTable strings;

  // Advisories, sorted by id.
  std::vector<const core::Advisory*> advisories;
  advisories.reserve(advisories_.size());
  for (const auto& a : advisories_) advisories.push_back(&a);
  std::sort(advisories.begin(), advisories.end(),
            [](const core::Advisory* a, const core::Advisory* b) { return a->id < b->id; });

  std::vector<format::AdvisoryRecord> advisory_records;
  advisory_records.reserve(advisories.size());
  std::vector<StrRef> cve_records;
  std::vector<std::string_view> cves;
  for (const core::Advisory* a : advisories) {
    format::AdvisoryRecord r{};
    r.id = strings.add(a->id);
    r.vendor_severity = strings.add(a->vendor_severity);
    r.published = strings.add(a->published);
    r.modified = strings.add(a->modified);
    // The matcher reports CVEs as stored; keep them sorted and unique whatever the feed did.
    cves.assign(a->cves.begin(), a->cves.end());
    std::sort(cves.begin(), cves.end());
    cves.erase(std::unique(cves.begin(), cves.end()), cves.end());
    r.cve_begin = static_cast<std::uint32_t>(cve_records.size());
    r.cve_count = static_cast<std::uint32_t>(cves.size());
    for (std::string_view cve : cves) cve_records.push_back(strings.add(cve));
    if (a->cvss_score) {
      const double score = *a->cvss_score;
      std::memcpy(&r.cvss_bits, &score, sizeof score);
      r.has_cvss = 1;
    }
    r.kind = static_cast<std::uint8_t>(a->kind);
    r.severity = static_cast<std::uint8_t>(a->severity);
    advisory_records.push_back(r);
  }

  // Affected entries, grouped by (release, name).
  struct Pending {
    std::string_view release;
    std::string_view name;
    std::string_view module;
    std::uint32_t advisory;
    const core::AffectedPackage* affected;
  };
  std::vector<Pending> pending;
  for (std::uint32_t i = 0; i < advisories.size(); ++i) {
    for (const auto& affected : advisories[i]->affected) {
      pending.push_back({affected.release, affected.name, affected.module, i, &affected});
    }
  }
  std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.release, a.name, a.advisory, a.module) <
           std::tie(b.release, b.name, b.advisory, b.module);
  });

  std::vector<format::ReleaseRecord> release_records;
  std::vector<format::KeyRecord> key_records;
  std::vector<format::EntryRecord> entry_records;
  std::vector<format::EventRecord> event_records;
  entry_records.reserve(pending.size());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const Pending& p = pending[i];
    const bool new_release = i == 0 || pending[i - 1].release != p.release;
    if (new_release) {
      format::ReleaseRecord r{};
      r.key = strings.add(p.release);
      r.key_begin = static_cast<std::uint32_t>(key_records.size());
      release_records.push_back(r);
    }
    if (new_release || pending[i - 1].name != p.name) {
      format::KeyRecord k{};
      k.release = strings.add(p.release);
      k.name = strings.add(p.name);
      k.entry_begin = static_cast<std::uint32_t>(entry_records.size());
      key_records.push_back(k);
      ++release_records.back().key_count;
    }
    format::EntryRecord e{};
    e.advisory = p.advisory;
    e.module = strings.add(p.module);
    e.event_begin = static_cast<std::uint32_t>(event_records.size());
    e.event_count = static_cast<std::uint32_t>(p.affected->events.size());
    e.state = static_cast<std::uint8_t>(p.affected->state);
    e.origin = strings.add(p.affected->origin);
    for (const auto& event : p.affected->events) {
      format::EventRecord ev{};
      ev.version = strings.add(event.version);
      ev.type = static_cast<std::uint8_t>(event.type);
      event_records.push_back(ev);
    }
    entry_records.push_back(e);
    ++key_records.back().entry_count;
    ++release_records.back().entry_count;
  }

  std::vector<const core::KevEntry*> kev;
  for (const auto& k : kev_) kev.push_back(&k);
  std::sort(kev.begin(), kev.end(),
            [](const core::KevEntry* a, const core::KevEntry* b) { return a->cve < b->cve; });
  std::vector<format::KevRecord> kev_records;
  for (const core::KevEntry* k : kev) {
    format::KevRecord r{};
    r.cve = strings.add(k->cve);
    r.date_added = strings.add(k->date_added);
    r.due_date = strings.add(k->due_date);
    r.vendor = strings.add(k->vendor);
    r.product = strings.add(k->product);
    r.known_ransomware = k->known_ransomware ? 1 : 0;
    kev_records.push_back(r);
  }

  std::vector<const SourceInfo*> sources;
  for (const auto& s : sources_) sources.push_back(&s);
  std::sort(sources.begin(), sources.end(),
            [](const SourceInfo* a, const SourceInfo* b) { return a->name < b->name; });
  std::vector<format::SourceRecord> source_records;
  for (const SourceInfo* s : sources) {
    format::SourceRecord r{};
    r.name = strings.add(s->name);
    r.imported_at = strings.add(s->imported_at);
    r.newest_record = strings.add(s->newest_record);
    r.origin = strings.add(s->origin);
    r.record_count = s->record_count;
    source_records.push_back(r);
  }

  // Assemble: header, section table, sections at 8-byte boundaries.
  struct Section {
    format::SectionId id;
    std::uint32_t record_size;
    std::string_view bytes;
  };
  auto view = [](const auto& v) {
    return std::string_view(reinterpret_cast<const char*>(v.data()),
                            v.size() * sizeof(typename std::decay_t<decltype(v)>::value_type));
  };
  const Section sections[] = {
      {format::SectionId::kStrings, 1, strings.bytes()},
      {format::SectionId::kAdvisories, sizeof(format::AdvisoryRecord), view(advisory_records)},
      {format::SectionId::kCves, sizeof(StrRef), view(cve_records)},
      {format::SectionId::kReleases, sizeof(format::ReleaseRecord), view(release_records)},
      {format::SectionId::kKeys, sizeof(format::KeyRecord), view(key_records)},
      {format::SectionId::kEntries, sizeof(format::EntryRecord), view(entry_records)},
      {format::SectionId::kEvents, sizeof(format::EventRecord), view(event_records)},
      {format::SectionId::kKev, sizeof(format::KevRecord), view(kev_records)},
      {format::SectionId::kSources, sizeof(format::SourceRecord), view(source_records)},
  };
  constexpr std::size_t kSectionCount = std::size(sections);

  auto align8 = [](std::size_t n) { return (n + 7) & ~std::size_t{7}; };
  std::vector<format::SectionEntry> table(kSectionCount);
  std::size_t offset =
      align8(sizeof(format::Header) + kSectionCount * sizeof(format::SectionEntry));
  for (std::size_t i = 0; i < kSectionCount; ++i) {
    table[i].id = static_cast<std::uint32_t>(sections[i].id);
    table[i].record_size = sections[i].record_size;
    table[i].offset = offset;
    table[i].size = sections[i].bytes.size();
    offset = align8(offset + sections[i].bytes.size());
  }

  std::string out(offset, '\0');
  std::memcpy(out.data() + sizeof(format::Header), table.data(),
              table.size() * sizeof(format::SectionEntry));
  for (std::size_t i = 0; i < kSectionCount; ++i) {
    if (!sections[i].bytes.empty()) {
      std::memcpy(out.data() + table[i].offset, sections[i].bytes.data(), sections[i].bytes.size());
    }
  }
  format::Header header{};
  std::memcpy(header.magic, format::kMagic, sizeof header.magic);
  header.format_version = format::kFormatVersion;
  header.endian_marker = format::kEndianMarker;
  header.file_size = out.size();
  header.payload_checksum =
      format::xxh64(out.data() + sizeof(format::Header), out.size() - sizeof(format::Header));
  header.section_count = static_cast<std::uint32_t>(kSectionCount);
  header.header_size = sizeof(format::Header);
  std::memcpy(out.data(), &header, sizeof header);
  return out;
}

core::Status IndexBuilder::write_atomic(const std::string& path) const {
  const std::string bytes = serialize();
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return core::io_error("cannot create " + tmp + ": " + errno_text());
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string message = "cannot write " + tmp + ": " + errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      return core::io_error(message);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string message = "cannot sync " + tmp + ": " + errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return core::io_error(message);
  }
  if (::close(fd) != 0) {
    const std::string message = "cannot close " + tmp + ": " + errno_text();
    ::unlink(tmp.c_str());
    return core::io_error(message);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string message = "cannot rename " + tmp + " to " + path + ": " + errno_text();
    ::unlink(tmp.c_str());
    return core::io_error(message);
  }
  // Make the rename itself durable.
  const std::size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

}  // namespace fleetpatch::index
