#pragma once
/// \file object.hpp
/// `serialize::Object`: one Lua value as Torch7's files hold it: nil, a number, a string, a
/// boolean, a table, a Torch object (a tensor, a storage, or a class instance: a class name
/// and a table of fields), or a Lua function kept as an opaque blob. Every file is read into
/// an Object tree first and written from one, so any .t7 file can be inspected, and models
/// are converted to and from it (serialize/module.hpp).
///
/// Scalars are values; tables and Torch objects are handles, as in Lua: copying an Object
/// shares the table, and a table met twice in a file is one table after loading.
///
/// ```cpp
/// serialize::Object cfg = serialize::Object::table();
/// cfg.set("lr", 0.01);
/// cfg.set(1, serialize::Object(FloatTensor(3)));   // cfg[1] (Lua's first array slot)
/// double lr = cfg["lr"].number();
/// ```

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "t7/core/error.hpp"
#include "t7/core/storage.hpp"
#include "t7/tensor/converted.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::serialize {

/// A tensor of any element type Torch7 files hold (Half is read as float).
using AnyTensor = std::variant<Tensor<std::uint8_t>, Tensor<std::int8_t>, Tensor<std::int16_t>, Tensor<std::int32_t>,
                               Tensor<std::int64_t>, Tensor<float>, Tensor<double>>;
/// A storage of any element type.
using AnyStorage = std::variant<Storage<std::uint8_t>, Storage<std::int8_t>, Storage<std::int16_t>,
                                Storage<std::int32_t>, Storage<std::int64_t>, Storage<float>, Storage<double>>;

struct TableData;
struct TorchObject;

/// A Lua function from a file: its bytecode and upvalues, kept only to be inspected (LuaJIT
/// bytecode is not portable; t7 never writes one).
struct FunctionData {
  std::string bytecode;
};

/// One Lua value.
class Object {
 public:
  enum class Kind { Nil, Number, String, Boolean, Table, Torch, Function };

  Object() = default;  // nil
  Object(double x) : v_(x) {}  // NOLINT: implicit, as a Lua value
  Object(int x) : v_(static_cast<double>(x)) {}          // NOLINT
  Object(std::int64_t x) : v_(static_cast<double>(x)) {}  // NOLINT
  Object(std::string s) : v_(std::move(s)) {}             // NOLINT
  Object(const char* s) : v_(std::string(s)) {}           // NOLINT
  Object(bool b) : v_(b) {}                               // NOLINT
  Object(std::shared_ptr<TableData> t) : v_(std::move(t)) {}     // NOLINT
  Object(std::shared_ptr<TorchObject> t) : v_(std::move(t)) {}   // NOLINT
  Object(std::shared_ptr<FunctionData> f) : v_(std::move(f)) {}  // NOLINT
  /// A tensor (a "torch.<Type>Tensor" object).
  template <Element T>
  Object(Tensor<T> t);  // NOLINT
  /// A storage (a "torch.<Type>Storage" object).
  template <Element T>
  Object(Storage<T> s);  // NOLINT

  /// A new, empty table (Lua's `{}`).
  static Object table();
  /// A new instance of a Torch class with an empty field table ("nn.Linear", ...).
  static Object instance(std::string className, double version = 1);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool isNil() const { return kind() == Kind::Nil; }
  bool isNumber() const { return kind() == Kind::Number; }
  bool isString() const { return kind() == Kind::String; }
  bool isBoolean() const { return kind() == Kind::Boolean; }
  bool isTable() const { return kind() == Kind::Table; }
  bool isTorch() const { return kind() == Kind::Torch; }
  bool isFunction() const { return kind() == Kind::Function; }
  /// A Torch object holding a tensor / a storage.
  bool isTensor() const;
  bool isStorage() const;

