#pragma once
/// \file archive.hpp
/// Torch7's object grammar (`torch/torch7:File.lua`, `writeObject` / `readObject`) over the
/// primitives of file.hpp: `Writer` turns Objects into bytes, `Reader` bytes into Objects.
/// Each object starts with an int tag; tables and Torch objects carry a reference index, and
/// an object met again is written as its tag and index only, so shared storages, tables and
/// modules stay shared. docs/serialization.md lists the layout field by field.
///
/// The reader trusts nothing: every tag, count, size and index is checked against the bytes
/// that remain and against the objects read so far before anything is allocated, nesting is
/// bounded, and each error names the byte offset.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "t7/serialize/file.hpp"
#include "t7/serialize/object.hpp"

namespace t7::serialize {

/// Torch7's type tags.
enum class Tag : std::int32_t {
  Nil = 0,
  Number = 1,
  String = 2,
  Table = 3,
  Torch = 4,
  Boolean = 5,
  Function = 6,
  RecursiveFunctionLegacy = 7,
  RecursiveFunction = 8,
};

/// The deepest nesting of tables and objects a file may have (a Sequential in a Sequential
/// costs 3 levels: the object, its field table, its `modules` table).
inline constexpr int kMaxDepth = 600;

namespace detail {

/// The element type behind "torch.<Name>Tensor" / "torch.<Name>Storage"; CUDA types map to
/// the CPU type of their elements, Half to float. Returns the index in AnyTensor, -1 if none.
struct ElementKind {
  int index = -1;      // AnyTensor / AnyStorage alternative
  bool half = false;   // 2-byte IEEE halves on disk
  bool tensor = false; // a tensor (else a storage)
};

inline ElementKind elementKind(std::string_view className) {
  ElementKind k;
  if (!className.starts_with("torch.")) return k;
  std::string_view n = className.substr(6);
  if (n.ends_with("Tensor")) {
    k.tensor = true;
    n.remove_suffix(6);
  } else if (n.ends_with("Storage")) {
    n.remove_suffix(7);
  } else {
    return k;
  }
  if (n.starts_with("Cuda")) {
    n.remove_prefix(4);
    if (n.empty()) n = "Float";  // torch.CudaTensor holds floats
  }
  static constexpr std::string_view names[] = {"Byte", "Char", "Short", "Int", "Long", "Float", "Double"};
  for (int i = 0; i < 7; ++i)
    if (n == names[i]) k.index = i;
  if (n == "Half") {
    k.index = 5;
    k.half = true;
  }
  return k;
}

template <std::size_t I = 0>
AnyStorage makeStorage(int index, std::int64_t n) {
  if constexpr (I < std::variant_size_v<AnyStorage>) {
    if (static_cast<int>(I) == index) return std::variant_alternative_t<I, AnyStorage>(n);
    return makeStorage<I + 1>(index, n);
  } else {
    return {};
  }
}

}  // namespace detail

/// Reads Objects from bytes. Several objects written to one file share one index space
/// (Torch7's File object); read them in order with read().
class Reader {
 public:
  Reader(std::string_view bytes, const Options& options) : in_(bytes, options) {}

  /// The next object of the file.
  Object read() {
    depth_ = 0;
    return readObject();
  }
  bool atEnd() { return in_.atEnd(); }
  std::size_t position() const { return in_.position(); }
  Input& input() { return in_; }

 private:
  Object readObject() {
    if (++depth_ > kMaxDepth) in_.fail("objects nested deeper than ", kMaxDepth, " levels");
    const std::size_t at = in_.position();
    const std::int32_t tag = in_.readInt();
    Object r;
    height_ = 0;  // a scalar's; tables, objects and functions set their own
    switch (static_cast<Tag>(tag)) {
      case Tag::Nil: break;
      case Tag::Number: r = Object(in_.readDouble()); break;
      case Tag::String: r = Object(readString()); break;
      case Tag::Boolean: r = Object(in_.readInt() == 1); break;
      case Tag::Table: r = readTable(); break;
      case Tag::Torch: r = readTorch(); break;
      case Tag::Function: r = readFunction(false); break;
      case Tag::RecursiveFunctionLegacy:
      case Tag::RecursiveFunction: r = readFunction(true); break;
      default: t7::detail::fail<IOError>("load: unknown type tag ", tag, " (at byte ", at, ")");
    }
    --depth_;
    return r;
  }

