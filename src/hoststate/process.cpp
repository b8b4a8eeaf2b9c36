#include "hoststate/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace fleetpatch::hoststate {

namespace {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

}  // namespace

core::Result<ProcessOutput> PosixProcessRunner::run(const std::vector<std::string>& argv,
                                                    std::string_view input,
                                                    std::chrono::milliseconds timeout) const {
  if (argv.empty()) return core::invalid_argument("no program to run");
  Fd in_read, in_write, out_read, out_write, err_read, err_write, exec_read, exec_write;
  if (!make_pipe(in_read, in_write) || !make_pipe(out_read, out_write) ||
      !make_pipe(err_read, err_write) || !make_pipe(exec_read, exec_write)) {
    return core::io_error(std::string("cannot create pipes: ") + std::strerror(errno));
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) return core::io_error(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in_read.get(), STDIN_FILENO);
    ::dup2(out_write.get(), STDOUT_FILENO);
    ::dup2(err_write.get(), STDERR_FILENO);
    // Restore default signal dispositions the parent may have changed (SIGPIPE ignored, say),
    // and the signal mask: the agent blocks SIGTERM to take it with sigtimedwait, and a child
    // must not inherit that (systemd's stop would have to SIGKILL it).
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(args[0], args.data());
    const int err = errno;
    // Tell the parent why exec failed through the close-on-exec pipe.
    [[maybe_unused]] const auto n = ::write(exec_write.get(), &err, sizeof err);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so a kill right away reaches the group
  in_read.reset();
  out_write.reset();
  err_write.reset();
  exec_write.reset();

  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(exec_read.get(), &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got == sizeof exec_errno) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return core::not_found("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
  }

  ProcessOutput output;
  // Writing to a program that has exited must not kill us with SIGPIPE. The signal is blocked
  // for this thread only (the process-wide disposition is not ours to change) and a pending one
  // is consumed before unblocking.
  sigset_t sigpipe, previous_mask;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe, &previous_mask);
  ::fcntl(in_write.get(), F_SETFL, ::fcntl(in_write.get(), F_GETFL) | O_NONBLOCK);
  std::size_t written = 0;
  if (input.empty()) in_write.reset();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<char, 1 << 16> buffer;
  while (out_read.get() >= 0 || err_read.get() >= 0) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      output.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    const auto add = [&](const Fd& fd, short events) {
      if (fd.get() >= 0) fds[n++] = pollfd{fd.get(), events, 0};
    };
    add(out_read, POLLIN);
    add(err_read, POLLIN);
    add(in_write, POLLOUT);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const int ready =
        ::poll(fds.data(), n, static_cast<int>(std::min<long long>(left.count() + 1, 1000)));
    if (ready < 0 && errno != EINTR) {
      ::kill(-pid, SIGKILL);
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_write.get()) {
        const ssize_t w = ::write(in_write.get(), input.data() + written, input.size() - written);
        if (w > 0) {
          written += static_cast<std::size_t>(w);
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
          written = input.size();  // the reader is gone (EPIPE): stop feeding it
        }
        if (written >= input.size()) in_write.reset();
        continue;
      }
      Fd& fd = fds[i].fd == out_read.get() ? out_read : err_read;
      std::string& sink = &fd == &out_read ? output.out : output.err;
      const ssize_t r = ::read(fd.get(), buffer.data(), buffer.size());
      if (r > 0) {
        sink.append(buffer.data(), static_cast<std::size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        fd.reset();
      }
    }
  }
  in_write.reset();
  const timespec no_wait{0, 0};
  while (sigtimedwait(&sigpipe, nullptr, &no_wait) == SIGPIPE) {
  }
  pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    output.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    output.signal = WTERMSIG(status);
  }
  return output;
}

}  // namespace fleetpatch::hoststate
