/// \file make_corpus.cpp
/// Writes the seed corpus of tests/fuzz/fuzz_load.cpp: small valid .t7 files covering the
/// grammar (every tag, every element type, non-contiguous tensors, shared storages, nested
/// and shared tables, class instances with fields, strings with NULs), each in five encodings:
/// binary, ascii, binary with 4-byte longs (b32), big-endian, big-endian with 4-byte longs.
/// Most come from our Writer; what the Writer never writes (Lua functions, Half and Cuda
/// tensors, files from before class versions, a cycle) is assembled from Output's primitives.
///
/// usage: make_corpus DIR   (DIR must exist; prints the number of files written)

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "t7/serialize/io.hpp"

namespace {

namespace ser = t7::serialize;
using t7::Storage;
using t7::Tensor;

/// A tensor of `n` elements 1, 2, 3... (mod the type's range).
template <class T>
Tensor<T> ramp(std::initializer_list<t7::index_t> sizes) {
  const t7::Shape shape(sizes);
  Tensor<T> t(shape);
  T* p = t.data();
  for (t7::index_t i = 0; i < t.nElement(); ++i) p[i] = static_cast<T>(i % 100 + 1);
  return t;
}

/// One tensor of each element type, plus its storage alone.
template <class T>
void addElementType(std::vector<std::pair<std::string, ser::Object>>& out) {
  const std::string name = t7::TypeName<T>::value;
  out.emplace_back("tensor_" + name, ser::Object(ramp<T>({2, 3})));
  out.emplace_back("tensor1d_" + name, ser::Object(ramp<T>({5})));
  out.emplace_back("storage_" + name, ser::Object(ramp<T>({4}).storage()));
}

/// The objects written by the Writer.
std::vector<std::pair<std::string, ser::Object>> writerObjects() {
  std::vector<std::pair<std::string, ser::Object>> out;

  // Scalars.
  out.emplace_back("nil", ser::Object());
  out.emplace_back("number", ser::Object(3.25));
  out.emplace_back("number_neg_zero", ser::Object(-0.0));
  out.emplace_back("number_inf", ser::Object(std::numeric_limits<double>::infinity()));
  out.emplace_back("number_nan", ser::Object(std::numeric_limits<double>::quiet_NaN()));
  out.emplace_back("number_big", ser::Object(1.7976931348623157e308));
  out.emplace_back("number_tiny", ser::Object(4.9406564584124654e-324));
  out.emplace_back("true", ser::Object(true));
  out.emplace_back("false", ser::Object(false));
  out.emplace_back("string", ser::Object("hello"));
  out.emplace_back("string_empty", ser::Object(""));
  out.emplace_back("string_nuls", ser::Object(std::string("a\0b\0\0c\n\n", 8)));
  out.emplace_back("string_digits", ser::Object(std::string("12 34\n-5\n")));

  // Every element type.
  addElementType<std::uint8_t>(out);
  addElementType<std::int8_t>(out);
  addElementType<std::int16_t>(out);
  addElementType<std::int32_t>(out);
  addElementType<std::int64_t>(out);
  addElementType<float>(out);
  addElementType<double>(out);

  // Extreme values.
  {
    Tensor<double> d(4);
    d.data()[0] = std::numeric_limits<double>::infinity();
    d.data()[1] = -std::numeric_limits<double>::infinity();
    d.data()[2] = std::numeric_limits<double>::quiet_NaN();
    d.data()[3] = -0.0;
    out.emplace_back("tensor_double_special", ser::Object(d));
    Tensor<std::int64_t> l(3);
    l.data()[0] = std::numeric_limits<std::int64_t>::min();
    l.data()[1] = std::numeric_limits<std::int64_t>::max();
    l.data()[2] = -1;
    out.emplace_back("tensor_long_extremes", ser::Object(l));
    Tensor<float> f(2);
    f.data()[0] = std::numeric_limits<float>::max();
    f.data()[1] = std::numeric_limits<float>::denorm_min();
    out.emplace_back("tensor_float_extremes", ser::Object(f));
  }

  // Empty tensors: no storage; sizes with a zero; a zero-size storage.
  out.emplace_back("tensor_empty", ser::Object(Tensor<float>()));
  out.emplace_back("tensor_zero_size", ser::Object(Tensor<float>(0, 3)));
  out.emplace_back("storage_empty", ser::Object(Storage<double>(0)));

  // Non-contiguous tensors.
  {
    auto base = ramp<float>({3, 4});
    out.emplace_back("tensor_transposed", ser::Object(base.transpose(0, 1)));
    out.emplace_back("tensor_narrowed", ser::Object(base.narrow(1, 1, 2)));
    out.emplace_back("tensor_selected", ser::Object(base.select(0, 2)));
    out.emplace_back("tensor_expanded", ser::Object(ramp<double>({1, 3}).expand(4, 3)));
    auto t4 = ramp<std::int16_t>({2, 1, 3, 2});
    out.emplace_back("tensor_4d_transposed", ser::Object(t4.transpose(0, 3)));
  }

  // Shared storages: two tensors over one storage, the storage itself, a shared tensor.
  {
    auto base = ramp<float>({4, 3});
    auto t = ser::Object::table();
    t.set("a", ser::Object(base.narrow(0, 0, 2)));
    t.set("b", ser::Object(base.narrow(0, 2, 2)));
    t.set("storage", ser::Object(base.storage()));
    ser::Object same(base);
    t.set("x", same);
    t.set("y", same);
    out.emplace_back("shared_storage", t);
  }

  // Tables: an array, mixed keys, nesting, one table met twice, a table as a key.
  {
    auto arr = ser::Object::table();
    for (int i = 0; i < 5; ++i) arr.append(ser::Object(i * 1.5));
    out.emplace_back("table_array", arr);

    auto mixed = ser::Object::table();
    mixed.set("s", ser::Object("v"));
    mixed.set(ser::Object(1), ser::Object(true));
    mixed.set(ser::Object(2.5), ser::Object(std::string("\0", 1)));
    mixed.set(ser::Object(false), ser::Object(-1));
    out.emplace_back("table_mixed_keys", mixed);

    auto inner = ser::Object::table();
    inner.set("leaf", ser::Object(42));
    auto mid = ser::Object::table();
    mid.set("inner", inner);
    mid.set("again", inner);  // the same table twice: a back-reference by index
    auto outer = ser::Object::table();
    outer.set("mid", mid);
    outer.set(inner, ser::Object("table as key"));
    outer.append(inner);
    out.emplace_back("table_nested_shared", outer);

    ser::Object deep = ser::Object::table();
    for (int i = 0; i < 40; ++i) {
      auto t = ser::Object::table();
      t.set("next", deep);
      deep = t;
    }
    out.emplace_back("table_deep", deep);
  }

  // Class instances with fields: a Linear, a Sequential sharing a storage, an unknown class.
  {
    auto linear = ser::Object::instance("nn.Linear");
    auto w = ramp<float>({3, 2});
    linear.set("weight", ser::Object(w));
    linear.set("bias", ser::Object(ramp<float>({3})));
    linear.set("gradWeight", ser::Object(Tensor<float>(3, 2).zero()));
    linear.set("train", ser::Object(true));
    linear.set("_type", ser::Object("torch.FloatTensor"));
    out.emplace_back("instance_linear", linear);

    auto flat = ramp<double>({10});
    auto seq = ser::Object::instance("nn.Sequential");
    auto mods = ser::Object::table();
    auto l1 = ser::Object::instance("nn.Linear");
    l1.set("weight", ser::Object(Tensor<double>(flat.storage(), 0, t7::Shape{2, 2})));
    l1.set("bias", ser::Object(Tensor<double>(flat.storage(), 4, t7::Shape{2})));
    auto relu = ser::Object::instance("nn.ReLU");
    relu.set("inplace", ser::Object(false));
    auto view = ser::Object::instance("nn.View");
    view.set("size", ser::Object(Storage<std::int64_t>{-1, 4}));
    mods.append(l1);
    mods.append(relu);
    mods.append(view);
    mods.append(l1);  // the same module twice
    seq.set("modules", mods);
    seq.set("output", ser::Object(Tensor<double>()));
    out.emplace_back("instance_sequential", seq);

    auto bn = ser::Object::instance("nn.BatchNormalization", 2);
    bn.set("eps", ser::Object(1e-5));
    bn.set("running_var", ser::Object(ramp<float>({4})));
    out.emplace_back("instance_version2", bn);

    auto odd = ser::Object::instance("my.Class", 1.5);
    odd.set(ser::Object(1), ser::Object("fractional version"));
    out.emplace_back("instance_fractional_version", odd);
  }
  return out;
}

/// Files the Writer cannot produce, assembled from primitives.
std::vector<std::pair<std::string, std::function<void(ser::Output&)>>> handObjects() {
  using Out = ser::Output;
  auto tag = [](Out& o, ser::Tag t) { o.writeInt(static_cast<std::int32_t>(t)); };
  std::vector<std::pair<std::string, std::function<void(Out&)>>> out;

  // A torch.HalfTensor over a HalfStorage of 3 halves (1, -2, 65504).
  out.emplace_back("half_tensor", [tag](Out& o) {
    tag(o, ser::Tag::Torch);
    o.writeInt(1);
    o.writeString("V 1");
    o.writeString("torch.HalfTensor");
    o.writeInt(1);
    o.writeLong(3);
    o.writeLong(1);
    o.writeLong(1);
    tag(o, ser::Tag::Torch);
    o.writeInt(2);
    o.writeString("V 1");
    o.writeString("torch.HalfStorage");
    o.writeLong(3);
    if (o.options().format == ser::Format::Ascii) {  // THDiskFile writes halves as text floats
      const float f[3] = {1, -2, 65504};
      o.writeArray(f, 3);
    } else {
      const std::uint16_t h[3] = {0x3c00, 0xc000, 0x7bff};
      o.writeArray(h, 3);
    }
  });
  // A torch.CudaTensor (floats) and a CudaLongStorage.
  out.emplace_back("cuda_tensor", [tag](Out& o) {
    tag(o, ser::Tag::Table);
    o.writeInt(1);
    o.writeInt(2);
    tag(o, ser::Tag::Number);
    o.writeDouble(1);
    tag(o, ser::Tag::Torch);
    o.writeInt(2);
    o.writeString("V 1");
    o.writeString("torch.CudaTensor");
    o.writeInt(1);
    o.writeLong(2);
    o.writeLong(1);
    o.writeLong(1);
    tag(o, ser::Tag::Torch);
    o.writeInt(3);
    o.writeString("V 1");
    o.writeString("torch.CudaStorage");
    o.writeLong(2);
    const float f[2] = {0.5f, -1.5f};
    o.writeArray(f, 2);
    tag(o, ser::Tag::Number);
    o.writeDouble(2);
    tag(o, ser::Tag::Torch);
    o.writeInt(4);
    o.writeString("V 1");
    o.writeString("torch.CudaLongStorage");
    o.writeLong(2);
    const std::int64_t l[2] = {7, -8};
    o.writeLongs(l, 2);
  });
  // A class instance from before versions: the first string is the class name.
  out.emplace_back("unversioned_instance", [tag](Out& o) {
    tag(o, ser::Tag::Torch);
    o.writeInt(1);
    o.writeString("nn.Tanh");
    tag(o, ser::Tag::Table);
    o.writeInt(2);
    o.writeInt(1);
    tag(o, ser::Tag::String);
    o.writeString("train");
    tag(o, ser::Tag::Boolean);
    o.writeInt(1);
  });
  // "V 1.0", as a Lua 5.3 build writes it.
  out.emplace_back("version_1_0", [tag](Out& o) {
    tag(o, ser::Tag::Torch);
    o.writeInt(1);
    o.writeString("V 1.0");
    o.writeString("torch.IntStorage");
    o.writeLong(2);
    const std::int32_t x[2] = {1, -1};
    o.writeArray(x, 2);
  });
  // Lua functions: legacy (6), recursive legacy (7) and current (8) with upvalues.
  out.emplace_back("function_legacy", [tag](Out& o) {
    tag(o, ser::Tag::Function);
    o.writeString(std::string("\x1bLJ\x02\x00bytecode", 13));
    tag(o, ser::Tag::Nil);
  });
  out.emplace_back("function_recursive", [tag](Out& o) {
    tag(o, ser::Tag::Table);
    o.writeInt(1);
    o.writeInt(2);
    tag(o, ser::Tag::String);
    o.writeString("f");
    tag(o, ser::Tag::RecursiveFunction);
    o.writeInt(2);
    o.writeString(std::string("\x1bLJ\x01\x02", 5));
    tag(o, ser::Tag::Table);
    o.writeInt(3);
    o.writeInt(1);
    tag(o, ser::Tag::Number);
    o.writeDouble(1);
    tag(o, ser::Tag::Table);
    o.writeInt(4);
    o.writeInt(2);
    tag(o, ser::Tag::String);
    o.writeString("name");
    tag(o, ser::Tag::String);
    o.writeString("x");
    tag(o, ser::Tag::String);
    o.writeString("value");
    tag(o, ser::Tag::Number);
    o.writeDouble(3);
    tag(o, ser::Tag::String);
    o.writeString("g");
    tag(o, ser::Tag::RecursiveFunctionLegacy);
    o.writeInt(2);  // the function met again: a back-reference
  });
  // A table that contains itself (Torch7 writes these; t7 refuses the cycle).
  out.emplace_back("table_cycle", [tag](Out& o) {
    tag(o, ser::Tag::Table);
    o.writeInt(1);
    o.writeInt(1);
    tag(o, ser::Tag::String);
    o.writeString("self");
    tag(o, ser::Tag::Table);
    o.writeInt(1);
  });
  // A tensor with a stride of 0 and a storage offset.
  out.emplace_back("tensor_stride0_offset", [tag](Out& o) {
    tag(o, ser::Tag::Torch);
    o.writeInt(1);
    o.writeString("V 1");
    o.writeString("torch.ByteTensor");
    o.writeInt(2);
    const std::int64_t sizes[2] = {3, 2}, strides[2] = {0, 2};
    o.writeLongs(sizes, 2);
    o.writeLongs(strides, 2);
    o.writeLong(2);
    tag(o, ser::Tag::Torch);
    o.writeInt(2);
    o.writeString("V 1");
    o.writeString("torch.ByteStorage");
    o.writeLong(5);
    o.writeRaw("abcde", 5);
  });
  return out;
}

/// The five encodings of every file.
std::vector<std::pair<std::string, ser::Options>> encodings() {
  ser::Options bin, ascii, b32, big, big32;
  ascii.format = ser::Format::Ascii;
  b32.longSize = 4;
  big.byteOrder = ser::ByteOrder::Big;
  big32.byteOrder = ser::ByteOrder::Big;
  big32.longSize = 4;
  return {{"bin", bin}, {"ascii", ascii}, {"b32", b32}, {"big", big}, {"big32", big32}};
}

void writeTo(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) t7::detail::fail<t7::IOError>("make_corpus: cannot write '", path, "'");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  int count = 0;
  try {
    const auto objects = writerObjects();
    const auto hand = handObjects();
    for (const auto& [suffix, opts] : encodings()) {
      for (const auto& [name, obj] : objects) {
        std::string bytes;
        try {
          bytes = ser::toBytes(obj, opts);
        } catch (const t7::ValueError&) {
          if (opts.longSize == 4) continue;  // a long beyond 32 bits: no b32 file
          throw;
        }
        // Every seed must load, and load as the bytes it came from (format detection covers
        // all but 4-byte longs, which a reader must ask for).
        if (ser::toBytes(ser::fromBytes(bytes, opts), opts) != bytes ||
            (opts.longSize == 8 && ser::toBytes(ser::fromBytes(bytes), opts) != bytes))
          t7::detail::fail<t7::IOError>("make_corpus: ", name, ".", suffix, " does not read back as written");
        writeTo(dir + "/" + name + "." + suffix + ".t7", bytes);
        ++count;
      }
      for (const auto& [name, make] : hand) {
        ser::Output o(opts);
        make(o);
        writeTo(dir + "/" + name + "." + suffix + ".t7", o.bytes());
        ++count;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_corpus: %s\n", e.what());
    return 1;
  }
  std::printf("make_corpus: %d files in %s\n", count, dir.c_str());
  return 0;
}
