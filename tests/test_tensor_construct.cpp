// Tensor construction, queries and the factory functions.
#include "helpers.hpp"

#include <cmath>

using namespace t7;
using t7test::values;

TEST_CASE("A tensor from sizes is uninitialised, contiguous and row-major", "[tensor][construct]") {
  FloatTensor t(5, 3);
  CHECK(t.dim() == 2);
  CHECK(t.nDimension() == 2);
  CHECK(t.size(0) == 5);
  CHECK(t.size(1) == 3);
  CHECK(t.sizes() == Shape{5, 3});
  CHECK(t.strides() == Shape{3, 1});
  CHECK(t.nElement() == 15);
  CHECK(t.storageOffset() == 0);
  CHECK(t.storage().size() == 15);
  CHECK(t.isContiguous());
  CHECK(t.data() == t.storage().data());
  CHECK(FloatTensor::typeName() == "torch.FloatTensor");
  CHECK(LongTensor::typeName() == "torch.LongTensor");
  CHECK(ByteTensor::typeName() == "torch.ByteTensor");
  CHECK(CharTensor::typeName() == "torch.CharTensor");
  CHECK(ShortTensor::typeName() == "torch.ShortTensor");
  CHECK(IntTensor::typeName() == "torch.IntTensor");
  CHECK(DoubleTensor::typeName() == "torch.DoubleTensor");
  CHECK(DoubleTensor::elementSize() == 8);

  Tensor<double> eight(Shape{1, 2, 1, 2, 1, 2, 1, 2});
  CHECK(eight.dim() == 8);
  CHECK(eight.nElement() == 16);
}

TEST_CASE("An empty tensor has no dimension and no element", "[tensor][construct]") {
  FloatTensor e;
  CHECK(e.dim() == 0);
  CHECK(e.nElement() == 0);
  CHECK(e.data() == nullptr);
  CHECK(e.begin() == e.end());
  CHECK(e.clone().dim() == 0);
  FloatTensor z(0, 4);  // a zero-sized dimension is allowed
  CHECK(z.nElement() == 0);
  CHECK(z.dim() == 2);
}

TEST_CASE("Nested braces give values, parentheses give sizes", "[tensor][construct]") {
  Tensor<float> m{{1, 2}, {3, 4}, {5, 6}};
  CHECK(m.sizes() == Shape{3, 2});
  CHECK(values(m) == std::vector<float>{1, 2, 3, 4, 5, 6});
  Tensor<float> v{5, 3};  // braces: the vector [5, 3]
  CHECK(v.sizes() == Shape{2});
  CHECK(v(1) == 3);
  Tensor<float> s(5, 3);  // parentheses: a 5x3 tensor
  CHECK(s.sizes() == Shape{5, 3});
  Tensor<int> c{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}};
  CHECK(c.sizes() == Shape{2, 2, 2});
  CHECK(c(1, 0, 1) == 6);
  LongTensor d{{{{1, 2}, {3, 4}}}};
  CHECK(d.sizes() == Shape{1, 1, 2, 2});
  CHECK(d(0, 0, 1, 0) == 3);
  T7_REQUIRE_THROWS_WITH_ALL((Tensor<float>{{1, 2}, {3}}), ValueError, "ragged", "1", "2");
  // One-element inner lists are a column (Torch7's torch.LongTensor{{3}, {4}}), {{1}} is 1x1.
  LongTensor col{{3}, {4}};
  CHECK(col.sizes() == Shape{2, 1});
  CHECK(col(1, 0) == 4);
  FloatTensor one{{7}};
  CHECK(one.sizes() == Shape{1, 1});
  FloatTensor mixed{1, 2.5, 3u};  // integers and (for floating tensors) floating values mix
  CHECK(values(mixed) == std::vector<float>{1, 2.5f, 3});
  static_assert(!std::is_constructible_v<LongTensor, std::initializer_list<double>>,
                "a floating value in an integer tensor's list does not compile");
}

TEST_CASE("A tensor over a storage with offset, sizes and strides", "[tensor][construct]") {
  FloatStorage s{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  FloatTensor t(s, 1, Shape{3, 2}, Shape{3, 1});  // rows start at 1, 4, 7
  CHECK(values(t) == std::vector<float>{1, 2, 4, 5, 7, 8});
  CHECK_FALSE(t.isContiguous());
  t(2, 1) = 80;
  CHECK(s[8] == 80);
  FloatTensor c(s, 4, Shape{2, 3});  // contiguous strides by default
  CHECK(c.strides() == Shape{3, 1});
  CHECK(c(0, 0) == 4);
  T7_REQUIRE_THROWS_WITH_ALL(FloatTensor(s, 5, Shape{2, 3}), SizeError, "set", "storage has 10");
  T7_REQUIRE_THROWS_WITH_ALL(FloatTensor(s, -1, Shape{2}), ValueError, "negative storage offset");
  T7_REQUIRE_THROWS_WITH_ALL(FloatTensor(s, 0, Shape{2, 2}, Shape{1}), SizeError, "2 sizes", "1 strides");
}

TEST_CASE("zeros, ones, full, empty and eye", "[tensor][factory]") {
  CHECK(values(zeros<float>(2, 3)) == std::vector<float>(6, 0.f));
  CHECK(values(ones<int>({2, 2})) == std::vector<int>(4, 1));
  CHECK(values(full<double>({3}, 2.5)) == std::vector<double>{2.5, 2.5, 2.5});
  CHECK(empty<float>(4, 5).sizes() == Shape{4, 5});
  CHECK(values(eye<float>(3)) == std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  auto r = eye<double>(2, 3);
  CHECK(r.sizes() == Shape{2, 3});
  CHECK(values(r) == std::vector<double>{1, 0, 0, 0, 1, 0});
  T7_REQUIRE_THROWS_WITH_ALL(eye<float>(0), ValueError, "eye");
  T7_REQUIRE_THROWS_WITH_ALL(zeros<float>(2, -3), ValueError, "negative size", "2x-3");
}

TEST_CASE("range is inclusive as in Torch7; linspace and logspace", "[tensor][factory]") {
  CHECK(values(range<float>(1, 4)) == std::vector<float>{1, 2, 3, 4});
  CHECK(values(range<int>(0, 10, 3)) == std::vector<int>{0, 3, 6, 9});
  CHECK(values(range<double>(2, 1, -0.5)) == std::vector<double>{2, 1.5, 1});
  CHECK(range<float>(5, 5).nElement() == 1);
  T7_REQUIRE_THROWS_WITH_ALL(range<float>(0, 1, 0), ValueError, "step");
  T7_REQUIRE_THROWS_WITH_ALL(range<float>(0, 1, -1), ValueError, "sign");

  auto l = linspace<double>(0, 1, 5);
  CHECK(values(l) == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(linspace<float>(-1, 1).nElement() == 100);
  CHECK(values(linspace<float>(3, 3, 1)) == std::vector<float>{3});
  T7_REQUIRE_THROWS_WITH_ALL(linspace<float>(0, 1, 1), ValueError, "linspace");
  auto g = logspace<double>(0, 3, 4);
  for (int i = 0; i < 4; ++i) CHECK(g(i) == Approx(std::pow(10.0, i)));
  T7_REQUIRE_THROWS_WITH_ALL(logspace<double>(0, 1, 0), ValueError, "logspace");
}
