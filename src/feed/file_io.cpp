#include "feed/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fleetpatch::feed {
namespace {

core::Error errno_error(const std::string& path, int error) {
  std::string message = path + ": " + std::strerror(error);
  if (error == ENOENT) return core::not_found(std::move(message));
  return core::io_error(std::move(message));
}

}  // namespace

core::Status read_file(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error(path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int error = errno;
    ::close(fd);
    return errno_error(path, error);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return core::io_error(path + ": is a directory");
  }
  // Sized from fstat, but read to the end whatever it says (files can grow, /proc lies).
  std::size_t size = 0;
  std::size_t want = static_cast<std::size_t>(st.st_size) + 1;
  out.resize(want + kReadPadding);
  while (true) {
    if (size == want) {
      want *= 2;
      out.resize(want + kReadPadding);
    }
    ssize_t got = ::read(fd, out.data() + size, want - size);
    if (got < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      ::close(fd);
      return errno_error(path, error);
    }
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
  }
  ::close(fd);
  out.resize(size);
  return {};
}

core::Result<std::string> read_head(const std::string& path, std::size_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error(path, errno);
  std::string head(size, '\0');
  std::size_t have = 0;
  while (have < size) {
    ssize_t got = ::read(fd, head.data() + have, size - have);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int error = errno;
      ::close(fd);
      return errno_error(path, error);
    }
    if (got == 0) break;
    have += static_cast<std::size_t>(got);
  }
  ::close(fd);
  head.resize(have);
  return head;
}

Magic sniff(std::string_view head) {
  if (head.size() >= 4 && head[0] == 'P' && head[1] == 'K' &&
      (head[2] == '\x03' || head[2] == '\x05') && (head[3] == '\x04' || head[3] == '\x06')) {
    return Magic::kZip;
  }
  if (head.size() >= 4 && static_cast<unsigned char>(head[0]) == 0x28 &&
      static_cast<unsigned char>(head[1]) == 0xB5 && static_cast<unsigned char>(head[2]) == 0x2F &&
      static_cast<unsigned char>(head[3]) == 0xFD) {
    return Magic::kZstd;
  }
  return Magic::kText;
}

}  // namespace fleetpatch::feed
