// Tests of t7/data/idx.hpp (IDX files, MNIST) and t7/data/progress.hpp (ProgressBar).

#include "data_helpers.hpp"
#include "helpers.hpp"

#include <t7/data/idx.hpp>
#include <t7/data/progress.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#if T7_HAVE_ZLIB
#include <zlib.h>
#endif

using namespace t7;
namespace fs = std::filesystem;
using namespace t7test::data;

namespace {

/// An IDX header: 00 00 type rank, then the sizes big-endian.
Bytes header(unsigned type, std::vector<std::uint32_t> sizes) {
  Bytes b = {0, 0, static_cast<unsigned char>(type), static_cast<unsigned char>(sizes.size())};
  for (auto s : sizes)
    for (int k = 3; k >= 0; --k) b.push_back(static_cast<unsigned char>(s >> (8 * k)));
  return b;
}

#if T7_HAVE_ZLIB
/// `b` gzip-compressed (through zlib's gzopen/gzwrite, as gzip(1) would).
void writeGzip(const std::string& p, const Bytes& b) {
  gzFile g = gzopen(p.c_str(), "wb");
  REQUIRE(g != nullptr);
  if (!b.empty()) REQUIRE(gzwrite(g, b.data(), static_cast<unsigned>(b.size())) == int(b.size()));
  REQUIRE(gzclose(g) == Z_OK);
}
#endif

/// Values exercising each type's range (extremes, negatives, fractions for floating types).
template <class T>
std::vector<T> sampleValues(std::size_t n) {
  std::vector<T> v(n);
  if (n == 0) return v;
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (std::is_floating_point_v<T>)
      v[i] = static_cast<T>((double(i) - 7.0) * 1.25 + 0.001 * double(i * i));
    else
      v[i] = static_cast<T>(static_cast<std::int64_t>(i * 37) - 20);
  }
  v[0] = std::numeric_limits<T>::lowest();
  if (n > 1) v[1] = std::numeric_limits<T>::max();
  if constexpr (std::is_floating_point_v<T>) {
    if (n > 2) v[2] = std::numeric_limits<T>::infinity();
    if (n > 3) v[3] = std::numeric_limits<T>::denorm_min();
    if (n > 4) v[4] = T(-0.0);
  }
  return v;
}

template <class T>
Tensor<T> tensorOf(const Shape& s, const std::vector<T>& v) {
  Tensor<T> t(s);
  std::copy(v.begin(), v.end(), t.data());
  return t;
}

}  // namespace

// ---- round trips -------------------------------------------------------------------------

TEMPLATE_TEST_CASE("data: writeIDX/readIDX round trip, every type, ranks 1..3", "[data]", std::uint8_t, std::int8_t,
                   std::int16_t, std::int32_t, float, double) {
  TempDir dir;
  const std::string p = dir / "x.idx";
  for (const Shape& s : {Shape{7}, Shape{3, 5}, Shape{2, 3, 4}, Shape{0}, Shape{2, 0, 3}}) {
    const auto vals = sampleValues<TestType>(std::size_t(s.product()));
    const Tensor<TestType> t = tensorOf<TestType>(s, vals);
    data::writeIDX(p, t);
    const data::IDXHeader h = data::readIDXHeader(p);
    CHECK(h.type == data::idxTypeOf<TestType>());
    CHECK(h.sizes == s);
    CHECK_FALSE(h.gzip);
    CHECK(fs::file_size(p) == std::uintmax_t(4 + 4 * s.size() + s.product() * index_t(sizeof(TestType))));
    const Tensor<TestType> r = data::readIDX<TestType>(p);
    CHECK(r.sizes() == s);
    if (r.nElement() > 0) CHECK(r.isContiguous());  // (tensor.hpp calls a fresh 2x0x3 non-contiguous)
    const auto got = r.toVector();
    REQUIRE(got.size() == vals.size());
    for (std::size_t i = 0; i < vals.size(); ++i) {
      INFO("element " << i);
      CHECK(std::memcmp(&got[i], &vals[i], sizeof(TestType)) == 0);  // bit for bit (-0.0, denormals)
    }
  }
  CHECK(noTemporaries(dir.path));
}

TEST_CASE("data: writeIDX of non-contiguous views writes their row-major order", "[data]") {
  TempDir dir;
  const std::string p = dir / "v.idx";
  const IntTensor a{{1, 2, 3}, {4, 5, 6}};
  data::writeIDX(p, a.t());  // 3x2 transposed
  CHECK(data::readIDX<std::int32_t>(p).toVector() == std::vector<std::int32_t>{1, 4, 2, 5, 3, 6});
  CHECK(data::readIDXHeader(p).sizes == Shape{3, 2});
  const FloatTensor col = FloatTensor{{1, 2, 3}, {4, 5, 6}}.narrow(1, 1, 2);  // 2x2, strided
  data::writeIDX(p, col);
  CHECK(data::readIDX<float>(p).toVector() == std::vector<float>{2, 3, 5, 6});
  const FloatTensor row = FloatTensor{7.5f}.expand(2, 3);  // stride 0
  data::writeIDX(p, row);
  CHECK(data::readIDX<float>(p).toVector() == std::vector<float>(6, 7.5f));
  DoubleTensor four(2, 1, 2, 1);  // rank 4
  four.fill(-1.5);
  data::writeIDX(p, four);
  CHECK(data::readIDX<double>(p).sizes() == Shape{2, 1, 2, 1});
}

