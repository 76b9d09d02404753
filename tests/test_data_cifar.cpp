// Tests of t7/data/cifar.hpp (CIFAR-10 and CIFAR-100 binary batches).

#include "data_helpers.hpp"
#include "helpers.hpp"

#include <t7/data/cifar.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

using namespace t7;
namespace fs = std::filesystem;
using namespace t7test::data;

namespace {

/// The pixel byte p (0..3071) of record `id`.
unsigned char pixel(int id, int p) { return static_cast<unsigned char>((id * 7 + p * 3) % 256); }

/// CIFAR records for the example ids `ids`: label bytes `labels(id)`, then 3072 pixel bytes.
template <class Labels>
Bytes records(const std::vector<int>& ids, Labels labels) {
  Bytes b;
  for (int id : ids) {
    for (unsigned char l : labels(id)) b.push_back(l);
    for (int p = 0; p < 3072; ++p) b.push_back(pixel(id, p));
  }
  return b;
}

Bytes cifar10(const std::vector<int>& ids) {
  return records(ids, [](int id) { return Bytes{static_cast<unsigned char>(id % 10)}; });
}

Bytes cifar100(const std::vector<int>& ids) {
  return records(ids, [](int id) { return Bytes{static_cast<unsigned char>(id % 20), static_cast<unsigned char>(id % 100)}; });
}

/// Checks example k of `d` holds record `id`, pixel for pixel, as [3 x 32 x 32].
void checkExample(const data::LabeledImages& d, index_t k, int id) {
  INFO("example " << k << " (record id " << id << ")");
  const ByteTensor img = d.images.select(0, k);
  REQUIRE(img.sizes() == Shape{3, 32, 32});
  const auto v = img.toVector();
  bool same = true;
  for (int p = 0; p < 3072; ++p) same = same && v[std::size_t(p)] == pixel(id, p);
  CHECK(same);
  CHECK(img(0, 0, 0) == pixel(id, 0));            // red plane first...
  CHECK(img(1, 0, 0) == pixel(id, 1024));         // ...then green
  CHECK(img(2, 31, 31) == pixel(id, 3071));       // blue, last row, last column
  CHECK(img(0, 1, 2) == pixel(id, 32 + 2));       // rows of 32
}

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

TEST_CASE("data: readCIFAR10Batch reads records into [N x 3 x 32 x 32] bytes and 0-based labels", "[data][cifar]") {
  TempDir dir;
  writeBytes(dir / "b.bin", cifar10({0, 13, 9, 255}));
  const data::LabeledImages d = data::readCIFAR10Batch(dir / "b.bin");
  CHECK(d.size() == 4);
  CHECK(d.images.sizes() == Shape{4, 3, 32, 32});
  CHECK(d.images.isContiguous());
  CHECK(d.labels.toVector() == std::vector<std::int64_t>{0, 3, 9, 5});
  checkExample(d, 0, 0);
  checkExample(d, 1, 13);
  checkExample(d, 3, 255);
  CHECK(d.classes == data::cifar10Classes());
  CHECK(d.classes.size() == 10);
  CHECK(d.classes[0] == "airplane");
  CHECK(d.classes[9] == "truck");
  CHECK(data::LabeledImages{}.size() == 0);
}

TEST_CASE("data: readCIFAR100Batch reads coarse and fine labels", "[data][cifar]") {
  TempDir dir;
  writeBytes(dir / "train.bin", cifar100({0, 19, 99, 45}));
  const data::CIFAR100 d = data::readCIFAR100Batch(dir / "train.bin");
  CHECK(d.size() == 4);
  CHECK(d.labels.toVector() == std::vector<std::int64_t>{0, 19, 99, 45});
  CHECK(d.coarseLabels.toVector() == std::vector<std::int64_t>{0, 19, 19, 5});
  CHECK(d.labels.data() != d.coarseLabels.data());  // two tensors, not one shared
  checkExample(d, 2, 99);
  checkExample(d, 3, 45);
}

TEST_CASE("data: loadCIFAR10 concatenates the five training batches in order", "[data][cifar]") {
  TempDir dir;
  const fs::path bin = dir.path / "cifar-10-batches-bin";
  fs::create_directories(bin);
  const std::vector<std::vector<int>> parts = {{1, 2}, {3}, {4, 5, 6}, {7}, {8, 9}};
  for (int i = 0; i < 5; ++i) writeBytes((bin / ("data_batch_" + std::to_string(i + 1) + ".bin")).string(), cifar10(parts[std::size_t(i)]));
  writeBytes((bin / "test_batch.bin").string(), cifar10({42, 43}));
  for (const std::string& d : {dir.path.string(), bin.string()}) {  // the folder itself or its parent
    const data::LabeledImages train = data::loadCIFAR10(d, data::Split::Train);
    REQUIRE(train.size() == 9);
    CHECK(train.labels.toVector() == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});
    for (int k = 0; k < 9; ++k) checkExample(train, k, k + 1);
    const data::LabeledImages test = data::loadCIFAR10(d, data::Split::Test);
    CHECK(test.labels.toVector() == std::vector<std::int64_t>{2, 3});
    checkExample(test, 1, 43);
    CHECK(test.classes == data::cifar10Classes());
  }
  // Class names from batches.meta.txt (blank lines and '\r' ignored).
  writeText((bin / "batches.meta.txt").string(), "a\nb\nc\nd\ne\r\nf\ng\nh\ni\nj\n\n\n");
  CHECK(data::loadCIFAR10(dir.path.string(), data::Split::Test).classes ==
        std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
  writeText((bin / "batches.meta.txt").string(), "a\nb\n");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadCIFAR10(dir.path.string(), data::Split::Test), IOError, "loadCIFAR10",
                             "batches.meta.txt", "lists 2 class names, expected 10");
  fs::remove(bin / "batches.meta.txt");
  // A missing batch is named.
  fs::remove(bin / "data_batch_4.bin");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadCIFAR10(dir.path.string(), data::Split::Train), IOError,
                             "[t7.io_error] loadCIFAR10: ", "data_batch_4.bin: missing");
  fs::remove(bin / "test_batch.bin");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadCIFAR10(bin.string(), data::Split::Test), IOError, "test_batch.bin: missing");
  // A bad record in a later file fails with that file's name; nothing half-loaded is returned.
  writeBytes((bin / "data_batch_4.bin").string(), cifar10({1}));
  Bytes bad = cifar10({1, 2});
  bad[3073] = 10;
  writeBytes((bin / "data_batch_5.bin").string(), bad);
  T7_REQUIRE_THROWS_WITH_ALL(data::loadCIFAR10(dir.path.string(), data::Split::Train), IOError, "data_batch_5.bin",
                             "label 10 of record 1 (at byte 3073) is not a class 0..9");
}

