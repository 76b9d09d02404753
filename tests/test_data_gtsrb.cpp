// Tests of t7/data/netpbm.hpp (PGM/PPM), t7/data/resize.hpp (bilinear resize),
// t7/data/gtsrb.hpp (GTSRB) and t7/data/image_folder.hpp (folder per class).

#include "data_helpers.hpp"
#include "helpers.hpp"

#include <t7/data/gtsrb.hpp>
#include <t7/data/image_folder.hpp>
#include <t7/data/netpbm.hpp>
#include <t7/data/resize.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

using namespace t7;
namespace fs = std::filesystem;
using namespace t7test::data;

namespace {

/// An RGB image [3 x h x w] whose pixel (c, y, x) is `f(c, y, x)`.
template <class F>
ByteTensor rgb(index_t h, index_t w, F f) {
  ByteTensor t(3, h, w);
  for (index_t c = 0; c < 3; ++c)
    for (index_t y = 0; y < h; ++y)
      for (index_t x = 0; x < w; ++x) t(c, y, x) = static_cast<std::uint8_t>(f(c, y, x));
  return t;
}

}  // namespace

// ---- Netpbm ------------------------------------------------------------------------------

TEST_CASE("data: writePNM/readPNM round trip: P5, P6, P2, P3, 8 and 16 bits", "[data][pnm]") {
  TempDir dir;
  const std::string p = dir / "img.pnm";
  const ByteTensor colour = rgb(3, 5, [](index_t c, index_t y, index_t x) { return 50 * c + 10 * y + x; });
  const ByteTensor grey = colour.narrow(0, 1, 1);
  for (bool plain : {false, true}) {
    INFO("plain " << plain);
    data::writePNM(p, colour, {.plain = plain});
    data::PNMHeader h = data::readPNMHeader(p);
    CHECK(h.type == (plain ? 3 : 6));
    CHECK(h.channels == 3);
    CHECK(h.width == 5);
    CHECK(h.height == 3);
    CHECK(h.maxval == 255);
    CHECK(h.plain() == plain);
    CHECK(data::readPNM(p).toVector() == colour.toVector());
    CHECK(data::readPNM(p).sizes() == Shape{3, 3, 5});
    data::writePNM(p, grey, {.plain = plain});
    CHECK(data::readPNMHeader(p).type == (plain ? 2 : 5));
    CHECK(data::readPNM<float>(p).toVector() == grey.toFloat().toVector());
    data::writePNM(p, grey.select(0, 0), {.plain = plain});  // [H x W] is a PGM too
    CHECK(data::readPNM<std::int64_t>(p).sizes() == Shape{1, 3, 5});
    // 16 bits: two big-endian bytes per sample.
    IntTensor deep = colour.toInt();
    deep.mul(250);
    data::writePNM(p, deep, {.maxval = 65535, .plain = plain});
    CHECK(data::readPNMHeader(p).bytesPerSample() == 2);
    CHECK(data::readPNM<std::int32_t>(p).toVector() == deep.toVector());
    CHECK(data::readPNM<float>(p).toVector() == deep.toFloat().toVector());
  }
  CHECK(noTemporaries(dir.path));
}

TEST_CASE("data: PNM bytes are as the format says, and hand-written files read", "[data][pnm]") {
  TempDir dir;
  const std::string p = dir / "x.ppm";
  data::writePNM(p, ByteTensor{{{1, 2}}, {{3, 4}}, {{5, 6}}});  // 3 x 1 x 2
  CHECK(readBytes(p) == bytesOf("P6\n2 1\n255\n") + Bytes{1, 3, 5, 2, 4, 6});  // interleaved RGB
  data::writePNM(p, IntTensor{{258, 0}}, {.maxval = 1000});
  CHECK(readBytes(p) == bytesOf("P5\n2 1\n1000\n") + Bytes{1, 2, 0, 0});
  data::writePNM(p, ByteTensor{{7, 8}, {9, 10}}, {.maxval = 15, .plain = true});
  CHECK(readBytes(p) == bytesOf("P2\n2 2\n15\n7 8\n9 10\n"));
  // Non-contiguous images write their logical order.
  const ByteTensor base{{1, 2, 3}, {4, 5, 6}};
  data::writePNM(p, base.t());
  CHECK(data::readPNM(p).toVector() == std::vector<std::uint8_t>{1, 4, 2, 5, 3, 6});
  data::writePNM(p, ByteTensor{9}.expand(2, 2));
  CHECK(data::readPNM(p).toVector() == std::vector<std::uint8_t>(4, 9));
  // Comments and odd whitespace in the header, as other writers make them.
  writeBytes(p, bytesOf("P6 # made by hand\n#another\n 2\t1 \n# maxval next\n255\n") + Bytes{10, 20, 30, 40, 50, 60});
  const ByteTensor t = data::readPNM(p);
  CHECK(t.sizes() == Shape{3, 1, 2});
  CHECK(t.toVector() == std::vector<std::uint8_t>{10, 40, 20, 50, 30, 60});
  CHECK(data::readPNMHeader(p).dataOffset == index_t(bytesOf("P6 # made by hand\n#another\n 2\t1 \n# maxval next\n255\n").size()));
  writeBytes(p, bytesOf("P3\n# c\n1 2\n100\n 1 2 3 # comment\n\n  4\r\n5 6\n"));
  CHECK(data::readPNM(p).toVector() == std::vector<std::uint8_t>{1, 4, 2, 5, 3, 6});
  writeBytes(p, bytesOf("P5\n3 1\n4\n") + Bytes{0, 4, 2});  // maxval 4
  CHECK(data::readPNM<double>(p).toVector() == std::vector<double>{0, 4, 2});
}

