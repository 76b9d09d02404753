// Tests of t7/serialize/{object,file,archive,io,codec}.hpp: the byte layer of .t7 files.
//
// Expected bytes are assembled BY HAND, one field per line, from TORCH7-REFERENCE.md §2
// (torch/torch7:File.lua, THDiskFile.c); they are never produced by serialize::Writer. The
// assembler below shifts bytes out itself, so it depends neither on the host's byte order nor
// on serialize::Output.

#include "helpers.hpp"

#include <t7/serialize/codec.hpp>
#include <t7/serialize/io.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

using namespace t7;
namespace ser = t7::serialize;
namespace fs = std::filesystem;
using ser::ByteOrder;
using ser::Format;
using ser::Object;
using ser::Options;

namespace {

// ---- hand assembly -------------------------------------------------------------------------

/// Bytes from hex digits ("04000000 01000000"; spaces ignored).
std::string hex(std::string_view h) {
  std::string r;
  int hi = -1;
  for (char c : h) {
    if (c == ' ') continue;
    const int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    if (hi < 0) {
      hi = v;
    } else {
      r += static_cast<char>(hi * 16 + v);
      hi = -1;
    }
  }
  return r;
}

/// Torch7's binary primitives (§2.2), one field per call, in a chosen byte order and long width.
class Bytes {
 public:
  explicit Bytes(ByteOrder order = ByteOrder::Little, int longSize = 8)
      : big_(order == ByteOrder::Big), long_(longSize) {}

  Bytes& i32(std::int32_t x) { return put(std::bit_cast<std::uint32_t>(x)); }
  /// A C long: 8 or 4 bytes.
  Bytes& lng(std::int64_t x) {
    if (long_ == 8) return put(std::bit_cast<std::uint64_t>(x));
    return put(static_cast<std::uint32_t>(std::bit_cast<std::uint64_t>(x)));
  }
  Bytes& f64(double x) { return put(std::bit_cast<std::uint64_t>(x)); }
  Bytes& f32(float x) { return put(std::bit_cast<std::uint32_t>(x)); }
  Bytes& u16(std::uint16_t x) { return put(x); }
  /// One element of a storage of T (longs follow the long width).
  template <class T>
  Bytes& elem(T x) {
    if constexpr (std::is_same_v<T, std::int64_t>) {
      return lng(x);
    } else if constexpr (sizeof(T) == 1) {
      s_ += static_cast<char>(x);
      return *this;
    } else if constexpr (sizeof(T) == 2) {
      return put(std::bit_cast<std::uint16_t>(x));
    } else if constexpr (sizeof(T) == 4) {
      return put(std::bit_cast<std::uint32_t>(x));
    } else {
      return put(std::bit_cast<std::uint64_t>(x));
    }
  }
  Bytes& raw(std::string_view b) {
    s_ += b;
    return *this;
  }
  Bytes& hexBytes(std::string_view h) { return raw(hex(h)); }
  /// A string's payload: int length, then the bytes.
  Bytes& str(std::string_view b) { return i32(static_cast<std::int32_t>(b.size())).raw(b); }

  // Grammar shorthands (§2.3), each still one field of the table there.
  Bytes& tag(int t) { return i32(t); }
  Bytes& number(double x) { return tag(1).f64(x); }
  Bytes& string(std::string_view b) { return tag(2).str(b); }
  /// Tag 4, the reference index, "V 1", the class name.
  Bytes& torch(int ref, std::string_view className) { return tag(4).i32(ref).str("V 1").str(className); }

  const std::string& s() const { return s_; }
  operator std::string() const { return s_; }       // NOLINT
  operator std::string_view() const { return s_; }  // NOLINT

 private:
  template <class U>
  Bytes& put(U u) {
    for (std::size_t i = 0; i < sizeof(U); ++i) {
      const std::size_t shift = 8 * (big_ ? sizeof(U) - 1 - i : i);
      s_ += static_cast<char>(static_cast<unsigned char>(u >> shift));
    }
    return *this;
  }
  bool big_;
  int long_;
  std::string s_;
};

template <class T>
constexpr const char* elemName() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return "Byte";
  if constexpr (std::is_same_v<T, std::int8_t>) return "Char";
  if constexpr (std::is_same_v<T, std::int16_t>) return "Short";
  if constexpr (std::is_same_v<T, std::int32_t>) return "Int";
  if constexpr (std::is_same_v<T, std::int64_t>) return "Long";
  if constexpr (std::is_same_v<T, float>) return "Float";
  if constexpr (std::is_same_v<T, double>) return "Double";
}

Options ascii() {
  Options o;
  o.format = Format::Ascii;
  return o;
}
Options bigEndian() {
  Options o;
  o.byteOrder = ByteOrder::Big;
  return o;
}
Options b32() {
  Options o;
  o.longSize = 4;
  return o;
}
Options unreferenced() {
  Options o;
  o.referenced = false;
  return o;
}

/// The five ways to write a file the tests cover.
std::vector<std::pair<const char*, Options>> allFormats() {
  return {{"binary", Options{}}, {"ascii", ascii()}, {"big-endian", bigEndian()}, {"b32", b32()},
          {"unreferenced", unreferenced()}};
}

template <class T>
std::vector<T> storageValues(const Storage<T>& s) {
  return std::vector<T>(s.data(), s.data() + s.size());
}

bool sameNumber(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

/// Structural equality of two Object trees (tensors by sizes, strides, offset and values).
bool deepEqual(const Object& a, const Object& b, int depth = 0) {
  if (depth > 64 || a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Object::Kind::Nil: return true;
    case Object::Kind::Number: return sameNumber(a.number(), b.number());
    case Object::Kind::String: return a.string() == b.string();
    case Object::Kind::Boolean: return a.boolean() == b.boolean();
    case Object::Kind::Function: return a.function().bytecode == b.function().bytecode;
    case Object::Kind::Table: {
      const auto& x = a.tableData().entries;
      const auto& y = b.tableData().entries;
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!deepEqual(x[i].first, y[i].first, depth + 1) || !deepEqual(x[i].second, y[i].second, depth + 1))
          return false;
      return true;
    }
    case Object::Kind::Torch: {
      const auto& x = a.torch();
      const auto& y = b.torch();
      if (x.className != y.className || x.version != y.version || x.payload.index() != y.payload.index()) return false;
      if (x.isTensor()) {
        return std::visit(
            [&](const auto& t) {
              using T = typename std::decay_t<decltype(t)>::value_type;
              const auto* u = std::get_if<Tensor<T>>(&b.anyTensor());
              return u && t.sizes() == u->sizes() && t.strides() == u->strides() &&
                     t.storageOffset() == u->storageOffset() && t.toVector() == u->toVector();
            },
            a.anyTensor());
      }
      if (x.isStorage()) {
        return std::visit(
            [&](const auto& s) {
              using T = typename std::decay_t<decltype(s)>::value_type;
              const auto* u = std::get_if<Storage<T>>(&b.anyStorage());
              return u && storageValues(s) == storageValues(*u);
            },
            a.anyStorage());
      }
      if (x.hasFields()) return deepEqual(x.fields(), y.fields(), depth + 1);
      return true;
    }
  }
  return false;
}

/// A DoubleTensor(2,3) holding 1..6 (the §2.4 example, with values).
Tensor<double> example() {
  Tensor<double> t(2, 3);
  for (int i = 0; i < 6; ++i) t.storage().data()[i] = i + 1;
  return t;
}

/// §2.4's 175 bytes, every field spelled out.
std::string exampleBytes() {
  return hex("04000000") +                  // tag 4: a Torch object
         hex("01000000") +                  // its reference index: 1
         hex("03000000") + "V 1" +          // version string, 3 bytes
         hex("12000000") + "torch.DoubleTensor" +  // class name, 18 bytes
         hex("02000000") +                  // nDimension 2
         hex("0200000000000000") +          // size[0] = 2 (long)
         hex("0300000000000000") +          // size[1] = 3
         hex("0300000000000000") +          // stride[0] = 3
         hex("0100000000000000") +          // stride[1] = 1
         hex("0100000000000000") +          // storageOffset + 1 = 1
         hex("04000000") +                  // the storage: tag 4
         hex("02000000") +                  // reference index 2
         hex("03000000") + "V 1" +          // version string
         hex("13000000") + "torch.DoubleStorage" +  // class name, 19 bytes
         hex("0600000000000000") +          // 6 elements
         hex("000000000000F03F") +          // 1.0
         hex("0000000000000040") +          // 2.0
         hex("0000000000000840") +          // 3.0
         hex("0000000000001040") +          // 4.0
         hex("0000000000001440") +          // 5.0
         hex("0000000000001840");           // 6.0
}

/// The same object in ascii (§2.5): one line per call, raw strings followed by a newline.
const char* const kExampleAscii =
    "4\n"                    // tag
    "1\n"                    // reference index
    "3\nV 1\n"               // version string: length, raw bytes, newline
    "18\ntorch.DoubleTensor\n"
    "2\n"                    // nDimension
    "2 3\n"                  // sizes: one call, one line
    "3 1\n"                  // strides
    "1\n"                    // storageOffset + 1
    "4\n"                    // the storage's tag
    "2\n"                    // its reference index
    "3\nV 1\n"
    "19\ntorch.DoubleStorage\n"
    "6\n"                    // size
    "1 2 3 4 5 6\n";         // the doubles, %.17g

