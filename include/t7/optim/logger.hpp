#pragma once
/// \file logger.hpp
/// `optim::Logger`: Torch7's `optim.Logger`, a tab-separated log of training figures that
/// gnuplot, a spreadsheet or pandas reads as it is. The file is written exactly as Torch7
/// writes it: a header row of names, then one row per `add`, each field followed by a tab,
/// numbers as `%11.4e`, the file flushed after each row.
///
/// ```cpp
/// optim::Logger logger("logs/train.log");
/// logger.setNames({"training error", "test error"});
/// logger.add({trainErr, testErr});
/// ```
///
/// Plotting (Torch7's `plot()`, which drove gnuplot and wrote an `.eps` next to the log) is
/// not part of t7: it would make gnuplot a run-time dependency. The values are kept
/// (`symbols()`), and `style`, `setlogscale` and `display` are stored, for a plotting layer.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "t7/core/error.hpp"

namespace t7::optim {

/// One field of a Logger row: a number (written `%11.4e`) or a string (written as it is).
class LogValue {
 public:
  template <class N>
    requires std::is_arithmetic_v<N>
  LogValue(N n) : v_(static_cast<double>(n)) {}  // NOLINT: implicit by design
  LogValue(const char* s) : v_(std::string(s)) {}  // NOLINT
  LogValue(std::string s) : v_(std::move(s)) {}    // NOLINT

  bool isNumber() const { return v_.index() == 0; }
  double number() const { return std::get<0>(v_); }
  const std::string& string() const { return std::get<1>(v_); }
  /// The text Torch7 writes for this value (without the tab).
  std::string toString() const {
    if (!isNumber()) return string();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%11.4e", number());
    return buf;
  }

 private:
  std::variant<double, std::string> v_;
};

/// Torch7's `optim.Logger([filename [, timestamp]])`. Movable, not copyable; the file is
/// closed by the destructor.
class Logger {
 public:
  /// Logs to standard output (Torch7's `optim.Logger()`).
  Logger() : file_(stdout), name_("stdout"), path_("stdout") {}
  /// Logs to `filename`, creating its directory (Torch7's `mkdir -p`) and truncating the
  /// file. With `timestamp`, the file is `filename-YYYY_MM_DD_HH:MM:SS` (local time, as
  /// Torch7's `os.date("%Y_%m_%d_%X")`). IOError naming the file when it cannot be opened.
  explicit Logger(const std::string& filename, bool timestamp = false);
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;
  Logger(Logger&& o) noexcept { swap(o); }
  Logger& operator=(Logger&& o) noexcept {
    Logger tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~Logger() { close(); }

  /// Names the columns and writes the header row (Torch7's `setNames{...}`): each name
  /// followed by a tab. Calling it again writes another header and starts new columns.
  Logger& setNames(std::vector<std::string> names);
  /// Writes one row of values in column order (Torch7's `add{v1, v2}`). Without names set,
  /// the first call names the columns "1", "2", ... (Torch7's keys) and writes that header.
  /// ValueError when the count differs from the number of names.
  void add(std::initializer_list<LogValue> values) { addRow(values.begin(), values.size()); }
  void add(const std::vector<LogValue>& values) { addRow(values.data(), values.size()); }
  /// Writes one row of named values (Torch7's `add{['train error'] = e, ...}`). The first
  /// call without names set names the columns in the given order; later calls may give the
  /// names in any order but must give each column exactly once (ValueError otherwise).
  void add(std::initializer_list<std::pair<std::string, LogValue>> named) { addNamed(named.begin(), named.size()); }
  void add(const std::vector<std::pair<std::string, LogValue>>& named) { addNamed(named.data(), named.size()); }
  /// Plot styles of columns by name (Torch7's `style{['train error'] = '-'}`); stored only.
  Logger& style(std::initializer_list<std::pair<std::string, std::string>> styles);
  /// Plot styles by column position (Torch7's `style{'-', '-'}`); ValueError with more
  /// styles than columns.
  Logger& style(std::initializer_list<const char*> styles);
  /// Torch7's `setlogscale(bool)` and `display(bool)`; stored only (no plotting in t7).
  void setlogscale(bool on) { logscale_ = on; }
  void display(bool on) { showPlot_ = on; }

  /// The name given to the constructor (Torch7's `name`), and the file actually written
  /// (with the timestamp, if any).
  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }
  const std::vector<std::string>& names() const { return names_; }
  /// Every value logged, per column (Torch7's `symbols`).
  const std::vector<std::vector<LogValue>>& symbols() const { return symbols_; }
  /// Plot styles per column name (default "+", Torch7's defaultStyle).
  const std::map<std::string, std::vector<std::string>>& styles() const { return styles_; }
  bool logscale() const { return logscale_; }
  bool showPlot() const { return showPlot_; }

 private:
  void swap(Logger& o) noexcept {
    std::swap(file_, o.file_);
    std::swap(name_, o.name_);
    std::swap(path_, o.path_);
    std::swap(names_, o.names_);
    std::swap(symbols_, o.symbols_);
    std::swap(styles_, o.styles_);
    std::swap(logscale_, o.logscale_);
    std::swap(showPlot_, o.showPlot_);
    std::swap(line_, o.line_);
    std::swap(order_, o.order_);
  }
  void close() noexcept {
    if (file_ && file_ != stdout) std::fclose(file_);
    file_ = nullptr;
  }
  void checkOpen(const char* op) const {
    if (!file_) t7::detail::fail<IOError>(op, ": the logger has no file (moved from)");
  }
  void write(const std::string& line);
  void header(std::vector<std::string> names);
  void addRow(const LogValue* v, std::size_t n);
  void addNamed(const std::pair<std::string, LogValue>* v, std::size_t n);
  std::string namesList() const {
    std::string s;
    for (std::size_t i = 0; i < names_.size(); ++i) s += (i ? ", " : "") + ("'" + names_[i] + "'");
    return s;
  }