TEST_CASE("data: readPNM refuses unsupported formats, naming them", "[data][pnm]") {
  TempDir dir;
  const std::string p = dir / "img.ppm";
  const std::vector<std::pair<Bytes, const char*>> cases = {
      {Bytes{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0}, "unsupported image format PNG"},
      {Bytes{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, "unsupported image format JPEG"},
      {bytesOf("GIF89a....."), "unsupported image format GIF"},
      {bytesOf("BM\x36\x00"), "unsupported image format BMP"},
      {bytesOf("RIFF") + Bytes{0x10, 0, 0, 0} + bytesOf("WEBPVP8 "), "unsupported image format WebP"},
      {Bytes{'I', 'I', '*', 0, 8, 0}, "unsupported image format TIFF"},
      {bytesOf("P4\n1 1\n\x80"), "unsupported image format PBM"},
      {bytesOf("P7\nWIDTH 1\n"), "unsupported image format PAM"},
      {Bytes{0x1f, 0x8b, 8, 0}, "gzip-compressed"},
      {bytesOf("hello world"), "unsupported image format (first bytes 68 65 6c 6c)"},
      {Bytes{}, "first bytes none: empty file"},
  };
  for (const auto& [bytes, what] : cases) {
    writeBytes(p, bytes);
    T7_REQUIRE_THROWS_WITH_ALL(data::readPNM(p), IOError, "[t7.io_error] readPNM: ", "img.ppm: ", what,
                               "t7 reads only PGM and PPM");
  }
  CHECK(data::imageFormat("P6") == "PPM");
  CHECK(data::imageFormat("P2") == "PGM");
  CHECK(data::imageFormat("") == "");
}

TEST_CASE("data: corrupt PNM files throw IOError with the byte offset", "[data][pnm]") {
  TempDir dir;
  const std::string p = dir / "bad.pgm";
  auto throwsWith = [&](const Bytes& b, std::initializer_list<const char*> frags) {
    writeBytes(p, b);
    bool thrown = false;
    try {
      (void)data::readPNM<std::int32_t>(p);
    } catch (const IOError& e) {
      thrown = true;
      const std::string msg = e.what();
      INFO("message: " << msg);
      CHECK(msg.find("bad.pgm") != std::string::npos);
      for (const char* f : frags) CHECK(msg.find(f) != std::string::npos);
    }
    CHECK(thrown);
  };
  throwsWith(bytesOf("P5\nx 1\n255\n"), {"bad header at byte 3: expected the width (a decimal number), found 'x'"});
  throwsWith(bytesOf("P5\n2 -1\n255\n"), {"bad header at byte 5: expected the height", "found '-'"});
  throwsWith(bytesOf("P5\n2"), {"truncated header at byte 4: expected the height"});
  throwsWith(bytesOf("P5x 1 1 255\n"), {"bad header at byte 2: expected whitespace after the magic P5"});
  throwsWith(bytesOf("P5\n0 5\n255\n"), {"the image is 0x5 (width x height): no pixel"});
  throwsWith(bytesOf("P5\n1234567890 1\n255\n"), {"the width has more than 9 digits"});
  throwsWith(bytesOf("P6\n100000 100000\n255\n"), {"header claims 100000x100000 pixels", "more than the limit 268435456",
                                                   "PNMReadOptions::maxPixels"});
  throwsWith(bytesOf("P5\n1 1\n0\n\x00"), {"bad maxval 0 at byte 7: expected 1..65535"});
  throwsWith(bytesOf("P5\n1 1\n65536\n\x00"), {"bad maxval 65536"});
  throwsWith(bytesOf("P5\n1 1\n255"), {"truncated at byte 10: the header ends without the raster"});
  throwsWith(bytesOf("P5\n1 1\n255x"), {"expected one whitespace byte after the maxval"});
  throwsWith(bytesOf("P6\n2 2\n255\n") + Bytes(11, 0),
             {"truncated at byte 22: header promises 2x2 RGB pixels of 8 bits (12 bytes from byte 11), 11 present"});
  throwsWith(bytesOf("P5\n2 2\n65535\n") + Bytes(7, 0), {"2x2 grey pixels of 16 bits (8 bytes from byte 13), 7 present"});
  throwsWith(bytesOf("P5\n2 1\n255\n") + Bytes{1, 2, 3, 4}, {"2 trailing bytes after the raster, which ends at byte 13",
                                                             "trailing data is an error"});
  throwsWith(bytesOf("P5\n3 1\n100\n") + Bytes{1, 101, 3}, {"sample 101 at byte 12 exceeds the maxval 100"});
  throwsWith(bytesOf("P5\n2 1\n1000\n") + Bytes{0, 1, 3, 0xE9}, {"sample 1001 at byte 14 exceeds the maxval 1000"});
  throwsWith(bytesOf("P2\n2 2\n255\n1 2 3\n"), {"truncated at byte 17: 4 ASCII samples need at least 7 bytes"});
  throwsWith(bytesOf("P2\n2 2\n255\n1 2 3      "), {"truncated at byte 22: 4 samples expected, 3 present"});
  throwsWith(bytesOf("P2\n2 1\n255\n1 x2 "), {"bad sample at byte 13: expected a decimal number, found 'x'"});
  throwsWith(bytesOf("P2\n2 1\n255\n1 256\n"), {"sample 256 at byte 13 exceeds the maxval 255"});
  throwsWith(bytesOf("P2\n2 1\n255\n1 2 3\n"), {"trailing data at byte 15 after the 2 samples"});
  throwsWith(bytesOf("P2\n1 1\n255\n12345678\n"), {"sample at byte 11 has more than 6 digits", "exceeds the maxval 255"});
  // A smaller limit of the caller's choosing.
  writeBytes(p, bytesOf("P5\n4 4\n255\n") + Bytes(16, 0));
  T7_REQUIRE_THROWS_WITH_ALL(data::readPNM(p, {.maxPixels = 15}), IOError, "claims 4x4 pixels", "limit 15");
  CHECK(data::readPNM(p, {.maxPixels = 16}).nElement() == 16);
  // Types that cannot hold the samples.
  writeBytes(p, bytesOf("P5\n1 1\n300\n") + Bytes{1, 44});
  T7_REQUIRE_THROWS_WITH_ALL(data::readPNM(p), TypeError, "samples up to the maxval 300 do not fit torch.ByteTensor");
  T7_REQUIRE_THROWS_WITH_ALL(data::readPNM<std::int8_t>(p), TypeError, "torch.CharTensor");
  CHECK(data::readPNM<std::int16_t>(p).item() == 300);
  // Missing files and folders.
  T7_REQUIRE_THROWS_WITH_ALL(data::readPNM(dir / "none.ppm"), IOError, "none.ppm: cannot open", "No such file");
  T7_REQUIRE_THROWS_WITH_ALL(data::readPNMHeader(dir.path.string()), IOError, "readPNMHeader", "not a regular file");
}

TEST_CASE("data: writePNM checks its input and leaves the old file on failure", "[data][pnm]") {
  TempDir dir;
  const std::string p = dir / "keep.ppm";
  data::writePNM(p, ByteTensor{{1, 2}});
  const Bytes before = readBytes(p);
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(p, IntTensor{{1, 256}}), ValueError, "writePNM: ", "keep.ppm",
                             "value 256 at [0][0][1] of [1x2] is not an integer in 0..255");
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(p, FloatTensor{{0.5f}}), ValueError, "value 0.5");
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(p, IntTensor{{-1}}), ValueError, "value -1");
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(p, DoubleTensor{{std::nan("")}}), ValueError, "value nan");
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(p, IntTensor{{70}}, {.maxval = 63}), ValueError, "0..63");
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(p, ByteTensor(2, 2, 2)), ValueError,
                             "expected an image [H x W], [1 x H x W] or [3 x H x W], got [2x2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(p, ByteTensor(4)), ValueError, "got [4]");
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(p, ByteTensor(3, 0, 2)), ValueError, "[3x0x2] has no pixel");
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(p, ByteTensor{{1}}, {.maxval = 0}), ValueError, "maxval 0 is outside 1..65535");
  T7_REQUIRE_THROWS_WITH_ALL(data::writePNM(dir / "no/dir/x.ppm", ByteTensor{{1}}), IOError,
                             "cannot create the temporary file");
  CHECK(readBytes(p) == before);
  CHECK(noTemporaries(dir.path));
}

