#include "agent/waiter.hpp"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace fleetpatch::agent {

SignalWaiter::SignalWaiter(std::initializer_list<int> signals) {
  sigemptyset(&signals_);
  for (const int s : signals) sigaddset(&signals_, s);
  pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
}

SignalWaiter::~SignalWaiter() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

bool SignalWaiter::wait(std::chrono::milliseconds duration) {
  if (stop_signal_ != 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + duration;
  for (;;) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return true;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                     static_cast<long>(ns % 1'000'000'000)};
    const int s = sigtimedwait(&signals_, nullptr, &timeout);
    if (s > 0) {
      stop_signal_ = s;
      return false;
    }
    if (errno != EINTR && errno != EAGAIN) return true;  // EINVAL cannot happen with our timeout
  }
}

bool SignalWaiter::stop_requested() {
  if (stop_signal_ != 0) return true;
  sigset_t pending;
  sigemptyset(&pending);
  if (sigpending(&pending) != 0) return false;
  for (int s = 1; s < NSIG; ++s) {
    if (sigismember(&signals_, s) == 1 && sigismember(&pending, s) == 1) {
      // Take it now so that the shell does not see it again when the mask is restored.
      timespec zero{0, 0};
      const int taken = sigtimedwait(&signals_, nullptr, &zero);
      stop_signal_ = taken > 0 ? taken : s;
      return true;
    }
  }
  return false;
}

}  // namespace fleetpatch::agent
