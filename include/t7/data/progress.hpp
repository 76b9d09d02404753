#pragma once
/// \file progress.hpp
/// `ProgressBar`: Torch7's `xlua.progress(current, total)` for training loops.
///
/// ```cpp
/// data::ProgressBar bar(60000, {.label = "epoch 1"});
/// for (index_t i = 0; i < 60000; i += batch) { ...; bar.update(i + batch, "loss 0.31"); }
/// ```
/// prints `epoch 1 [=====>....] 12000/60000 | 3.1k ex/s | ETA 0:12 | loss 0.31`, rewriting
/// the line in place ('\r') on a terminal, at most 20 times a second; into a log file or CI
/// output it prints a line only each time another tenth is done (at most 10 lines a run).
/// Reaching `total` (or calling `finish()`) prints the final line with the total time.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include <unistd.h>

#include "t7/core/config.hpp"
#include "t7/core/error.hpp"

namespace t7::data {

/// How a ProgressBar writes: decided from the stream (Auto), or forced.
enum class ProgressMode {
  Auto,      ///< Terminal when `out` is std::cerr/std::clog on a tty stderr or std::cout on a tty stdout
  Terminal,  ///< one line rewritten with '\r', redrawn at most once per `minInterval`
  Log,       ///< one line per tenth of the work, each ended with '\n'
};

/// Options of a ProgressBar (designated initializers: `{.width = 40, .label = "train"}`).
struct ProgressOptions {
  int width = 30;                ///< characters inside the brackets; 0 leaves the bar out
  std::ostream* out = &std::cerr;
  std::string label = {};        ///< printed before the bar when not empty
  ProgressMode mode = ProgressMode::Auto;
  std::string unit = "ex";       ///< throughput unit: "3.1k ex/s"
  double minInterval = 0.05;     ///< seconds between terminal redraws (20 per second)
  std::function<double()> clock = {};  ///< monotonic seconds; empty: std::chrono::steady_clock
};

/// A text progress bar (Torch7's `xlua.progress`). Counts are of work items (examples),
/// `update(current)` with 0 <= current <= total; reaching total finishes the bar.
class ProgressBar {
 public:
  /// A bar for `total` items (ValueError when negative); the clock starts now.
  explicit ProgressBar(index_t total, ProgressOptions opts = {});
  /// Ends a terminal line left unfinished (an exception left the loop), so that later
  /// output starts on a line of its own.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// `current` items are done (Torch7's `xlua.progress(current, total)`); `extra` is
  /// appended to the line ("loss 0.31"). Redraws when due (see ProgressMode); at
  /// `current == total` prints the final line (finish). ValueError when current is outside
  /// [0, total]. Does nothing once finished.
  void update(index_t current, std::string_view extra = {});
  /// `n` more items are done: `update(current() + n, extra)`, the form a batch loop wants
  /// (`bar.advance(x.size(0), "loss 0.31")`). ValueError when n < 0 or the count would pass
  /// total.
  void advance(index_t n, std::string_view extra = {});
  /// Items done so far (the last update).
  index_t current() const { return current_; }
  /// Seconds since the bar was made (by its clock).
  double elapsed() const { return now() - start_; }
  /// Prints the final line (the last count, throughput and total time) and a newline;
  /// later calls do nothing. Called by update() at `total`; call it to end a bar early.
  void finish(std::string_view extra = {});

  /// True when writing in place with '\r' (after ProgressMode::Auto was resolved).
  bool terminal() const { return terminal_; }
  bool finished() const { return finished_; }
  index_t total() const { return total_; }
  /// The text of one line (no '\r' or '\n'): for `current` items after `elapsed` seconds,
  /// with the ETA, or with the total time when `final`.
  std::string line(index_t current, double elapsed, std::string_view extra, bool final) const;

  /// "3.1k", "950.0", "12.3M": a rate with one decimal and a k/M/G suffix.
  static std::string formatRate(double perSecond);
  /// "0:12", "12:05", "1:02:03": whole seconds as m:ss, or h:mm:ss from an hour on.
  static std::string formatDuration(double seconds);

 private:
  double now() const;
  void draw(const std::string& text, bool final);