// ---- resizeBilinear ----------------------------------------------------------------------

TEST_CASE("data: resizeBilinear aligns pixel centres, rounds integers, keeps exact copies", "[data][resize]") {
  const DoubleTensor src{{0, 4}, {8, 12}};
  const DoubleTensor up = data::resizeBilinear(src, 4, 4);
  CHECK(up.toVector() == std::vector<double>{0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12});
  CHECK(data::resizeBilinear(ByteTensor{{0, 4}, {8, 12}}, 4, 4).toVector() ==
        std::vector<std::uint8_t>{0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12});
  // Halving averages 2x2 blocks.
  const FloatTensor big{{0, 2, 4, 6}, {2, 4, 6, 8}, {10, 10, 20, 20}, {10, 10, 20, 20}};
  CHECK(data::resizeBilinear(big, 2, 2).toVector() == std::vector<float>{2, 6, 10, 20});
  // Integers round to nearest: 0, 0.25, 0.75, 1 -> 0, 0, 1, 1.
  CHECK(data::resizeBilinear(ByteTensor{{0, 1}}, 1, 4).toVector() == std::vector<std::uint8_t>{0, 0, 1, 1});
  CHECK(data::resizeBilinear(FloatTensor{{0, 1}}, 1, 4).toVector() == std::vector<float>{0, 0.25f, 0.75f, 1});
  // The same size copies; one pixel spreads everywhere; channels are independent.
  const ByteTensor img = rgb(3, 4, [](index_t c, index_t y, index_t x) { return 100 * c + 7 * y + x; });
  CHECK(data::resizeBilinear(img, 3, 4).toVector() == img.toVector());
  CHECK(data::resizeBilinear(ShortTensor{{-7}}, 2, 3).toVector() == std::vector<std::int16_t>(6, -7));
  const ByteTensor r = data::resizeBilinear(img, 5, 2);
  CHECK(r.sizes() == Shape{3, 5, 2});
  for (index_t c = 0; c < 3; ++c)
    CHECK(data::resizeBilinear(img.select(0, c), 5, 2).toVector() == r.select(0, c).toVector());
  // Any layout: a transposed source equals its contiguous copy.
  const FloatTensor t = FloatTensor{{1, 2, 3}, {4, 5, 6}}.t();
  CHECK(data::resizeBilinear(t, 5, 3).toVector() == data::resizeBilinear(t.contiguous(), 5, 3).toVector());
  // Result-first form, another element type, and a result sharing the source's memory.
  FloatTensor res;
  data::resizeBilinear(res, ByteTensor{{0, 4}, {8, 12}}, 4, 4);
  CHECK(res.toVector() == std::vector<float>{0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12});
  DoubleTensor same = src.clone();
  data::resizeBilinear(same, same, 4, 4);
  CHECK(same.toVector() == up.toVector());
  // Saturation of integer results: bilinear weights never leave the range of the inputs.
  CHECK(data::resizeBilinear(ByteTensor{{255, 255}, {255, 0}}, 3, 3).toVector().front() == 255);
}

