// Processes for the end-to-end tests: run a command to completion, or keep a server running in
// the background and kill it (gracefully or with SIGKILL). Header-only; tests only.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fleetpatch::testsupport {

struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Runs `argv` to completion with stdout and stderr captured (stderr through `err_file`).
inline CommandRun run(const std::vector<std::string>& argv, const std::filesystem::path& err_file) {
  std::string cmd;
  for (const auto& a : argv) {
    cmd += '\'';
    for (char c : a) {
      if (c == '\'') {
        cmd += "'\\''";
      } else {
        cmd += c;
      }
    }
    cmd += "' ";
  }
  cmd += "2>'" + err_file.string() + "'";
  CommandRun r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_file);
  return r;
}

/// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

/// A child process running in the background with its output in `log`; killed on destruction.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::filesystem::path& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      std::vector<char*> args;
      args.reserve(argv.size() + 1);
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Background() { stop(SIGKILL); }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  /// True while the child runs.
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = status;
      pid_ = -1;
      return false;
    }
    return true;
  }
  /// Sends `sig` and waits for the child; returns its wait status.
  int stop(int sig = SIGTERM) {
    if (pid_ > 0) {
      ::kill(pid_, sig);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      exit_status_ = status;
      pid_ = -1;
    }
    return exit_status_;
  }
  std::string log() const { return slurp(log_); }

 private:
  pid_t pid_ = -1;
  int exit_status_ = 0;
  std::filesystem::path log_;
};

}  // namespace fleetpatch::testsupport