/// Restores the rename hook of writeFile however a test leaves.
struct HookGuard {
  ~HookGuard() { ser::detail::beforeRenameHook() = nullptr; }
};

/// A fresh directory under the system's temporary directory, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("t7_test_serialize_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> r;
    for (const auto& e : fs::directory_iterator(path)) r.push_back(e.path().filename().string());
    return r;
  }
};

/// Loads `bytes` with explicit options and requires an IOError naming the byte offset and
/// every fragment.
#define REQUIRE_LOAD_FAILS(bytes, options, ...) \
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromBytes((bytes), (options)), IOError, "at byte", __VA_ARGS__)

}  // namespace

// =============================================================================================
// 1. Fixtures, byte by byte
// =============================================================================================

TEST_CASE("serialize: the 175-byte DoubleTensor(2,3) of the reference, binary", "[serialize]") {
  const std::string expected = exampleBytes();
  REQUIRE(expected.size() == 175);
  CHECK(ser::toBytes(Object(example())) == expected);

  for (const Object& o : {ser::fromBytes(expected), ser::fromBytes(expected, Options{})}) {
    REQUIRE(o.isTensor());
    CHECK(o.typeName() == "torch.DoubleTensor");
    CHECK(o.torch().version == 1);
    CHECK(o.anyTensor().index() == 6);
    const auto t = o.tensor<double>();
    CHECK(t.sizes() == Shape{2, 3});
    CHECK(t.strides() == Shape{3, 1});
    CHECK(t.storageOffset() == 0);
    CHECK(t.storage().size() == 6);
    CHECK(t.toVector() == std::vector<double>{1, 2, 3, 4, 5, 6});
  }
}

TEST_CASE("serialize: the §2.4 example in ascii", "[serialize]") {
  CHECK(ser::toBytes(Object(example()), ascii()) == kExampleAscii);
  for (const Object& o : {ser::fromBytes(kExampleAscii), ser::fromBytes(kExampleAscii, ascii())}) {
    const auto t = o.tensor<double>();
    CHECK(o.typeName() == "torch.DoubleTensor");
    CHECK(t.sizes() == Shape{2, 3});
    CHECK(t.strides() == Shape{3, 1});
    CHECK(t.toVector() == std::vector<double>{1, 2, 3, 4, 5, 6});
  }
  // scanf-style reading: any whitespace separates numbers, and the final newline is optional.
  const Object loose = ser::fromBytes(
      "4 1 3\nV 1\n18\ntorch.DoubleTensor\n 2\n2\n3 3\t1 1 4 2 3\nV 1\n19\ntorch.DoubleStorage\n6 1\n2 3 4 5 6",
      ascii());
  CHECK(loose.tensor<double>().toVector() == std::vector<double>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("serialize: scalars, binary and ascii", "[serialize]") {
  struct Case {
    Object value;
    std::string binary, text;
  };
  const std::vector<Case> cases = {
      {Object(), hex("00000000"), "0\n"},                                       // nil: the tag alone
      {Object(0.5), hex("01000000" "000000000000E03F"), "1\n0.5\n"},            // tag 1, double 0.5
      {Object(-3), hex("01000000" "00000000000008C0"), "1\n-3\n"},              // a number is a double
      {Object(0.1), hex("01000000" "9A9999999999B93F"), "1\n0.10000000000000001\n"},  // %.17g
      {Object(true), hex("05000000" "01000000"), "5\n1\n"},                     // tag 5, int 1
      {Object(false), hex("05000000" "00000000"), "5\n0\n"},                    // tag 5, int 0
      {Object(std::string("hi\0\n", 4)),
       hex("02000000" "04000000") + std::string("hi\0\n", 4),                   // tag 2, length 4, raw bytes
       std::string("2\n4\nhi\0\n\n", 9)},                                      // raw, then one newline
      {Object(""), hex("02000000" "00000000"), "2\n0\n"},                       // empty: no bytes, no newline
  };
  for (const auto& c : cases) {
    INFO(c.value.typeName() << " " << c.text);
    CHECK(ser::toBytes(c.value) == c.binary);
    CHECK(ser::toBytes(c.value, ascii()) == c.text);
    CHECK(deepEqual(ser::fromBytes(c.binary), c.value));
    CHECK(deepEqual(ser::fromBytes(c.text), c.value));
  }
  // Torch7's readBool is `readInt() == 1`: any other int is false.
  CHECK(ser::fromBytes(hex("05000000" "07000000")).boolean() == false);
}

TEST_CASE("serialize: inf, -inf and nan in ascii", "[serialize]") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(ser::toBytes(Object(inf), ascii()) == "1\ninf\n");
  CHECK(ser::toBytes(Object(-inf), ascii()) == "1\n-inf\n");
  CHECK(ser::toBytes(Object(std::numeric_limits<double>::quiet_NaN()), ascii()) == "1\nnan\n");
  CHECK(ser::fromBytes("1\ninf\n").number() == inf);
  CHECK(ser::fromBytes("1\n-inf\n").number() == -inf);
  CHECK(std::isnan(ser::fromBytes("1\nnan\n").number()));
  CHECK(std::isnan(ser::fromBytes("1\n-nan\n").number()));
  // In a storage: one line, separated by spaces.
  Storage<float> s{1.f, static_cast<float>(inf), static_cast<float>(-inf), std::numeric_limits<float>::quiet_NaN()};
  const std::string text = "4\n1\n3\nV 1\n18\ntorch.FloatStorage\n4\n1 inf -inf nan\n";
  CHECK(ser::toBytes(Object(s), ascii()) == text);
  const auto back = std::get<Storage<float>>(ser::fromBytes(text).anyStorage());
  REQUIRE(back.size() == 4);
  CHECK(back.data()[0] == 1.f);
  CHECK(back.data()[1] == static_cast<float>(inf));
  CHECK(back.data()[2] == static_cast<float>(-inf));
  CHECK(std::isnan(back.data()[3]));
}

TEST_CASE("serialize: ascii number formats (%.9g floats, %.17g doubles)", "[serialize]") {
  Storage<float> f{0.1f, -2.5f, 1e-30f, std::numeric_limits<float>::max(), 16777216.f};
  const std::string ftext = "4\n1\n3\nV 1\n18\ntorch.FloatStorage\n5\n0.100000001 -2.5 1e-30 3.40282347e+38 16777216\n";
  CHECK(ser::toBytes(Object(f), ascii()) == ftext);
  CHECK(storageValues(std::get<Storage<float>>(ser::fromBytes(ftext).anyStorage())) == storageValues(f));

  Storage<double> d{0.1, 1.0 / 3, -1e300, 1152921504606846976.0};
  const std::string dtext =
      "4\n1\n3\nV 1\n19\ntorch.DoubleStorage\n4\n"
      "0.10000000000000001 0.33333333333333331 -1.0000000000000001e+300 1.152921504606847e+18\n";
  CHECK(ser::toBytes(Object(d), ascii()) == dtext);
  CHECK(storageValues(std::get<Storage<double>>(ser::fromBytes(dtext).anyStorage())) == storageValues(d));
}

TEST_CASE("serialize: a table {1.0 = 'a', x = 2} in insertion order", "[serialize]") {
  Object t = Object::table();
  t.set(1, "a");
  t.set("x", 2);
  const std::string expected = hex("03000000") +           // tag 3: a table
                               hex("01000000") +           // reference index 1
                               hex("02000000") +           // 2 pairs
                               hex("01000000") +           // key: a number
                               hex("000000000000F03F") +   //   1.0
                               hex("02000000") +           // value: a string
                               hex("01000000") + "a" +     //   of 1 byte
                               hex("02000000") +           // key: a string
                               hex("01000000") + "x" +     //   of 1 byte
                               hex("01000000") +           // value: a number
                               hex("0000000000000040");    //   2.0
  CHECK(ser::toBytes(t) == expected);
  const std::string text = "3\n1\n2\n1\n1\n2\n1\na\n2\n1\nx\n1\n2\n";
  CHECK(ser::toBytes(t, ascii()) == text);

  for (const Object& o : {ser::fromBytes(expected), ser::fromBytes(text)}) {
    REQUIRE(o.isTable());
    REQUIRE(o.tableData().entries.size() == 2);
    CHECK(o.tableData().entries[0].first.number() == 1);  // file order kept
    CHECK(o.tableData().entries[1].first.string() == "x");
    CHECK(o[1].string() == "a");
    CHECK(o["x"].number() == 2);
    CHECK(o["y"].isNil());
    CHECK(o.length() == 1);
  }
}

TEST_CASE("serialize: a FloatStorage", "[serialize]") {
  const Storage<float> s{1.5f, -2.f};
  const std::string expected = Bytes()
                                   .tag(4)                        // a Torch object
                                   .i32(1)                        // reference index 1
                                   .str("V 1")                    // version
                                   .str("torch.FloatStorage")     // class
                                   .hexBytes("0200000000000000")  // size 2 (long)
                                   .hexBytes("0000C03F")          // 1.5f
                                   .hexBytes("000000C0");         // -2.0f
  CHECK(expected.size() == 4 + 4 + 7 + 22 + 8 + 8);
  CHECK(ser::toBytes(Object(s)) == expected);
  const Object o = ser::fromBytes(expected);
  REQUIRE(o.isStorage());
  CHECK(o.typeName() == "torch.FloatStorage");
  CHECK(storageValues(std::get<Storage<float>>(o.anyStorage())) == std::vector<float>{1.5f, -2.f});
}

TEST_CASE("serialize: a LongStorage with 8- and 4-byte longs", "[serialize]") {
  const Storage<std::int64_t> s{1, -2, 300};
  const std::string long8 = Bytes()
                                .torch(1, "torch.LongStorage")  // tag 4, ref 1, "V 1", class
                                .hexBytes("0300000000000000")   // size 3 (8-byte long)
                                .hexBytes("0100000000000000")   // 1
                                .hexBytes("FEFFFFFFFFFFFFFF")   // -2
                                .hexBytes("2C01000000000000");  // 300
  const std::string long4 = Bytes()
                                .torch(1, "torch.LongStorage")
                                .hexBytes("03000000")  // size 3 (4-byte long)
                                .hexBytes("01000000")  // 1
                                .hexBytes("FEFFFFFF")  // -2, sign-extended on reading
                                .hexBytes("2C010000");  // 300
  CHECK(ser::toBytes(Object(s)) == long8);
  CHECK(ser::toBytes(Object(s), b32()) == long4);
  for (const Object& o : {ser::fromBytes(long8), ser::fromBytes(long4, b32())})
    CHECK(storageValues(std::get<Storage<std::int64_t>>(o.anyStorage())) == std::vector<std::int64_t>{1, -2, 300});
  // Detection does not guess the long size (a truncated file can read as a 4-byte-long one), but
  // when 8-byte longs fail and 4-byte ones work, the error says how to load the file.
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromBytes(long4), IOError, "at byte", "4-byte longs", "{.longSize = 4}", "b32");
}

