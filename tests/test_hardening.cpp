// Hostile and edge-case input to the Tensor core: overflowing sizes and offsets, empty
// tensors, conversions C++ leaves undefined, degenerate distributions, impossible RNG
// states. Each case once crashed, hung or corrupted memory; each must now throw or be defined.
#include "helpers.hpp"

#include <cmath>
#include <limits>

using namespace t7;
using t7test::values;

namespace {
constexpr index_t kMax = std::numeric_limits<index_t>::max();
}

TEST_CASE("sizes, offsets and strides that overflow int64 throw", "[hardening]") {
  FloatTensor v = zeros<float>(4);
  T7_REQUIRE_THROWS_WITH_ALL(v.narrow(0, 2, kMax), IndexError, "narrow", "length");
  T7_REQUIRE_THROWS_WITH_ALL(FloatTensor(FloatStorage(1), 0, Shape{5}, Shape{index_t{1} << 62}), SizeError, "spans");
  T7_REQUIRE_THROWS_WITH_ALL(FloatTensor(FloatStorage(4), 1, Shape{2}, Shape{kMax}), SizeError);
  T7_REQUIRE_THROWS_WITH_ALL(range<float>(0, 35).view(-1, index_t{1} << 32, (index_t{1} << 32) - 1), SizeError,
                             "overflows");
  FloatTensor m = zeros<float>(4, 10);
  CHECK(m.unfold(1, 10, kMax).sizes() == Shape{4, 1, 10});  // one window: the huge step is never taken
  CHECK(m.unfold(1, 2, kMax / 2).strides() == Shape{10, 1, 1});
  FloatTensor col = zeros<float>(1, 1);
  T7_REQUIRE_THROWS_WITH_ALL(col.expand(index_t{1} << 32, index_t{1} << 32), SizeError, "overflows");
  CHECK(Shape{index_t{1} << 40, index_t{1} << 40, 0}.product() == 0);  // no element, no overflow
}

TEST_CASE("a failed resize leaves the tensor unchanged", "[hardening]") {
  float buffer[4] = {1, 2, 3, 4};
  FloatTensor t(FloatStorage::wrap(buffer, 4), 0, Shape{2, 2});
  T7_REQUIRE_THROWS_WITH_ALL(t.resize(1000), LayoutError, "wrapped external memory");
  CHECK(t.sizes() == Shape{2, 2});
  CHECK(t.nElement() == 4);
  t.fill(0);  // stays inside the 4-float buffer
  CHECK(buffer[3] == 0);
  FloatTensor off(FloatStorage(10), 5, Shape{2});
  T7_REQUIRE_THROWS_WITH_ALL(off.resize(kMax), SizeError, "overflows");
  CHECK(off.sizes() == Shape{2});
}

TEST_CASE("empty tensors cannot be unsqueezed, expanded or indexed", "[hardening]") {
  FloatTensor e;
  T7_REQUIRE_THROWS_WITH_ALL(e.unsqueeze(0), SizeError, "unsqueeze", "empty");
  T7_REQUIRE_THROWS_WITH_ALL(e.expand(3), SizeError, "expand", "empty");
  T7_REQUIRE_THROWS_WITH_ALL(e(0), IndexError, "0-D");
  CHECK(e.squeeze().dim() == 0);
  e.fill(1);  // no element: nothing to do
  CHECK(e.nElement() == 0);
}

TEST_CASE("float to integer conversions saturate, and NaN becomes 0", "[hardening]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor<float> f{300.f, -300.f, nan, 12.9f, -12.9f, 1e30f};
  CHECK(values(f.toByte()) == std::vector<std::uint8_t>{255, 0, 0, 12, 0, 255});
  CHECK(values(f.toChar()) == std::vector<std::int8_t>{127, -128, 0, 12, -12, 127});
  CHECK(values(f.toInt()) == std::vector<int>{300, -300, 0, 12, -12, std::numeric_limits<int>::max()});
  CHECK(values(f.toLong())[5] == std::numeric_limits<std::int64_t>::max());
  IntStorage s(2);
  s.copy(DoubleStorage{1e100, -1e100});
  CHECK(s[0] == std::numeric_limits<int>::max());
  CHECK(s[1] == std::numeric_limits<int>::min());
  IntTensor fromExpr = f * 1;  // expression results convert the same way
  CHECK(values(fromExpr)[2] == 0);
  CHECK(values(fromExpr)[0] == 300);
  T7_REQUIRE_THROWS_WITH_ALL(range<std::uint8_t>(250, 300), ValueError, "range", "300", "Byte");
  T7_REQUIRE_THROWS_WITH_ALL(range<int>(0, 1, 0.5), ValueError, "range", "0.5");
}

