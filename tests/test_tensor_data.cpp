// Data operations: copy (any type, any layout, overlapping), fill, clone, conversions,
// iteration, apply / map / map2.
#include "helpers.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <t7/core/threads.hpp>

using namespace t7;
using t7test::values;

TEST_CASE("copy converts element types (the paper's float/double snippet)", "[tensor][data]") {
  FloatTensor f(100);
  f.uniform(-10, 10);
  DoubleTensor d = f.toDouble();  // float:double()
  FloatTensor r(d.sizes());       // torch.FloatTensor(double:size())
  r.copy(d);                      // r:copy(double)
  CHECK(values(r) == values(f));
  CHECK(d(7) == static_cast<double>(f(7)));

  Tensor<double> x{-1.75, 2.5, 300.25};
  CHECK(values(x.toInt()) == std::vector<int>{-1, 2, 300});
  CHECK(values(x.toLong()) == std::vector<std::int64_t>{-1, 2, 300});
  CHECK(values(x.toShort()) == std::vector<std::int16_t>{-1, 2, 300});
  CHECK(values(x.toChar().narrow(0, 0, 2)) == std::vector<std::int8_t>{-1, 2});
  CHECK(values(Tensor<double>{0, 1, 255}.toByte()) == std::vector<std::uint8_t>{0, 1, 255});
  CHECK(values(x.to<float>()) == std::vector<float>{-1.75f, 2.5f, 300.25f});
}

TEST_CASE("copy pairs elements in row-major order across layouts and shapes", "[tensor][data]") {
  FloatTensor src = range<float>(0, 11).view(3, 4);
  FloatTensor dst = zeros<float>(4, 3);
  dst.copy(src.t());  // strided source
  CHECK(values(dst) == values(src.t()));
  FloatTensor flat(12);
  flat.copy(src);  // same count, other shape: Torch7's rule
  CHECK(values(flat) == values(src));
  FloatTensor strided = zeros<float>(4, 6).narrow(1, 1, 3);  // strided destination
  strided.copy(src.t());
  CHECK(values(strided) == values(src.t()));
  FloatTensor otherShape = zeros<float>(6, 4).narrow(1, 0, 2);  // both strided, other shape
  otherShape.copy(src.t());
  CHECK(values(otherShape) == values(src.t()));
  IntTensor narrowInts = zeros<int>(3, 8).narrow(1, 2, 4);
  narrowInts.copy(src);  // strided destination, other type
  CHECK(values(narrowInts.toFloat()) == values(src));
  T7_REQUIRE_THROWS_WITH_ALL(flat.copy(zeros<float>(5)), SizeError, "copy", "12", "5");
}

TEST_CASE("copy between overlapping views of one storage is correct", "[tensor][data]") {
  FloatTensor a = range<float>(0, 8).view(3, 3);
  const std::vector<float> t = values(a.t());
  a.copy(a.t());  // reads and writes the same storage in other orders
  CHECK(values(a) == t);

  FloatTensor v = range<float>(0, 9);
  v.narrow(0, 1, 9).copy(v.narrow(0, 0, 9));  // shift right by one, overlapping
  CHECK(values(v) == std::vector<float>{0, 0, 1, 2, 3, 4, 5, 6, 7, 8});
  v.copy(v);  // the same view: a no-op
  CHECK(v(9) == 8);
}

TEST_CASE("fill and zero write every element of any layout", "[tensor][data]") {
  FloatTensor a = zeros<float>(4, 5);
  a.narrow(1, 1, 3).t().fill(2);
  CHECK(std::accumulate(a.begin(), a.end(), 0.f) == 24.f);
  CHECK(a(0, 0) == 0);
  CHECK(a(3, 3) == 2);
  a.zero();
  CHECK(std::accumulate(a.begin(), a.end(), 0.f) == 0.f);
  FloatTensor col = zeros<float>(3, 1);
  col.expand(3, 4).fill(7);  // through stride 0
  CHECK(values(col) == std::vector<float>{7, 7, 7});
}