TEST_CASE("serialize: big-endian binary", "[serialize]") {
  // A number: the tag, then the double, most significant byte first.
  const std::string number = hex("00000001" "3FF0000000000000");
  CHECK(ser::toBytes(Object(1.0), bigEndian()) == number);
  CHECK(ser::fromBytes(number).number() == 1.0);  // detected: a valid tag read big-endian

  // A FloatTensor {1.5, -2}: every int, long and float swapped.
  const std::string tensor = hex("00000004") +                      // tag 4
                             hex("00000001") +                      // reference index 1
                             hex("00000003") + "V 1" +              // version
                             hex("00000011") + "torch.FloatTensor"  // class, 17 bytes
                             + hex("00000001") +                    // nDimension 1
                             hex("0000000000000002") +              // size 2
                             hex("0000000000000001") +              // stride 1
                             hex("0000000000000001") +              // offset + 1
                             hex("00000004") +                      // storage: tag 4
                             hex("00000002") +                      // reference index 2
                             hex("00000003") + "V 1" +              //
                             hex("00000012") + "torch.FloatStorage" +  // class, 18 bytes
                             hex("0000000000000002") +              // size 2
                             hex("3FC00000") +                      // 1.5f
                             hex("C0000000");                       // -2.0f
  CHECK(ser::toBytes(Object(Tensor<float>{1.5f, -2.f}), bigEndian()) == tensor);
  for (const Object& o : {ser::fromBytes(tensor), ser::fromBytes(tensor, bigEndian())}) {
    const auto t = o.tensor<float>();
    CHECK(t.sizes() == Shape{2});
    CHECK(t.toVector() == std::vector<float>{1.5f, -2.f});
  }
}

TEST_CASE("serialize: a table referred to twice is written once", "[serialize]") {
  Object inner = Object::table();
  Object outer = Object::table();
  outer.set("a", inner);
  outer.set("b", inner);
  const std::string shared = hex("03000000" "01000000" "02000000") +  // outer: tag 3, ref 1, 2 pairs
                             hex("02000000" "01000000") + "a" +       // key "a"
                             hex("03000000" "02000000" "00000000") +  // inner: tag 3, ref 2, 0 pairs
                             hex("02000000" "01000000") + "b" +       // key "b"
                             hex("03000000" "02000000");              // inner again: tag 3 + index only
  CHECK(ser::toBytes(outer) == shared);
  const Object back = ser::fromBytes(shared);
  CHECK(back["a"].isTable());
  CHECK(back["a"].identity() == back["b"].identity());
  CHECK(back["a"] == back["b"]);

  // referenced = false: the counter still advances, and the table is written again.
  const std::string twice = hex("03000000" "01000000" "02000000") + hex("02000000" "01000000") + "a" +
                            hex("03000000" "02000000" "00000000") + hex("02000000" "01000000") + "b" +
                            hex("03000000" "03000000" "00000000");  // a new table #3
  CHECK(ser::toBytes(outer, unreferenced()) == twice);
  const Object two = ser::fromBytes(twice);
  CHECK(two["a"].isTable());
  CHECK(two["b"].isTable());
  CHECK(two["a"].identity() != two["b"].identity());
}

TEST_CASE("serialize: two tensors sharing a storage", "[serialize]") {
  const Storage<float> s{1.f, 2.f, 3.f};
  Object root = Object::table();
  root.append(Tensor<float>(s, 0, Shape{2}));
  root.append(Tensor<float>(s, 1, Shape{2}));
  const std::string expected = Bytes()
                                   .tag(3).i32(1).i32(2)                  // table #1, 2 pairs
                                   .number(1)                             // key 1
                                   .torch(2, "torch.FloatTensor")         // tensor #2
                                   .i32(1).lng(2).lng(1).lng(1)           // 1 dim, size 2, stride 1, offset 0+1
                                   .torch(3, "torch.FloatStorage")        // its storage #3, in full
                                   .lng(3).f32(1).f32(2).f32(3)           // 3 floats
                                   .number(2)                             // key 2
                                   .torch(4, "torch.FloatTensor")         // tensor #4
                                   .i32(1).lng(2).lng(1).lng(2)           // offset 1+1
                                   .tag(4).i32(3);                        // storage #3 again: tag 4 + index
  CHECK(ser::toBytes(root) == expected);
  for (const Object& o : {ser::fromBytes(expected), ser::fromBytes(ser::toBytes(root, ascii()))}) {
    const auto a = o[1].tensor<float>();
    const auto b = o[2].tensor<float>();
    CHECK(a.storage().isSameAs(b.storage()));
    CHECK(a.storageOffset() == 0);
    CHECK(b.storageOffset() == 1);
    CHECK(a.toVector() == std::vector<float>{1, 2});
    CHECK(b.toVector() == std::vector<float>{2, 3});
    b.storage().data()[1] = 20;  // one storage: a write through b shows in a
    CHECK(a.toVector() == std::vector<float>{1, 20});
  }

  // The same tensor object twice: the second is tag 4 + index 2.
  Object twice = Object::table();
  const Object t(Tensor<float>(s, 0, Shape{3}));
  twice.append(t);
  twice.append(t);
  const std::string bytes = ser::toBytes(twice);
  CHECK(bytes.ends_with(Bytes().number(2).tag(4).i32(2).s()));
  const Object back = ser::fromBytes(bytes);
  CHECK(back[1].identity() == back[2].identity());
}

TEST_CASE("serialize: a class instance with fields", "[serialize]") {
  Object o = Object::instance("nn.Foo");
  o.set("x", 1);
  o.set("name", "n");
  const std::string expected = Bytes()
                                   .tag(4).i32(1)        // a Torch object, #1
                                   .str("V 1")           // version 1
                                   .str("nn.Foo")        // class
                                   .tag(3).i32(2).i32(2) // its fields: table #2, 2 pairs
                                   .string("x").number(1)
                                   .string("name").string("n");
  CHECK(ser::toBytes(o) == expected);
  const Object back = ser::fromBytes(expected);
  REQUIRE(back.isTorch());
  CHECK(back.typeName() == "nn.Foo");
  CHECK(back.torch().version == 1);
  CHECK(back.torch().hasFields());
  CHECK(back["x"].number() == 1);
  CHECK(back["name"].string() == "n");

  // Versions: integers as "V 2", others with %.17g; "V 1.0" (Lua 5.3) parses as 1.
  CHECK(ser::toBytes(Object::instance("nn.Foo", 2)) ==
        Bytes().tag(4).i32(1).str("V 2").str("nn.Foo").tag(3).i32(2).i32(0).s());
  CHECK(ser::toBytes(Object::instance("nn.Foo", 1.5)) ==
        Bytes().tag(4).i32(1).str("V 1.5").str("nn.Foo").tag(3).i32(2).i32(0).s());
  CHECK(ser::fromBytes(Bytes().tag(4).i32(1).str("V 1.0").str("nn.Foo").tag(3).i32(2).i32(0)).torch().version == 1);
  CHECK(ser::fromBytes(Bytes().tag(4).i32(1).str("V 1.5").str("nn.Foo").tag(3).i32(2).i32(0)).torch().version == 1.5);
}