TEST_CASE("data: IDX bytes are big-endian, as hand-written", "[data]") {
  TempDir dir;
  const std::string p = dir / "be.idx";
  data::writeIDX(p, ShortTensor{0x0102, -2});
  CHECK(readBytes(p) == Bytes{0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE});
  data::writeIDX(p, IntTensor{{0x01020304}, {-1}});
  CHECK(readBytes(p) == Bytes{0, 0, 0x0C, 2, 0, 0, 0, 2, 0, 0, 0, 1, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF});
  data::writeIDX(p, FloatTensor{1.0f, -2.0f});
  CHECK(readBytes(p) == Bytes{0, 0, 0x0D, 1, 0, 0, 0, 2, 0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0});
  data::writeIDX(p, DoubleTensor{1.0});
  CHECK(readBytes(p) == Bytes{0, 0, 0x0E, 1, 0, 0, 0, 1, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0});
  data::writeIDX(p, CharTensor{-128, 127});
  CHECK(readBytes(p) == Bytes{0, 0, 0x09, 1, 0, 0, 0, 2, 0x80, 0x7F});
  data::writeIDX(p, ByteTensor(std::uint32_t(0x010203)).fill(9));  // a size above 65535
  const Bytes big = readBytes(p);
  CHECK(Bytes(big.begin(), big.begin() + 8) == Bytes{0, 0, 0x08, 1, 0x00, 0x01, 0x02, 0x03});
  CHECK(big.size() == 8 + 0x010203u);

  // Reading hand-written files.
  writeBytes(p, header(0x0B, {3}) + Bytes{0x80, 0x00, 0x7F, 0xFF, 0x12, 0x34});
  CHECK(data::readIDX<std::int16_t>(p).toVector() == std::vector<std::int16_t>{-32768, 32767, 0x1234});
  writeBytes(p, header(0x0C, {1, 2}) + Bytes{0x80, 0, 0, 0, 0x00, 0x01, 0x00, 0x02});
  const LongTensor l = data::readIDX<std::int64_t>(p);
  CHECK(l.sizes() == Shape{1, 2});
  CHECK(l.toVector() == std::vector<std::int64_t>{-2147483648LL, 65538});
  writeBytes(p, header(0x0D, {1}) + Bytes{0x40, 0x49, 0x0F, 0xDB});
  CHECK(data::readIDX<float>(p).item() == 3.14159274f);
}

TEST_CASE("data: readIDX converts element types", "[data]") {
  TempDir dir;
  const std::string p = dir / "c.idx";
  writeBytes(p, header(0x08, {4}) + Bytes{0, 1, 128, 255});
  CHECK(data::readIDX(p).toVector() == std::vector<std::uint8_t>{0, 1, 128, 255});  // default: ByteTensor
  CHECK(data::readIDX<float>(p).toVector() == std::vector<float>{0, 1, 128, 255});  // not scaled
  CHECK(data::readIDX<std::int8_t>(p).toVector() == std::vector<std::int8_t>{0, 1, -128, -1});  // as a C cast
  data::writeIDX(p, DoubleTensor{300.7, -1, 2.9, std::nan("")});
  CHECK(data::readIDX<std::uint8_t>(p).toVector() == std::vector<std::uint8_t>{255, 0, 2, 0});  // saturates, NaN 0
  CHECK(data::readIDX<std::int32_t>(p).toVector() == std::vector<std::int32_t>{300, -1, 2, 0});
  data::writeIDX(p, CharTensor{-5, 7});
  CHECK(data::readIDX<double>(p).toVector() == std::vector<double>{-5, 7});
}

// ---- writeIDX: types, ranges, atomicity ----------------------------------------------------

