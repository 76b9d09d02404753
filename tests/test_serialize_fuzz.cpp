// Regression cases from fuzzing the .t7 loader (tests/fuzz/fuzz_load.cpp, scripts/fuzz.sh) and
// from reading the loader alongside it. Each input once crashed, tripped UBSan, or broke the
// load -> save -> load round trip; each must now throw t7::IOError or load correctly.
#include "helpers.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "t7/serialize/io.hpp"

using namespace t7;
using namespace t7::serialize;

namespace {

constexpr std::int64_t kLongMin = std::numeric_limits<std::int64_t>::min();

/// Little-endian .t7 bytes, assembled by hand (8-byte longs).
struct Bytes {
  std::string s;
  template <class X>
  Bytes& raw(X x) {
    char b[sizeof(X)];
    std::memcpy(b, &x, sizeof(X));
    s.append(b, sizeof(X));
    return *this;
  }
  Bytes& i32(std::int32_t x) { return raw(x); }
  Bytes& i64(std::int64_t x) { return raw(x); }
  Bytes& f64(double x) { return raw(x); }
  Bytes& str(const std::string& x) {
    i32(static_cast<std::int32_t>(x.size()));
    s += x;
    return *this;
  }
  Bytes& bytes(const std::string& x) {
    s += x;
    return *this;
  }
  /// A Torch object's opening: tag 4, its index, "V 1" and the class name.
  Bytes& torch(std::int32_t index, const std::string& cls, const std::string& version = "V 1") {
    return i32(4).i32(index).str(version).str(cls);
  }
};

/// A FloatTensor of `sizes` / `strides` at 1-based offset `diskOffset`, over a FloatStorage of
/// `n` elements 0, 1, 2... (or over nil when n < 0).
std::string floatTensor(std::vector<std::int64_t> sizes, std::vector<std::int64_t> strides, std::int64_t diskOffset,
                        int n) {
  Bytes b;
  b.torch(1, "torch.FloatTensor").i32(static_cast<std::int32_t>(sizes.size()));
  for (auto x : sizes) b.i64(x);
  for (auto x : strides) b.i64(x);
  b.i64(diskOffset);
  if (n < 0) {
    b.i32(0);
  } else {
    b.torch(2, "torch.FloatStorage").i64(n);
    for (int i = 0; i < n; ++i) b.raw(static_cast<float>(i));
  }
  return b.s;
}

/// Writes `o`, reads it back and writes it again: the bytes must agree (what the fuzz target
/// checks of every object that loads). Returns the first write.
std::string roundTrip(const Object& o, const Options& opts = {}) {
  const std::string first = toBytes(o, opts);
  const std::string second = toBytes(fromBytes(first, opts), opts);
  CHECK(first == second);
  return first;
}

/// A table of `n` tables, the k-th holding {x = the (k-1)-th} by back-reference: each table
/// is read shallow, but the loaded graph is a chain n + 1 deep.
std::string referenceChain(int n) {
  Bytes b;
  b.i32(3).i32(1).i32(n);
  for (int k = 1; k <= n; ++k) {
    b.i32(1).f64(k).i32(3).i32(k + 1);
    if (k == 1) {
      b.i32(0);
    } else {
      b.i32(1).i32(2).str("x").i32(3).i32(k);  // {x = table #k}, met before
    }
  }
  return b.s;
}

}  // namespace