TEST_CASE("data: resizeBilinear errors", "[data][resize]") {
  T7_REQUIRE_THROWS_WITH_ALL(data::resizeBilinear(FloatTensor{1, 2}, 2, 2), ValueError,
                             "resizeBilinear: expected an image [C x H x W] or [H x W], got [2]");
  T7_REQUIRE_THROWS_WITH_ALL(data::resizeBilinear(FloatTensor(1, 1, 1, 1), 2, 2), ValueError, "[1x1x1x1]");
  T7_REQUIRE_THROWS_WITH_ALL(data::resizeBilinear(FloatTensor(3, 0, 2), 2, 2), ValueError, "[3x0x2] has no pixel");
  T7_REQUIRE_THROWS_WITH_ALL(data::resizeBilinear(FloatTensor{{1}}, 0, 2), ValueError,
                             "output size 0x2 must be at least 1x1");
}

// ---- GTSRB -------------------------------------------------------------------------------

namespace {

const char* kHeader = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\r\n";

/// The pixel (c, y, x) of image number `id`.
int gtsrbPixel(int id, index_t c, index_t y, index_t x) { return (id * 31 + int(c) * 70 + int(y) * 9 + int(x)) % 256; }

ByteTensor gtsrbImage(int id, index_t w, index_t h) {
  return rgb(h, w, [id](index_t c, index_t y, index_t x) { return gtsrbPixel(id, c, y, x); });
}

/// A tiny GTSRB: class 0 with images 1 (6x5, ROI (1,1)-(3,2)) and 2 (4x4, ROI (0,0)-(2,1)),
/// class 2 with image 3 (5x6, ROI (2,3)-(4,4)); test images 4 (class 1) and 5 (class 42).
void makeGTSRB(const fs::path& base) {
  const fs::path c0 = base / "Final_Training/Images/00000", c2 = base / "Final_Training/Images/00002";
  const fs::path test = base / "Final_Test/Images";
  for (const auto& d : {c0, c2, test}) fs::create_directories(d);
  data::writePNM((c0 / "00000_00000.ppm").string(), gtsrbImage(1, 6, 5));
  data::writePNM((c0 / "00000_00001.ppm").string(), gtsrbImage(2, 4, 4));
  writeText((c0 / "GT-00000.csv").string(),
            std::string(kHeader) + "00000_00000.ppm;6;5;1;1;3;2;0\r\n00000_00001.ppm;4;4;0;0;2;1;0\r\n");
  data::writePNM((c2 / "00000_00000.ppm").string(), gtsrbImage(3, 5, 6));
  writeText((c2 / "GT-00002.csv").string(), std::string(kHeader) + "00000_00000.ppm;5;6;2;3;4;4;2\r\n");
  data::writePNM((test / "00000.ppm").string(), gtsrbImage(4, 3, 3));
  data::writePNM((test / "00001.ppm").string(), gtsrbImage(5, 4, 3));
  writeText((test / "GT-final_test.csv").string(),
            std::string(kHeader) + "00000.ppm;3;3;0;1;1;2;1\r\n00001.ppm;4;3;1;0;2;1;42\r\n");
}

/// Checks that example k of `d` is the ROI (x1,y1)-(x2,y2) of image `id`, pixel for pixel.
void checkCrop(const data::LabeledImages& d, index_t k, int id, index_t x1, index_t y1, index_t x2, index_t y2) {
  INFO("example " << k << ", image " << id);
  const ByteTensor img = d.images.select(0, k);
  REQUIRE(img.sizes() == Shape{3, y2 - y1 + 1, x2 - x1 + 1});
  for (index_t c = 0; c < 3; ++c)
    for (index_t y = y1; y <= y2; ++y)
      for (index_t x = x1; x <= x2; ++x) CHECK(int(img(c, y - y1, x - x1)) == gtsrbPixel(id, c, y, x));
}

}  // namespace

