// Comparisons (ByteTensor masks), where, fmod/remainder, lerp, and integer arithmetic that
// is defined for every input (wrapping, division by zero reported as an error).
#include "helpers.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

using namespace t7;
using t7test::values;

TEST_CASE("comparisons give uint8 masks, with tensors or numbers", "[pointwise][compare]") {
  FloatTensor a{1, 2, 3, 4};
  FloatTensor b{4, 2, 1, 4};
  static_assert(std::is_same_v<decltype(lt(a, b))::value_type, std::uint8_t>);
  ByteTensor m = lt(a, b);
  CHECK(values(m) == std::vector<std::uint8_t>{1, 0, 0, 0});
  CHECK(values(ByteTensor(le(a, b))) == std::vector<std::uint8_t>{1, 1, 0, 1});
  CHECK(values(ByteTensor(gt(a, b))) == std::vector<std::uint8_t>{0, 0, 1, 0});
  CHECK(values(ByteTensor(ge(a, b))) == std::vector<std::uint8_t>{0, 1, 1, 1});
  CHECK(values(ByteTensor(eq(a, b))) == std::vector<std::uint8_t>{0, 1, 0, 1});
  CHECK(values(ByteTensor(ne(a, b))) == std::vector<std::uint8_t>{1, 0, 1, 0});
  CHECK(values(ByteTensor(gt(a, 2.5))) == std::vector<std::uint8_t>{0, 0, 1, 1});
  CHECK(values(ByteTensor(le(2, a))) == std::vector<std::uint8_t>{0, 1, 1, 1});
  // Torch7: a result tensor of another type receives 1/0 in that type.
  FloatTensor f = gt(a, 2);
  CHECK(values(f) == std::vector<float>{0, 0, 1, 1});
  // NaN compares false except for ne.
  FloatTensor n{std::nanf("")};
  CHECK(values(ByteTensor(eq(n, n))) == std::vector<std::uint8_t>{0});
  CHECK(values(ByteTensor(ne(n, n))) == std::vector<std::uint8_t>{1});
}

TEST_CASE("comparisons promote mixed types and broadcast", "[pointwise][compare]") {
  IntTensor i{1, 2, 3};
  DoubleTensor d = DoubleTensor{0.5, 2.5}.view(2, 1);
  ByteTensor m = gt(i, d);       // 2x3
  REQUIRE(m.sizes() == Shape{2, 3});
  CHECK(values(m) == std::vector<std::uint8_t>{1, 1, 1, 0, 0, 1});
  // int64 values beyond float's precision compare exactly against int64.
  LongTensor big{(std::int64_t{1} << 53) + 1};
  LongTensor big2{std::int64_t{1} << 53};
  CHECK(values(ByteTensor(gt(big, big2))) == std::vector<std::uint8_t>{1});
  // masks fuse into arithmetic: x * (x > 0) is relu
  FloatTensor x{-1, 0.5f, 2};
  FloatTensor r = x * gt(x, 0);
  CHECK(values(r) == std::vector<float>{0, 0.5f, 2});
  T7_REQUIRE_THROWS_WITH_ALL(ByteTensor(lt(FloatTensor(2, 3), FloatTensor(4))), SizeError, "lt", "2x3 and 4");
}

TEST_CASE("comparisons of non-contiguous operands", "[pointwise][compare]") {
  FloatTensor a{{1, 2, 3}, {4, 5, 6}};
  ByteTensor m = ge(a.t(), 3);  // 3x2: [[1,4],[2,5],[3,6]]
  CHECK(values(m) == std::vector<std::uint8_t>{0, 1, 0, 1, 1, 1});
  ByteTensor out(2, 3);
  out.zero();
  ByteTensor col = out.narrow(1, 1, 1);  // 2x1 strided view
  col = eq(a.narrow(1, 1, 1), 5);
  CHECK(values(out) == std::vector<std::uint8_t>{0, 0, 0, 0, 1, 0});
}

TEST_CASE("where selects elementwise, fused and broadcast", "[pointwise][where]") {
  FloatTensor a{1, -2, 3, -4};
  FloatTensor b{10, 20, 30, 40};
  FloatTensor r = where(gt(a, 0), a, b);
  CHECK(values(r) == std::vector<float>{1, 20, 3, 40});
  FloatTensor z = where(gt(a, 0), a, 0);  // relu
  CHECK(values(z) == std::vector<float>{1, 0, 3, 0});
  FloatTensor s = where(lt(a, 0), -1.f, 1.f);
  CHECK(values(s) == std::vector<float>{1, -1, 1, -1});
  FloatTensor l = where(lt(a, 0), 7, b * 2);
  CHECK(values(l) == std::vector<float>{20, 7, 60, 7});
  // A ByteTensor mask as the condition, broadcast over rows.
  ByteTensor mask{1, 0};
  FloatTensor m{{1, 2}, {3, 4}};
  FloatTensor w = where(mask, m, -m);
  CHECK(values(w) == std::vector<float>{1, -2, 3, -4});
  // Mixed types promote: int and double give double.
  IntTensor i{1, 2};
  DoubleTensor d{0.5, 0.25};
  auto e = where(mask, i, d);
  static_assert(std::is_same_v<decltype(e)::value_type, double>);
  CHECK(values(expr::eval(e)) == std::vector<double>{1, 0.25});
  T7_REQUIRE_THROWS_WITH_ALL(FloatTensor(where(ByteTensor(3), a, b)), SizeError, "where", "3 and 4");
}