  std::string readString() {
    const std::int32_t n = in_.readInt();
    if (n < 0) in_.fail("negative string length ", n);
    return in_.readString(static_cast<std::size_t>(n));
  }

  /// A reference index: returns the object when it is known (the back-reference case).
  bool known(std::int32_t index, Object& out) {
    if (index <= 0) in_.fail("reference index ", index, " (indices start at 1)");
    auto it = refs_.find(index);
    if (it == refs_.end()) {
      // Torch7 numbers the objects it writes in full 1, 2, 3... in file order, so an unknown
      // index other than the next one refers back to an object the file never held.
      if (static_cast<std::size_t>(index) != refs_.size() + 1)
        in_.fail("reference to unknown object #", index, " (", refs_.size(), " objects read so far)");
      return false;
    }
    if (open_.count(index))
      in_.fail("cyclic reference: object #", index, " refers to itself through its own contents");
    out = it->second;
    height_ = heights_[index];
    return true;
  }
  void remember(std::int32_t index, const Object& o) {
    refs_.emplace(index, o);
    open_.insert(index);
  }
  /// Closes object `index` of height `h`: the longest chain of tables and objects below it,
  /// back-references included. Bounding it (not only the nesting of the bytes) keeps every
  /// recursive walk of the loaded graph shallow, its destructor's too: a file of 40 MB can
  /// chain a million tables, each referring back to the previous one.
  void close(std::int32_t index, int h) {
    if (h > kMaxDepth) in_.fail("objects nested deeper than ", kMaxDepth, " levels through references");
    open_.erase(index);
    heights_[index] = h;
    height_ = h;
  }

  Object readTable() {
    const std::int32_t index = in_.readInt();
    Object t;
    if (known(index, t)) {
      if (!t.isTable()) in_.fail("reference #", index, " is a ", t.typeName(), ", not a table");
      return t;
    }
    t = Object::table();
    remember(index, t);
    const std::int32_t n = in_.readInt();
    // Each pair takes at least two tags.
    if (n < 0 || static_cast<std::size_t>(n) > in_.remaining() / (2 * in_.minBytes<std::int32_t>()))
      in_.fail("a table of ", n, " pairs in ", in_.remaining(), " remaining bytes");
    auto& entries = t.tableData().entries;
    int h = 0;
    for (std::int32_t i = 0; i < n; ++i) {
      const std::size_t at = in_.position();
      Object k = readObject();
      if (k.isNil() || (k.isNumber() && k.number() != k.number()))
        t7::detail::fail<IOError>("load: a table key is ", k.isNil() ? "nil" : "NaN", " (at byte ", at, ")");
      h = std::max(h, height_);
      Object v = readObject();
      h = std::max(h, height_);
      entries.emplace_back(std::move(k), std::move(v));
    }
    close(index, h + 1);
    return t;
  }

  Object readFunction(bool indexed) {
    std::int32_t index = 0;
    Object f;
    if (indexed) {
      index = in_.readInt();
      if (known(index, f)) {
        if (!f.isFunction()) in_.fail("reference #", index, " is a ", f.typeName(), ", not a function");
        return f;
      }
    }
    auto data = std::make_shared<FunctionData>();
    f = Object(data);
    if (indexed) remember(index, f);
    data->bytecode = readString();
    readObject();  // the upvalues: read (they may hold shared objects), then dropped
    if (indexed) {
      close(index, 1);
    } else {
      height_ = 1;
    }
    return f;
  }