TEST_CASE("data: readGTSRBCSV parses and checks the CSV", "[data][gtsrb]") {
  TempDir dir;
  const std::string p = dir / "GT-00005.csv";
  writeText(p, "\xEF\xBB\xBF" + std::string(kHeader) + "a.ppm;29;30;5;6;24;25;5\r\n\r\nb.ppm;10;10;0;0;9;9;42");
  const auto e = data::readGTSRBCSV(p);
  REQUIRE(e.size() == 2);
  CHECK(e[0].filename == "a.ppm");
  CHECK(e[0].width == 29);
  CHECK(e[0].height == 30);
  CHECK(e[0].x1 == 5);
  CHECK(e[0].y1 == 6);
  CHECK(e[0].x2 == 24);
  CHECK(e[0].y2 == 25);
  CHECK(e[0].classId == 5);
  CHECK(e[1].classId == 42);
  writeText(p, "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2\na.ppm;3;3;0;0;2;2\n");  // unlabelled test CSV
  CHECK(data::readGTSRBCSV(p).at(0).classId == -1);
  writeText(p, kHeader);
  CHECK(data::readGTSRBCSV(p).empty());

  auto bad = [&](const std::string& body, std::initializer_list<const char*> frags) {
    writeText(p, body);
    bool thrown = false;
    try {
      (void)data::readGTSRBCSV(p);
    } catch (const IOError& ex) {
      thrown = true;
      const std::string msg = ex.what();
      INFO("message: " << msg);
      CHECK(msg.find("readGTSRBCSV: ") != std::string::npos);
      CHECK(msg.find("GT-00005.csv") != std::string::npos);
      for (const char* f : frags) CHECK(msg.find(f) != std::string::npos);
    }
    CHECK(thrown);
  };
  const std::string h = kHeader;
  bad("", {"line 1 (byte 0): bad header \"\""});
  bad("Filename,Width,Height\n", {"line 1 (byte 0): bad header \"Filename,Width,Height\"", "(ClassId optional)"});
  bad(h + "a.ppm;29;30;5;6;24;25\r\n", {"line 2 (byte 59): expected 8 fields separated by ';', found 7"});
  bad(h + "a.ppm;29;30;5;6;24;25;1\r\nb.ppm;29;30;5;6;24;25;1;7\r\n", {"line 3 (byte 84)", "found 9"});
  bad(h + "a.ppm;2x9;30;5;6;24;25;1\n", {"line 2", "field Width \"2x9\" is not a decimal number"});
  bad(h + "a.ppm;29;30;-5;6;24;25;1\n", {"field Roi.X1 \"-5\""});
  bad(h + "a.ppm;29;30;5;6;24;25;\n", {"field ClassId \"\""});
  bad(h + "a.ppm;29;30;5;6;24;25;1234567890\n", {"field ClassId \"1234567890\""});
  bad(h + "a.ppm;29;30;5;6;29;25;1\n", {"ROI (5,6)-(29,25) is not inside the 29x30 image",
                                        "0 <= X1 <= X2 < Width"});
  bad(h + "a.ppm;29;30;5;6;24;30;1\n", {"ROI (5,6)-(24,30)"});
  bad(h + "a.ppm;29;30;25;6;24;25;1\n", {"ROI (25,6)-(24,25)"});
  bad(h + "a.ppm;0;30;0;0;0;0;1\n", {"image size 0x30 (width x height) has no pixel"});
  bad(h + "a.ppm;29;30;5;6;24;25;43\n", {"ClassId 43 is not a class 0..42"});
  bad(h + "../../etc/passwd;29;30;5;6;24;25;1\n", {"bad file name \"../../etc/passwd\""});
  bad(h + ";29;30;5;6;24;25;1\n", {"bad file name \"\""});
  bad(h + "..;29;30;5;6;24;25;1\n", {"bad file name \"..\""});
  T7_REQUIRE_THROWS_WITH_ALL(data::readGTSRBCSV(dir / "none.csv"), IOError, "none.csv: cannot open");
}

