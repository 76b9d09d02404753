// Shape (inline sizes/strides) and Storage (ref-counted aligned buffers).
#include "helpers.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

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

TEST_CASE("Shape copies carry exactly the values in use, at every rank", "[shape]") {
  // A copy moves only the first size() values (those past it are never read): copies
  // between every pair of ranks, constructed and assigned, must give equal shapes.
  std::vector<Shape> shapes;
  for (int n = 0; n <= kMaxDims; ++n) {
    Shape s;
    for (int i = 0; i < n; ++i) s.push_back(100 * n + i + 1);
    shapes.push_back(s);
  }
  for (const Shape& a : shapes) {
    const Shape copy = a;
    CHECK(copy == a);
    CHECK(copy.size() == a.size());
    CHECK(copy.vec() == a.vec());
    for (const Shape& b : shapes) {
      Shape x = b;
      x = a;
      CHECK(x == a);
      CHECK(x.vec() == a.vec());
      const Shape& self = x;
      x = self;  // self-assignment keeps it (through a reference: clang warns on `x = x`)
      CHECK(x == a);
    }
  }
  // Growing a copy of a smaller shape fills the new values, never earlier leftovers.
  Shape small = shapes[2];
  small = shapes[kMaxDims];
  small = shapes[1];
  small.resize(6, 9);
  CHECK(small == Shape{101, 9, 9, 9, 9, 9});
  small.insert(1, 5);
  CHECK(small == Shape{101, 5, 9, 9, 9, 9, 9});
  CHECK(Shape::filled(kMaxDims, 3).product() == 43046721);
}

TEST_CASE("Storage handles count their users through copies, moves and assignments", "[storage]") {
  int deleted = 0;
  float* buffer = new float[4]{1, 2, 3, 4};
  {
    FloatStorage s = FloatStorage::wrap(buffer, 4, [&](float* p) {
      delete[] p;
      ++deleted;
    });
    CHECK(s.useCount() == 1);
    FloatStorage copy = s;
    CHECK(s.useCount() == 2);
    FloatStorage moved = std::move(copy);
    CHECK(s.useCount() == 2);
    CHECK_FALSE(copy.defined());  // NOLINT: a moved-from handle is null
    CHECK(copy.useCount() == 0);
    FloatStorage assigned;
    assigned = s;
    CHECK(s.useCount() == 3);
    const FloatStorage& self = assigned;
    assigned = self;  // self-assignment changes nothing
    CHECK(s.useCount() == 3);
    assigned = std::move(moved);
    CHECK(s.useCount() == 2);
    FloatStorage other(3);
    assigned = other;  // re-pointing releases the old buffer's count
    CHECK(s.useCount() == 1);
    CHECK(other.useCount() == 2);
    {
      FloatTensor t(s, 0, Shape{4});  // tensors hold handles too
      FloatTensor u = t.narrow(0, 1, 2);
      CHECK(s.useCount() == 3);
    }
    CHECK(s.useCount() == 1);
    CHECK(deleted == 0);
  }
  CHECK(deleted == 1);  // freed once, when the last handle went away
  CHECK(FloatStorage().useCount() == 0);
}

TEST_CASE("Storage handles are counted right when threads copy them at once", "[storage][threads]") {
  int deleted = 0;
  {
    FloatStorage s = FloatStorage::wrap(new float[8](), 8, [&](float* p) {
      delete[] p;
      ++deleted;
    });
    FloatTensor t(s, 0, Shape{8});
    const long before = s.useCount();
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k)
      threads.emplace_back([&] {
        for (int i = 0; i < 100000; ++i) {
          FloatTensor a = t;           // copy...
          FloatTensor b = a.narrow(0, 1, 3);  // ...view...
          FloatStorage c = b.storage();
          (void)c;                     // ...and drop, concurrently with the other threads
        }
      });
    for (auto& th : threads) th.join();
    CHECK(s.useCount() == before);
  }
  CHECK(deleted == 1);
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

TEST_CASE("Devices: the CPU allocator aligns and frees, CPU and CUDA are Device tags", "[storage][device]") {
  static_assert(Device<CPU>);
  static_assert(Device<CUDA>);
  static_assert(!Device<int>);
  CHECK(std::string(CPU::name) == "CPU");
  CHECK(std::string(CUDA::name) == "CUDA");
  CHECK(CPU::allocate(0) == nullptr);  // an empty buffer owns no memory
  CPU::deallocate(nullptr);            // and freeing none is a no-op
  for (std::size_t bytes : {std::size_t{1}, std::size_t{63}, std::size_t{4096}}) {
    void* p = CPU::allocate(bytes);
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % kAlignment == 0);
    std::memset(p, 0xab, bytes);  // the whole range is writable (ASan checks it)
    CPU::deallocate(p);
  }
}