TEST_CASE("fuzz: a tensor offset of the least long is rejected, not overflowed", "[serialize][fuzz]") {
  // libFuzzer's first find (UBSan: signed overflow in `offset - 1`): a 0-dim FloatTensor
  // whose offset is INT64_MIN, then one stray byte.
  Bytes crash;
  crash.torch(1, "torch.FloatTensor").i32(0).i64(kLongMin).bytes(std::string(1, '\0'));
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(crash.s, Options{}), IOError, "truncated file", "(at byte 48)");
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(crash.s), IOError, "truncated file");

  // Without the stray byte and with no storage: a 0-dim tensor ignores its offset.
  Bytes empty;
  empty.torch(1, "torch.FloatTensor").i32(0).i64(kLongMin).i32(0);
  const Object o = fromBytes(empty.s);
  REQUIRE(o.isTensor());
  CHECK(o.tensor<float>().dim() == 0);

  // Over a storage, the least long is an offset outside it, named as read.
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(floatTensor({1}, {1}, kLongMin, 2), Options{}), IOError,
                             "tensor [1] at offset -9223372036854775808 reaches outside its storage of 2 elements",
                             "(at byte 117)");
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(floatTensor({1}, {1}, kLongMin + 1, 2), Options{}), IOError,
                             "at offset -9223372036854775808 reaches outside");
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(floatTensor({1}, {1}, 0, 2), Options{}), IOError, "at offset -1 reaches outside");
  // And in ascii, where the number is text.
  Options ascii;
  ascii.format = Format::Ascii;
  const std::string text = "4\n1\n3\nV 1\n17\ntorch.FloatTensor\n1\n1\n1\n-9223372036854775808\n"
                           "4\n2\n3\nV 1\n18\ntorch.FloatStorage\n2\n0 1\n";
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(text, ascii), IOError, "at offset -9223372036854775808 reaches outside");
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(text), IOError, "at offset -9223372036854775808 reaches outside");
  // The last valid offset still loads.
  CHECK(t7test::values(fromBytes(floatTensor({1}, {1}, 2, 2)).tensor<float>()) == std::vector<float>{1});
}

TEST_CASE("fuzz: an empty tensor loads whatever its strides, if its sizes fit", "[serialize][fuzz]") {
  // libFuzzer's second find (the round trip broke): a ShortTensor of sizes
  // [4251398048237748226, 1, 3, 0] and strides [1, 6, 2, 6] loaded, since its extent fits; it
  // was written with contiguous strides [3, 3, 1, 1], whose extent overflows, so reading the
  // written file failed. And t7's nElement() multiplied its sizes and overflowed (UBSan), a
  // zero notwithstanding. The input as the fuzzer minimised it (181 bytes):
  Bytes crash;
  crash.torch(1, "torch.ShortTensor").i32(4);
  for (std::int64_t x : {std::int64_t{4251398048237748226}, std::int64_t{1}, std::int64_t{3}, std::int64_t{0}})
    crash.i64(x);
  for (std::int64_t x : {1, 6, 2, 6}) crash.i64(x);
  crash.i64(1).torch(2, "torch.ShortStorage", "V 0").i64(12);
  for (std::int16_t i = 1; i <= 12; ++i) crash.raw(i);
  REQUIRE(crash.s.size() == 181);
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(crash.s, Options{}), IOError,
                             "empty tensor [4251398048237748226x1x3x0]: its sizes overflow int64", "(at byte 181)");
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(crash.s), IOError, "its sizes overflow int64");
  T7_REQUIRE_THROWS_WITH_ALL(
      fromBytes(floatTensor({0, std::int64_t{1} << 62, std::int64_t{1} << 62}, {1, 1, 1}, 1, -1), Options{}), IOError,
      "empty tensor [0x4611686018427387904x4611686018427387904]: its sizes overflow int64", "(at byte 100)");
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(floatTensor({std::int64_t{1} << 62, 4, 0}, {0, 0, 0}, 1, 0)), IOError,
                             "its sizes overflow int64");

  // An empty tensor whose file strides overflow (they address nothing) loads, as contiguous.
  const Object huge = fromBytes(floatTensor({std::int64_t{1} << 62, 0}, {std::int64_t{1} << 62, 1}, 1, -1));
  const auto h = huge.tensor<float>();
  CHECK(h.sizes() == Shape{std::int64_t{1} << 62, 0});
  CHECK(h.strides() == Shape{1, 1});
  CHECK(h.nElement() == 0);
  Bytes expected;
  expected.torch(1, "torch.FloatTensor").i32(2).i64(std::int64_t{1} << 62).i64(0).i64(1).i64(1).i64(1);
  expected.i32(0);  // no element, no storage: nil
  CHECK(roundTrip(huge) == expected.s);
  Options ascii;
  ascii.format = Format::Ascii;
  roundTrip(huge, ascii);
  // The largest sizes that fit, with the fuzzer's odd strides.
  const Object big = fromBytes(floatTensor({std::int64_t{1} << 61, 3, 0}, {1, 6, 2}, 1, 2));
  CHECK(big.tensor<float>().strides() == Shape{3, 1, 1});
  roundTrip(big);
  // A tensor with elements still may not overflow.
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(floatTensor({std::int64_t{1} << 62, 3}, {std::int64_t{1} << 62, 1}, 1, 4),
                                       Options{}),
                             IOError, "tensor [4611686018427387904x3] with strides [4611686018427387904x1] overflows");
}