TEST_CASE("data: writeIDX with a chosen type checks every value fits", "[data]") {
  TempDir dir;
  const std::string p = dir / "labels.idx";
  data::writeIDX(p, LongTensor{0, 9, 255}, data::IDXType::UByte);  // MNIST labels
  CHECK(readBytes(p) == Bytes{0, 0, 0x08, 1, 0, 0, 0, 3, 0, 9, 255});
  data::writeIDX(p, LongTensor{-7, 2147483647});  // a LongTensor is written as int
  CHECK(data::readIDXHeader(p).type == data::IDXType::Int);
  CHECK(data::readIDX<std::int64_t>(p).toVector() == std::vector<std::int64_t>{-7, 2147483647});
  data::writeIDX(p, FloatTensor{1, -3}, data::IDXType::Short);
  CHECK(data::readIDX<std::int16_t>(p).toVector() == std::vector<std::int16_t>{1, -3});
  data::writeIDX(p, DoubleTensor{0.1}, data::IDXType::Float);  // rounds to nearest float
  CHECK(data::readIDX<float>(p).item() == 0.1f);

  const Bytes before = readBytes(p);
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, LongTensor{{1, 2}, {3, 4294967296LL}}), ValueError,
                             "writeIDX", "labels.idx", "value 4294967296 at element 3 of [2x2]", "type int");
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, LongTensor{0, 256}, data::IDXType::UByte), ValueError,
                             "value 256 at element 1", "type ubyte");
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, IntTensor{-1}, data::IDXType::UByte), ValueError, "value -1");
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, ShortTensor{-129}, data::IDXType::SByte), ValueError, "type sbyte");
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, FloatTensor{1, 2.5f}, data::IDXType::Int), ValueError,
                             "value 2.5 at element 1");
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, DoubleTensor{std::nan("")}, data::IDXType::Short), ValueError,
                             "value nan");
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, DoubleTensor{1, 1e300}, data::IDXType::Float), ValueError,
                             "value 1e+300 at element 1", "type float");
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, FloatTensor{1}, static_cast<data::IDXType>(0x0A)), ValueError,
                             "bad IDX type byte 10");
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, FloatTensor()), ValueError, "no dimension");
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, ByteTensor(Shape{std::int64_t(1) << 32, 0})), ValueError,
                             "size 4294967296 of dimension 0", "uint32");
  CHECK(readBytes(p) == before);  // failed writes left the file as it was...
  CHECK(noTemporaries(dir.path));  // ...and no temporary behind

  // A large failing write (the bad value after several flushed chunks) cleans up too.
  IntTensor many(300000);
  many.fill(1);
  many.data()[299999] = 1000;
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, many, data::IDXType::UByte), ValueError, "element 299999");
  CHECK(readBytes(p) == before);
  CHECK(noTemporaries(dir.path));
}

TEST_CASE("data: writeIDX into a missing folder throws IOError", "[data]") {
  TempDir dir;
  const std::string p = dir / "no/such/folder/x.idx";
  T7_REQUIRE_THROWS_WITH_ALL(data::writeIDX(p, FloatTensor{1}), IOError, "[t7.io_error] writeIDX", "x.idx",
                             "cannot create the temporary file", ".tmp.XXXXXX", "No such file");
}

TEST_CASE("data: writeIDX gives new files the usual permissions and keeps an existing file's", "[data]") {
  TempDir dir;
  const std::string p = dir / "perm.idx";
  data::writeIDX(p, FloatTensor{1});
  const mode_t mask = ::umask(022);
  ::umask(mask);
  CHECK((fs::status(p).permissions() & fs::perms::all) == (fs::perms(0666 & ~mask) & fs::perms::all));
  fs::permissions(p, fs::perms(0640));
  data::writeIDX(p, FloatTensor{2});
  CHECK((fs::status(p).permissions() & fs::perms::all) == fs::perms(0640));
  CHECK(data::readIDX<float>(p).item() == 2.0f);
}

// ---- gzip --------------------------------------------------------------------------------

/// The gzip (Python's gzip.compress, mtime 0) of the IDX file ubyte [3] = {1, 2, 3}.
static const Bytes kTinyGzip = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63,
                                0x60, 0xe0, 0x60, 0x64, 0x60, 0x60, 0x60, 0x66, 0x64, 0x62, 0x06,
                                0x00, 0x8b, 0xe5, 0xbd, 0xa4, 0x0b, 0x00, 0x00, 0x00};

#if T7_HAVE_ZLIB

TEST_CASE("data: readIDX reads gzip files, recognised by content not name", "[data]") {
  TempDir dir;
  writeBytes(dir / "tiny.gz", kTinyGzip);
  CHECK(data::readIDX(dir / "tiny.gz").toVector() == std::vector<std::uint8_t>{1, 2, 3});
  writeBytes(dir / "tiny.idx", kTinyGzip);  // no .gz in the name
  CHECK(data::readIDX<float>(dir / "tiny.idx").toVector() == std::vector<float>{1, 2, 3});
  CHECK(data::readIDXHeader(dir / "tiny.idx").gzip);
  writeBytes(dir / "raw.gz", header(0x08, {2}) + Bytes{4, 5});  // .gz name, raw content
  CHECK(data::readIDX(dir / "raw.gz").toVector() == std::vector<std::uint8_t>{4, 5});

  // Every type, through zlib's own writer; larger than one growth step of the buffer.
  const FloatTensor f = tensorOf<float>(Shape{3, 500, 700}, sampleValues<float>(3 * 500 * 700));
  data::writeIDX(dir / "f.idx", f);
  writeGzip(dir / "f.idx.gz", readBytes(dir / "f.idx"));
  const FloatTensor g = data::readIDX<float>(dir / "f.idx.gz");
  CHECK(g.sizes() == f.sizes());
  CHECK(std::memcmp(g.data(), f.data(), sizeof(float) * std::size_t(f.nElement())) == 0);
  const DoubleTensor d{{-1.5, 2}, {3, 1e300}};
  data::writeIDX(dir / "d.idx", d);
  writeGzip(dir / "d.gz", readBytes(dir / "d.idx"));
  CHECK(data::readIDX<double>(dir / "d.gz").toVector() == d.toVector());
  writeGzip(dir / "empty.gz", header(0x0C, {0, 5}));
  CHECK(data::readIDX<std::int32_t>(dir / "empty.gz").sizes() == Shape{0, 5});
}