  Object readTorch() {
    const std::int32_t index = in_.readInt();
    Object o;
    if (known(index, o)) {
      if (!o.isTorch()) in_.fail("reference #", index, " is a ", o.typeName(), ", not a Torch object");
      return o;
    }
    auto obj = std::make_shared<TorchObject>();
    o = Object(obj);
    remember(index, o);
    std::string first = readString();
    if (first.size() > 2 && first[0] == 'V' && first[1] == ' ') {
      const std::string v = first.substr(2);
      char* end = nullptr;
      obj->version = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0') in_.fail("bad class version '", first, "'");
      obj->className = readString();
    } else {
      obj->className = std::move(first);  // before versions: the first string is the class
      obj->version = 0;
    }
    if (obj->className.empty()) in_.fail("empty class name");
    const detail::ElementKind k = detail::elementKind(obj->className);
    if (k.index >= 0 && k.tensor) {
      readTensor(*obj, k);
    } else if (k.index >= 0) {
      obj->payload = readStorage(k);
      obj->className = std::string("torch.") + elementName(std::get<2>(obj->payload)) + "Storage";  // Cuda*, Half
    } else {
      const std::size_t at = in_.position();
      Object fields = readObject();
      if (!fields.isTable())
        t7::detail::fail<IOError>("load: the fields of ", obj->className, " are a ", fields.typeName(),
                                  ", not a table (at byte ", at, ")");
      obj->payload = std::move(fields);
    }
    close(index, k.index >= 0 && !k.tensor ? 1 : height_ + 1);  // a storage; a tensor or fields above theirs
    return o;
  }

  AnyStorage readStorage(const detail::ElementKind& k) {
    const std::int64_t n = in_.readLong();
    const std::size_t each =
        k.half ? in_.minBytes<std::int16_t>() : (k.index == 4 ? in_.minLongBytes() : elementBytes(k.index));
    if (n < 0 || static_cast<std::uint64_t>(n) > in_.remaining() / each)
      in_.fail("a storage of ", n, " elements in ", in_.remaining(), " remaining bytes");
    AnyStorage s = detail::makeStorage(k.index, n);
    std::visit(
        [&](auto& st) {
          using T = typename std::decay_t<decltype(st)>::value_type;
          const auto count = static_cast<std::size_t>(n);
          if (k.half) {
            if constexpr (std::is_same_v<T, float>) {
              // THDiskFile writes halves in ascii as floats (%.9g), in binary as 2 bytes.
              if (in_.options().format == Format::Ascii) return in_.readArray(st.data(), count);
              std::vector<std::uint16_t> h(count);
              in_.readArray(h.data(), count);
              for (std::size_t i = 0; i < count; ++i) st.data()[i] = detail::halfToFloat(h[i]);
            }
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            in_.readLongs(st.data(), count);
          } else {
            in_.readArray(st.data(), count);
          }
        },
        s);
    return s;
  }

  std::size_t elementBytes(int index) const {
    static constexpr std::size_t sizes[] = {1, 1, 2, 4, 8, 4, 8};
    return in_.options().format == Format::Ascii ? 1 : sizes[index];
  }

