#include "feed/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <memory>

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

core::Result<std::string> read_zstd_head(const std::string& path, std::size_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error(path, errno);
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::string in(ZSTD_DStreamInSize(), '\0');
  std::string out(size, '\0');
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  std::string problem;
  // Feeds compress well (a 4 KiB head is a few hundred input bytes), but a frame header or a
  // first block can be large: read on until the head is full or the file ends.
  while (output.pos < output.size && problem.empty()) {
    const ssize_t got = ::read(fd, in.data(), in.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      return errno_error(path, error);
    }
    if (got == 0) break;
    ZSTD_inBuffer input{in.data(), static_cast<std::size_t>(got), 0};
    while (input.pos < input.size && output.pos < output.size) {
      const std::size_t result = ZSTD_decompressStream(context.get(), &output, &input);
      if (ZSTD_isError(result)) {
        problem = ZSTD_getErrorName(result);
        break;
      }
    }
  }
  ::close(fd);
  if (!problem.empty() && output.pos == 0) {
    return core::invalid_argument(path + ": corrupt zstd data: " + problem);
  }
  out.resize(output.pos);
  return out;
}

core::Status zstd_decompress(std::string_view compressed, const std::string& source,
                             std::string& out) {
  out.clear();
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!context) return core::Error{core::ErrorCode::kInternal, "zstd: out of memory"};
  std::string buffer(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  std::size_t last = 0;
  while (input.pos < input.size) {
    ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
    last = ZSTD_decompressStream(context.get(), &output, &input);
    if (ZSTD_isError(last)) {
      return core::invalid_argument(source + ": corrupt zstd data: " + ZSTD_getErrorName(last));
    }
    out.append(buffer.data(), output.pos);
  }
  // Flush what the last frame still holds (its input was consumed before its output was).
  while (last != 0) {
    ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
    last = ZSTD_decompressStream(context.get(), &output, &input);
    if (ZSTD_isError(last)) {
      return core::invalid_argument(source + ": corrupt zstd data: " + ZSTD_getErrorName(last));
    }
    out.append(buffer.data(), output.pos);
    if (output.pos == 0 && last != 0) {
      return core::invalid_argument(source + ": truncated zstd data");
    }
  }
  out.reserve(out.size() + kReadPadding);
  return {};
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
