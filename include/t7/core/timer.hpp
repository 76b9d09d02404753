#pragma once
/// \file timer.hpp
/// Torch7's `torch.Timer` and `torch.tic` / `torch.toc`: wall-clock ("real") and CPU
/// ("user", "sys") time of the process since the timer started, excluding stopped spans.

#include <chrono>

#include <sys/resource.h>

namespace t7 {

/// Seconds of real (wall-clock), user and system time (Torch7's `timer:time()` table).
struct Times {
  double real = 0;
  double user = 0;
  double sys = 0;
};

/// A stopwatch that starts running when made (Torch7's `torch.Timer()`):
/// `reset()` zeroes it and keeps it in its state (running or stopped), `stop()` freezes it,
/// `resume()` continues, `time()` reads it. User and system times are the whole process's
/// (all threads), as Torch7's getrusage-based timer.
class Timer {
 public:
  Timer() { reset(); }

  /// Zeroes the accumulated times (Torch7's `reset`).
  Timer& reset() {
    acc_ = {};
    start_ = now();
    return *this;
  }
  /// Stops accumulating (Torch7's `stop`); a second stop does nothing.
  Timer& stop() {
    if (running_) {
      const Times t = now();
      acc_.real += t.real - start_.real;
      acc_.user += t.user - start_.user;
      acc_.sys += t.sys - start_.sys;
      running_ = false;
    }
    return *this;
  }
  /// Continues after a stop (Torch7's `resume`); does nothing while running.
  Timer& resume() {
    if (!running_) {
      start_ = now();
      running_ = true;
    }
    return *this;
  }
  /// The times accumulated so far (Torch7's `time()`).
  Times time() const {
    Times r = acc_;
    if (running_) {
      const Times t = now();
      r.real += t.real - start_.real;
      r.user += t.user - start_.user;
      r.sys += t.sys - start_.sys;
    }
    return r;
  }
  bool running() const { return running_; }

  /// The current wall-clock reading and the process's CPU times, in seconds.
  static Times now() {
    Times t;
    t.real = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
      t.user = static_cast<double>(ru.ru_utime.tv_sec) + 1e-6 * static_cast<double>(ru.ru_utime.tv_usec);
      t.sys = static_cast<double>(ru.ru_stime.tv_sec) + 1e-6 * static_cast<double>(ru.ru_stime.tv_usec);
    }
    return t;
  }

 private:
  Times acc_;
  Times start_;
  bool running_ = true;
};

namespace detail {
inline double& ticStart() {
  thread_local double t = 0;
  return t;
}
}  // namespace detail

/// Starts this thread's tic/toc clock and returns the wall-clock time in seconds (Torch7's
/// `torch.tic()`).
inline double tic() {
  return detail::ticStart() = Timer::now().real;
}
/// Seconds since this thread's last `tic()` (Torch7's `torch.toc()`).
inline double toc() {
  return Timer::now().real - detail::ticStart();
}

}  // namespace t7