TEST_CASE("data: loadGTSRB crops to the ROI and resizes, both splits", "[data][gtsrb]") {
  TempDir dir;
  const fs::path base = dir.path / "GTSRB";
  makeGTSRB(base);
  // size 2 after cropping to ROIs of 3x2, 3x2 and 3x2 pixels: check against resizeBilinear.
  for (const std::string& root : {base.string(), dir.path.string()}) {  // GTSRB itself or its parent
    const data::LabeledImages train = data::loadGTSRB(root, data::Split::Train, {.size = 4});
    REQUIRE(train.size() == 3);
    CHECK(train.images.sizes() == Shape{3, 3, 4, 4});
    CHECK(train.labels.toVector() == std::vector<std::int64_t>{0, 0, 2});
    REQUIRE(train.classes.size() == 43);
    CHECK(train.classes[0] == "00000");
    CHECK(train.classes[42] == "00042");
    const ByteTensor roi = gtsrbImage(1, 6, 5).narrow(1, 1, 2).narrow(2, 1, 3);  // rows 1..2, columns 1..3
    CHECK(train.images.select(0, 0).toVector() == data::resizeBilinear(roi, 4, 4).toVector());
    const ByteTensor roi3 = gtsrbImage(3, 5, 6).narrow(1, 3, 2).narrow(2, 2, 3);
    CHECK(train.images.select(0, 2).toVector() == data::resizeBilinear(roi3, 4, 4).toVector());
  }
  // With ROIs of the output size, the pixels come through exactly: size 3 needs 3x3 ROIs.
  const fs::path c0 = base / "Final_Training/Images/00000";
  writeText((c0 / "GT-00000.csv").string(),
            std::string(kHeader) + "00000_00000.ppm;6;5;2;1;4;3;0\r\n00000_00001.ppm;4;4;1;1;3;3;0\r\n");
  fs::remove_all(base / "Final_Training/Images/00002");
  const data::LabeledImages exact = data::loadGTSRB(base.string(), data::Split::Train, {.size = 3});
  REQUIRE(exact.size() == 2);
  checkCrop(exact, 0, 1, 2, 1, 4, 3);
  checkCrop(exact, 1, 2, 1, 1, 3, 3);
  // Without cropping, the whole image is resized.
  const data::LabeledImages whole = data::loadGTSRB(base.string(), data::Split::Train, {.size = 5, .crop = false});
  CHECK(whole.images.select(0, 0).toVector() == data::resizeBilinear(gtsrbImage(1, 6, 5), 5, 5).toVector());
  // The test split, through its labelled CSV.
  const data::LabeledImages test = data::loadGTSRB(base.string(), data::Split::Test, {.size = 2});
  REQUIRE(test.size() == 2);
  CHECK(test.labels.toVector() == std::vector<std::int64_t>{1, 42});
  checkCrop(test, 0, 4, 0, 1, 1, 2);
  checkCrop(test, 1, 5, 1, 0, 2, 1);
  // The test CSV next to the GTSRB folder, or named explicitly.
  fs::rename(base / "Final_Test/Images/GT-final_test.csv", base / "GT-final_test.csv");
  CHECK(data::loadGTSRB(base.string(), data::Split::Test, {.size = 2}).size() == 2);
  fs::rename(base / "GT-final_test.csv", dir.path / "labels.csv");
  CHECK(data::loadGTSRB(base.string(), data::Split::Test, {.size = 2, .testCSV = dir / "labels.csv"}).labels.toVector() ==
        std::vector<std::int64_t>{1, 42});
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(base.string(), data::Split::Test), IOError, "loadGTSRB: ",
                             "GT-final_test.csv: missing", "GTSRB_Final_Test_GT.zip");
}