TEST_CASE("serialize: a tensor with no storage", "[serialize]") {
  const std::string expected = Bytes()
                                   .torch(1, "torch.FloatTensor")
                                   .i32(0)   // nDimension 0: no sizes, no strides
                                   .lng(1)   // storageOffset + 1
                                   .tag(0);  // the storage: nil
  CHECK(ser::toBytes(Object(Tensor<float>())) == expected);
  CHECK(ser::toBytes(Object(Tensor<float>()), ascii()) == "4\n1\n3\nV 1\n17\ntorch.FloatTensor\n0\n1\n0\n");
  for (const Object& o : {ser::fromBytes(expected), ser::fromBytes("4\n1\n3\nV 1\n17\ntorch.FloatTensor\n0\n1\n0\n")}) {
    const auto t = o.tensor<float>();
    CHECK(t.dim() == 0);
    CHECK(t.nElement() == 0);
    CHECK_FALSE(t.storage().defined());
  }
}

TEST_CASE("serialize: version-0 objects (before versioning) are read", "[serialize]") {
  // The first string is the class name; the version is 0.
  const Object o = ser::fromBytes(Bytes().tag(4).i32(1).str("nn.Foo").tag(3).i32(2).i32(1).string("k").number(7));
  CHECK(o.typeName() == "nn.Foo");
  CHECK(o.torch().version == 0);
  CHECK(o["k"].number() == 7);

  const Object t = ser::fromBytes(Bytes()
                                      .tag(4).i32(1).str("torch.FloatTensor")   // no "V ..."
                                      .i32(1).lng(2).lng(1).lng(1)
                                      .tag(4).i32(2).str("torch.FloatStorage")  // no "V ..."
                                      .lng(2).f32(1.5f).f32(2.5f));
  CHECK(t.torch().version == 0);
  CHECK(t.tensor<float>().toVector() == std::vector<float>{1.5f, 2.5f});
}

TEST_CASE("serialize: Lua functions are read as opaque blobs", "[serialize]") {
  // Tag 8: index, bytecode, a table of upvalues (read, then dropped).
  const std::string f8 = Bytes().tag(8).i32(1).str(std::string("\x1bLJ\0", 4)).tag(3).i32(2).i32(0);
  const Object f = ser::fromBytes(f8);
  REQUIRE(f.isFunction());
  CHECK(f.function().bytecode == std::string("\x1bLJ\0", 4));
  // Tag 6 (no index) and tag 7 (legacy recursive) too.
  CHECK(ser::fromBytes(Bytes().tag(6).str("bc").tag(3).i32(1).i32(0)).function().bytecode == "bc");
  CHECK(ser::fromBytes(Bytes().tag(7).i32(1).str("bc").tag(3).i32(2).i32(0)).function().bytecode == "bc");
  // The same function twice: one object.
  const Object two = ser::fromBytes(Bytes()
                                        .tag(3).i32(1).i32(2)            // table #1, 2 pairs
                                        .number(1).tag(8).i32(2).str("bc")  // function #2
                                        .tag(3).i32(3).i32(0)            // its upvalues: table #3
                                        .number(2).tag(8).i32(2));       // function #2 again
  CHECK(two[1].identity() == two[2].identity());
}

// =============================================================================================
// 2. Reading: element types, layouts, halves, CUDA names, format detection
// =============================================================================================

TEMPLATE_TEST_CASE("serialize: a 2x2 tensor of every element type, hand-assembled", "[serialize]", std::uint8_t,
                   std::int8_t, std::int16_t, std::int32_t, std::int64_t, float, double) {
  using T = TestType;
  const std::string name = elemName<T>();
  const std::vector<T> v = {T(0), T(10), T(127), T(65)};  // 10 is '\n' and 0 is NUL in raw bytes
  Storage<T> s(4);
  std::copy(v.begin(), v.end(), s.data());
  const Tensor<T> t(s, 0, Shape{2, 2});

  for (int longSize : {8, 4}) {
    INFO("longSize " << longSize);
    Bytes b(ByteOrder::Little, longSize);
    b.torch(1, "torch." + name + "Tensor")  // tensor #1
        .i32(2)                             // 2 dims
        .lng(2).lng(2)                      // sizes
        .lng(2).lng(1)                      // strides
        .lng(1)                             // offset + 1
        .torch(2, "torch." + name + "Storage")
        .lng(4);                            // 4 elements
    for (T x : v) b.elem(x);
    Options o;
    o.longSize = longSize;
    CHECK(ser::toBytes(Object(t), o) == b.s());
    for (const Object& back : {ser::fromBytes(b.s(), o)}) {
      CHECK(back.typeName() == "torch." + name + "Tensor");
      const auto& any = back.anyTensor();
      REQUIRE(std::holds_alternative<Tensor<T>>(any));
      const auto& u = std::get<Tensor<T>>(any);
      CHECK(u.sizes() == Shape{2, 2});
      CHECK(u.strides() == Shape{2, 1});
      CHECK(u.toVector() == v);
    }
  }

  // Ascii: 1-byte elements raw (then a newline), the others as numbers on one line.
  std::string text = "4\n1\n3\nV 1\n" + std::to_string(name.size() + 12) + "\ntorch." + name +
                     "Tensor\n2\n2 2\n2 1\n1\n4\n2\n3\nV 1\n" + std::to_string(name.size() + 13) + "\ntorch." + name +
                     "Storage\n4\n";
  text += sizeof(T) == 1 ? std::string("\0\n\x7f" "A\n", 5) : std::string("0 10 127 65\n");
  CHECK(ser::toBytes(Object(t), ascii()) == text);
  CHECK(ser::fromBytes(text).tensor<T>().toVector() == v);

  // A storage as a top-level object, in each format.
  for (const auto& [what, o] : allFormats()) {
    INFO(what);
    const Object back = ser::fromBytes(ser::toBytes(Object(s), o), o);
    CHECK(back.typeName() == "torch." + name + "Storage");
    CHECK(storageValues(std::get<Storage<T>>(back.anyStorage())) == v);
  }
}

TEST_CASE("serialize: non-contiguous tensors keep offsets and strides", "[serialize]") {
  const Tensor<double> base = example();
  const Tensor<double> tr = base.t();                // sizes 3x2, strides 1,3
  const Tensor<double> nar = base.narrow(1, 1, 2);   // sizes 2x2, strides 3,1, offset 1
  const Tensor<double> col = base.select(1, 2);      // size 2, stride 3, offset 2
  Object root = Object::table();
  root.append(tr);
  root.append(nar);
  root.append(col);
  for (const auto& [what, o] : allFormats()) {
    INFO(what);
    const Object back = ser::fromBytes(ser::toBytes(root, o), o);
    const auto a = back[1].tensor<double>();
    const auto b = back[2].tensor<double>();
    const auto c = back[3].tensor<double>();
    CHECK(a.sizes() == Shape{3, 2});
    CHECK(a.strides() == Shape{1, 3});
    CHECK(a.storageOffset() == 0);
    CHECK(a.toVector() == std::vector<double>{1, 4, 2, 5, 3, 6});
    CHECK(b.sizes() == Shape{2, 2});
    CHECK(b.strides() == Shape{3, 1});
    CHECK(b.storageOffset() == 1);
    CHECK(b.toVector() == std::vector<double>{2, 3, 5, 6});
    CHECK(c.strides() == Shape{3});
    CHECK(c.storageOffset() == 2);
    CHECK(c.toVector() == std::vector<double>{3, 6});
    CHECK(a.storage().size() == 6);
    if (o.referenced) {
      CHECK(a.storage().isSameAs(b.storage()));
      CHECK(a.storage().isSameAs(c.storage()));
    } else {
      CHECK_FALSE(a.storage().isSameAs(b.storage()));
    }
  }
  // By hand: every second element of 4, from the second: size 2, stride 2, offset 1.
  const std::string strided = Bytes()
                                  .torch(1, "torch.FloatTensor")
                                  .i32(1).lng(2).lng(2).lng(2)  // size 2, stride 2, offset 1+1
                                  .torch(2, "torch.FloatStorage")
                                  .lng(4).f32(1).f32(2).f32(3).f32(4);
  const auto t = ser::fromBytes(strided).tensor<float>();
  CHECK(t.storageOffset() == 1);
  CHECK(t.strides() == Shape{2});
  CHECK(t.toVector() == std::vector<float>{2, 4});
  CHECK(ser::toBytes(Object(t)) == strided);
  // An expanded tensor (stride 0) is valid.
  const auto e = ser::fromBytes(Bytes().torch(1, "torch.FloatTensor").i32(2).lng(2).lng(3).lng(0).lng(1).lng(1)
                                    .torch(2, "torch.FloatStorage").lng(3).f32(1).f32(2).f32(3))
                     .tensor<float>();
  CHECK(e.toVector() == std::vector<float>{1, 2, 3, 1, 2, 3});
}