TEST_CASE("data: corrupt and truncated gzip files throw IOError with the offset", "[data]") {
  TempDir dir;
  Bytes noise(1000);  // incompressible, so that half the .gz is half the data
  std::uint32_t x = 12345;
  for (auto& b : noise) b = static_cast<unsigned char>((x = x * 1664525u + 1013904223u) >> 24);
  const Bytes raw = header(0x08, {4, 250}) + noise;
  writeGzip(dir / "ok.gz", raw);
  const Bytes gz = readBytes(dir / "ok.gz");
  REQUIRE(data::readIDX(dir / "ok.gz").nElement() == 1000);

  // A valid gzip of too few data bytes.
  writeGzip(dir / "short.gz", Bytes(raw.begin(), raw.end() - 100));
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "short.gz"), IOError, "readIDX", "short.gz",
                             "truncated at byte 912 of the decompressed data", "header promises 4x250 ubyte",
                             "(1000 bytes), 900 present");
  // The compressed file cut in half.
  writeBytes(dir / "half.gz", Bytes(gz.begin(), gz.begin() + std::ptrdiff_t(gz.size() / 2)));
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "half.gz"), IOError, "half.gz", "truncated at byte",
                             "gzip stream is cut short");
  // Only the 8-byte trailer (CRC, length) missing: every data byte is there.
  writeBytes(dir / "notrailer.gz", Bytes(gz.begin(), gz.end() - 8));
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "notrailer.gz"), IOError, "notrailer.gz",
                             "gzip stream is cut short after byte 1012");
  // A wrong CRC.
  Bytes badCrc = gz;
  badCrc[badCrc.size() - 8] ^= 0xFF;
  writeBytes(dir / "crc.gz", badCrc);
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "crc.gz"), IOError, "crc.gz", "corrupt gzip data",
                             "incorrect data check");
  // Garbage where the deflate data should be.
  Bytes garbage = gz;
  for (std::size_t i = 10; i < garbage.size() - 8; ++i) garbage[i] = 0xFF;
  writeBytes(dir / "garbage.gz", garbage);
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "garbage.gz"), IOError, "garbage.gz", "corrupt gzip data");
  // Just the two magic bytes.
  writeBytes(dir / "magic.gz", Bytes{0x1f, 0x8b});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "magic.gz"), IOError, "magic.gz");
  // Decompressed trailing bytes.
  writeGzip(dir / "trail.gz", raw + Bytes{1, 2});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "trail.gz"), IOError, "trail.gz",
                             "trailing data after byte 1012 of the decompressed data", "trailing data is an error");
  // A bad header inside the gzip.
  writeGzip(dir / "rank.gz", Bytes{0, 0, 8, 0});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "rank.gz"), IOError, "rank.gz", "bad rank 0 at byte 3");
  writeGzip(dir / "hdr.gz", Bytes{0, 0, 8, 2, 0, 0});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "hdr.gz"), IOError, "truncated header at byte 6 of the decompressed",
                             "rank 2 needs 12 header bytes, 6 present");
}

TEST_CASE("data: a gzip header claiming a billion elements fails fast without allocating them", "[data]") {
  TempDir dir;
  writeGzip(dir / "bomb.gz", header(0x0E, {1024, 1024, 1024}) + Bytes(64, 0));  // claims 8 GiB
  const auto t0 = std::chrono::steady_clock::now();
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX<double>(dir / "bomb.gz"), IOError, "bomb.gz",
                             "truncated at byte 80 of the decompressed data",
                             "header promises 1024x1024x1024 double (8589934592 bytes), 64 present");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
}

#else

TEST_CASE("data: without zlib, gzip files throw IOError saying so", "[data]") {
  TempDir dir;
  writeBytes(dir / "tiny.gz", kTinyGzip);
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "tiny.gz"), IOError, "tiny.gz", "built without zlib");
}

#endif

// ---- corrupt raw files -----------------------------------------------------------------