TEST_CASE("data: loadGTSRB rejects inconsistent datasets, naming the file", "[data][gtsrb]") {
  TempDir dir;
  const fs::path base = dir.path / "GTSRB";
  const std::string root = base.string();
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "Final_Training/Images: missing");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Test), IOError, "Final_Test/Images: missing");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train, {.size = 0}), ValueError,
                             "loadGTSRB: size 0 must be at least 1");
  makeGTSRB(base);
  const fs::path c0 = base / "Final_Training/Images/00000";
  const std::string csv0 = (c0 / "GT-00000.csv").string();
  // A ClassId that differs from the folder's.
  writeText(csv0, std::string(kHeader) + "00000_00000.ppm;6;5;1;1;3;2;7\r\n");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "GT-00000.csv",
                             "00000_00000.ppm has ClassId 7 but lies in the folder of class 0");
  // An image whose size differs from its line.
  writeText(csv0, std::string(kHeader) + "00000_00000.ppm;5;6;1;1;3;2;0\r\n");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "00000_00000.ppm: the image is 6x5 but",
                             "GT-00000.csv says 5x6 (width x height)");
  // A missing image, a corrupt image.
  writeText(csv0, std::string(kHeader) + "gone.ppm;6;5;1;1;3;2;0\r\n");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "loadGTSRB: ", "gone.ppm: cannot open");
  writeText(csv0, std::string(kHeader) + "00000_00000.ppm;6;5;1;1;3;2;0\r\n");
  Bytes img = readBytes((c0 / "00000_00000.ppm").string());
  img.resize(img.size() - 5);
  writeBytes((c0 / "00000_00000.ppm").string(), img);
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "loadGTSRB: ", "00000_00000.ppm: truncated");
  writeBytes((c0 / "00000_00000.ppm").string(), bytesOf("\x89PNG\r\n"));
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "unsupported image format PNG");
  // A bad CSV line, a missing CSV, a stray folder.
  writeText(csv0, std::string(kHeader) + "00000_00000.ppm;6;5;1;1;6;2;0\r\n");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "readGTSRBCSV", "GT-00000.csv",
                             "line 2", "ROI (1,1)-(6,2) is not inside the 6x5 image");
  fs::remove(csv0);
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "GT-00000.csv: missing");
  fs::remove_all(c0);
  fs::create_directories(base / "Final_Training/Images/00043");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "00043: unexpected folder",
                             "class folders are 00000..00042");
  fs::remove_all(base / "Final_Training/Images/00043");
  fs::create_directories(base / "Final_Training/Images/extra");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "extra: unexpected folder");
  fs::remove_all(base / "Final_Training/Images");
  fs::create_directories(base / "Final_Training/Images");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Train), IOError, "no class folder 000NN");
  // The unlabelled test CSV.
  writeText((base / "Final_Test/Images/GT-final_test.csv").string(),
            "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2\n00000.ppm;3;3;0;1;1;2\n");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadGTSRB(root, data::Split::Test), IOError, "has no ClassId column");
}

// ---- image folders -----------------------------------------------------------------------

