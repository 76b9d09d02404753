#pragma once
/// \file activity.hpp
/// What flows between modules: a Tensor, or a table (list) of them, as in Torch7, where a
/// module's `input`, `output`, `gradInput` and `gradOutput` are a tensor or a Lua table of
/// tensors. Table layers (`CAddTable`, `JoinTable`, `ConcatTable`...) take and give tables,
/// and containers pass whichever their children use.
///
/// ```cpp
/// nn::Table<float> pair{a, b};                 // Torch7's {a, b}
/// nn::Activity<float> x = a;                   // a tensor
/// x.tensor();  pair[1].tensor();               // checked access
/// ```

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::nn {

template <Element T>
class Activity;

/// A table of activities: Torch7's `{t1, t2, {t3, t4}}` (0-based, like every index in t7).
template <Element T>
using Table = std::vector<Activity<T>>;

/// A Tensor or a Table of activities (nested to any depth).
template <Element T>
class Activity {
 public:
  using value_type = T;

  /// An empty tensor.
  Activity() = default;
  Activity(Tensor<T> t) : v_(std::move(t)) {}  // NOLINT: implicit, as a Lua value
  Activity(Table<T> t) : v_(std::move(t)) {}   // NOLINT

  bool isTensor() const { return v_.index() == 0; }
  bool isTable() const { return v_.index() == 1; }

  /// The tensor; throws TypeError naming `op` when this is a table.
  const Tensor<T>& tensor(const char* op = "nn") const {
    if (!isTensor()) wrongKind(op, "a tensor");
    return std::get<0>(v_);
  }
  Tensor<T>& tensor(const char* op = "nn") {
    if (!isTensor()) wrongKind(op, "a tensor");
    return std::get<0>(v_);
  }
  /// The table; throws TypeError naming `op` when this is a tensor.
  const Table<T>& table(const char* op = "nn") const {
    if (!isTable()) wrongKind(op, "a table");
    return std::get<1>(v_);
  }
  Table<T>& table(const char* op = "nn") {
    if (!isTable()) wrongKind(op, "a table");
    return std::get<1>(v_);
  }

  /// Entry `i` of a table (checked).
  const Activity& operator[](std::size_t i) const { return at(table(), i); }
  Activity& operator[](std::size_t i) { return at(table(), i); }
  /// Number of entries of a table; a tensor counts as one.
  std::size_t size() const { return isTable() ? std::get<1>(v_).size() : 1; }

  /// Sizes for messages: `[32x784]`, or `{[3x4], [3x4]}` for a table.
  std::string describe() const {
    std::string s;
    appendDescription(s);
    return s;
  }
  void appendDescription(std::string& s) const {
    if (isTensor()) {
      s += '[';
      s += std::get<0>(v_).sizes().toString();
      s += ']';
      return;
    }
    s += '{';
    const auto& t = std::get<1>(v_);
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (i) s += ", ";
      t[i].appendDescription(s);
    }
    s += '}';
  }

  /// Calls `fn(tensor)` for every tensor, depth first (tables in order).
  template <class F>
  void forEachTensor(F&& fn) const {
    if (isTensor()) {
      fn(std::get<0>(v_));
    } else {
      for (const auto& a : std::get<1>(v_)) a.forEachTensor(fn);
    }
  }
  template <class F>
  void forEachTensor(F&& fn) {
    if (isTensor()) {
      fn(std::get<0>(v_));
    } else {
      for (auto& a : std::get<1>(v_)) a.forEachTensor(fn);
    }
  }

 private:
  [[noreturn]] T7_COLD void wrongKind(const char* op, const char* expected) const {
    detail::fail<TypeError>(op, ": expected ", expected, ", got ", isTensor() ? "a tensor " : "a table ", describe());
  }
  template <class V>
  static auto& at(V& t, std::size_t i) {
    if (i >= t.size()) detail::fail<IndexError>("table: index ", i, " out of range for a table of ", t.size());
    return t[i];
  }

  std::variant<Tensor<T>, Table<T>> v_;
};

/// Describes a module's input for messages, whatever its type.
template <Element T>
std::string describe(const Tensor<T>& t) {
  return Activity<T>(t).describe();
}
template <Element T>
std::string describe(const Table<T>& t) {
  return Activity<T>(t).describe();
}
template <Element T>
std::string describe(const Activity<T>& a) {
  return a.describe();
}

}  // namespace t7::nn
