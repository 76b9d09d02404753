#pragma once
/// \file describe.hpp
/// `describe(o)`: an Object tree as text, types and sizes (what Torch7's REPL showed of a
/// loaded file). An object met twice is printed once, then referred to; long tables are cut.
///
/// ```
/// nn.Sequential {
///   modules: table {
///     1: nn.Linear {
///       weight: torch.FloatTensor [10x784]
///       ...
/// ```

#include <cstdio>
#include <sstream>
#include <string>
#include <unordered_map>

#include "t7/serialize/object.hpp"

namespace t7::serialize {

struct DescribeOptions {
  /// Levels of tables shown; deeper ones print as "table (n entries)".
  int maxDepth = 12;
  /// Entries shown per table; the rest are counted.
  std::size_t maxEntries = 40;
};

namespace detail {

class Describer {
 public:
  explicit Describer(const DescribeOptions& o) : o_(o) {}

  void value(const Object& x, int depth) {
    switch (x.kind()) {
      case Object::Kind::Nil: os_ << "nil"; break;
      case Object::Kind::Number: number(x.number()); break;
      case Object::Kind::String: text(x.string()); break;
      case Object::Kind::Boolean: os_ << (x.boolean() ? "true" : "false"); break;
      case Object::Kind::Function: os_ << "function (" << x.function().bytecode.size() << " bytes of bytecode)"; break;
      case Object::Kind::Table:
        if (seen(x)) return;
        os_ << "table";
        entries(x.tableData(), depth);
        break;
      case Object::Kind::Torch: torch(x, depth); break;
    }
  }
  std::string str() const { return os_.str(); }

 private:
  /// Prints a reference and returns true when x was printed before.
  bool seen(const Object& x) {
    auto [it, fresh] = ids_.emplace(x.identity(), ids_.size() + 1);
    if (!fresh) {
      os_ << x.typeName() << " (#" << it->second << ", shown above)";
      return true;
    }
    return false;
  }
  void number(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", d);
    os_ << buf;
  }
  void text(const std::string& s) {
    os_ << '"';
    for (std::size_t i = 0; i < s.size() && i < 60; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 32 && c < 127 && c != '"' && c != '\\') {
        os_ << s[i];
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        os_ << buf;
      }
    }
    os_ << (s.size() > 60 ? "\"... (" + std::to_string(s.size()) + " bytes)" : "\"");
  }
  void torch(const Object& x, int depth) {
    const TorchObject& t = x.torch();
    if (t.isTensor()) {
      std::visit(
          [&](const auto& v) {
            os_ << t.className << " [" << (v.dim() ? v.sizes().toString() : std::string("empty")) << "]";
            if (v.dim() && !v.isContiguous()) os_ << " strides [" << v.strides().toString() << "]";
            if (v.storageOffset()) os_ << " offset " << v.storageOffset();
          },
          std::get<1>(t.payload));
      return;
    }
    if (seen(x)) return;
    if (t.isStorage()) {
      std::visit([&](const auto& s) { os_ << t.className << " (" << s.size() << " elements)"; }, std::get<2>(t.payload));
      return;
    }
    os_ << t.className;
    if (t.version != 1) {
      os_ << " (version ";
      number(t.version);
      os_ << ")";
    }
    if (t.hasFields()) entries(t.fields().tableData(), depth);
  }
  void entries(const TableData& d, int depth) {
    if (d.entries.empty()) {
      os_ << " {}";
      return;
    }
    if (depth >= o_.maxDepth) {
      os_ << " (" << d.entries.size() << " entries)";
      return;
    }
    os_ << " {\n";
    const std::string pad(2 * static_cast<std::size_t>(depth + 1), ' ');
    std::size_t n = 0;
    for (const auto& [k, v] : d.entries) {
      if (n++ == o_.maxEntries) {
        os_ << pad << "... (" << d.entries.size() - o_.maxEntries << " more)\n";
        break;
      }
      os_ << pad;
      if (k.isString()) {
        os_ << k.string();
      } else {
        value(k, depth + 1);
      }
      os_ << ": ";
      value(v, depth + 1);
      os_ << "\n";
    }
    os_ << std::string(2 * static_cast<std::size_t>(depth), ' ') << "}";
  }

  DescribeOptions o_;
  std::ostringstream os_;
  std::unordered_map<const void*, std::size_t> ids_;
};

}  // namespace detail

/// The object tree as text: classes, field names, tensor sizes, table contents.
inline std::string describe(const Object& o, const DescribeOptions& options = {}) {
  detail::Describer d(options);
  d.value(o, 0);
  return d.str();
}

}  // namespace t7::serialize
