#pragma once
/// \file codec.hpp
/// `Codec<X>`: how a C++ value becomes an Object and back. Numbers, booleans and strings are
/// Lua's; tensors and storages are Torch objects; `std::vector` and `std::array` are Lua arrays
/// (keys 1..n); `std::map` keyed by strings or integers is a Lua table; `std::optional` is a
/// value or nil. Users add their own types by specialising Codec:
///
/// ```cpp
/// template <> struct t7::serialize::Codec<MyConfig> {
///   static Object toObject(const MyConfig& c) { auto t = Object::table(); t.set("lr", c.lr); return t; }
///   static MyConfig fromObject(const Object& o, LoadContext&) { return {o["lr"].number()}; }
/// };
/// ```

#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "t7/serialize/object.hpp"

namespace t7::serialize {

/// What one load shares across the values it converts: storages converted to another element
/// type once, so tensors that shared a storage in the file share the converted one.
struct LoadContext {
  t7::detail::StorageCache converted;
};

template <class X, class Enable = void>
struct Codec;

/// x as an Object.
template <class X>
Object toObject(const X& x) {
  return Codec<X>::toObject(x);
}
/// o as an X (TypeError / ValueError saying what does not fit).
template <class X>
X fromObject(const Object& o, LoadContext& ctx) {
  return Codec<X>::fromObject(o, ctx);
}
template <class X>
X fromObject(const Object& o) {
  LoadContext ctx;
  return fromObject<X>(o, ctx);
}

/// The tensor in `o` as a Tensor<T>: the same tensor when the element type matches, else a
/// converted copy (with the same offset and strides over a storage converted once per load).
template <Element T>
Tensor<T> tensorAs(const Object& o, LoadContext& ctx) {
  return std::visit(
      [&](const auto& t) -> Tensor<T> {
        using S = typename std::decay_t<decltype(t)>::value_type;
        if constexpr (std::is_same_v<S, T>) {
          return t;
        } else {
          return t7::detail::convertedView<T>(t, ctx.converted);
        }
      },
      o.anyTensor());
}

template <>
struct Codec<Object> {
  static Object toObject(const Object& o) { return o; }
  static Object fromObject(const Object& o, LoadContext&) { return o; }
};

template <>
struct Codec<bool> {
  static Object toObject(bool b) { return Object(b); }
  static bool fromObject(const Object& o, LoadContext&) { return o.boolean(); }
};

template <class X>
struct Codec<X, std::enable_if_t<std::is_arithmetic_v<X> && !std::is_same_v<X, bool>>> {
  static Object toObject(X x) { return Object(static_cast<double>(x)); }
  static X fromObject(const Object& o, LoadContext&) {
    const double d = o.number();
    if constexpr (std::is_integral_v<X>) {
      // max() rounds up to 2^digits as a double for 64-bit types: compare with 2^digits itself.
      if (d != std::floor(d) || !(d >= static_cast<double>(std::numeric_limits<X>::lowest())) ||
          !(d < std::ldexp(1.0, std::numeric_limits<X>::digits)))
        t7::detail::fail<ValueError>("load: the number ", d, " is not an integer in [",
                                     static_cast<double>(std::numeric_limits<X>::lowest()), ", ",
                                     static_cast<double>(std::numeric_limits<X>::max()), "]");
    }
    return static_cast<X>(d);
  }
};

template <>
struct Codec<std::string> {
  static Object toObject(const std::string& s) { return Object(s); }
  static std::string fromObject(const Object& o, LoadContext&) { return o.string(); }
};

template <Element T>
struct Codec<Tensor<T>> {
  static Object toObject(const Tensor<T>& t) { return Object(t); }
  static Tensor<T> fromObject(const Object& o, LoadContext& ctx) { return tensorAs<T>(o, ctx); }
};

template <Element T>
struct Codec<Storage<T>> {
  static Object toObject(const Storage<T>& s) { return Object(s); }
  static Storage<T> fromObject(const Object& o, LoadContext&) {
    const auto* s = std::get_if<Storage<T>>(&o.anyStorage());
    if (!s)
      t7::detail::fail<TypeError>("load: expected a torch.", TypeName<T>::value, "Storage, got ", o.typeName());
    return *s;
  }
};

/// Sizes as Torch7 keeps them: a torch.LongStorage.
template <>
struct Codec<Shape> {
  static Object toObject(const Shape& s) {
    Storage<std::int64_t> st(s.size());
    for (int i = 0; i < s.size(); ++i) st.data()[i] = s[i];
    return Object(st);
  }
  static Shape fromObject(const Object& o, LoadContext& ctx);
};

namespace detail {
/// The values at keys 1..n of a Lua array (all keys must be 1..n, each once).
inline std::vector<const Object*> arrayEntries(const Object& o, const char* what) {
  if (!o.isTable()) t7::detail::fail<TypeError>("load: expected a table for ", what, ", got ", o.typeName());
  const auto& entries = o.tableData().entries;
  std::vector<const Object*> slots(entries.size(), nullptr);
  for (const auto& [k, v] : entries) {
    const double d = k.isNumber() ? k.number() : 0;
    if (!k.isNumber() || d != std::floor(d) || d < 1 || d > static_cast<double>(entries.size()) ||
        slots[static_cast<std::size_t>(d) - 1])
      t7::detail::fail<ValueError>("load: ", what, ": the table is not an array 1..", entries.size(),
                                   " (key ", k.isNumber() ? std::to_string(d) : k.typeName(), ")");
    slots[static_cast<std::size_t>(d) - 1] = &v;
  }
  return slots;
}
}  // namespace detail

inline Shape Codec<Shape>::fromObject(const Object& o, LoadContext& ctx) {
  std::vector<index_t> values;
  if (o.isStorage()) {
    std::visit(
        [&](const auto& st) {
          if (st.size() > kMaxDims) t7::detail::fail<ValueError>("load: ", st.size(), " sizes (at most ", kMaxDims, ")");
          for (index_t i = 0; i < st.size(); ++i) values.push_back(static_cast<index_t>(st.data()[i]));
        },
        o.anyStorage());
  } else if (o.isTensor()) {
    const Tensor<std::int64_t> t = tensorAs<std::int64_t>(o, ctx);
    if (t.dim() > 1 || t.nElement() > kMaxDims)
      t7::detail::fail<ValueError>("load: sizes must be a vector of at most ", kMaxDims, " values, got [",
                                   t.sizes().toString(), "]");
    const Tensor<std::int64_t> c = t.contiguous();
    for (index_t i = 0; i < c.nElement(); ++i) values.push_back(c.data()[i]);
  } else {
    const auto slots = detail::arrayEntries(o, "sizes");
    if (slots.size() > static_cast<std::size_t>(kMaxDims))
      t7::detail::fail<ValueError>("load: ", slots.size(), " sizes (at most ", kMaxDims, ")");
    for (const Object* v : slots) values.push_back(Codec<std::int64_t>::fromObject(*v, ctx));
  }
  Shape s;
  for (index_t v : values) s.push_back(v);
  return s;
}

template <class X>
struct Codec<std::vector<X>> {
  static Object toObject(const std::vector<X>& v) {
    Object t = Object::table();
    auto& e = t.tableData().entries;
    e.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) e.emplace_back(Object(static_cast<double>(i + 1)), Codec<X>::toObject(v[i]));
    return t;
  }
  static std::vector<X> fromObject(const Object& o, LoadContext& ctx) {
    std::vector<X> r;
    for (const Object* v : detail::arrayEntries(o, "std::vector")) r.push_back(Codec<X>::fromObject(*v, ctx));
    return r;
  }
};