TEST_CASE("data: loadCIFAR100 reads train.bin / test.bin and the name lists", "[data][cifar]") {
  TempDir dir;
  const fs::path bin = dir.path / "cifar-100-binary";
  fs::create_directories(bin);
  writeBytes((bin / "train.bin").string(), cifar100({5, 77, 120}));
  writeBytes((bin / "test.bin").string(), cifar100({3}));
  data::CIFAR100 train = data::loadCIFAR100(dir.path.string(), data::Split::Train);
  CHECK(train.labels.toVector() == std::vector<std::int64_t>{5, 77, 20});
  CHECK(train.coarseLabels.toVector() == std::vector<std::int64_t>{5, 17, 0});
  checkExample(train, 2, 120);
  CHECK(train.classes.empty());  // no name files
  CHECK(train.coarseClasses.empty());
  std::string fine, coarse;
  for (int i = 0; i < 100; ++i) fine += "fine" + std::to_string(i) + "\n";
  for (int i = 0; i < 20; ++i) coarse += "coarse" + std::to_string(i) + "\n";
  writeText((bin / "fine_label_names.txt").string(), fine);
  writeText((bin / "coarse_label_names.txt").string(), coarse);
  const data::CIFAR100 test = data::loadCIFAR100(bin.string(), data::Split::Test);
  CHECK(test.size() == 1);
  REQUIRE(test.classes.size() == 100);
  CHECK(test.classes[3] == "fine3");
  REQUIRE(test.coarseClasses.size() == 20);
  CHECK(test.coarseClasses[19] == "coarse19");
  fs::remove(bin / "test.bin");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadCIFAR100(bin.string(), data::Split::Test), IOError, "loadCIFAR100",
                             "test.bin: missing");
}