TEST_CASE("fmod keeps the dividend's sign, remainder the divisor's", "[pointwise][fmod]") {
  FloatTensor a{5.5f, -5.5f, 5.5f, -5.5f};
  FloatTensor b{2, 2, -2, -2};
  CHECK(values(FloatTensor(fmod(a, b))) == std::vector<float>{1.5f, -1.5f, 1.5f, -1.5f});
  CHECK(values(FloatTensor(remainder(a, b))) == std::vector<float>{1.5f, 0.5f, -0.5f, -1.5f});
  CHECK(values(FloatTensor(fmod(a, 2))) == std::vector<float>{1.5f, -1.5f, 1.5f, -1.5f});
  CHECK(values(FloatTensor(remainder(a, 2))) == std::vector<float>{1.5f, 0.5f, 1.5f, 0.5f});
  // Integers: C's % and Python's %.
  IntTensor x{7, -7, 7, -7};
  IntTensor y{3, 3, -3, -3};
  CHECK(values(IntTensor(fmod(x, y))) == std::vector<std::int32_t>{1, -1, 1, -1});
  CHECK(values(IntTensor(remainder(x, y))) == std::vector<std::int32_t>{1, 2, -2, -1});
  // The vectorised (batch) path agrees with the scalar definition on a long contiguous tensor.
  auto big = randn<double>(1000) * 10;
  DoubleTensor bf = fmod(big, 3), br = remainder(big, 3);
  auto bv = values(DoubleTensor(big)), fv = values(bf), rv = values(br);
  for (std::size_t k = 0; k < bv.size(); ++k) {
    CHECK(fv[k] == Approx(std::fmod(bv[k], 3.0)).margin(1e-12));
    CHECK(rv[k] == Approx(bv[k] - std::floor(bv[k] / 3.0) * 3.0).margin(1e-12));
  }
}

TEST_CASE("lerp interpolates", "[pointwise][lerp]") {
  FloatTensor a{0, 10, -4};
  FloatTensor b{1, 20, 4};
  CHECK(values(FloatTensor(lerp(a, b, 0.25f))) == std::vector<float>{0.25f, 12.5f, -2});
  CHECK(values(FloatTensor(lerp(a, b, 0))) == values(a));
  CHECK(values(FloatTensor(lerp(a, b, 1))) == values(b));
}

TEST_CASE("integer arithmetic wraps instead of overflowing", "[pointwise][integer]") {
  constexpr auto mx = std::numeric_limits<std::int32_t>::max();
  constexpr auto mn = std::numeric_limits<std::int32_t>::min();
  IntTensor a{mx, mn, mn};
  IntTensor one{1, 1, -1};
  CHECK(values(IntTensor(a + one)) == std::vector<std::int32_t>{mn, mn + 1, mx});
  CHECK(values(IntTensor(-a)) == std::vector<std::int32_t>{-mx, mn, mn});
  CHECK(values(IntTensor(abs(a))) == std::vector<std::int32_t>{mx, mn, mn});
  CHECK(values(IntTensor(a * 2)) == std::vector<std::int32_t>{-2, 0, 0});
  CHECK(values(IntTensor(a / -1)) == std::vector<std::int32_t>{-mx, mn, mn});
  ShortTensor s{30000};
  CHECK(values(ShortTensor(s * s)) == std::vector<std::int16_t>{static_cast<std::int16_t>(30000 * 30000 % 65536)});
  // Exact integer powers (no round trip through double).
  LongTensor p{3, -2, 10};
  CHECK(values(LongTensor(pow(p, 3))) == std::vector<std::int64_t>{27, -8, 1000});
  CHECK(values(LongTensor(pow(LongTensor{3}, 39))) == std::vector<std::int64_t>{4052555153018976267});
  CHECK(values(LongTensor(pow(LongTensor{1, -1, -1, 5}, LongTensor{-3, -3, -2, -1}))) ==
        std::vector<std::int64_t>{1, -1, 1, 0});
}

TEST_CASE("integer division by zero throws after the loop", "[pointwise][integer]") {
  IntTensor a{6, 7, 8};
  IntTensor b{3, 0, 2};
  T7_REQUIRE_THROWS_WITH_ALL(IntTensor(a / b), ValueError, "integer division by zero", "div(");
  T7_REQUIRE_THROWS_WITH_ALL(IntTensor(fmod(a, 0)), ValueError, "integer division by zero", "fmod");
  T7_REQUIRE_THROWS_WITH_ALL(IntTensor(remainder(a, b)), ValueError, "integer division by zero");
  T7_REQUIRE_THROWS_WITH_ALL(LongTensor(pow(LongTensor{0}, -1)), ValueError, "integer division by zero");
  IntTensor r(3);
  T7_REQUIRE_THROWS_WITH_ALL(r.cdiv(b), ValueError, "integer division by zero");
  // Large tensors take the parallel paths: the flag of every thread is seen.
  IntTensor big(1 << 17);
  big.fill(5);
  IntTensor den(1 << 17);
  den.fill(1);
  den((1 << 17) - 1) = 0;
  T7_REQUIRE_THROWS_WITH_ALL(IntTensor(big / den), ValueError, "integer division by zero");
  T7_REQUIRE_THROWS_WITH_ALL(IntTensor(big.view(256, 512).t() / den.view(512, 256)), ValueError, "integer division by zero");
  // The same thread's next evaluation starts clean; floating division by zero is IEEE.
  CHECK(values(IntTensor(a / 2)) == std::vector<std::int32_t>{3, 3, 4});
  FloatTensor f = FloatTensor{1, -1, 0} / 0.f;
  CHECK(std::isinf(f(0)));
  CHECK(std::isnan(f(2)));
}