TEST_CASE("serialize: empty tensors", "[serialize]") {
  // Sizes with a zero: no storage is needed, none is allocated.
  const auto a = ser::fromBytes(Bytes().torch(1, "torch.FloatTensor").i32(2).lng(3).lng(0).lng(0).lng(1).lng(1).tag(0))
                     .tensor<float>();
  CHECK(a.sizes() == Shape{3, 0});
  CHECK(a.nElement() == 0);
  // No dimension, but a storage (Torch7's tensor:set(storage) then resize(0)): an empty tensor.
  const Object b = ser::fromBytes(Bytes().torch(1, "torch.FloatTensor").i32(0).lng(1)
                                      .torch(2, "torch.FloatStorage").lng(2).f32(1).f32(2));
  CHECK(b.tensor<float>().dim() == 0);
  // Round trips of empty tensors.
  for (const auto& [what, o] : allFormats()) {
    INFO(what);
    CHECK(ser::fromBytes(ser::toBytes(Object(Tensor<float>(2, 0)), o), o).tensor<float>().sizes() == Shape{2, 0});
    CHECK(ser::fromBytes(ser::toBytes(Object(Tensor<std::int64_t>()), o), o).tensor<std::int64_t>().dim() == 0);
  }
}

TEST_CASE("serialize: HalfTensor reads 2-byte halves as floats", "[serialize]") {
  const std::vector<std::uint16_t> halves = {0x3C00, 0xC000, 0x0001, 0x03FF, 0x7C00,
                                             0xFC00, 0x7E00, 0x3555, 0x7BFF, 0x8000};
  Bytes b;
  b.torch(1, "torch.HalfTensor").i32(1).lng(10).lng(1).lng(1).torch(2, "torch.HalfStorage").lng(10);
  for (auto h : halves) b.u16(h);
  CHECK(b.s().size() == 4 + 4 + 7 + 20 + 4 + 24 + 4 + 4 + 7 + 21 + 8 + 20);
  const Object o = ser::fromBytes(b.s());
  CHECK(o.typeName() == "torch.FloatTensor");
  const auto v = o.tensor<float>().toVector();
  REQUIRE(v.size() == 10);
  CHECK(v[0] == 1.f);
  CHECK(v[1] == -2.f);
  CHECK(v[2] == std::ldexp(1.f, -24));         // the smallest subnormal
  CHECK(v[3] == std::ldexp(1023.f, -24));      // the largest subnormal
  CHECK(v[4] == std::numeric_limits<float>::infinity());
  CHECK(v[5] == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(v[6]));
  CHECK(v[7] == 0.333251953125f);
  CHECK(v[8] == 65504.f);
  CHECK(v[9] == 0.f);
  CHECK(std::signbit(v[9]));

  // Big-endian halves, and a HalfStorage on its own.
  const Object big = ser::fromBytes(hex("00000004 00000001 00000003") + "V 1" + hex("00000011") + "torch.HalfStorage" +
                                    hex("0000000000000002 3C00 C000"));
  CHECK(storageValues(std::get<Storage<float>>(big.anyStorage())) == std::vector<float>{1, -2});

  // Ascii halves are written as floats (%.9g), not as 2-byte integers (THDiskFile.c).
  const Object text = ser::fromBytes(
      "4\n1\n3\nV 1\n16\ntorch.HalfTensor\n1\n3\n1\n1\n4\n2\n3\nV 1\n17\ntorch.HalfStorage\n3\n1 -2 0.333251953\n");
  CHECK(text.tensor<float>().toVector() == std::vector<float>{1, -2, 0.333251953f});
}

TEST_CASE("serialize: CUDA class names load as CPU tensors", "[serialize]") {
  struct Case {
    const char *tensor, *storage;
    int index;
    const char* loaded;
  };
  for (const Case& c : {Case{"torch.CudaTensor", "torch.CudaStorage", 5, "torch.FloatTensor"},
                        Case{"torch.CudaDoubleTensor", "torch.CudaDoubleStorage", 6, "torch.DoubleTensor"},
                        Case{"torch.CudaByteTensor", "torch.CudaByteStorage", 0, "torch.ByteTensor"}}) {
    INFO(c.tensor);
    Bytes b;
    b.torch(1, c.tensor).i32(1).lng(2).lng(1).lng(1).torch(2, c.storage).lng(2);
    if (c.index == 5) b.f32(1).f32(2);
    if (c.index == 6) b.f64(1).f64(2);
    if (c.index == 0) b.raw("\x01\x02");
    const Object o = ser::fromBytes(b.s());
    CHECK(o.typeName() == c.loaded);
    CHECK(static_cast<int>(o.anyTensor().index()) == c.index);
    CHECK(o.tensor<double>().toVector() == std::vector<double>{1, 2});
  }
  // torch.CudaHalfTensor: halves.
  const Object h = ser::fromBytes(Bytes().torch(1, "torch.CudaHalfTensor").i32(1).lng(1).lng(1).lng(1)
                                      .torch(2, "torch.CudaHalfStorage").lng(1).u16(0x3800));
  CHECK(h.tensor<float>().toVector() == std::vector<float>{0.5f});
}

TEST_CASE("serialize: format detection", "[serialize]") {
  const Object t(example());
  for (const auto& [what, o] : allFormats()) {
    INFO(what);
    const std::string bytes = ser::toBytes(t, o);
    if (o.longSize == 8) CHECK(deepEqual(ser::fromBytes(bytes), t));  // detected
    CHECK(deepEqual(ser::fromBytes(bytes, o), t));                     // told
  }
  CHECK(ser::detectOptions(kExampleAscii).format == Format::Ascii);
  CHECK(ser::detectOptions(exampleBytes()).format == Format::Binary);
  CHECK(ser::detectOptions(exampleBytes()).byteOrder == ByteOrder::Little);
  CHECK(ser::detectOptions(hex("00000004")).byteOrder == ByteOrder::Big);
  // Big-endian with 4-byte longs: the byte order is detected, the long size is told.
  Options o = bigEndian();
  o.longSize = 4;
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromBytes(ser::toBytes(t, o)), IOError, "{.longSize = 4}");
  CHECK(deepEqual(ser::fromBytes(ser::toBytes(t, o), o), t));
}

TEST_CASE("serialize: several objects in one file share one index space", "[serialize]") {
  Object shared = Object::table();
  shared.set("v", 1);
  ser::Writer w{Options{}};
  w.write(shared);
  w.write(shared);  // a back-reference into the first object
  CHECK(w.bytes() == Bytes().tag(3).i32(1).i32(1).string("v").number(1).tag(3).i32(1).s());
  ser::Reader r(w.bytes(), Options{});
  const Object a = r.read();
  const Object b = r.read();
  CHECK(r.atEnd());
  CHECK(a.identity() == b.identity());
}

// =============================================================================================
// 3. Round trips
// =============================================================================================

TEST_CASE("serialize: nested tables round trip in every format", "[serialize]") {
  Object key = Object::table();  // a table used as a key (nngraph's mapindex does this)
  key.set("k", true);
  Object root = Object::table();
  root.set("name", "net");
  root.set(1, Object::table().set(1, 1.5).set(2, true).set(3, "three"));
  root.set("cfg", Object::table().set("lr", 0.01).set(
                      "nested", Object::table().set("deep", Object::table().set("x", -3))));
  root.set(2.5, "a fractional key");
  root.set(true, "a boolean key");
  root.set(key, "a table key");
  root.set("sizes", Object(Storage<std::int64_t>{3, 4}));
  root.set("module", Object::instance("nn.Linear").set("weight", Tensor<float>(2, 3).fill(0.25f)).set("train", true));
  root.set("empty", Object::table());
  root.set("inf", std::numeric_limits<double>::infinity());
  root.set("str", std::string("with\nnewline and \0 NUL", 22));

  for (const auto& [what, o] : allFormats()) {
    INFO(what);
    const Object back = ser::fromBytes(ser::toBytes(root, o), o);
    CHECK(deepEqual(back, root));
    CHECK(back["module"]["weight"].tensor<float>().toVector() == std::vector<float>(6, 0.25f));
    CHECK(back["str"].string().size() == 22);
  }
}

TEST_CASE("serialize: shared tables keep their identity, unless referenced = false", "[serialize]") {
  Object shared = Object::table();
  shared.set("v", 1);
  Object root = Object::table();
  root.set("a", shared);
  root.set("b", Object::table().set("c", shared));
  for (const auto& [what, o] : allFormats()) {
    INFO(what);
    const std::string bytes = ser::toBytes(root, o);
    const Object back = ser::fromBytes(bytes, o);
    CHECK(deepEqual(back, root));
    if (o.referenced) {
      CHECK(back["a"].identity() == back["b"]["c"].identity());
    } else {
      CHECK(back["a"].identity() != back["b"]["c"].identity());
      CHECK(bytes.size() > ser::toBytes(root).size());
    }
  }
}

namespace {
/// x through an Object and bytes of the given options, and back.
template <class X>
X roundTrip(const X& x, const Options& o) {
  return ser::fromObject<X>(ser::fromBytes(ser::toBytes(ser::toObject(x), o), o));
}
}  // namespace