TEST_CASE("fuzz: class versions beyond a long long are written without UB", "[serialize][fuzz]") {
  // UBSan: writing a version of 1e300, inf or nan cast it to long long. Each such file loads
  // and must write back (the fuzz target's round trip).
  struct Case {
    const char* disk;
    const char* written;
  };
  for (const Case c : {Case{"V 1e300", "V 1.0000000000000001e+300"}, Case{"V inf", "V inf"}, Case{"V -inf", "V -inf"},
                        Case{"V nan", "V nan"}, Case{"V -1e19", "V -1e+19"}, Case{"V 9.3e18", "V 9.3e+18"},
                        Case{"V 2", "V 2"}, Case{"V 2.5", "V 2.5"}, Case{"V -3", "V -3"}}) {
    INFO(c.disk);
    Bytes in;
    in.torch(1, "nn.X", c.disk).i32(3).i32(2).i32(0);
    const Object o = fromBytes(in.s);
    REQUIRE(o.isTorch());
    Bytes expected;
    expected.torch(1, "nn.X", c.written).i32(3).i32(2).i32(0);
    CHECK(roundTrip(o) == expected.s);
  }
  // Made in C++ too.
  Bytes expected;
  expected.torch(1, "my.Big", "V 1.0000000000000001e+300").i32(3).i32(2).i32(0);
  CHECK(toBytes(Object::instance("my.Big", 1e300)) == expected.s);
}

TEST_CASE("fuzz: a chain of back-references is as bounded as nesting", "[serialize][fuzz]") {
  // Found beside the fuzzer (its inputs are too short to reach it): each table is read only
  // two levels deep, but holds the previous one, so the loaded graph was a chain as long as
  // the file allowed, and destroying it (or any recursive walk) overflowed the stack: a 41 MB
  // file of a million tables crashed the loader. The graph's height is now bounded like
  // nesting: the root of 599 tables is 600 deep, one more is too deep.
  const Object ok = fromBytes(referenceChain(599));
  CHECK(ok.length() == 599);
  CHECK(ok[599]["x"]["x"].identity() == ok[597].identity());
  roundTrip(ok);
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(referenceChain(600), Options{}), IOError,
                             "objects nested deeper than 600 levels through references", "(at byte 24595)");
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(referenceChain(5000)), IOError, "deeper than 600 levels through references");

  // The same through class instances: each nn.Module's fields hold the previous module.
  Bytes objs;
  const int n = 400;  // 800 levels: an object and its field table each
  objs.i32(3).i32(1).i32(n);
  for (int k = 1; k <= n; ++k) {
    objs.i32(1).f64(k).torch(2 * k, "nn.M").i32(3).i32(2 * k + 1);
    if (k == 1) {
      objs.i32(0);
    } else {
      objs.i32(1).i32(2).str("prev").i32(4).i32(2 * k - 2);
    }
  }
  T7_REQUIRE_THROWS_WITH_ALL(fromBytes(objs.s), IOError, "deeper than 600 levels through references");
}
