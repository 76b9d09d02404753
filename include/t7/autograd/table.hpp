#pragma once
/// \file table.hpp
/// `autograd::Table<V>`: a Lua-like table of values (tensors, or Vars inside `grad`) under
/// string or integer keys, nested to any depth: the usual shape of a model's parameters.
///
/// ```cpp
/// autograd::Table<FloatTensor> params{
///     {"W", autograd::Table<FloatTensor>::list({W1, W2, W3})},   // params.W[0..2]
///     {"b", autograd::Table<FloatTensor>::list({b1, b2, b3})},
/// };
/// params["W"][0];                              // a FloatTensor (an Entry, which is one)
/// ```
///
/// An entry *is* its value (it derives from V), so `mm(x, p["W"][0])` works as it reads. As in
/// Lua, `t[k]` on a table creates the entry when it is missing; reading a missing key of a
/// const table throws IndexError. Iteration is in key order: integers first, then strings.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "t7/core/config.hpp"
#include "t7/core/error.hpp"

namespace t7::autograd {

template <class V>
class Table {
 public:
  /// An integer or a string, as Lua's table keys.
  using Key = std::variant<std::int64_t, std::string>;

  /// A value or a nested table.
  class Entry : public V {
   public:
    Entry() = default;
    Entry(const V& value) : V(value) {}  // NOLINT(google-explicit-constructor)
    Entry(Table table) : sub_(std::make_unique<Table>(std::move(table))) {}  // NOLINT
    Entry(const Entry& o) : V(o), sub_(o.sub_ ? std::make_unique<Table>(*o.sub_) : nullptr) {}
    Entry(Entry&&) noexcept = default;
    Entry& operator=(const Entry& o) {
      if (this != &o) {
        V::operator=(static_cast<const V&>(o));
        sub_ = o.sub_ ? std::make_unique<Table>(*o.sub_) : nullptr;
      }
      return *this;
    }
    Entry& operator=(Entry&&) noexcept = default;
    /// Makes the entry hold `value` (a tensor handle is shared, as Lua's `t.W = x`).
    Entry& operator=(const V& value) {
      V::operator=(value);
      sub_.reset();
      return *this;
    }
    /// Writes an expression into the value in place (`p["W"] = p["W"] - g["W"] * lr`, one loop).
    template <class E>
      requires(!std::is_base_of_v<V, E> && !std::is_same_v<E, Table> && requires(V& v, const E& e) { v = e; })
    Entry& operator=(const E& e) {
      value() = e;
      return *this;
    }

    bool isTable() const { return sub_ != nullptr; }
    /// The value; IndexError when the entry is a table.
    V& value() {
      if (sub_) t7::detail::fail<IndexError>("autograd::Table: the entry is a table, not a value");
      return *this;
    }
    const V& value() const {
      if (sub_) t7::detail::fail<IndexError>("autograd::Table: the entry is a table, not a value");
      return *this;
    }
    /// The nested table; IndexError when the entry is a value.
    Table& table() {
      if (!sub_) t7::detail::fail<IndexError>("autograd::Table: the entry is a value, not a table");
      return *sub_;
    }
    const Table& table() const {
      if (!sub_) t7::detail::fail<IndexError>("autograd::Table: the entry is a value, not a table");
      return *sub_;
    }
    /// The entry `key` of the nested table.
    Entry& operator[](const Key& key) { return table()[key]; }
    const Entry& operator[](const Key& key) const { return table()[key]; }
    Entry& operator[](const char* key) { return table()[Key(std::string(key))]; }
    const Entry& operator[](const char* key) const { return table()[Key(std::string(key))]; }
    Entry& operator[](int key) { return table()[Key(std::int64_t{key})]; }
    const Entry& operator[](int key) const { return table()[Key(std::int64_t{key})]; }

   private:
    std::unique_ptr<Table> sub_;
  };

  Table() = default;
  Table(std::initializer_list<std::pair<const Key, Entry>> entries) : map_(entries) {}
  /// A list: keys 0, 1, 2... (Lua's `{W1, W2, W3}`, 0-based).
  static Table list(std::initializer_list<Entry> items) {
    Table t;
    std::int64_t i = 0;
    for (const auto& item : items) t.map_.emplace(Key(i++), item);
    return t;
  }
  static Table list(const std::vector<V>& items) {
    Table t;
    std::int64_t i = 0;
    for (const auto& item : items) t.map_.emplace(Key(i++), Entry(item));
    return t;
  }

  std::size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  bool contains(const Key& key) const { return map_.count(key) != 0; }

  /// The entry `key`, created when missing (Lua's assignment `t[k] = v`).
  Entry& operator[](const Key& key) { return map_[key]; }
  Entry& operator[](const char* key) { return map_[Key(std::string(key))]; }
  Entry& operator[](int key) { return map_[Key(std::int64_t{key})]; }
  /// The entry `key`; IndexError when missing.
  const Entry& operator[](const Key& key) const { return at(key); }
  const Entry& operator[](const char* key) const { return at(Key(std::string(key))); }
  const Entry& operator[](int key) const { return at(Key(std::int64_t{key})); }
  const Entry& at(const Key& key) const {
    auto it = map_.find(key);
    if (it == map_.end()) t7::detail::fail<IndexError>("autograd::Table: no entry ", keyString(key));
    return it->second;
  }

  auto begin() { return map_.begin(); }
  auto end() { return map_.end(); }
  auto begin() const { return map_.begin(); }
  auto end() const { return map_.end(); }

  /// A key as Lua would print it: `"W"` or `3`. (Out of line: inlined into `at`, GCC 12 warns
  /// of a variant member "maybe uninitialized".)
  T7_COLD static std::string keyString(const Key& key) {
    if (const auto* i = std::get_if<std::int64_t>(&key)) return std::to_string(*i);
    return "\"" + std::get<std::string>(key) + "\"";
  }

 private:
  std::map<Key, Entry> map_;
};

}  // namespace t7::autograd