TEST_CASE("serialize: Codec round trips of standard types", "[serialize]") {
  for (const auto& [what, o] : allFormats()) {
    INFO(what);
    CHECK(roundTrip(std::vector<double>{1.5, -2, 1e300}, o) == std::vector<double>{1.5, -2, 1e300});
    CHECK(roundTrip(std::vector<std::string>{"a", "", "c d"}, o) == std::vector<std::string>{"a", "", "c d"});
    CHECK(roundTrip(std::vector<int>{}, o).empty());
    CHECK(roundTrip(std::array<int, 3>{7, -8, 9}, o) == std::array<int, 3>{7, -8, 9});
    const std::map<std::string, double> ms{{"lr", 0.01}, {"momentum", 0.9}};
    CHECK(roundTrip(ms, o) == ms);
    const std::map<int, std::string> mi{{-1, "minus"}, {3, "three"}, {100, "hundred"}};
    CHECK(roundTrip(mi, o) == mi);
    CHECK(roundTrip(std::optional<float>(2.5f), o) == std::optional<float>(2.5f));
    CHECK(roundTrip(std::optional<float>(), o) == std::nullopt);
    CHECK(roundTrip(Shape{2, 3, 4}, o) == Shape{2, 3, 4});
    CHECK(roundTrip(Shape{}, o) == Shape{});
    CHECK(roundTrip(true, o) == true);
    CHECK(roundTrip(std::int64_t{1} << 52, o) == std::int64_t{1} << 52);
    CHECK(roundTrip(std::string("x\0y", 3), o) == std::string("x\0y", 3));
    const std::vector<std::vector<int>> nested{{1}, {2, 3}, {}};
    CHECK(roundTrip(nested, o) == nested);
  }
  // An optional that is nil is tag 0.
  CHECK(ser::toBytes(ser::toObject(std::optional<int>())) == hex("00000000"));
  // A Shape is a LongStorage, as Torch7 keeps sizes.
  CHECK(ser::toObject(Shape{2, 3}).typeName() == "torch.LongStorage");
  CHECK(ser::fromObject<Shape>(Object::table().set(1, 4).set(2, 5)) == Shape{4, 5});
  CHECK(ser::fromObject<Shape>(Object(Tensor<std::int64_t>{6, 7})) == Shape{6, 7});
}

TEMPLATE_TEST_CASE("serialize: Codec round trips of tensors and storages", "[serialize]", std::uint8_t, std::int8_t,
                   std::int16_t, std::int32_t, std::int64_t, float, double) {
  using T = TestType;
  std::vector<T> values(12), five(5);
  for (int i = 0; i < 12; ++i) values[static_cast<std::size_t>(i)] = static_cast<T>(i * 7 % 100);
  for (int i = 0; i < 5; ++i) five[static_cast<std::size_t>(i)] = static_cast<T>(100 - i);
  Tensor<T> t(12);
  std::copy(values.begin(), values.end(), t.data());
  const Tensor<T> v = t.view(3, 4).narrow(0, 1, 2).t();  // non-contiguous, offset 4
  Storage<T> s(5);
  std::copy(five.begin(), five.end(), s.data());
  for (const auto& [what, o] : allFormats()) {
    INFO(what);
    const Tensor<T> back = roundTrip(v, o);
    CHECK(back.sizes() == v.sizes());
    CHECK(back.strides() == v.strides());
    CHECK(back.storageOffset() == 4);
    CHECK(back.toVector() == v.toVector());
    CHECK(storageValues(roundTrip(s, o)) == storageValues(s));
    const auto vec = roundTrip(std::vector<Tensor<T>>{v, t}, o);
    REQUIRE(vec.size() == 2);
    CHECK(vec[0].storage().isSameAs(vec[1].storage()) == o.referenced);
  }
}

TEST_CASE("serialize: a stride-0 tensor converts its storage, not the elements its sizes claim", "[serialize]") {
  // A DoubleTensor of 2^20 x 2^20 elements (8 TiB as floats) over one double: a valid file.
  const std::int64_t n = std::int64_t{1} << 20;
  const std::string bytes = Bytes()
                                .torch(1, "torch.DoubleTensor").i32(2).lng(n).lng(n).lng(0).lng(0).lng(1)
                                .torch(2, "torch.DoubleStorage").lng(1).f64(2.5)
                                .s();
  const Object o = ser::fromBytes(bytes);
  const auto f = o.tensor<float>();  // converts 1 element
  CHECK(f.sizes() == Shape{n, n});
  CHECK(f.stride(0) == 0);
  CHECK(f.stride(1) == 0);
  CHECK(f.storage().size() == 1);
  CHECK(f(n - 1, n - 1) == 2.5f);
  ser::LoadContext ctx;
  const auto i = ser::tensorAs<std::int32_t>(o, ctx);
  CHECK(i.storage().size() == 1);
  CHECK(i(0, 7) == 2);
  // the same type shares the loaded storage
  CHECK(o.tensor<double>().storage().isSameAs(std::get<Tensor<double>>(o.anyTensor()).storage()));
}

TEST_CASE("serialize: tensorAs converts a shared storage once", "[serialize]") {
  const Tensor<double> base = example();
  Object root = Object::table();
  root.set("a", base.narrow(1, 0, 2));
  root.set("b", base.select(0, 1));
  const Object back = ser::fromBytes(ser::toBytes(root));
  ser::LoadContext ctx;
  const auto a = ser::tensorAs<float>(back["a"], ctx);
  const auto b = ser::tensorAs<float>(back["b"], ctx);
  CHECK(a.storage().isSameAs(b.storage()));
  CHECK(a.toVector() == std::vector<float>{1, 2, 4, 5});
  CHECK(b.toVector() == std::vector<float>{4, 5, 6});
  CHECK(b.storageOffset() == 3);
}

TEST_CASE("serialize: Codec rejects values that do not fit", "[serialize]") {
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<int>(Object(1.5)), ValueError, "the number 1.5 is not an integer");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<std::uint8_t>(Object(300)), ValueError,
                             "the number 300 is not an integer");
  // The edges of 64-bit ranges (2^63 and 2^64 are not int64 / uint64 values).
  CHECK(ser::fromObject<std::int64_t>(Object(-9223372036854775808.0)) == std::numeric_limits<std::int64_t>::min());
  CHECK(ser::fromObject<std::int64_t>(Object(9223372036854774784.0)) == 9223372036854774784);
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<std::int64_t>(Object(9223372036854775808.0)), ValueError,
                             "is not an integer");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<std::uint64_t>(Object(18446744073709551616.0)), ValueError,
                             "is not an integer");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<std::uint64_t>(Object(-1)), ValueError, "is not an integer");
  CHECK(ser::fromObject<std::int32_t>(Object(2147483647.0)) == 2147483647);
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<std::int32_t>(Object(2147483648.0)), ValueError, "is not an integer");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<int>(Object("x")), TypeError, "expected a number, got string");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<std::vector<int>>(Object::table().set("x", 1)), ValueError,
                             "not an array");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<std::vector<int>>(Object::table().set(1, 1).set(3, 3)), ValueError,
                             "not an array");
  T7_REQUIRE_THROWS_WITH_ALL((ser::fromObject<std::array<int, 2>>(ser::toObject(std::vector<int>{1, 2, 3}))),
                             SizeError, "std::array of 2 values from a table of 3");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<Storage<float>>(Object(Storage<double>(2))), TypeError,
                             "expected a torch.FloatStorage, got torch.DoubleStorage");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromObject<Tensor<float>>(Object(1)), TypeError, "expected a tensor, got number");
  T7_REQUIRE_THROWS_WITH_ALL(Object(1)["x"], TypeError, "cannot index number");
  T7_REQUIRE_THROWS_WITH_ALL(Object::table().set(Object(), 1), ValueError, "key cannot be nil");
}

// =============================================================================================
// 4. Hostile input
// =============================================================================================

TEST_CASE("serialize: every truncation of a valid file throws IOError", "[serialize]") {
  Object root = Object::table();
  const Storage<float> s{1, 2, 3};
  root.append(Tensor<float>(s, 0, Shape{2}));
  root.append(Tensor<float>(s, 1, Shape{2}));
  root.set("m", Object::instance("nn.Foo").set("k", "v"));
  root.set("b", false);
  Bytes half;
  half.torch(1, "torch.HalfTensor").i32(1).lng(2).lng(1).lng(1).torch(2, "torch.HalfStorage").lng(2).u16(1).u16(2);

  const std::vector<std::pair<std::string, Options>> files = {
      {exampleBytes(), Options{}},
      {ser::toBytes(root), Options{}},
      {ser::toBytes(root, bigEndian()), bigEndian()},
      {ser::toBytes(root, b32()), b32()},
      {half.s(), Options{}},
      {Bytes().tag(8).i32(1).str("bytecode").tag(3).i32(2).i32(1).number(1).number(2), Options{}},
      {Bytes().tag(4).i32(1).str("nn.Old").tag(3).i32(2).i32(0), Options{}},
  };
  for (const auto& [bytes, o] : files) {
    if (o.longSize == 8) REQUIRE(deepEqual(ser::fromBytes(bytes, o), ser::fromBytes(bytes)));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO("a prefix of " << n << " of " << bytes.size() << " bytes");
      const std::string_view prefix(bytes.data(), n);
      REQUIRE_LOAD_FAILS(prefix, o, "load: ");
      // Detection never guesses 4-byte longs: the 65-byte prefix of the §2.4 example would
      // read as an empty 2x0 DoubleTensor with them.
      if (o.longSize == 8) T7_REQUIRE_THROWS_WITH_ALL(ser::fromBytes(prefix), IOError, "at byte");
    }
  }
  // Ascii: only the final newline is optional.
  for (const std::string& text : {std::string(kExampleAscii), ser::toBytes(root, ascii())}) {
    for (std::size_t n = 0; n + 1 < text.size(); ++n) {
      INFO("a prefix of " << n << " of " << text.size() << " bytes");
      REQUIRE_LOAD_FAILS(std::string_view(text.data(), n), ascii(), "load: ");
    }
    CHECK(deepEqual(ser::fromBytes(text.substr(0, text.size() - 1)), ser::fromBytes(text)));
  }
}

