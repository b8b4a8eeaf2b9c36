#include "hoststate/rpmdb.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmts.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string_view>
#include <system_error>
#include <utility>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {

namespace {

struct DbFile {
  std::string_view file;
  std::string_view backend;
};
// The file that marks each backend's database, in the order librpm's own detection tries them.
constexpr std::array<DbFile, 3> kDbFiles = {{
    {"rpmdb.sqlite", "sqlite"},
    {"Packages", "bdb_ro"},
    {"Packages.db", "ndb"},
}};

constexpr std::array<std::string_view, 2> kDbPaths = {"/var/lib/rpm", "/usr/lib/sysimage/rpm"};

// librpm's configuration, macro table and log callback are process-global (see rpmdb.hpp); this
// is the one lock that every use of them in fleetpatch takes.
std::mutex& librpm_mutex() {
  static std::mutex mutex;
  return mutex;
}

// librpm is loaded when a database is first read, not linked: linked, it and the libraries only it
// needs (librpmio, popt, lua, gcrypt, gpg-error, cap) were loaded and relocated at the start of
// every fleetpatch process, ~1.5 ms of CPU of a one-host `scan --inventory` (~21 ms) that never
// reads an rpmdb. The headers still give every function its type; FLEETPATCH_LIBRPM_SONAME is the
// soname of the librpm those headers belong to (src/hoststate/CMakeLists.txt), so the ABI matches.
#ifndef FLEETPATCH_LIBRPM_SONAME
#define FLEETPATCH_LIBRPM_SONAME "librpm.so.9"
#endif

// The librpm and librpmio functions this reader calls. dlsym on librpm's handle also searches its
// dependencies, librpmio among them.
struct Librpm {
#define FLEETPATCH_RPM_FUNCTIONS(X) \
  X(rpmlogSetCallback)              \
  X(rpmlogRecPriority)              \
  X(rpmlogRecMessage)               \
  X(rpmlogClose)                    \
  X(rpmPushMacro)                   \
  X(rpmPopMacro)                    \
  X(rpmReadConfigFiles)             \
  X(rpmtsCreate)                    \
  X(rpmtsFree)                      \
  X(rpmtsSetRootDir)                \
  X(rpmtsSetVSFlags)                \
  X(rpmtsOpenDB)                    \
  X(rpmtsInitIterator)              \
  X(rpmdbNextIterator)              \
  X(rpmdbGetIteratorOffset)         \
  X(rpmdbFreeIterator)              \
  X(headerGetString)                \
  X(headerIsEntry)                  \
  X(headerGetNumber)
// NOLINTNEXTLINE(bugprone-macro-parentheses): `name` is a member's declarator, not an expression
#define FLEETPATCH_RPM_POINTER(name) decltype(&::name) name = nullptr;
  FLEETPATCH_RPM_FUNCTIONS(FLEETPATCH_RPM_POINTER)
#undef FLEETPATCH_RPM_POINTER
};

// Loads librpm once per process (it stays loaded: librpm keeps process-global state and exit
// handlers). Caller holds librpm_mutex(). An error names the library and what to do instead.
core::Result<const Librpm*> load_librpm() {
  static Librpm rpm;           // guarded by librpm_mutex()
  static std::string failure;  // guarded by librpm_mutex(); "" until a load fails
  static bool loaded = false;  // guarded by librpm_mutex()
  if (loaded) return &rpm;
  if (!failure.empty()) return core::Error{core::ErrorCode::kUnsupported, failure};
  auto fail = [](const std::string& why) -> core::Error {
    failure = "reading an RPM database needs librpm (" FLEETPATCH_LIBRPM_SONAME
              ", the rpm library: rpm-libs on RHEL-like systems, librpm9 on Debian and "
              "Ubuntu), which could not be loaded: " +
              why +
              "; install it, or collect the packages with `rpm -qa` on the host and import "
              "that output instead";
    return core::Error{core::ErrorCode::kUnsupported, failure};
  };
  void* handle = dlopen(FLEETPATCH_LIBRPM_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return fail(error != nullptr ? error : "dlopen failed");
  }
  Librpm loading;
#define FLEETPATCH_RPM_RESOLVE(name)                                             \
  loading.name = reinterpret_cast<decltype(loading.name)>(dlsym(handle, #name)); \
  if (loading.name == nullptr) return fail("it has no function " #name);
  FLEETPATCH_RPM_FUNCTIONS(FLEETPATCH_RPM_RESOLVE)
#undef FLEETPATCH_RPM_RESOLVE
  rpm = loading;
  loaded = true;
  return &rpm;
}

// Collects librpm's warnings and errors for the duration of one read instead of letting librpm
// print them: the library never prints (STYLE.md 4).
struct LogCapture {
  const Librpm* rpm;
  std::vector<std::string> messages;

  static int callback(rpmlogRec rec, rpmlogCallbackData data) {
    auto* self = static_cast<LogCapture*>(data);
    if (self->rpm->rpmlogRecPriority(rec) <= RPMLOG_WARNING) {
      std::string message = self->rpm->rpmlogRecMessage(rec);
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
      }
      self->messages.push_back(std::move(message));
    }
    return 0;  // handled: no default printing
  }

  std::string joined() const {
    std::string out;
    for (const auto& m : messages) {
      if (!out.empty()) out += "; ";
      out += m;
    }
    return out;
  }
};

// Everything pushed into librpm's global state for one read, undone in reverse on every path.
class LibrpmSession {
 public:
  LibrpmSession(const Librpm& rpm, const RpmdbLocation& location, LogCapture& capture)
      : rpm_(rpm), previous_callback_(rpm.rpmlogSetCallback(&LogCapture::callback, &capture)) {
    rpm_.rpmPushMacro(nullptr, "_dbpath", nullptr, location.dbpath.c_str(), RMIL_CMDLINE);
    rpm_.rpmPushMacro(nullptr, "_db_backend", nullptr, location.backend.c_str(), RMIL_CMDLINE);
  }
  ~LibrpmSession() {
    if (ts_ != nullptr) rpm_.rpmtsFree(ts_);
    rpm_.rpmPopMacro(nullptr, "_db_backend");
    rpm_.rpmPopMacro(nullptr, "_dbpath");
    rpm_.rpmlogClose();  // frees the records librpm keeps of past messages
    rpm_.rpmlogSetCallback(previous_callback_, nullptr);
  }
  LibrpmSession(const LibrpmSession&) = delete;
  LibrpmSession& operator=(const LibrpmSession&) = delete;

  rpmts ts() {
    if (ts_ == nullptr) ts_ = rpm_.rpmtsCreate();
    return ts_;
  }

 private:
  const Librpm& rpm_;
  rpmlogCallback previous_callback_;
  rpmts ts_ = nullptr;
};

// librpm 4.18 leaks its sqlite handle when opening a file that is not an SQLite database fails,
// and words the failure vaguely; a file without SQLite's magic is rejected here first. This reads
// the file directly, as librpm itself does, not through core::Env.
bool has_sqlite_magic(const std::string& path) {
  static constexpr char kMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                      'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
  std::ifstream in(path, std::ios::binary);
  char head[sizeof kMagic] = {};
  in.read(head, sizeof head);
  return in.gcount() == sizeof head && std::memcmp(head, kMagic, sizeof head) == 0;
}

// Caller holds librpm_mutex().
core::Status read_librpm_config_once(const Librpm& rpm) {
  static bool config_read = false;  // guarded by librpm_mutex()
  if (!config_read) {
    if (rpm.rpmReadConfigFiles(nullptr, nullptr) != 0) {
      return core::Error{core::ErrorCode::kInternal,
                         "librpm could not read its configuration (rpmrc / macros)"};
    }
    config_read = true;
  }
  return {};
}

std::string header_string(const Librpm& rpm, Header h, rpmTagVal tag) {
  const char* value = rpm.headerGetString(h, tag);
  return value != nullptr ? std::string(value) : std::string();
}

// MODULARITYLABEL is "name:stream:version:context"; the host report keeps "name:stream".
std::optional<std::string> module_stream(const std::string& label) {
  if (label.empty()) return std::nullopt;
  const auto first = label.find(':');
  if (first == std::string::npos) return label;
  const auto second = label.find(':', first + 1);
  return label.substr(0, second);
}

}  // namespace

std::optional<RpmdbLocation> find_rpmdb(const core::Env& env, const std::string& root) {
  for (const auto dbpath : kDbPaths) {
    for (const auto& db_file : kDbFiles) {
      const std::string path =
          core::join_root(root, std::string(dbpath) + "/" + std::string(db_file.file));
      if (env.exists(path)) return RpmdbLocation{std::string(dbpath), std::string(db_file.backend)};
    }
  }
  return std::nullopt;
}

core::Result<std::vector<core::Package>> read_rpmdb(const std::string& root,
                                                    const RpmdbLocation& location,
                                                    core::Diagnostics& diagnostics) {
  // librpm refuses a relative root directory.
  std::error_code ec;
  const std::string absolute_root =
      std::filesystem::absolute(root.empty() ? std::string("/") : root, ec).lexically_normal();
  if (ec) return core::io_error("cannot resolve root " + root + ": " + ec.message());
  const std::string db_name = core::join_root(absolute_root, location.dbpath);

  if (location.backend == "sqlite" && !has_sqlite_magic(db_name + "/rpmdb.sqlite")) {
    return core::invalid_argument("cannot open RPM database " + db_name +
                                  ": rpmdb.sqlite is missing or not an SQLite database");
  }

  std::lock_guard<std::mutex> lock(librpm_mutex());
  const auto loaded = load_librpm();
  if (!loaded.ok()) return loaded.error();
  const Librpm& rpm = **loaded;
  if (auto status = read_librpm_config_once(rpm); !status.ok()) return status.error();

  LogCapture capture{&rpm, {}};
  LibrpmSession session(rpm, location, capture);
  rpmts ts = session.ts();
  if (rpm.rpmtsSetRootDir(ts, absolute_root.c_str()) != 0) {
    return core::invalid_argument("librpm rejected root directory " + absolute_root);
  }
  // Reading needs neither signatures nor digests, and checking them would make librpm load a
  // keyring from the (possibly foreign) database first.
  rpm.rpmtsSetVSFlags(ts, _RPMVSF_NOSIGNATURES | _RPMVSF_NODIGESTS | RPMVSF_NOHDRCHK);
  if (rpm.rpmtsOpenDB(ts, O_RDONLY) != 0) {
    std::string message = "cannot open RPM database " + db_name + " (" + location.backend + ")";
    if (!capture.messages.empty()) message += ": " + capture.joined();
    return core::io_error(std::move(message));
  }

  std::vector<core::Package> packages;
  rpmdbMatchIterator it = rpm.rpmtsInitIterator(ts, RPMDBI_PACKAGES, nullptr, 0);
  if (it == nullptr) {
    std::string message = "cannot iterate RPM database " + db_name;
    if (!capture.messages.empty()) message += ": " + capture.joined();
    return core::io_error(std::move(message));
  }
  while (Header h = rpm.rpmdbNextIterator(it)) {
    core::Package pkg;
    pkg.name = header_string(rpm, h, RPMTAG_NAME);
    // Imported signing keys are stored as packages named gpg-pubkey; they are not software.
    if (pkg.name == "gpg-pubkey") continue;
    const unsigned int record = rpm.rpmdbGetIteratorOffset(it);
    if (pkg.name.empty()) {
      diagnostics.add(db_name, 0, "header without a NAME skipped",
                      "record " + std::to_string(record));
      continue;
    }
    const std::string epoch = rpm.headerIsEntry(h, RPMTAG_EPOCH)
                                  ? std::to_string(rpm.headerGetNumber(h, RPMTAG_EPOCH))
                                  : "";
    pkg.version = rpm_version_string(epoch, header_string(rpm, h, RPMTAG_VERSION),
                                     header_string(rpm, h, RPMTAG_RELEASE));
    pkg.arch = header_string(rpm, h, RPMTAG_ARCH);
    const std::string source_rpm = header_string(rpm, h, RPMTAG_SOURCERPM);
    std::string source_name, source_vr;
    if (!source_rpm.empty() && split_source_rpm(source_rpm, source_name, source_vr)) {
      pkg.source_name = std::move(source_name);
      // The source RPM's file name has no epoch; the binary inherits the source's, so it is added
      // back here to keep the source version comparable with the binary's.
      if (!epoch.empty() && epoch != "0") pkg.source_version = epoch + ":";
      pkg.source_version += source_vr;
    } else {
      if (!source_rpm.empty()) {
        diagnostics.add(db_name, 0, "unrecognised SOURCERPM '" + source_rpm + "'", pkg.name);
      }
      pkg.source_name = pkg.name;
      pkg.source_version = pkg.version;
    }
    pkg.module = module_stream(header_string(rpm, h, RPMTAG_MODULARITYLABEL));
    if (rpm.headerIsEntry(h, RPMTAG_INSTALLTIME)) {
      pkg.install_time = static_cast<std::int64_t>(rpm.headerGetNumber(h, RPMTAG_INSTALLTIME));
    }
    packages.push_back(std::move(pkg));
  }
  rpm.rpmdbFreeIterator(it);
  for (const auto& message : capture.messages) diagnostics.add(db_name, 0, "librpm: " + message);
  return packages;
}

core::Result<FileOwners> read_rpm_file_owners(const std::string& root,
                                              const RpmdbLocation& location,
                                              const std::set<std::string>& paths,
                                              core::Diagnostics& diagnostics) {
  FileOwners owners;
  if (paths.empty()) return owners;
  std::error_code ec;
  const std::string absolute_root =
      std::filesystem::absolute(root.empty() ? std::string("/") : root, ec).lexically_normal();
  if (ec) return core::io_error("cannot resolve root " + root + ": " + ec.message());
  const std::string db_name = core::join_root(absolute_root, location.dbpath);
  if (location.backend == "sqlite" && !has_sqlite_magic(db_name + "/rpmdb.sqlite")) {
    return core::invalid_argument("cannot open RPM database " + db_name +
                                  ": rpmdb.sqlite is missing or not an SQLite database");
  }
  std::lock_guard<std::mutex> lock(librpm_mutex());
  const auto loaded = load_librpm();
  if (!loaded.ok()) return loaded.error();
  const Librpm& rpm = **loaded;
  if (auto status = read_librpm_config_once(rpm); !status.ok()) return status.error();
  LogCapture capture{&rpm, {}};
  LibrpmSession session(rpm, location, capture);
  rpmts ts = session.ts();
  if (rpm.rpmtsSetRootDir(ts, absolute_root.c_str()) != 0) {
    return core::invalid_argument("librpm rejected root directory " + absolute_root);
  }
  rpm.rpmtsSetVSFlags(ts, _RPMVSF_NOSIGNATURES | _RPMVSF_NODIGESTS | RPMVSF_NOHDRCHK);
  if (rpm.rpmtsOpenDB(ts, O_RDONLY) != 0) {
    std::string message = "cannot open RPM database " + db_name + " (" + location.backend + ")";
    if (!capture.messages.empty()) message += ": " + capture.joined();
    return core::io_error(std::move(message));
  }
  for (const auto& path : paths) {
    for (const auto& alias : usr_merge_aliases(path)) {
      rpmdbMatchIterator it = rpm.rpmtsInitIterator(ts, RPMDBI_INSTFILENAMES, alias.c_str(), 0);
      if (it == nullptr) continue;  // no package owns this name
      while (Header h = rpm.rpmdbNextIterator(it)) {
        std::string name = header_string(rpm, h, RPMTAG_NAME);
        if (!name.empty()) owners[path].push_back(std::move(name));
      }
      rpm.rpmdbFreeIterator(it);
    }
  }
  for (auto& [path, names] : owners) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
  for (const auto& message : capture.messages) diagnostics.add(db_name, 0, "librpm: " + message);
  return owners;
}

}  // namespace fleetpatch::hoststate