  std::FILE* file_ = nullptr;
  std::string name_, path_;
  std::vector<std::string> names_;
  std::vector<std::vector<LogValue>> symbols_;
  std::map<std::string, std::vector<std::string>> styles_;
  bool logscale_ = false, showPlot_ = true;
  std::string line_;                 // row buffer, reused
  std::vector<const LogValue*> order_;  // named add: values in column order, reused
};

// ---- definitions ---------------------------------------------------------------------------

inline Logger::Logger(const std::string& filename, bool timestamp) : name_(filename), path_(filename) {
  namespace fs = std::filesystem;
  if (filename.empty()) t7::detail::fail<IOError>("Logger: empty file name");
  const fs::path dir = fs::path(filename).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) t7::detail::fail<IOError>("Logger: cannot create the directory '", dir.string(), "' for '", filename, "': ",
                                      ec.message());
  }
  if (timestamp) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
#ifdef _WIN32
    localtime_s(&tm, &now);
#else
    localtime_r(&now, &tm);
#endif
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y_%m_%d_%X", &tm);
    path_ += "-";
    path_ += buf;
  }
  file_ = std::fopen(path_.c_str(), "w");
  if (!file_) t7::detail::fail<IOError>("Logger: cannot open '", path_, "' for writing: ", std::strerror(errno));
}

inline void Logger::write(const std::string& line) {
  if (std::fputs(line.c_str(), file_) < 0 || std::fflush(file_) != 0)
    t7::detail::fail<IOError>("Logger: writing to '", path_, "' failed: ", std::strerror(errno));
}

inline void Logger::header(std::vector<std::string> names) {
  line_.clear();
  for (const auto& n : names) {
    line_ += n;
    line_ += '\t';
  }
  line_ += '\n';
  write(line_);
  names_ = std::move(names);
  symbols_.assign(names_.size(), {});
  for (const auto& n : names_) styles_.try_emplace(n, std::vector<std::string>{"+"});
}

inline Logger& Logger::setNames(std::vector<std::string> names) {
  checkOpen("Logger.setNames");
  header(std::move(names));
  return *this;
}

inline void Logger::addRow(const LogValue* v, std::size_t n) {
  checkOpen("Logger.add");
  if (names_.empty() && symbols_.empty()) {  // first row without names: Torch7's keys 1..n
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < n; ++i) keys.push_back(std::to_string(i + 1));
    header(std::move(keys));
  }
  if (n != names_.size())
    t7::detail::fail<ValueError>("Logger.add: ", n, " value", n == 1 ? "" : "s", " given for ", names_.size(),
                                 " column", names_.size() == 1 ? "" : "s", " (", namesList(), ")");
  line_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    line_ += v[i].toString();
    line_ += '\t';
  }
  line_ += '\n';
  write(line_);
  for (std::size_t i = 0; i < n; ++i) symbols_[i].push_back(v[i]);
}

inline void Logger::addNamed(const std::pair<std::string, LogValue>* v, std::size_t n) {
  checkOpen("Logger.add");
  if (names_.empty() && symbols_.empty()) {  // first row without names: these name the columns
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < n; ++i) {
      for (const auto& k : keys)
        if (k == v[i].first) t7::detail::fail<ValueError>("Logger.add: '", k, "' is given twice");
      keys.push_back(v[i].first);
    }
    header(std::move(keys));
  }
  order_.assign(names_.size(), nullptr);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t c = 0;
    while (c < names_.size() && names_[c] != v[i].first) ++c;
    if (c == names_.size())
      t7::detail::fail<ValueError>("Logger.add: '", v[i].first, "' is not a column (", namesList(), ")");
    if (order_[c]) t7::detail::fail<ValueError>("Logger.add: '", v[i].first, "' is given twice");
    order_[c] = &v[i].second;
  }
  for (std::size_t c = 0; c < names_.size(); ++c)
    if (!order_[c]) t7::detail::fail<ValueError>("Logger.add: no value for '", names_[c], "' (", namesList(), ")");
  line_.clear();
  for (const LogValue* p : order_) {
    line_ += p->toString();
    line_ += '\t';
  }
  line_ += '\n';
  write(line_);
  for (std::size_t c = 0; c < order_.size(); ++c) symbols_[c].push_back(*order_[c]);
}

inline Logger& Logger::style(std::initializer_list<std::pair<std::string, std::string>> styles) {
  for (const auto& [name, st] : styles) styles_[name] = {st};
  return *this;
}

inline Logger& Logger::style(std::initializer_list<const char*> styles) {
  if (styles.size() > names_.size())
    t7::detail::fail<ValueError>("Logger.style: ", styles.size(), " styles for ", names_.size(), " columns (",
                                 namesList(), ")");
  std::size_t i = 0;
  for (const char* st : styles) styles_[names_[i++]] = {st};
  return *this;
}

}  // namespace t7::optim