TEST_CASE("data: readIDX rejects bad magic, type byte and rank", "[data]") {
  TempDir dir;
  const std::string p = dir / "bad.idx";
  writeBytes(p, Bytes{0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "[t7.io_error] readIDX: ", "bad.idx: bad magic at byte 0",
                             "expected 00 00 <type> <rank>, found 01 00 08 01", "not an IDX file");
  writeBytes(p, Bytes{'P', 'K', 3, 4, 0, 0});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "found 50 4b 03 04");
  writeBytes(p, Bytes{0x00, 0x07});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "bad magic", "found 00 07");
  for (unsigned t : {0x00u, 0x07u, 0x0Au, 0x0Fu, 0xFFu}) {
    writeBytes(p, Bytes{0, 0, static_cast<unsigned char>(t), 1, 0, 0, 0, 1, 5});
    char want[64];
    std::snprintf(want, sizeof want, "bad type byte 0x%02x at byte 2", t);
    T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, want, "0x08 (ubyte)", "0x0E (double)");
  }
  writeBytes(p, Bytes{0, 0, 8, 0, 5});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "bad rank 0 at byte 3: expected 1..16");
  writeBytes(p, header(0x08, std::vector<std::uint32_t>(17, 1)) + Bytes{5});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "bad rank 17 at byte 3");
  writeBytes(p, Bytes{0, 0, 8, 255} + Bytes(1020, 0));
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDXHeader(p), IOError, "readIDXHeader", "bad rank 255");
  // Rank 16 (the limit) reads.
  writeBytes(p, header(0x08, std::vector<std::uint32_t>(16, 1)) + Bytes{42});
  CHECK(data::readIDX(p).dim() == 16);
}

TEST_CASE("data: readIDX rejects truncated headers and data, and trailing bytes", "[data]") {
  TempDir dir;
  const std::string p = dir / "t.idx";
  writeBytes(p, Bytes{});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "t.idx: truncated header at byte 0",
                             "the IDX magic needs 4 bytes, 0 present");
  writeBytes(p, Bytes{0, 0, 8});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "truncated header at byte 3");
  writeBytes(p, Bytes{0, 0, 8, 3, 0, 0, 0, 2, 0, 0});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "truncated header at byte 10: rank 3 needs 16 header bytes, 10 present");
  // The brief's example: MNIST's training images with 1024 of the 47040000 data bytes.
  writeBytes(p, header(0x08, {60000, 28, 28}) + Bytes(1024, 0));
  const std::string want = "[t7.io_error] readIDX: " + p +
                           ": truncated at byte 1040: header promises 60000x28x28 ubyte (47040000 bytes), 1024 present";
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, want.c_str());
  writeBytes(p, header(0x0E, {3}) + Bytes(23, 0));  // one byte short of 3 doubles
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX<double>(p), IOError, "truncated at byte 31",
                             "header promises 3 double (24 bytes), 23 present");
  writeBytes(p, header(0x08, {2}) + Bytes{1, 2, 3});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "1 trailing bytes after the data, which ends at byte 10",
                             "trailing data is an error");
  writeBytes(p, header(0x0B, {2, 0}) + Bytes{9});
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "1 trailing bytes", "ends at byte 12");
  writeBytes(p, header(0x0B, {2, 0}));  // no element: fine
  CHECK(data::readIDX<std::int16_t>(p).sizes() == Shape{2, 0});
}

TEST_CASE("data: a header claiming 2^40 elements in a tiny file throws at once", "[data]") {
  TempDir dir;
  const std::string p = dir / "huge.idx";
  const auto t0 = std::chrono::steady_clock::now();
  writeBytes(p, header(0x08, {1u << 20, 1u << 20}) + Bytes(16, 0));
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p), IOError, "huge.idx", "claims 1048576x1048576 elements",
                             "more than the limit 2147483648");
  writeBytes(p, header(0x0E, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}));  // overflows int64
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX<double>(p), IOError, "size 4294967295 of dimension 0 (at byte 4)",
                             "exceeds the element limit");
  writeBytes(p, header(0x0C, {1u << 15, 1u << 15}) + Bytes(8, 0));  // 2^30 elements: under the limit
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX<std::int32_t>(p), IOError, "truncated at byte 20",
                             "(4294967296 bytes), 8 present");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
  // A lower limit of the caller's choosing.
  writeBytes(p, header(0x08, {10, 10}) + Bytes(100, 0));
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(p, {.maxElements = 99}), IOError, "claims 10x10 elements",
                             "more than the limit 99");
  CHECK(data::readIDX(p, {.maxElements = 100}).nElement() == 100);
}

TEST_CASE("data: readIDX of a missing file or a folder throws IOError naming it", "[data]") {
  TempDir dir;
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDX(dir / "nope.idx"), IOError, "readIDX: ", "nope.idx: cannot open",
                             "No such file or directory");
  T7_REQUIRE_THROWS_WITH_ALL(data::readIDXHeader(dir.path.string()), IOError, "not a regular file");
}

// ---- MNIST -------------------------------------------------------------------------------