TEST_CASE("serialize: bad tags", "[serialize]") {
  REQUIRE_LOAD_FAILS(hex("09000000"), Options{}, "unknown type tag 9", "at byte 0");
  REQUIRE_LOAD_FAILS(hex("FFFFFFFF"), Options{}, "unknown type tag -1", "at byte 0");
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(1).tag(99).tag(0), Options{}, "unknown type tag 99", "at byte 12");
  REQUIRE_LOAD_FAILS("12\n", ascii(), "unknown type tag 12");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromBytes(hex("09000000")), IOError, "unknown type tag 9", "at byte 0");
}

TEST_CASE("serialize: negative and absurd sizes throw before allocating", "[serialize]") {
  // Strings.
  REQUIRE_LOAD_FAILS(Bytes().tag(2).i32(-1), Options{}, "negative string length -1", "at byte 8");
  REQUIRE_LOAD_FAILS(Bytes().tag(2).i32(0x7fffffff).raw("abc"), Options{}, "a string of 2147483647 bytes",
                     "only 3 remain");
  REQUIRE_LOAD_FAILS(Bytes().tag(4).i32(1).i32(1 << 30), Options{}, "a string of 1073741824 bytes");
  // Storages: 2^40 elements claimed in a 44-byte file.
  const std::string huge = Bytes().torch(1, "torch.ByteStorage").lng(std::int64_t{1} << 40);
  CHECK(huge.size() == 44);
  REQUIRE_LOAD_FAILS(huge, Options{}, "a storage of 1099511627776 elements in 0 remaining bytes", "at byte 44");
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.DoubleStorage").lng(3).f64(1).f64(2), Options{},
                     "a storage of 3 elements in 16 remaining bytes");
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.FloatStorage").lng(-1), Options{}, "a storage of -1 elements");
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.HalfStorage").lng(2).u16(0), Options{}, "a storage of 2 elements");
  REQUIRE_LOAD_FAILS(Bytes(ByteOrder::Little, 4).torch(1, "torch.LongStorage").lng(2).lng(1), b32(),
                     "a storage of 2 elements in 4 remaining bytes");
  REQUIRE_LOAD_FAILS("4\n1\n3\nV 1\n17\ntorch.LongStorage\n1000000000000\n1 2\n", ascii(),
                     "a storage of 1000000000000 elements");
  // Tables.
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(-1), Options{}, "a table of -1 pairs", "at byte 12");
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(0x7fffffff), Options{},
                     "a table of 2147483647 pairs in 0 remaining bytes");
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(2).tag(0).tag(0), Options{}, "a table of 2 pairs in 8 remaining bytes");
}

TEST_CASE("serialize: hostile tensor headers", "[serialize]") {
  // A FloatTensor header with the given dims, sizes, strides, 1-based offset, over a storage of n floats.
  auto tensor = [](std::vector<std::int64_t> sizes, std::vector<std::int64_t> strides, std::int64_t offset1, int n) {
    Bytes b;
    b.torch(1, "torch.FloatTensor").i32(static_cast<std::int32_t>(sizes.size()));
    for (auto x : sizes) b.lng(x);
    for (auto x : strides) b.lng(x);
    b.lng(offset1).torch(2, "torch.FloatStorage").lng(n);
    for (int i = 0; i < n; ++i) b.f32(static_cast<float>(i));
    return b.s();
  };
  CHECK(ser::fromBytes(tensor({3}, {1}, 1, 3)).tensor<float>().toVector() == std::vector<float>{0, 1, 2});
  // Outside the storage.
  REQUIRE_LOAD_FAILS(tensor({4}, {1}, 1, 3), Options{}, "reaches outside its storage of 3 elements", "tensor [4]");
  REQUIRE_LOAD_FAILS(tensor({2}, {1}, 3, 3), Options{}, "at offset 2 reaches outside");
  REQUIRE_LOAD_FAILS(tensor({2}, {2}, 1, 2), Options{}, "reaches outside its storage of 2 elements");
  REQUIRE_LOAD_FAILS(tensor({2, 2}, {1, 2}, 1, 3), Options{}, "reaches outside");
  REQUIRE_LOAD_FAILS(tensor({1}, {1}, 0, 3), Options{}, "at offset -1");
  REQUIRE_LOAD_FAILS(tensor({1}, {1}, std::numeric_limits<std::int64_t>::min(), 3), Options{}, "reaches outside");
  REQUIRE_LOAD_FAILS(tensor({1}, {1}, std::numeric_limits<std::int64_t>::max(), 3), Options{}, "reaches outside");
  // Negative sizes and strides.
  REQUIRE_LOAD_FAILS(tensor({-1}, {1}, 1, 3), Options{}, "tensor dimension 0 has size -1");
  REQUIRE_LOAD_FAILS(tensor({2, 1}, {1, -1}, 1, 3), Options{}, "tensor dimension 1 has size 1 and stride -1");
  // Overflow of the reach and of the element count.
  const std::int64_t big = std::int64_t{1} << 62;
  REQUIRE_LOAD_FAILS(tensor({big, 4}, {4, 1}, 1, 3), Options{}, "overflows");
  REQUIRE_LOAD_FAILS(tensor({2, big}, {1, 2}, 1, 3), Options{}, "overflows");
  REQUIRE_LOAD_FAILS(tensor({std::int64_t{1} << 32, std::int64_t{1} << 32}, {0, 0}, 1, 3), Options{}, "overflows");
  // Too many dimensions, or a negative count.
  const std::string tooMany = "a tensor of " + std::to_string(kMaxDims + 1) + " dimensions (at most";
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.FloatTensor").i32(kMaxDims + 1), Options{}, tooMany.c_str());
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.FloatTensor").i32(-1), Options{}, "a tensor of -1 dimensions");
  // A non-empty tensor without a storage.
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.FloatTensor").i32(1).lng(2).lng(1).lng(1).tag(0), Options{},
                     "a non-empty tensor [2] without a storage");
  // Over a storage of the wrong type, or over something else.
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.FloatTensor").i32(1).lng(1).lng(1).lng(1)
                         .torch(2, "torch.DoubleStorage").lng(1).f64(1),
                     Options{}, "a torch.FloatTensor over a torch.DoubleStorage", "at byte 64");
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.FloatTensor").i32(1).lng(1).lng(1).lng(1).number(3), Options{},
                     "a torch.FloatTensor over a number");
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.FloatTensor").i32(0).lng(1).tag(3).i32(2).i32(0), Options{},
                     "over a table");
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.FloatTensor").i32(0).lng(1).tag(4).i32(2).str("V 1").str("nn.Foo")
                         .tag(3).i32(3).i32(0),
                     Options{}, "over a nn.Foo");
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.DoubleTensor").i32(0).lng(1).torch(2, "torch.DoubleTensor").i32(0)
                         .lng(1).tag(0),
                     Options{}, "over a torch.DoubleTensor");
}

TEST_CASE("serialize: bad references", "[serialize]") {
  // A back-reference to an object the file never held (the next new object would be #2).
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(1).number(1).tag(3).i32(5).i32(0), Options{},
                     "reference to unknown object #5");
  REQUIRE_LOAD_FAILS(Bytes().torch(1, "torch.FloatTensor").i32(0).lng(1).tag(4).i32(7), Options{},
                     "reference to unknown object #7");
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(0), Options{}, "reference index 0");
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(-4), Options{}, "reference index -4");
  // Of the wrong kind.
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(2).string("a").tag(3).i32(2).i32(0).string("b").tag(4).i32(2),
                     Options{}, "reference #2 is a table, not a Torch object");
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(2).string("a").torch(2, "torch.FloatStorage").lng(0).string("b")
                         .tag(3).i32(2),
                     Options{}, "reference #2 is a torch.FloatStorage, not a table");
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(2).string("a").tag(3).i32(2).i32(0).string("b").tag(8).i32(2),
                     Options{}, "reference #2 is a table, not a function");
  // Over a tensor where a storage belongs.
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(2).string("a")
                         .torch(2, "torch.FloatTensor").i32(0).lng(1).tag(0)  // an empty tensor #2
                         .string("b")
                         .torch(3, "torch.FloatTensor").i32(0).lng(1).tag(4).i32(2),  // "over" tensor #2
                     Options{}, "a torch.FloatTensor over a torch.FloatTensor");
}

TEST_CASE("serialize: cyclic files are rejected", "[serialize]") {
  // A table containing itself.
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(1).string("self").tag(3).i32(1), Options{}, "cyclic",
                     "object #1");
  // A table as its own key.
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(1).tag(3).i32(1).number(1), Options{}, "cyclic");
  // Through another table.
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(1).number(1).tag(3).i32(2).i32(1).number(1).tag(3).i32(1), Options{},
                     "cyclic");
  // An object whose fields hold it.
  REQUIRE_LOAD_FAILS(Bytes().tag(4).i32(1).str("V 1").str("nn.Foo").tag(3).i32(2).i32(1).string("self").tag(4).i32(1),
                     Options{}, "cyclic");
  // A function whose upvalues hold it.
  REQUIRE_LOAD_FAILS(Bytes().tag(8).i32(1).str("bc").tag(3).i32(2).i32(1).number(1).tag(8).i32(1), Options{},
                     "cyclic");
}

