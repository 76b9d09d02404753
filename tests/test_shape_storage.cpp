// Shape (inline sizes/strides) and Storage (ref-counted aligned buffers).
#include "helpers.hpp"

#include <cstdint>

using namespace t7;

TEST_CASE("Shape holds sizes inline and multiplies them with an overflow check", "[shape]") {
  Shape s{2, 3, 4};
  CHECK(s.size() == 3);
  CHECK(s.product() == 24);
  CHECK(s.toString() == "2x3x4");
  CHECK(Shape{}.product() == 1);
  CHECK(Shape{}.toString() == "[]");
  s.insert(1, 7);
  CHECK(s == Shape{2, 7, 3, 4});
  s.erase(0);
  CHECK(s == Shape{7, 3, 4});
  CHECK(contiguousStrides(Shape{2, 3, 4}) == Shape{12, 4, 1});

  T7_REQUIRE_THROWS_WITH_ALL((Shape{1LL << 40, 1LL << 40}).product(), SizeError, "overflows", "1099511627776x");
  Shape big;
  for (int i = 0; i < kMaxDims; ++i) big.push_back(1);
  T7_REQUIRE_THROWS_WITH_ALL(big.push_back(1), SizeError, "at most 16");
}

TEST_CASE("Storage allocates 64-byte aligned memory and shares it between handles", "[storage]") {
  FloatStorage s(10);
  CHECK(s.size() == 10);
  CHECK(reinterpret_cast<std::uintptr_t>(s.data()) % 64 == 0);
  s.fill(2.5f);
  FloatStorage alias = s;  // a handle copy shares the buffer
  alias[3] = 7;
  CHECK(s[3] == 7);
  CHECK(s.isSameAs(alias));
  CHECK(s.useCount() == 2);
  FloatStorage copy = s.clone();
  copy[3] = 1;
  CHECK(s[3] == 7);
  CHECK_FALSE(copy.isSameAs(s));
  CHECK(FloatStorage::elementSize() == 4);
  CHECK(LongStorage::elementSize() == 8);
}

TEST_CASE("Storage::resize keeps the prefix and is seen by every handle", "[storage]") {
  IntStorage s{1, 2, 3};
  IntStorage alias = s;
  s.resize(1000);
  CHECK(alias.size() == 1000);
  CHECK(alias[0] == 1);
  CHECK(alias[2] == 3);
  s.resize(2);
  CHECK(alias.size() == 2);
  CHECK(alias[1] == 2);
  T7_REQUIRE_THROWS_WITH_ALL(s.resize(-1), ValueError, "Storage::resize", "-1");
  T7_REQUIRE_THROWS_WITH_ALL(s.resize(std::numeric_limits<index_t>::max()), SizeError, "overflow");
}

TEST_CASE("Storage copies between element types and checks sizes", "[storage]") {
  DoubleStorage d{1.5, -2.25, 3.75};
  IntStorage i(3);
  i.copy(d);
  CHECK(i[0] == 1);
  CHECK(i[1] == -2);
  CHECK(i[2] == 3);
  FloatStorage f(2);
  T7_REQUIRE_THROWS_WITH_ALL(f.copy(d), SizeError, "Storage::copy", "2", "3");
}

TEST_CASE("Storage element access is bounds-checked", "[storage]") {
  ByteStorage b(4);
  T7_REQUIRE_THROWS_WITH_ALL(b[4], IndexError, "Storage[4]", "size 4");
  T7_REQUIRE_THROWS_WITH_ALL(b[-1], IndexError, "Storage[-1]");
  FloatStorage null;
  CHECK(null.size() == 0);
  CHECK(null.data() == nullptr);
  CHECK_THROWS_AS(null[0], IndexError);
}

TEST_CASE("Storage wraps external memory without owning it", "[storage]") {
  float buffer[6] = {0, 1, 2, 3, 4, 5};
  {
    FloatStorage s = FloatStorage::wrap(buffer, 6);
    CHECK(s.data() == buffer);
    CHECK_FALSE(s.isResizable());
    FloatTensor t(s, 0, Shape{2, 3});  // zero-copy tensor over the user's buffer
    t(1, 2) = 50;
    CHECK(buffer[5] == 50);
    T7_REQUIRE_THROWS_WITH_ALL(s.resize(7), LayoutError, "wrapped external memory");
    s.resize(4);  // shrinking within the buffer is allowed
    CHECK(s.size() == 4);
  }
  CHECK(buffer[0] == 0);  // nothing was freed or overwritten

  int deleted = 0;
  auto* owned = new double[3]{1, 2, 3};
  {
    DoubleStorage s = DoubleStorage::wrap(owned, 3, [&](double* p) {
      delete[] p;
      ++deleted;
    });
    DoubleStorage alias = s;
    CHECK(alias[2] == 3);
  }
  CHECK(deleted == 1);  // the deleter ran once, when the last handle went away
}