  void readTensor(TorchObject& obj, const detail::ElementKind& k) {
    const std::int32_t nd = in_.readInt();
    if (nd < 0 || nd > kMaxDims) in_.fail("a tensor of ", nd, " dimensions (at most ", kMaxDims, ")");
    std::int64_t sizes[kMaxDims], strides[kMaxDims];
    in_.readLongs(sizes, static_cast<std::size_t>(nd));
    in_.readLongs(strides, static_cast<std::size_t>(nd));
    // 1-based on disk; the least long has no 0-based value and stays negative (rejected below).
    const std::int64_t diskOffset = in_.readLong();
    const std::int64_t offset = diskOffset == std::numeric_limits<std::int64_t>::min() ? diskOffset : diskOffset - 1;
    const std::size_t at = in_.position();
    Object storage = readObject();
    // The tensor's class and its storage's must hold the same elements.
    if (!storage.isNil() && (!storage.isStorage() || storage.anyStorage().index() != static_cast<std::size_t>(k.index)))
      t7::detail::fail<IOError>("load: a ", obj.className, " over a ", storage.typeName(), " (at byte ", at, ")");
    Shape sz, st;
    bool empty = false;
    std::int64_t extent = 0;  // the last element's distance from the first
    bool overflow = false;    // of the extent: harmless when the tensor has no element
    std::int64_t count = 1;   // the element count, which must fit int64 too
    for (int d = 0; d < nd; ++d) {
      if (sizes[d] < 0 || strides[d] < 0)
        in_.fail("tensor dimension ", d, " has size ", sizes[d], " and stride ", strides[d]);
      if (sizes[d] == 0) empty = true;
      sz.push_back(sizes[d]);
      st.push_back(strides[d]);
      std::int64_t step = 0;
      if (sizes[d] > 0 && (__builtin_mul_overflow(sizes[d] - 1, strides[d], &step) ||
                           __builtin_add_overflow(extent, step, &extent)))
        overflow = true;
      if (__builtin_mul_overflow(count, sizes[d], &count)) overflow = true;
    }
    if (overflow && !empty) in_.fail("tensor [", sz.toString(), "] with strides [", st.toString(), "] overflows");
    obj.className = std::string("torch.") + elementName(detail::makeStorage(k.index, 0)) + "Tensor";
    std::visit(
        [&](auto zero) {
          using T = typename decltype(zero)::value_type;
          Tensor<T> t;
          if (nd > 0 && empty) {
            // No element: the file's strides address nothing and give way to contiguous ones.
            // The product of the sizes (zeros aside) must fit int64, as t7's tensors need.
            std::int64_t product = 1;
            for (int d = 0; d < nd; ++d)
              if (__builtin_mul_overflow(product, std::max<std::int64_t>(sizes[d], 1), &product))
                in_.fail("empty tensor [", sz.toString(), "]: its sizes overflow int64");
            t.resize(sz);
          } else if (nd > 0) {
            if (storage.isNil()) in_.fail("a non-empty tensor [", sz.toString(), "] without a storage");
            const auto& s = std::get<Storage<T>>(storage.anyStorage());
            if (offset < 0 || offset >= s.size() || extent >= s.size() - offset)
              in_.fail("tensor [", sz.toString(), "] at offset ", offset, " reaches outside its storage of ",
                       s.size(), " elements");
            t = Tensor<T>(s, offset, sz, st);
          }
          obj.payload = AnyTensor(std::move(t));
        },
        detail::makeStorage(k.index, 0));
  }

  Input in_;
  std::unordered_map<std::int32_t, Object> refs_;
  std::unordered_set<std::int32_t> open_;  // objects whose contents are being read
  std::unordered_map<std::int32_t, int> heights_;  // of the objects read (see close())
  int depth_ = 0;
  int height_ = 0;  // of the object readObject() read last
};

/// Writes Objects as bytes. Several objects written by one Writer share one index space.
class Writer {
 public:
  explicit Writer(const Options& options) : out_(options) {}

  void write(const Object& o) {
    depth_ = 0;
    writeObject(o);
  }
  std::string& bytes() { return out_.bytes(); }

 private:
  void writeObject(const Object& o) {
    if (++depth_ > kMaxDepth)
      t7::detail::fail<ValueError>("save: objects nested deeper than ", kMaxDepth,
                                   " levels (a cycle written with referenced = false?)");
    switch (o.kind()) {
      case Object::Kind::Nil: tag(Tag::Nil); break;
      case Object::Kind::Number:
        tag(Tag::Number);
        out_.writeDouble(o.number());
        break;
      case Object::Kind::String:
        tag(Tag::String);
        out_.writeString(o.string());
        break;
      case Object::Kind::Boolean:
        tag(Tag::Boolean);
        out_.writeInt(o.boolean() ? 1 : 0);
        break;
      case Object::Kind::Table: writeTable(o); break;
      case Object::Kind::Torch: writeTorch(o.torch()); break;
      case Object::Kind::Function:
        t7::detail::fail<TypeError>("save: Lua functions cannot be written (their bytecode is not portable)");
    }
    --depth_;
  }

