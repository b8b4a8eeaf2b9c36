#include "platform/posix_env.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fleetpatch::platform {

namespace {

core::Error errno_error(const std::string& what, const std::string& path, int err) {
  core::Error e{err == ENOENT || err == ENOTDIR ? core::ErrorCode::kNotFound : core::ErrorCode::kIo,
                "cannot " + what + " " + path + ": " + std::strerror(err)};
  return e;
}

}  // namespace

core::Result<std::string> PosixEnv::read_file(const std::string& path) const {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open", path, errno);
  std::string data;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    data.reserve(static_cast<std::size_t>(st.st_size));
  }
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return errno_error("read", path, err);
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

bool PosixEnv::exists(const std::string& path) const {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool PosixEnv::is_directory(const std::string& path) const {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

core::Result<std::vector<std::string>> PosixEnv::list_directory(const std::string& path) const {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return errno_error("list", path, errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

core::Result<std::string> PosixEnv::read_link(const std::string& path) const {
  std::string target(4096, '\0');
  const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
  if (n < 0) return errno_error("read link", path, errno);
  target.resize(static_cast<std::size_t>(n));
  return target;
}

core::TimePoint SystemClock::now() const {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace fleetpatch::platform