TEST_CASE("data: loadImageFolder labels sorted class folders and resizes", "[data][folder]") {
  TempDir dir;
  const fs::path root = dir.path / "pets";
  for (const char* c : {"dog", "cat", "emu", ".hidden"}) fs::create_directories(root / c);
  const ByteTensor a = rgb(2, 3, [](index_t c, index_t y, index_t x) { return 40 * c + 10 * y + x; });
  data::writePNM((root / "cat/b.ppm").string(), a);
  const ByteTensor g{{{0, 100, 200}, {50, 150, 250}}};  // 1 x 2 x 3
  data::writePNM((root / "cat/a_grey.pgm").string(), g, {.plain = true});
  IntTensor deep = a.toInt();
  deep.mul(257);  // 16-bit, 0..65535 scaled back to 0..255 exactly
  data::writePNM((root / "dog/x.image").string(), deep, {.maxval = 65535});  // any extension
  data::writePNM((root / ".hidden/h.ppm").string(), a);
  writeText((root / "README").string(), "files at the root are ignored");
  writeText((root / "dog/.DS_Store").string(), "hidden files too");
  const data::LabeledImages d = data::loadImageFolder(root.string(), {.height = 2, .width = 3});
  CHECK(d.classes == std::vector<std::string>{"cat", "dog", "emu"});  // sorted; emu has no image
  REQUIRE(d.size() == 3);
  CHECK(d.labels.toVector() == std::vector<std::int64_t>{0, 0, 1});
  CHECK(d.images.sizes() == Shape{3, 3, 2, 3});
  // cat/a_grey.pgm sorts before cat/b.ppm; grey is repeated into the three channels.
  for (index_t c = 0; c < 3; ++c) CHECK(d.images.select(0, 0).select(0, c).toVector() == g.select(0, 0).toVector());
  CHECK(d.images.select(0, 1).toVector() == a.toVector());
  CHECK(d.images.select(0, 2).toVector() == a.toVector());
  // Another size: bilinear, as resizeBilinear.
  const data::LabeledImages r = data::loadImageFolder(root.string(), {.height = 4, .width = 5});
  CHECK(r.images.select(0, 1).toVector() == data::resizeBilinear(a, 4, 5).toVector());
  // One channel: colour becomes 0.299 R + 0.587 G + 0.114 B, rounded.
  const data::LabeledImages grey = data::loadImageFolder(root.string(), {.height = 2, .width = 3, .channels = 1});
  CHECK(grey.images.sizes() == Shape{3, 1, 2, 3});
  CHECK(grey.images.select(0, 0).toVector() == g.toVector());
  const ByteTensor y = grey.images.select(0, 1).select(0, 0);
  for (index_t i = 0; i < 2; ++i)
    for (index_t j = 0; j < 3; ++j) {
      const double want = 0.299 * a(0, i, j) + 0.587 * a(1, i, j) + 0.114 * a(2, i, j);
      CHECK(int(y(i, j)) == int(std::floor(want + 0.5)));
    }
  CHECK(int(y(1, 2)) == 45);  // R 12, G 52, B 92: 3.588 + 30.524 + 10.488 = 44.6
}

TEST_CASE("data: loadImageFolder refuses unsupported formats and empty datasets", "[data][folder]") {
  TempDir dir;
  const fs::path root = dir.path / "set";
  fs::create_directories(root / "a");
  fs::create_directories(root / "b");
  data::writePNM((root / "a/1.ppm").string(), rgb(2, 2, [](index_t, index_t, index_t) { return 9; }));
  writeBytes((root / "b/photo.png").string(), Bytes{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
  T7_REQUIRE_THROWS_WITH_ALL(data::loadImageFolder(root.string()), IOError, "[t7.io_error] loadImageFolder: ",
                             "photo.png: unsupported image format PNG", "convert");
  writeBytes((root / "b/photo.png").string(), Bytes{0xFF, 0xD8, 0xFF, 0xE1});
  T7_REQUIRE_THROWS_WITH_ALL(data::loadImageFolder(root.string()), IOError, "photo.png: unsupported image format JPEG");
  // Skipping them on request: class b stays, empty.
  const data::LabeledImages d = data::loadImageFolder(root.string(), {.height = 2, .width = 2, .skipUnsupported = true});
  CHECK(d.classes == std::vector<std::string>{"a", "b"});
  CHECK(d.labels.toVector() == std::vector<std::int64_t>{0});
  CHECK(d.images.toVector() == std::vector<std::uint8_t>(12, 9));
  // A readable format with a corrupt body.
  writeBytes((root / "b/photo.png").string(), bytesOf("P5\n2 2\n255\n") + Bytes{1, 2});
  T7_REQUIRE_THROWS_WITH_ALL(data::loadImageFolder(root.string()), IOError, "photo.png: truncated at byte 13");
  fs::remove(root / "a/1.ppm");
  fs::remove(root / "b/photo.png");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadImageFolder(root.string()), IOError, "no PGM/PPM image in its 2 class folders");
  fs::remove_all(root / "a");
  fs::remove_all(root / "b");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadImageFolder(root.string()), IOError, "no class folder");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadImageFolder(dir / "nothing"), IOError, "nothing: missing (no such folder)");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadImageFolder(root.string(), {.height = 0}), ValueError,
                             "loadImageFolder: output size 0x32 (height x width) must be at least 1x1");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadImageFolder(root.string(), {.channels = 2}), ValueError,
                             "channels must be 1 or 3, got 2");
}