  void tag(Tag t) { out_.writeInt(static_cast<std::int32_t>(t)); }

  /// Writes the reference index; true when the object was written before (nothing follows).
  bool reference(const void* id) {
    if (out_.options().referenced && id) {
      auto it = refs_.find(id);
      if (it != refs_.end()) {
        if (open_.count(id))
          t7::detail::fail<ValueError>("save: cyclic reference: a table or object contains itself (t7 refuses to "
                                       "load cycles, so it does not write them)");
        out_.writeInt(it->second);
        return true;
      }
      refs_.emplace(id, ++count_);
    } else {
      ++count_;
    }
    out_.writeInt(count_);
    return false;
  }

  void writeTable(const Object& o) {
    tag(Tag::Table);
    if (reference(o.identity())) return;
    open_.insert(o.identity());
    const auto& entries = o.tableData().entries;
    out_.writeInt(static_cast<std::int32_t>(entries.size()));
    for (const auto& [k, v] : entries) {
      writeObject(k);
      writeObject(v);
    }
    open_.erase(o.identity());
  }

  void writeHeader(const TorchObject& obj) {
    char v[40];
    // Whole versions as integers ("V 1", as LuaJIT writes them); the cast only within range.
    if (std::fabs(obj.version) < 9e18 && obj.version == std::trunc(obj.version)) {
      std::snprintf(v, sizeof v, "V %lld", static_cast<long long>(obj.version));
    } else {
      std::snprintf(v, sizeof v, "V %.17g", obj.version);
    }
    out_.writeString(v);
    out_.writeString(obj.className);
  }

  void writeTorch(const TorchObject& obj) {
    if (obj.isStorage()) {
      std::visit([&](const auto& s) { writeStorage(s); }, std::get<2>(obj.payload));
      return;
    }
    tag(Tag::Torch);
    if (reference(&obj)) return;
    if (obj.isTensor()) {
      std::visit([&](const auto& t) { writeTensor(t); }, std::get<1>(obj.payload));
    } else if (obj.hasFields()) {
      writeHeader(obj);
      open_.insert(&obj);
      writeObject(obj.fields());
      open_.erase(&obj);
    } else {
      t7::detail::fail<ValueError>("save: the ", obj.className, " object has no contents");
    }
  }

  template <Element T>
  void writeTensor(const Tensor<T>& t) {
    TorchObject h;
    h.className = std::string("torch.") + TypeName<T>::value + "Tensor";
    writeHeader(h);
    const int nd = t.dim();
    std::int64_t sizes[kMaxDims], strides[kMaxDims];
    for (int d = 0; d < nd; ++d) {
      sizes[d] = t.size(d);
      strides[d] = t.stride(d);
    }
    out_.writeInt(nd);
    out_.writeLongs(sizes, static_cast<std::size_t>(nd));
    out_.writeLongs(strides, static_cast<std::size_t>(nd));
    out_.writeLong(t.storageOffset() + 1);
    if (t.storage().defined()) {
      writeStorage(t.storage());
    } else {
      tag(Tag::Nil);
    }
  }

  template <Element T>
  void writeStorage(const Storage<T>& s) {
    tag(Tag::Torch);
    if (reference(s.identity())) return;
    TorchObject h;
    h.className = std::string("torch.") + TypeName<T>::value + "Storage";
    writeHeader(h);
    out_.writeLong(s.size());
    if constexpr (std::is_same_v<T, std::int64_t>) {
      out_.writeLongs(s.data(), static_cast<std::size_t>(s.size()));
    } else {
      out_.writeArray(s.data(), static_cast<std::size_t>(s.size()));
    }
  }

  Output out_;
  std::unordered_map<const void*, std::int32_t> refs_;
  std::unordered_set<const void*> open_;  // tables and objects whose contents are being written
  std::int32_t count_ = 0;
  int depth_ = 0;
};

}  // namespace t7::serialize