TEST_CASE("multinomial without replacement never repeats a category", "[hardening]") {
  Generator g(1);
  LongTensor s = multinomial(g, DoubleTensor{1.0, 1e-20}, 2, false);
  CHECK(values(s) == std::vector<std::int64_t>{0, 1});
  for (int trial = 0; trial < 50; ++trial) {
    auto v = values(multinomial(g, DoubleTensor{5, 1e-12, 3, 1e-15, 2}, 5, false));
    std::sort(v.begin(), v.end());
    CHECK(v == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  }
  T7_REQUIRE_THROWS_WITH_ALL(multinomial(g, DoubleTensor{1e308, 1e308}, 1), ValueError, "summing to inf");
  T7_REQUIRE_THROWS_WITH_ALL(multinomial(g, DoubleTensor(2, 2, 2), 1), SizeError, "1-D or 2-D");
  T7_REQUIRE_THROWS_WITH_ALL(multinomial(g, DoubleTensor{0.5, 0.5}, 0), ValueError, "number of samples");
}

TEST_CASE("RNG states: saved before any draw, impossible ones refused", "[hardening]") {
  Generator fresh;  // never drawn from, never seeded
  ByteTensor s = getRNGState(fresh);
  Generator other;
  setRNGState(other, s);
  CHECK(other.random() == fresh.random());

  Generator g(3);
  g.random();
  ByteTensor bad = getRNGState(g);
  // left = 2, next = 624: the next draw would read past the state array.
  bad.fill(0);
  setRNGState(other, getRNGState(g));
  ByteTensor past = getRNGState(g);
  past(8) = 2;  // left
  for (int i = 9; i < 12; ++i) past(i) = 0;
  past(16) = 0x70;  // next = 624
  past(17) = 0x02;
  T7_REQUIRE_THROWS_WITH_ALL(setRNGState(other, past), ValueError, "invalid state");
  ByteTensor cache = getRNGState(g);
  cache(5040) = 7;  // normal_is_valid must be 0 or 1
  T7_REQUIRE_THROWS_WITH_ALL(setRNGState(other, cache), ValueError, "normal_is_valid");
}

TEST_CASE("random fills and factories refuse parameters that are not finite", "[hardening]") {
  FloatTensor f(3);
  T7_REQUIRE_THROWS_WITH_ALL(f.uniform(-1e300, 1e300), ValueError, "not a finite Float");
  T7_REQUIRE_THROWS_WITH_ALL(f.normal(std::numeric_limits<double>::infinity(), 1), ValueError, "not a finite");
  T7_REQUIRE_THROWS_WITH_ALL(f.logNormal(1, -2), ValueError, "standard deviation");
  T7_REQUIRE_THROWS_WITH_ALL(IntTensor(2).exponential(), TypeError, "exponential");
  T7_REQUIRE_THROWS_WITH_ALL(IntTensor(2).cauchy(), TypeError, "cauchy");
  T7_REQUIRE_THROWS_WITH_ALL(f.bernoulli(DoubleTensor{0.5, 1.5, 0}), ValueError, "1.5");
  T7_REQUIRE_THROWS_WITH_ALL(f.random(0), ValueError, "upper bound");
  T7_REQUIRE_THROWS_WITH_ALL(randperm<std::int8_t>(200), ValueError, "randperm", "Char");
  T7_REQUIRE_THROWS_WITH_ALL(eye<float>(3, -4), ValueError, "eye", "3x-4");
  T7_REQUIRE_THROWS_WITH_ALL(f.set(FloatStorage(4), 0, Shape{-1}), ValueError, "negative size");
  CHECK(f.isSameSizeAs(IntTensor(3)));
  CHECK(f.isSize(Shape{3}));
  CHECK(f.numel() == 3);
}

TEST_CASE("odd but valid layouts: size-1 dims with any stride, zero sizes, expanded views", "[hardening]") {
  FloatStorage s{0, 1, 2, 3, 4, 5};
  FloatTensor odd(s, 0, Shape{2, 1, 3}, Shape{3, 1000, 1});  // the size-1 stride is never used
  CHECK(odd.isContiguous());
  CHECK(values(odd.view(6)) == std::vector<float>{0, 1, 2, 3, 4, 5});
  FloatTensor z = zeros<float>(3, 0, 2);
  CHECK(z.view(0, 6).sizes() == Shape{0, 6});
  CHECK(z.begin() == z.end());
  CHECK(z.clone().nElement() == 0);
  FloatTensor e = Tensor<float>{1, 2}.view(2, 1).expand(2, 3);
  T7_REQUIRE_THROWS_WITH_ALL(e.view(6), LayoutError, "view");
  CHECK(values(e.reshape(6)) == std::vector<float>{1, 1, 1, 2, 2, 2});
  CHECK(e.view(2, 1, 3).strides() == Shape{1, 0, 0});  // splitting an expanded dimension is a view
}

TEST_CASE("strides that overflow are refused even with no element (review finding)", "[hardening]") {
  const index_t big = index_t{1} << 62;
  T7_REQUIRE_THROWS_WITH_ALL(FloatTensor(0, big, big), SizeError, "strides", "overflow");
  FloatTensor x(1, 1, 1);
  T7_REQUIRE_THROWS_WITH_ALL(repeatTensor(x, 0, big, big), SizeError, "overflow");
  FloatTensor kept(2, 3);
  T7_REQUIRE_THROWS_WITH_ALL(kept.resize(0, big, big), SizeError, "overflow");
  CHECK(kept.sizes() == Shape{2, 3});  // a failed resize changes nothing
  FloatTensor fine(0, big);  // one huge dimension next to a zero is still fine
  CHECK(fine.nElement() == 0);
}