TEST_CASE("data: corrupt CIFAR files throw IOError naming the file, size and offset", "[data][cifar]") {
  TempDir dir;
  const std::string p = dir / "x.bin";
  // A size that is not a whole number of records (truncated).
  Bytes b = cifar10({1, 2});
  b.resize(b.size() + 100);
  writeBytes(p, b);
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR10Batch(p), IOError, "[t7.io_error] readCIFAR10Batch: ", "x.bin",
                             "size 6246 bytes is not a multiple of the CIFAR-10 record size 3073",
                             "(1 label byte + 3072 pixel bytes)", "truncated at byte 6146 in record 2");
  writeBytes(p, Bytes(3000, 1));
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR10Batch(p), IOError, "size 3000 bytes", "in record 0");
  // CIFAR-100 records read as CIFAR-10, and the other way round.
  writeBytes(p, cifar100({1, 2, 3}));
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR10Batch(p), IOError, "size 9222 bytes");
  writeBytes(p, cifar10({1, 2}));
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR100Batch(p), IOError, "[t7.io_error] readCIFAR100Batch",
                             "record size 3074 (2 label bytes + 3072 pixel bytes)");
  // Labels out of range.
  b = cifar10({1, 2, 3});
  b[2 * 3073] = 200;
  writeBytes(p, b);
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR10Batch(p), IOError, "label 200 of record 2 (at byte 6146)",
                             "not a class 0..9");
  b = cifar100({1, 2});
  b[0] = 20;
  writeBytes(p, b);
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR100Batch(p), IOError, "label 20 of record 0 (at byte 0)",
                             "not a coarse class 0..19");
  b = cifar100({1, 2});
  b[3074 + 1] = 100;
  writeBytes(p, b);
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR100Batch(p), IOError, "label 100 of record 1 (at byte 3075)",
                             "not a fine class 0..99");
  // Empty, the wrong download, not a file, missing.
  writeBytes(p, {});
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR10Batch(p), IOError, "x.bin: is empty");
  b = cifar10({1});
  b[0] = 0x1f;
  b[1] = 0x8b;
  writeBytes(p, b);
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR10Batch(p), IOError, "is gzip-compressed", "tar xzf");
  b[0] = 0x80;
  b[1] = 0x02;
  writeBytes(p, b);
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR10Batch(p), IOError, "Python pickle", "binary version");
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR10Batch(dir.path.string()), IOError, "not a regular file");
  T7_REQUIRE_THROWS_WITH_ALL(data::readCIFAR10Batch(dir / "nope.bin"), IOError, "nope.bin: cannot open",
                             "No such file");
  T7_REQUIRE_THROWS_WITH_ALL(data::loadCIFAR10(dir / "nowhere", data::Split::Train), IOError,
                             "data_batch_1.bin: missing");
}

TEST_CASE("data: findCIFAR10 / findCIFAR100 look in $T7_DATA_DIR", "[data][cifar]") {
  TempDir root;
  ScopedEnv env("T7_DATA_DIR", root.path.string().c_str());
  const bool debian10 = fs::is_directory("/usr/share/datasets/cifar-10-batches-bin");
  const bool debian100 = fs::is_directory("/usr/share/datasets/cifar-100-binary");
  const fs::path bin = root.path / "cifar-10-batches-bin";
  fs::create_directories(bin);
  for (const char* f : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"})
    writeBytes((bin / f).string(), {});
  if (!debian10) CHECK_FALSE(data::findCIFAR10().has_value());  // test_batch.bin is missing
  writeBytes((bin / "test_batch.bin").string(), {});
  CHECK(data::findCIFAR10() == bin.string());
  const fs::path bin100 = root.path / "cifar-100-binary";
  fs::create_directories(bin100);
  writeBytes((bin100 / "train.bin").string(), {});
  if (!debian100) CHECK_FALSE(data::findCIFAR100().has_value());
  writeBytes((bin100 / "test.bin").string(), {});
  CHECK(data::findCIFAR100() == bin100.string());
}
