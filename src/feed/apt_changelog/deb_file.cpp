#include "feed/apt_changelog/deb_file.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "feed/apt_changelog/changelog.hpp"

namespace fleetpatch::feed::apt_changelog {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

/// Streams the current member of `outer` as the input of another archive reader.
struct MemberSource {
  archive* outer = nullptr;
  char buffer[1 << 16];
};

la_ssize_t read_member(archive* /*inner*/, void* context, const void** block) {
  auto* source = static_cast<MemberSource*>(context);
  *block = source->buffer;
  return archive_read_data(source->outer, source->buffer, sizeof source->buffer);
}

std::string_view without_dot_slash(std::string_view path) {
  while (path.substr(0, 2) == "./") path.remove_prefix(2);
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  return path;
}

std::string error_text(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown error";
}

}  // namespace

core::Result<std::string> changelog_from_deb(std::string_view deb, std::string_view package) {
  ArchivePtr outer(archive_read_new());
  archive_read_support_format_ar(outer.get());
  if (archive_read_open_memory(outer.get(), deb.data(), deb.size()) != ARCHIVE_OK) {
    return core::invalid_argument("not a .deb: " + error_text(outer.get()));
  }
  const std::string doc_dir = "usr/share/doc/" + std::string(package);
  const std::string wanted[] = {doc_dir + "/changelog.Debian.gz", doc_dir + "/changelog.gz"};
  archive_entry* entry = nullptr;
  while (true) {
    const int status = archive_read_next_header(outer.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      return core::invalid_argument("not a .deb: " + error_text(outer.get()));
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string_view name = raw_name != nullptr ? raw_name : "";
    // "data.tar.xz", ".zst", ".gz", ".bz2", or "data.tar" uncompressed.
    if (name != "data.tar" && name.substr(0, 9) != "data.tar.") continue;

    MemberSource source;
    source.outer = outer.get();
    ArchivePtr inner(archive_read_new());
    archive_read_support_format_tar(inner.get());
    archive_read_support_filter_all(inner.get());
    if (archive_read_open(inner.get(), &source, nullptr, read_member, nullptr) != ARCHIVE_OK) {
      return core::invalid_argument(std::string(name) + ": " + error_text(inner.get()));
    }
    std::string symlink_target;
    std::string found;  // which of `wanted` was read ("" = none)
    std::string data;
    archive_entry* file = nullptr;
    while (true) {
      const int inner_status = archive_read_next_header(inner.get(), &file);
      if (inner_status == ARCHIVE_EOF) break;
      if (inner_status != ARCHIVE_OK && inner_status != ARCHIVE_WARN) {
        return core::invalid_argument(std::string(name) + ": " + error_text(inner.get()));
      }
      const char* raw_path = archive_entry_pathname(file);
      std::string_view path = without_dot_slash(raw_path != nullptr ? raw_path : "");
      while (!path.empty() && path.back() == '/') path.remove_suffix(1);
      if (path == doc_dir && archive_entry_filetype(file) == AE_IFLNK) {
        const char* target = archive_entry_symlink(file);
        symlink_target = target != nullptr ? target : "?";
        continue;
      }
      if (archive_entry_filetype(file) != AE_IFREG) continue;
      // changelog.Debian.gz wins over changelog.gz (the upstream changelog of a non-native
      // package); both may be present.
      const bool debian = path == wanted[0];
      const bool native = path == wanted[1];
      if (!debian && !(native && found.empty())) continue;
      data.clear();
      char chunk[1 << 16];
      la_ssize_t got = 0;
      while ((got = archive_read_data(inner.get(), chunk, sizeof chunk)) > 0) {
        data.append(chunk, static_cast<std::size_t>(got));
      }
      if (got < 0) {
        return core::invalid_argument(std::string(path) + ": " + error_text(inner.get()));
      }
      found = std::string(path);
      if (debian) break;
    }
    if (found.empty()) {
      if (!symlink_target.empty()) {
        return core::not_found(std::string(doc_dir)
                                   .append(" is a symlink to ")
                                   .append(symlink_target)
                                   .append(": the changelog is in another package"));
      }
      return core::not_found(std::string(package) + " ships no " + wanted[0]);
    }
    auto text = gunzip(data);
    if (!text.ok()) return core::invalid_argument(found + ": " + text.error().message);
    return text;
  }
  return core::invalid_argument("not a .deb: no data.tar member");
}

}  // namespace fleetpatch::feed::apt_changelog