  /// The value; TypeError naming the kind found otherwise.
  double number() const { return get<double>("a number"); }
  const std::string& string() const { return get<std::string>("a string"); }
  bool boolean() const { return get<bool>("a boolean"); }
  TableData& tableData() const { return *get<std::shared_ptr<TableData>>("a table"); }
  TorchObject& torch() const { return *get<std::shared_ptr<TorchObject>>("a Torch object"); }
  const FunctionData& function() const { return *get<std::shared_ptr<FunctionData>>("a function"); }
  /// The tensor inside a tensor object.
  const AnyTensor& anyTensor() const;
  /// The tensor converted to element type T (shares the data when it already is a T).
  template <Element T>
  Tensor<T> tensor() const;
  /// The storage inside a storage object.
  const AnyStorage& anyStorage() const;

  /// Table (or a Torch object's fields) lookup: nil when absent. Integer keys are Lua's
  /// numbers (1-based array slots).
  Object operator[](std::string_view key) const;
  Object operator[](int key) const;
  /// Sets a table entry (or a Torch object's field); a nil value removes the entry.
  Object& set(const Object& key, Object value);
  Object& set(const char* key, Object value) { return set(Object(key), std::move(value)); }
  /// Appends at #t + 1 (Lua's `table.insert(t, v)`).
  Object& append(Object value);
  /// Lua's `#t`: the count of consecutive integer keys 1, 2, ...
  std::size_t length() const;

  /// "number", "string", "table", "torch.FloatTensor", "nn.Linear"...
  std::string typeName() const;
  /// The identity of a table or Torch object (equal for handles of one object), else null.
  const void* identity() const;

  /// Lua's raw equality: numbers, strings and booleans by value, tables and objects by identity.
  friend bool operator==(const Object& a, const Object& b);

 private:
  template <class X>
  const X& get(const char* what) const {
    if (const X* x = std::get_if<X>(&v_)) return *x;
    t7::detail::fail<TypeError>("serialize: expected ", what, ", got ", typeName());
  }
  /// The field table of a table or of a class instance.
  TableData* fieldTable() const;

  std::variant<std::monostate, double, std::string, bool, std::shared_ptr<TableData>, std::shared_ptr<TorchObject>,
               std::shared_ptr<FunctionData>>
      v_;
};

/// A Lua table: key/value pairs in insertion order (the order in which they were read or set).
struct TableData {
  std::vector<std::pair<Object, Object>> entries;

  /// The value at `key`, or nullptr.
  const Object* find(const Object& key) const {
    for (const auto& [k, v] : entries)
      if (k == key) return &v;
    return nullptr;
  }
  Object* find(const Object& key) { return const_cast<Object*>(std::as_const(*this).find(key)); }
  const Object* find(std::string_view key) const {
    for (const auto& [k, v] : entries)
      if (k.isString() && k.string() == key) return &v;
    return nullptr;
  }
};

/// An instance of a Torch class. Tensors and storages carry their data; every other class
/// (nn.Linear, a user's class, one t7 does not know) carries the table of its fields.
struct TorchObject {
  std::string className;
  double version = 1;
  std::variant<std::monostate, AnyTensor, AnyStorage, Object> payload;

  bool isTensor() const { return payload.index() == 1; }
  bool isStorage() const { return payload.index() == 2; }
  bool hasFields() const { return payload.index() == 3; }
  const Object& fields() const { return std::get<3>(payload); }
};

/// "Float", "Double", ... for a tensor or storage variant.
template <class V>
const char* elementName(const V& v) {
  return std::visit([](const auto& x) { return TypeName<typename std::decay_t<decltype(x)>::value_type>::value; }, v);
}

// ---- Object's members --------------------------------------------------------------------

template <Element T>
Object::Object(Tensor<T> t) {
  auto o = std::make_shared<TorchObject>();
  o->className = std::string("torch.") + TypeName<T>::value + "Tensor";
  o->payload = AnyTensor(std::move(t));
  v_ = std::move(o);
}

template <Element T>
Object::Object(Storage<T> s) {
  auto o = std::make_shared<TorchObject>();
  o->className = std::string("torch.") + TypeName<T>::value + "Storage";
  o->payload = AnyStorage(std::move(s));
  v_ = std::move(o);
}

inline Object Object::table() { return Object(std::make_shared<TableData>()); }

inline Object Object::instance(std::string className, double version) {
  auto o = std::make_shared<TorchObject>();
  o->className = std::move(className);
  o->version = version;
  o->payload = Object::table();
  return Object(std::move(o));
}