namespace {
/// Writes a tiny MNIST-like split: n images of 4x3 (image i filled with i) and labels i % 10.
void makeSplit(const TempDir& dir, const std::string& prefix, int n, bool gz) {
  ByteTensor images(n, 4, 3);
  LongTensor labels(n);
  for (int i = 0; i < n; ++i) {
    images.select(0, i).fill(static_cast<std::uint8_t>(i));
    labels.data()[i] = i % 10;
  }
  const std::string img = dir / (prefix + "-images-idx3-ubyte");
  const std::string lbl = dir / (prefix + "-labels-idx1-ubyte");
  data::writeIDX(img, images);
  data::writeIDX(lbl, labels, data::IDXType::UByte);
#if T7_HAVE_ZLIB
  if (gz) {
    for (const auto& f : {img, lbl}) {
      writeGzip(f + ".gz", readBytes(f));
      fs::remove(f);
    }
  }
#else
  (void)gz;
#endif
}
}  // namespace

TEST_CASE("data: loadMNIST reads the standard files of each split", "[data]") {
  TempDir dir;
  makeSplit(dir, "train", 12, false);
  makeSplit(dir, "t10k", 5, true);
  const data::MNIST train = data::loadMNIST(dir.path.string(), data::Split::Train);
  CHECK(train.size() == 12);
  CHECK(train.images.sizes() == Shape{12, 4, 3});
  CHECK(train.labels.sizes() == Shape{12});
  CHECK(train.labels.toVector() == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1});
  CHECK(train.images(11, 3, 2) == 11);
  CHECK(train.images(5, 0, 0) == 5);
  const data::MNIST test = data::loadMNIST(dir.path.string(), data::Split::Test);  // .gz when zlib is there
  CHECK(test.size() == 5);
  CHECK(test.labels.toVector() == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(test.images(4, 1, 1) == 4);
  CHECK(data::MNIST{}.size() == 0);

  // head(n): the first n examples, as views; all of them past the end
  const data::MNIST first = train.head(3);
  CHECK(first.size() == 3);
  CHECK(first.images.sizes() == Shape{3, 4, 3});
  CHECK(first.labels.toVector() == std::vector<std::int64_t>{0, 1, 2});
  CHECK(first.images(2, 3, 2) == 2);
  CHECK(first.images.storage().isSameAs(train.images.storage()));
  CHECK(train.head(12).size() == 12);
  CHECK(train.head(1000).size() == 12);
  CHECK(train.head(0).size() == 0);
  T7_REQUIRE_THROWS_WITH_ALL(train.head(-1), ValueError, "MNIST::head", "-1");
}

TEST_CASE("data: loadMNIST rejects missing files, bad labels, count mismatches and wrong types", "[data]") {
  TempDir dir;
  const std::string d = dir.path.string();
  T7_REQUIRE_THROWS_WITH_ALL(data::loadMNIST(d, data::Split::Train), IOError, "loadMNIST: ",
                             "train-images-idx3-ubyte: missing", "train-images-idx3-ubyte.gz exists");
  makeSplit(dir, "train", 3, false);
  T7_REQUIRE_THROWS_WITH_ALL(data::loadMNIST(d, data::Split::Test), IOError, "t10k-images-idx3-ubyte: missing");
  const std::string lbl = dir / "train-labels-idx1-ubyte";
  data::writeIDX(lbl, ByteTensor{1, 10, 2});
  T7_REQUIRE_THROWS_WITH_ALL(data::loadMNIST(d, data::Split::Train), IOError, "train-labels-idx1-ubyte",
                             "label 10 of example 1 (at byte 9) is not a class 0..9");
  data::writeIDX(lbl, ByteTensor{1, 2});
  T7_REQUIRE_THROWS_WITH_ALL(data::loadMNIST(d, data::Split::Train), IOError, "has 3 images but",
                             "train-labels-idx1-ubyte has 2 labels");
  data::writeIDX(lbl, IntTensor{1, 2, 3});
  T7_REQUIRE_THROWS_WITH_ALL(data::loadMNIST(d, data::Split::Train), IOError,
                             "expected labels (ubyte, rank 1), found int of size [3]");
  data::writeIDX(lbl, ByteTensor{{1, 2, 3}});
  T7_REQUIRE_THROWS_WITH_ALL(data::loadMNIST(d, data::Split::Train), IOError, "found ubyte of size [1x3]");
  data::writeIDX(lbl, ByteTensor{1, 2, 3});
  data::writeIDX(dir / "train-images-idx3-ubyte", ByteTensor(3, 12).fill(0));
  T7_REQUIRE_THROWS_WITH_ALL(data::loadMNIST(d, data::Split::Train), IOError,
                             "expected images (ubyte, rank 3), found ubyte of size [3x12]");
  writeBytes(dir / "train-images-idx3-ubyte", header(0x08, {3, 4, 3}) + Bytes(5, 0));
  T7_REQUIRE_THROWS_WITH_ALL(data::loadMNIST(d, data::Split::Train), IOError, "readIDX", "truncated at byte 21");
}