template <class X, std::size_t N>
struct Codec<std::array<X, N>> {
  static Object toObject(const std::array<X, N>& a) {
    return Codec<std::vector<X>>::toObject(std::vector<X>(a.begin(), a.end()));
  }
  static std::array<X, N> fromObject(const Object& o, LoadContext& ctx) {
    const auto slots = detail::arrayEntries(o, "std::array");
    if (slots.size() != N) t7::detail::fail<SizeError>("load: std::array of ", N, " values from a table of ", slots.size());
    std::array<X, N> r;
    for (std::size_t i = 0; i < N; ++i) r[i] = Codec<X>::fromObject(*slots[i], ctx);
    return r;
  }
};

template <class K, class X>
struct Codec<std::map<K, X>> {
  static_assert(std::is_same_v<K, std::string> || std::is_integral_v<K> || std::is_floating_point_v<K>,
                "serialize: std::map keys must be strings or numbers");
  static Object toObject(const std::map<K, X>& m) {
    Object t = Object::table();
    auto& e = t.tableData().entries;
    for (const auto& [k, v] : m) e.emplace_back(Codec<K>::toObject(k), Codec<X>::toObject(v));
    return t;
  }
  static std::map<K, X> fromObject(const Object& o, LoadContext& ctx) {
    if (!o.isTable()) t7::detail::fail<TypeError>("load: expected a table for std::map, got ", o.typeName());
    std::map<K, X> r;
    for (const auto& [k, v] : o.tableData().entries) r[Codec<K>::fromObject(k, ctx)] = Codec<X>::fromObject(v, ctx);
    return r;
  }
};

template <class X>
struct Codec<std::optional<X>> {
  static Object toObject(const std::optional<X>& x) { return x ? Codec<X>::toObject(*x) : Object(); }
  static std::optional<X> fromObject(const Object& o, LoadContext& ctx) {
    if (o.isNil()) return std::nullopt;
    return Codec<X>::fromObject(o, ctx);
  }
};

}  // namespace t7::serialize