inline bool Object::isTensor() const { return isTorch() && torch().isTensor(); }
inline bool Object::isStorage() const { return isTorch() && torch().isStorage(); }

inline const AnyTensor& Object::anyTensor() const {
  if (!isTensor()) t7::detail::fail<TypeError>("serialize: expected a tensor, got ", typeName());
  return std::get<1>(torch().payload);
}

inline const AnyStorage& Object::anyStorage() const {
  if (!isStorage()) t7::detail::fail<TypeError>("serialize: expected a storage, got ", typeName());
  return std::get<2>(torch().payload);
}

template <Element T>
Tensor<T> Object::tensor() const {
  return std::visit(
      [](const auto& t) -> Tensor<T> {
        using S = typename std::decay_t<decltype(t)>::value_type;
        if constexpr (std::is_same_v<S, T>) {
          return t;
        } else {
          t7::detail::StorageCache cache;  // converts the storage, not the elements the sizes claim
          return t7::detail::convertedView<T>(t, cache);
        }
      },
      anyTensor());
}

inline TableData* Object::fieldTable() const {
  if (isTable()) return &tableData();
  if (isTorch() && torch().hasFields()) return &torch().fields().tableData();
  return nullptr;
}

inline Object Object::operator[](std::string_view key) const {
  TableData* t = fieldTable();
  if (!t) t7::detail::fail<TypeError>("serialize: cannot index ", typeName(), " with '", key, "'");
  const Object* v = t->find(key);
  return v ? *v : Object();
}

inline Object Object::operator[](int key) const {
  TableData* t = fieldTable();
  if (!t) t7::detail::fail<TypeError>("serialize: cannot index ", typeName(), " with ", key);
  const Object* v = t->find(Object(key));
  return v ? *v : Object();
}

inline Object& Object::set(const Object& key, Object value) {
  TableData* t = fieldTable();
  if (!t) t7::detail::fail<TypeError>("serialize: cannot set a field of ", typeName());
  if (key.isNil()) t7::detail::fail<ValueError>("serialize: a table key cannot be nil");
  for (auto it = t->entries.begin(); it != t->entries.end(); ++it) {
    if (it->first == key) {
      if (value.isNil()) {
        t->entries.erase(it);
      } else {
        it->second = std::move(value);
      }
      return *this;
    }
  }
  if (!value.isNil()) t->entries.emplace_back(key, std::move(value));
  return *this;
}

inline std::size_t Object::length() const {
  TableData* t = fieldTable();
  if (!t) t7::detail::fail<TypeError>("serialize: # of ", typeName());
  // One pass: which of the keys 1..entries are present.
  std::vector<bool> present(t->entries.size() + 1, false);
  for (const auto& [k, v] : t->entries) {
    if (!k.isNumber()) continue;
    const double d = k.number();
    if (d >= 1 && d <= static_cast<double>(t->entries.size()) && d == static_cast<double>(static_cast<std::size_t>(d)))
      present[static_cast<std::size_t>(d)] = true;
  }
  std::size_t n = 0;
  while (n + 1 < present.size() && present[n + 1]) ++n;
  return n;
}

inline Object& Object::append(Object value) { return set(Object(static_cast<double>(length() + 1)), std::move(value)); }

inline std::string Object::typeName() const {
  switch (kind()) {
    case Kind::Nil: return "nil";
    case Kind::Number: return "number";
    case Kind::String: return "string";
    case Kind::Boolean: return "boolean";
    case Kind::Table: return "table";
    case Kind::Torch: return torch().className;
    case Kind::Function: return "function";
  }
  return "?";
}

inline const void* Object::identity() const {
  if (isTable()) return &tableData();
  if (isTorch()) return &torch();
  if (isFunction()) return &function();
  return nullptr;
}

inline bool operator==(const Object& a, const Object& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Object::Kind::Nil: return true;
    case Object::Kind::Number: return a.number() == b.number();
    case Object::Kind::String: return a.string() == b.string();
    case Object::Kind::Boolean: return a.boolean() == b.boolean();
    default: return a.identity() == b.identity();
  }
}

}  // namespace t7::serialize