namespace {
/// Sets or unsets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(const char* n, const char* value) : name(n) {
    if (const char* o = std::getenv(n)) old = o;
    if (value) ::setenv(n, value, 1);
    else ::unsetenv(n);
  }
  ~ScopedEnv() {
    if (old) ::setenv(name.c_str(), old->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
};
}  // namespace

TEST_CASE("data: findFashionMNIST looks in $T7_DATA_DIR, then Debian's folder", "[data]") {
  TempDir root;
  const bool debian = data::detail::hasMNISTFiles(data::kFashionMNISTDebianDir);
  {
    ScopedEnv env("T7_DATA_DIR", root.path.string().c_str());
    if (debian) CHECK(data::findFashionMNIST() == std::string(data::kFashionMNISTDebianDir));
    else CHECK_FALSE(data::findFashionMNIST().has_value());
    fs::create_directories(root.path / "fashion-mnist");
    // Only three of the four files: not a dataset folder.
    for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"})
      writeBytes(root / (std::string("fashion-mnist/") + f), Bytes{});
    if (!debian) CHECK_FALSE(data::findFashionMNIST().has_value());
    // The fourth, compressed (counted only when this build reads gzip).
    writeBytes(root / (T7_HAVE_ZLIB ? "fashion-mnist/t10k-labels-idx1-ubyte.gz" : "fashion-mnist/t10k-labels-idx1-ubyte"),
               Bytes{});
    CHECK(data::findFashionMNIST() == (root.path / "fashion-mnist").string());
    CHECK(data::findMNIST() != (root.path / "mnist").string());
    fs::create_directories(root.path / "mnist");
    for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"})
      writeBytes(root / (std::string("mnist/") + f), Bytes{});
    CHECK(data::findMNIST() == (root.path / "mnist").string());
  }
  ScopedEnv unset("T7_DATA_DIR", nullptr);
  CHECK(data::findFashionMNIST().has_value() == debian);
}

TEST_CASE("data: Debian's Fashion-MNIST loads (skipped when dataset-fashion-mnist is not installed)", "[data]") {
  if (!data::detail::hasMNISTFiles(data::kFashionMNISTDebianDir)) {
    WARN("Fashion-MNIST is not installed in " << data::kFashionMNISTDebianDir
                                              << " (apt-get install dataset-fashion-mnist), or this build has no "
                                                 "zlib to read its .gz files: skipped");
    return;
  }
  const data::MNIST test = data::loadMNIST(data::kFashionMNISTDebianDir, data::Split::Test);
  CHECK(test.images.sizes() == Shape{10000, 28, 28});
  CHECK(test.labels.sizes() == Shape{10000});
  std::vector<int> perClass(10, 0);
  for (auto l : test.labels.toVector()) ++perClass.at(std::size_t(l));
  CHECK(perClass == std::vector<int>(10, 1000));  // Fashion-MNIST's test set is balanced
  const auto train = data::readIDXHeader(std::string(data::kFashionMNISTDebianDir) + "/train-images-idx3-ubyte.gz");
  CHECK(train.gzip);
  CHECK(train.type == data::IDXType::UByte);
  CHECK(train.sizes == Shape{60000, 28, 28});
}

// ---- ProgressBar ----------------------------------------------------------------------------

TEST_CASE("data: ProgressBar on a terminal rewrites one line, rate-limited", "[data][progress]") {
  std::ostringstream os;
  double now = 100;
  data::ProgressBar bar(100, {.width = 10, .out = &os, .mode = data::ProgressMode::Terminal,
                              .clock = [&] { return now; }});
  CHECK(bar.terminal());
  now = 101;
  bar.update(25, "loss 0.50");
  const std::string l1 = "[==>.......] 25/100 | 25.0 ex/s | ETA 0:03 | loss 0.50";
  CHECK(os.str() == "\r" + l1);
  now = 101.01;  // within 50 ms of the last redraw: nothing
  bar.update(26, "loss 0.49");
  CHECK(os.str() == "\r" + l1);
  now = 102;
  bar.update(50);
  const std::string l2 = "[=====>....] 50/100 | 25.0 ex/s | ETA 0:02";
  CHECK(os.str() == "\r" + l1 + "\r" + l2 + std::string(l1.size() - l2.size(), ' '));  // old tail erased
  now = 104;
  bar.update(100, "loss 0.10");
  const std::string l3 = "[==========] 100/100 | 25.0 ex/s | time 0:04 | loss 0.10";
  CHECK(os.str() == "\r" + l1 + "\r" + l2 + std::string(l1.size() - l2.size(), ' ') + "\r" + l3 + "\n");
  CHECK(bar.finished());
  bar.update(100);  // nothing after the end
  bar.finish();
  CHECK(os.str().size() == 2 * l1.size() + l3.size() + 4);
}