TEST_CASE("fill of a long contiguous run splits over threads: every element set, none around it", "[tensor][data]") {
  // Past expr::parallelThreshold() elements, blocks of detail::kParallelBlock per thread; a run
  // of no whole number of blocks, narrowed out of a longer storage; memset for +0 only.
  const index_t n = 9 * detail::kParallelBlock + 123;
  REQUIRE(n >= expr::parallelThreshold());
  const int threads = getNumThreads();
  for (int t : {1, 2, 3}) {
    INFO(t << " threads");
    setNumThreads(t);
    DoubleTensor storage(n + 2);
    for (index_t i = 0; i < n + 2; ++i) storage(i) = -1;
    DoubleTensor run = storage.narrow(0, 1, n);
    run.fill(2.5);
    const auto count = [&](auto&& pred) { return std::count_if(run.begin(), run.end(), pred); };
    CHECK(count([](double x) { return x == 2.5; }) == n);
    CHECK(storage(0) == -1);
    CHECK(storage(n + 1) == -1);
    run.zero();
    CHECK(count([](double x) { return x == 0 && !std::signbit(x); }) == n);
    run.fill(-0.0);
    CHECK(count([](double x) { return x == 0 && std::signbit(x); }) == n);
    CHECK(storage(n + 1) == -1);
    IntTensor ints(3, n);
    ints.fill(7);
    CHECK(std::count(ints.begin(), ints.end(), 7) == 3 * n);
  }
  setNumThreads(threads);
  FloatTensor empty;
  CHECK(empty.fill(3).nElement() == 0);
}

TEST_CASE("clone copies data into a new contiguous storage", "[tensor][data]") {
  FloatTensor a = range<float>(0, 5).view(2, 3);
  FloatTensor t = a.t();
  FloatTensor c = t.clone();
  CHECK(c.isContiguous());
  CHECK_FALSE(c.storage().isSameAs(a.storage()));
  CHECK(values(c) == values(t));
  c(0, 0) = 99;
  CHECK(a(0, 0) == 0);
  FloatTensor handle = a;  // a handle copy shares
  handle(1, 2) = -5;
  CHECK(a(1, 2) == -5);
}

TEST_CASE("iteration visits elements in row-major order for any layout", "[tensor][data]") {
  FloatTensor a = range<float>(0, 23).view(2, 3, 4);
  std::vector<float> seen;
  for (float x : a.permute(2, 0, 1)) seen.push_back(x);
  std::vector<float> expected;
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) expected.push_back(a(i, j, k));
  CHECK(seen == expected);
  for (float& x : a.select(0, 1)) x = 0;  // writable
  CHECK(std::accumulate(a.begin(), a.end(), 0.f) == 66.f);
  CHECK(std::distance(a.begin(), a.end()) == 24);
  float storageSum = 0;
  for (float x : a.storage()) storageSum += x;  // storage() element loop
  CHECK(storageSum == 66.f);
}

TEST_CASE("apply, map and map2 follow Torch7", "[tensor][data]") {
  FloatTensor a = range<float>(1, 6).view(2, 3);
  a.t().apply([](float x) { return x * 10; });  // returns the new value
  CHECK(values(a) == std::vector<float>{10, 20, 30, 40, 50, 60});
  int count = 0;
  a.apply([&](float& x) {  // mutates in place, returns nothing
    x += static_cast<float>(count++);
  });
  CHECK(values(a) == std::vector<float>{10, 21, 32, 43, 54, 65});

  IntTensor b = range<int>(1, 6).view(3, 2);  // other shape, same count, other type
  a.map(b, [](float x, int y) { return x - static_cast<float>(y); });
  CHECK(values(a) == std::vector<float>{9, 19, 29, 39, 49, 59});

  DoubleTensor c = full<double>({6}, 0.5);
  a.map2(b.t(), c, [](float x, int y, double z) { return x + static_cast<float>(y) * static_cast<float>(z); });
  // b.t() in row-major order is 1 3 5 2 4 6
  CHECK(values(a) == std::vector<float>{9.5f, 20.5f, 31.5f, 40, 51, 62});
  T7_REQUIRE_THROWS_WITH_ALL(a.map(zeros<int>(5), [](float x, int) { return x; }), SizeError, "map", "2x3", "5");
  T7_REQUIRE_THROWS_WITH_ALL(a.map2(b, zeros<double>(2), [](float x, int, double) { return x; }), SizeError,
                             "map2");
}

TEST_CASE("a Tensor handle is cheap: views and copies do not allocate storage", "[tensor][data]") {
  FloatTensor a = zeros<float>(8, 8);
  const long before = a.storage().useCount();
  {
    FloatTensor v = a.narrow(0, 2, 3).t().unsqueeze(0).squeeze();
    CHECK(a.storage().useCount() == before + 1);
    CHECK(v.storage().data() == a.storage().data());
  }
  CHECK(a.storage().useCount() == before);
}
