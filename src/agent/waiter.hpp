// Waiting between attempts and runs, interruptible by a stop request (SIGTERM in the daemon).
#pragma once

#include <signal.h>

#include <chrono>
#include <initializer_list>

namespace fleetpatch::agent {

class Waiter {
 public:
  virtual ~Waiter() = default;
  /// Sleeps up to `duration`; returns false, early, once a stop was requested.
  virtual bool wait(std::chrono::milliseconds duration) = 0;
  /// True once a stop was requested (cheap; polled during transfers).
  virtual bool stop_requested() = 0;
};

/// Stops on signals without a signal handler (hence without a global flag): the constructor
/// blocks the signals in the calling thread, so they stay pending until wait() takes them with
/// sigtimedwait(). Construct it before starting any thread (threads inherit the mask) and use it
/// from that thread. The destructor restores the previous mask.
class SignalWaiter final : public Waiter {
 public:
  explicit SignalWaiter(std::initializer_list<int> signals = {SIGTERM, SIGINT});
  ~SignalWaiter() override;
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  bool wait(std::chrono::milliseconds duration) override;
  bool stop_requested() override;
  /// The signal that requested the stop, 0 when none.
  int stop_signal() const { return stop_signal_; }

 private:
  sigset_t signals_{};
  sigset_t previous_{};
  int stop_signal_ = 0;
};

}  // namespace fleetpatch::agent