  index_t total_;
  ProgressOptions opts_;
  bool terminal_ = false;
  bool finished_ = false;
  bool drawn_ = false;      // a terminal line is on screen, not ended by '\n'
  double start_ = 0;
  double lastDraw_ = 0;
  index_t current_ = 0;
  index_t lastTenth_ = 0;   // log mode: tenths already printed
  std::size_t lastLen_ = 0; // terminal mode: length of the line on screen
};

// ---- definitions ---------------------------------------------------------------------

inline ProgressBar::ProgressBar(index_t total, ProgressOptions opts) : total_(total), opts_(std::move(opts)) {
  if (total < 0) t7::detail::fail<ValueError>("ProgressBar: total ", total, " is negative");
  if (opts_.width < 0) t7::detail::fail<ValueError>("ProgressBar: width ", opts_.width, " is negative");
  if (!opts_.out) t7::detail::fail<ValueError>("ProgressBar: out is null");
  switch (opts_.mode) {
    case ProgressMode::Terminal: terminal_ = true; break;
    case ProgressMode::Log: terminal_ = false; break;
    case ProgressMode::Auto:
      if (opts_.out == &std::cerr || opts_.out == &std::clog) terminal_ = ::isatty(STDERR_FILENO) == 1;
      else if (opts_.out == &std::cout) terminal_ = ::isatty(STDOUT_FILENO) == 1;
      else terminal_ = false;
      break;
  }
  start_ = now();
}

inline ProgressBar::~ProgressBar() {
  if (drawn_ && !finished_) {
    try {
      *opts_.out << '\n' << std::flush;
    } catch (...) {  // a stream with exceptions enabled must not throw from here
    }
  }
}

inline double ProgressBar::now() const {
  if (opts_.clock) return opts_.clock();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline void ProgressBar::update(index_t current, std::string_view extra) {
  if (finished_) return;
  if (current < 0 || current > total_)
    t7::detail::fail<ValueError>("ProgressBar::update: current ", current, " is outside [0, ", total_, "]");
  current_ = current;
  if (current == total_) return finish(extra);
  const double t = now();
  if (terminal_) {
    if (drawn_ && t - lastDraw_ < opts_.minInterval) return;
    lastDraw_ = t;
    draw(line(current, t - start_, extra, false), false);
  } else {
    const index_t tenth = total_ == 0 ? 10 : static_cast<index_t>((static_cast<long double>(current) * 10) / total_);
    if (tenth <= lastTenth_) return;
    lastTenth_ = tenth;
    draw(line(current, t - start_, extra, false), false);
  }
}

inline void ProgressBar::advance(index_t n, std::string_view extra) {
  if (finished_) return;
  if (n < 0) t7::detail::fail<ValueError>("ProgressBar::advance: n ", n, " is negative");
  if (n > total_ - current_)
    t7::detail::fail<ValueError>("ProgressBar::advance: ", current_, " + ", n, " items pass the total ", total_);
  update(current_ + n, extra);
}

inline void ProgressBar::finish(std::string_view extra) {
  if (finished_) return;
  finished_ = true;
  draw(line(current_, now() - start_, extra, true), true);
}

inline void ProgressBar::draw(const std::string& text, bool final) {
  std::ostream& os = *opts_.out;
  if (terminal_) {
    os << '\r' << text;
    if (text.size() < lastLen_) os << std::string(lastLen_ - text.size(), ' ');  // erase the longer old line
    lastLen_ = text.size();
    drawn_ = !final;
    if (final) os << '\n';
  } else {
    os << text << '\n';
  }
  os.flush();
}

inline std::string ProgressBar::line(index_t current, double elapsed, std::string_view extra, bool final) const {
  std::string s;
  if (!opts_.label.empty()) s += opts_.label + ' ';
  if (opts_.width > 0) {
    const int w = opts_.width;
    const int filled = total_ == 0 ? w : static_cast<int>((static_cast<long double>(current) * w) / total_);
    s += '[';
    if (filled >= w) {
      s.append(w, '=');
    } else {
      s.append(filled, '=');
      s += '>';
      s.append(w - filled - 1, '.');
    }
    s += "] ";
  }
  s += std::to_string(current) + '/' + std::to_string(total_);
  const bool known = elapsed > 0 && current > 0;
  s += " | " + (known ? formatRate(double(current) / elapsed) : std::string("--")) + ' ' + opts_.unit + "/s";
  if (final)
    s += " | time " + formatDuration(elapsed);
  else
    s += " | ETA " + (known ? formatDuration(elapsed * double(total_ - current) / double(current)) : std::string("--:--"));
  if (!extra.empty()) {
    s += " | ";
    s += extra;
  }
  return s;
}

inline std::string ProgressBar::formatRate(double r) {
  static constexpr struct { double scale; const char* suffix; } kSteps[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
  const char* suffix = "";
  for (const auto& step : kSteps)
    if (r >= step.scale) {
      r /= step.scale;
      suffix = step.suffix;
      break;
    }
  char b[48];
  std::snprintf(b, sizeof b, "%.1f%s", r, suffix);
  return b;
}

inline std::string ProgressBar::formatDuration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e9) return "--:--";  // NaN, negative or absurd
  const long long s = std::llround(seconds);
  char b[32];
  if (s >= 3600)
    std::snprintf(b, sizeof b, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(b, sizeof b, "%lld:%02lld", s / 60, s % 60);
  return b;
}

}  // namespace t7::data