TEST_CASE("serialize: nesting deeper than kMaxDepth", "[serialize]") {
  // n nested one-pair tables {[1] = {[1] = ... {}}}.
  auto nested = [](int n) {
    Bytes b;
    for (int i = 1; i < n; ++i) b.tag(3).i32(i).i32(1).number(1);
    b.tag(3).i32(n).i32(0);
    return b.s();
  };
  Object o = ser::fromBytes(nested(ser::kMaxDepth), Options{});
  int depth = 1;
  while (o.isTable() && o.length() == 1) {
    o = o[1];
    ++depth;
  }
  CHECK(depth == ser::kMaxDepth);
  REQUIRE_LOAD_FAILS(nested(ser::kMaxDepth + 1), Options{}, "nested deeper than 600 levels");
  REQUIRE_LOAD_FAILS(nested(100000), Options{}, "nested deeper than 600 levels");
}

TEST_CASE("serialize: nil and NaN table keys", "[serialize]") {
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(1).tag(0).number(1), Options{}, "a table key is nil", "at byte 12");
  REQUIRE_LOAD_FAILS(Bytes().tag(3).i32(1).i32(1).number(std::nan("")).number(1), Options{}, "a table key is NaN");
  REQUIRE_LOAD_FAILS("3\n1\n1\n1\nnan\n1\n1\n", ascii(), "a table key is NaN");
}

TEST_CASE("serialize: trailing bytes, bad versions, bad class names, bad fields", "[serialize]") {
  REQUIRE_LOAD_FAILS(hex("00000000 00"), Options{}, "1 bytes follow the object", "at byte 4");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromBytes(exampleBytes() + "xyz"), IOError, "3 bytes follow the object",
                             "at byte 175");
  REQUIRE_LOAD_FAILS("0\n0\n", ascii(), "bytes follow the object");
  CHECK(ser::fromBytes("0\n \n\t\n").isNil());  // trailing whitespace is fine in ascii

  REQUIRE_LOAD_FAILS(Bytes().tag(4).i32(1).str("V x1").str("nn.Foo").tag(3).i32(2).i32(0), Options{},
                     "bad class version 'V x1'");
  REQUIRE_LOAD_FAILS(Bytes().tag(4).i32(1).str("V 1 2").str("nn.Foo"), Options{}, "bad class version");
  REQUIRE_LOAD_FAILS(Bytes().tag(4).i32(1).str("V 1").str(""), Options{}, "empty class name");
  REQUIRE_LOAD_FAILS(Bytes().tag(4).i32(1).str("V 1").str("nn.Foo").number(3), Options{},
                     "the fields of nn.Foo are a number, not a table");
}

TEST_CASE("serialize: ascii garbage", "[serialize]") {
  REQUIRE_LOAD_FAILS("4\n1\nabc\n", ascii(), "'abc' is not a number", "at byte 7");
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromBytes("4\n1\nabc\n"), IOError, "'abc' is not a number");
  REQUIRE_LOAD_FAILS("1\n1.5x\n", ascii(), "'1.5x' is not a number");
  REQUIRE_LOAD_FAILS("3\n1\n2.5\n", ascii(), "'2.5' is not a number");
  REQUIRE_LOAD_FAILS("1\n" + std::string(100, '9') + "x\n", ascii(), "...' is not a number");
  REQUIRE_LOAD_FAILS("3\n99999999999\n", ascii(), "'99999999999' is not a number");
  REQUIRE_LOAD_FAILS("4\n1\n3\nV 1\n18\ntorch.FloatStorage\n2\n1 x\n", ascii(), "'x' is not a number");
  REQUIRE_LOAD_FAILS("", ascii(), "truncated file");
  REQUIRE_LOAD_FAILS("   \n", ascii(), "truncated file");
}

TEST_CASE("serialize: bad options", "[serialize]") {
  Options o;
  o.longSize = 5;
  T7_REQUIRE_THROWS_WITH_ALL(ser::fromBytes(hex("00000000"), o), ValueError, "longSize must be 4 or 8, not 5");
  T7_REQUIRE_THROWS_WITH_ALL(ser::toBytes(Object(), o), ValueError, "longSize must be 4 or 8, not 5");
}

// =============================================================================================
// 5. Files: atomic writes
// =============================================================================================

TEST_CASE("serialize: writeFile is atomic", "[serialize]") {
  const TempDir dir;
  const HookGuard guard;
  const std::string path = (dir.path / "model.t7").string();
  const std::string old = exampleBytes();
  ser::writeFile(path, old);
  CHECK(ser::readFile(path) == old);
  CHECK(dir.entries() == std::vector<std::string>{"model.t7"});
  CHECK((fs::status(path).permissions() & fs::perms::owner_read) != fs::perms::none);

  // A failure just before the rename: the old file is intact, the temporary is gone.
  std::string tmp;
  ser::detail::beforeRenameHook() = [&](const std::string& t) {
    tmp = t;
    CHECK(ser::readFile(t) == "new contents");  // fully written before the rename
    throw std::runtime_error("injected");
  };
  CHECK_THROWS_WITH(ser::writeFile(path, "new contents"), "injected");
  ser::detail::beforeRenameHook() = nullptr;
  CHECK(tmp.starts_with(path + ".tmp."));
  CHECK_FALSE(fs::exists(tmp));
  CHECK(ser::readFile(path) == old);
  CHECK(dir.entries() == std::vector<std::string>{"model.t7"});

  // Without the hook the new bytes replace the old ones.
  ser::writeFile(path, std::string("new\0contents", 12));
  CHECK(ser::readFile(path) == std::string("new\0contents", 12));
  ser::writeFile(path, "");
  CHECK(ser::readFile(path).empty());
  CHECK(dir.entries() == std::vector<std::string>{"model.t7"});
}

TEST_CASE("serialize: file errors name the path", "[serialize]") {
  const TempDir dir;
  const std::string nowhere = (dir.path / "missing" / "x.t7").string();
  T7_REQUIRE_THROWS_WITH_ALL(ser::writeFile(nowhere, "x"), IOError, "cannot create a temporary file next to",
                             nowhere.c_str());
  CHECK_FALSE(fs::exists(dir.path / "missing"));
  const std::string absent = (dir.path / "absent.t7").string();
  T7_REQUIRE_THROWS_WITH_ALL(ser::readFile(absent), IOError, "cannot open", absent.c_str());
  CHECK(dir.entries().empty());
}

// =============================================================================================
// 6. Writer errors
// =============================================================================================

TEST_CASE("serialize: what the writer refuses", "[serialize]") {
  // Lua functions are never written.
  const Object f(std::make_shared<ser::FunctionData>());
  T7_REQUIRE_THROWS_WITH_ALL(ser::toBytes(f), TypeError, "functions cannot be written");
  T7_REQUIRE_THROWS_WITH_ALL(ser::toBytes(Object::table().set("f", f)), TypeError, "functions cannot be written");

  // A cycle written with referenced = false would recurse forever: it stops at kMaxDepth.
  Object t = Object::table();
  t.set("self", t);
  T7_REQUIRE_THROWS_WITH_ALL(ser::toBytes(t, unreferenced()), ValueError, "nested deeper than 600",
                             "referenced = false");
  // With references the writer refuses it too: our reader would refuse the file.
  T7_REQUIRE_THROWS_WITH_ALL(ser::toBytes(t), ValueError, "cyclic reference");
  Object inst = Object::instance("nn.Loop");
  inst.set("me", inst);
  T7_REQUIRE_THROWS_WITH_ALL(ser::toBytes(inst), ValueError, "cyclic reference");
  inst.set("me", Object());
  t.set("self", Object());  // break the cycle (shared_ptr handles would leak it)

  // Longs that do not fit 4 bytes.
  T7_REQUIRE_THROWS_WITH_ALL(ser::toBytes(Object(Storage<std::int64_t>{1, std::int64_t{1} << 40}), b32()), ValueError,
                             "1099511627776 does not fit a 4-byte long");
  const std::int64_t belowInt = std::numeric_limits<std::int32_t>::min() - std::int64_t{1};
  T7_REQUIRE_THROWS_WITH_ALL(ser::toBytes(Object(Storage<std::int64_t>{belowInt}), b32()), ValueError,
                             "-2147483649 does not fit a 4-byte long");
  CHECK(ser::toBytes(Object(Storage<std::int64_t>{std::numeric_limits<std::int32_t>::min()}), b32()).size() ==
        4 + 4 + 7 + 21 + 4 + 4);

  // A Torch object with no contents.
  auto empty = std::make_shared<ser::TorchObject>();
  empty->className = "nn.Nothing";
  T7_REQUIRE_THROWS_WITH_ALL(ser::toBytes(Object(empty)), ValueError, "the nn.Nothing object has no contents");
}