TEST_CASE("data: ProgressBar into a log prints one line per tenth", "[data][progress]") {
  std::ostringstream os;
  double now = 0;
  data::ProgressBar bar(60000, {.width = 20, .out = &os, .label = "train", .clock = [&] { return now; }});
  CHECK_FALSE(bar.terminal());  // a string stream is no terminal
  for (int i = 1000; i <= 60000; i += 1000) {
    now += 0.5;  // 2000 ex/s
    bar.update(i, "loss 0.31");
  }
  std::vector<std::string> lines;
  std::istringstream in(os.str());
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  REQUIRE(lines.size() == 10);
  CHECK(lines[0] == "train [==>.................] 6000/60000 | 2.0k ex/s | ETA 0:27 | loss 0.31");
  CHECK(lines[4] == "train [==========>.........] 30000/60000 | 2.0k ex/s | ETA 0:15 | loss 0.31");
  CHECK(lines[9] == "train [====================] 60000/60000 | 2.0k ex/s | time 0:30 | loss 0.31");
  CHECK(os.str().find('\r') == std::string::npos);
  CHECK(os.str().back() == '\n');
}

TEST_CASE("data: ProgressBar finish, early finish, edge cases and errors", "[data][progress]") {
  std::ostringstream os;
  double now = 0;
  {
    data::ProgressBar bar(1000, {.width = 0, .out = &os, .mode = data::ProgressMode::Log, .unit = "img",
                                 .clock = [&] { return now; }});
    bar.update(0);  // nothing yet, and no rate at time 0
    CHECK(os.str().empty());
    CHECK(bar.line(0, 0, "", false) == "0/1000 | -- img/s | ETA --:--");
    now = 3725;
    bar.update(400);
    CHECK(os.str() == "400/1000 | 0.1 img/s | ETA 1:33:08\n");
    bar.finish("stopped early");
    CHECK(os.str() == "400/1000 | 0.1 img/s | ETA 1:33:08\n400/1000 | 0.1 img/s | time 1:02:05 | stopped early\n");
  }
  {
    std::ostringstream o2;
    data::ProgressBar empty(0, {.width = 4, .out = &o2, .mode = data::ProgressMode::Terminal,
                                .clock = [] { return 0.0; }});
    empty.update(0);
    CHECK(o2.str() == "\r[====] 0/0 | -- ex/s | time 0:00\n");
  }
  {
    std::ostringstream o3;  // an unfinished terminal line gets its newline from the destructor
    {
      double t = 0;
      data::ProgressBar bar(10, {.width = 2, .out = &o3, .mode = data::ProgressMode::Terminal,
                                 .clock = [&] { return t; }});
      t = 1;
      bar.update(5);
    }
    CHECK(o3.str() == "\r[=>] 5/10 | 5.0 ex/s | ETA 0:01\n");
  }
  data::ProgressBar bar(10, {.out = &os, .mode = data::ProgressMode::Log});
  T7_REQUIRE_THROWS_WITH_ALL(bar.update(11), ValueError, "ProgressBar::update: current 11 is outside [0, 10]");
  T7_REQUIRE_THROWS_WITH_ALL(bar.update(-1), ValueError, "current -1");
  T7_REQUIRE_THROWS_WITH_ALL(data::ProgressBar(-5), ValueError, "ProgressBar: total -5 is negative");
  T7_REQUIRE_THROWS_WITH_ALL(data::ProgressBar(5, {.width = -1}), ValueError, "width -1 is negative");
  T7_REQUIRE_THROWS_WITH_ALL(data::ProgressBar(5, {.out = nullptr}), ValueError, "out is null");
  // The real clock is steady and starts near zero elapsed.
  std::ostringstream o4;
  data::ProgressBar real(4, {.width = 4, .out = &o4, .mode = data::ProgressMode::Log});
  real.update(4);
  CHECK(o4.str().rfind("[====] 4/4 | ", 0) == 0);
  CHECK(o4.str().find("| time 0:00\n") != std::string::npos);
}

TEST_CASE("data: ProgressBar number formats", "[data][progress]") {
  using PB = data::ProgressBar;
  CHECK(PB::formatRate(0.5) == "0.5");
  CHECK(PB::formatRate(950) == "950.0");
  CHECK(PB::formatRate(3100) == "3.1k");
  CHECK(PB::formatRate(12.34e6) == "12.3M");
  CHECK(PB::formatRate(2e9) == "2.0G");
  CHECK(PB::formatDuration(0) == "0:00");
  CHECK(PB::formatDuration(12.4) == "0:12");
  CHECK(PB::formatDuration(59.6) == "1:00");
  CHECK(PB::formatDuration(725) == "12:05");
  CHECK(PB::formatDuration(3723) == "1:02:03");
  CHECK(PB::formatDuration(-1) == "--:--");
  CHECK(PB::formatDuration(std::nan("")) == "--:--");
  CHECK(PB::formatDuration(1e300) == "--:--");
}
