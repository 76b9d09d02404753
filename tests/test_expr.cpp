// Fused elementwise expressions: values, type rules, broadcasting, alias safety, the
// in-place members, and identical results on every evaluation path.
#include "helpers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

using namespace t7;
using t7test::values;

namespace {
// Elementwise reference in double, through element access (no expression machinery).
template <class T, class F>
void checkUnary(const Tensor<T>& got, const Tensor<T>& x, F ref, double rel) {
  REQUIRE(got.sizes() == x.sizes());
  auto g = values(got), v = values(x);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double want = ref(static_cast<double>(v[i]));
    INFO("x = " << v[i]);
    CHECK(static_cast<double>(g[i]) == Approx(want).epsilon(rel).margin(rel));
  }
}
}  // namespace

TEST_CASE("the paper's snippet: t + l/2, r:add(0.5, t), log(exp(-r) + 10)", "[expr]") {
  manualSeed(7);
  FloatTensor t = rand<float>(100, 100);
  auto l = randn<float>(100, 100);
  FloatTensor r = t + l / 2;
  for (int i : {0, 37, 99})
    for (int j : {0, 50, 99}) CHECK(r(i, j) == t(i, j) + l(i, j) / 2);
  FloatTensor before = r.clone();
  r.add(0.5f, t);
  CHECK(r(3, 4) == before(3, 4) + 0.5f * t(3, 4));
  FloatTensor r2 = r.clone();
  r = log(exp(-r) + 10);
  CHECK(r.storage().isSameAs(r.storage()));
  for (int i : {0, 42, 99})
    CHECK(r(i, i) == Approx(std::log(std::exp(-static_cast<double>(r2(i, i))) + 10)).epsilon(1e-6));
}

TEST_CASE("unary math functions match the C library", "[expr]") {
  manualSeed(3);
  FloatTensor x = rand<float>(1000);  // (0, 1): inside every domain below
  x.mul(0.98f).add(0.01f);
  const double e = 4e-6;
  checkUnary(FloatTensor(exp(x)), x, [](double v) { return std::exp(v); }, e);
  checkUnary(FloatTensor(expm1(x)), x, [](double v) { return std::expm1(v); }, e);
  checkUnary(FloatTensor(log(x)), x, [](double v) { return std::log(v); }, e);
  checkUnary(FloatTensor(log1p(x)), x, [](double v) { return std::log1p(v); }, e);
  checkUnary(FloatTensor(sqrt(x)), x, [](double v) { return std::sqrt(v); }, e);
  checkUnary(FloatTensor(rsqrt(x)), x, [](double v) { return 1 / std::sqrt(v); }, e);
  checkUnary(FloatTensor(cbrt(x)), x, [](double v) { return std::cbrt(v); }, e);
  checkUnary(FloatTensor(sin(x)), x, [](double v) { return std::sin(v); }, e);
  checkUnary(FloatTensor(cos(x)), x, [](double v) { return std::cos(v); }, e);
  checkUnary(FloatTensor(tan(x)), x, [](double v) { return std::tan(v); }, e);
  checkUnary(FloatTensor(asin(x)), x, [](double v) { return std::asin(v); }, e);
  checkUnary(FloatTensor(acos(x)), x, [](double v) { return std::acos(v); }, e);
  checkUnary(FloatTensor(atan(x)), x, [](double v) { return std::atan(v); }, e);
  checkUnary(FloatTensor(sinh(x)), x, [](double v) { return std::sinh(v); }, e);
  checkUnary(FloatTensor(cosh(x)), x, [](double v) { return std::cosh(v); }, e);
  checkUnary(FloatTensor(tanh(x)), x, [](double v) { return std::tanh(v); }, e);
  checkUnary(FloatTensor(sigmoid(x)), x, [](double v) { return 1 / (1 + std::exp(-v)); }, e);
  checkUnary(FloatTensor(cinv(x)), x, [](double v) { return 1 / v; }, e);
  FloatTensor y = (x - 0.5f) * 7;  // negatives and values past 1
  checkUnary(FloatTensor(abs(y)), y, [](double v) { return std::fabs(v); }, 0);
  checkUnary(FloatTensor(-y), y, [](double v) { return -v; }, 0);
  checkUnary(FloatTensor(floor(y)), y, [](double v) { return std::floor(v); }, 0);
  checkUnary(FloatTensor(ceil(y)), y, [](double v) { return std::ceil(v); }, 0);
  checkUnary(FloatTensor(trunc(y)), y, [](double v) { return std::trunc(v); }, 0);
  checkUnary(FloatTensor(round(y)), y, [](double v) { return std::round(v); }, 0);
  checkUnary(FloatTensor(frac(y)), y, [](double v) { return v - std::trunc(v); }, 1e-6);
  checkUnary(FloatTensor(sign(y)), y, [](double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }, 0);
  checkUnary(FloatTensor(pow(x, 2.5f)), x, [](double v) { return std::pow(v, 2.5); }, e);
  checkUnary(FloatTensor(pow(2.f, y)), y, [](double v) { return std::pow(2.0, v); }, e);
  checkUnary(FloatTensor(clamp(y, -1.f, 2.f)), y, [](double v) { return std::min(std::max(v, -1.0), 2.0); }, 0);
  checkUnary(FloatTensor(cmax(y, 0.f)), y, [](double v) { return std::max(v, 0.0); }, 0);
  FloatTensor a2 = atan2(y, x);
  for (index_t k = 0; k < 1000; k += 7) CHECK(a2(k) == Approx(std::atan2(double(y(k)), double(x(k)))).epsilon(e));
  DoubleTensor xd = x.toDouble();
  checkUnary(DoubleTensor(exp(xd)), xd, [](double v) { return std::exp(v); }, 1e-14);
  checkUnary(DoubleTensor(tanh(xd)), xd, [](double v) { return std::tanh(v); }, 1e-14);
}

TEST_CASE("exp and sigmoid at the extremes: infinities, NaN, past the overflow", "[expr]") {
  // (xsimd's double exp casts x / ln 2 to an integer, undefined for these without AVX-512DQ:
  // op::safeExp; the sanitizer build, for AVX2, reports any such cast)
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  const std::vector<double> v{-inf, -1e300, -1000.5, -1000, -746, -700, -0.5, 0, 0.5, 700, 709, 710,
                              1000, 1000.5, 1e300, inf, nan, -nan, 3, -3, 20};  // 21: a partial vector too
  auto check = [&](auto zero) {
    using T = decltype(zero);
    Tensor<T> x(static_cast<index_t>(v.size()));
    for (std::size_t i = 0; i < v.size(); ++i) x(static_cast<index_t>(i)) = static_cast<T>(v[i]);
    const Tensor<T> e = exp(x), s = sigmoid(x);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const T xi = x(static_cast<index_t>(i));
      INFO("x = " << xi);
      const T want = std::exp(xi), wantS = T(1) / (T(1) + std::exp(-xi));
      const T got = e(static_cast<index_t>(i)), gotS = s(static_cast<index_t>(i));
      if (std::isnan(xi)) {
        CHECK(std::isnan(got));
        CHECK(std::isnan(gotS));
      } else {
        CHECK(got == Approx(want).epsilon(1e-6).margin(0));
        CHECK(gotS == Approx(wantS).epsilon(1e-6).margin(0));
        CHECK(std::isinf(got) == std::isinf(want));
      }
    }
  };
  check(0.0);
  check(0.0f);
}

TEST_CASE("every evaluation path gives identical results", "[expr]") {
  manualSeed(11);
  // 37 columns: rows are not a multiple of any batch width, so tails are exercised.
  FloatTensor a = randn<float>(29, 37), b = randn<float>(29, 37);
  FloatTensor flat = tanh(a) * b + exp(-abs(a)) / 3;  // contiguous: the flat batched loop
  FloatTensor at = a.t().clone().t(), bt = b.t().clone().t();  // same values, column-major
  FloatTensor strided = tanh(at) * bt + exp(-abs(at)) / 3;     // strided path, gathered batches
  CHECK(values(strided) == values(flat));
  FloatTensor dst = zeros<float>(37, 29).t();  // strided destination
  dst = tanh(a) * b + exp(-abs(a)) / 3;
  CHECK(values(dst) == values(flat));
  // One row at a time (narrow) and one element at a time agree too.
  for (int i = 0; i < 29; i += 7) {
    FloatTensor row = tanh(a.select(0, i)) * b.select(0, i) + exp(-abs(a.select(0, i))) / 3;
    CHECK(values(row) == values(flat.select(0, i)));
  }
  FloatTensor one = tanh(a.narrow(0, 3, 1).narrow(1, 5, 1)) * b.narrow(0, 3, 1).narrow(1, 5, 1) +
                    exp(-abs(a.narrow(0, 3, 1).narrow(1, 5, 1))) / 3;
  CHECK(one(0, 0) == flat(3, 5));
}

TEST_CASE("large tensors split across threads give the serial result", "[expr]") {
  manualSeed(5);
  const index_t n = 3 * expr::kParallelThreshold + 17;
  FloatTensor a = randn<float>(n), b = randn<float>(n), c = randn<float>(n);
  FloatTensor r = a * b + c;
  // (the compiler may contract a*b + c into one FMA on either side: compare to 1 ulp)
  for (index_t i = 0; i < n; i += 997) CHECK(r(i) == Approx(a(i) * b(i) + c(i)).epsilon(1e-6).margin(1e-6));
  FloatTensor big = randn<float>(700, 300);
  FloatTensor s = big.t() * 2 + 1;  // strided, above the threshold
  for (int i = 0; i < 300; i += 41)
    for (int j = 0; j < 700; j += 97) CHECK(s(i, j) == big(j, i) * 2 + 1);
}

TEST_CASE("results above the streaming size are stored identically", "[expr]") {
  // Above expr::detail::kStreamBytes the flat path writes with non-temporal stores; an
  // odd offset makes it peel to alignment first. The strided path (a transposed view of the
  // same data) must give the same bits.
  manualSeed(6);
  const index_t rows = 2049, cols = 2051;  // 4.2M floats, 16.8 MB
  static_assert(std::size_t{2049} * 2051 * sizeof(float) >= expr::detail::kStreamBytes);
  FloatTensor a = randn<float>(rows * cols + 1).narrow(0, 1, rows * cols).view(rows, cols);
  FloatTensor b = randn<float>(rows, cols);
  FloatTensor flat = tanh(a) * b + 1;
  FloatTensor viaT = (tanh(a.t()) * b.t() + 1).eval();  // strided operands, contiguous result
  FloatTensor strided = viaT.t();
  CHECK(equal(flat, strided));
  CHECK(flat(rows - 1, cols - 1) == Approx(std::tanh(a(rows - 1, cols - 1)) * b(rows - 1, cols - 1) + 1));
}

TEST_CASE("shapes broadcast as in NumPy, with a clear error otherwise", "[expr]") {
  FloatTensor m = range<float>(0, 11).view(3, 4);
  FloatTensor row = Tensor<float>{10, 20, 30, 40};
  FloatTensor col = Tensor<float>{1, 2, 3}.view(3, 1);
  FloatTensor r = m + row;
  CHECK(r.sizes() == Shape{3, 4});
  CHECK(values(r.select(0, 2)) == std::vector<float>{18, 29, 40, 51});
  FloatTensor outer = col * row.view(1, 4);
  CHECK(outer.sizes() == Shape{3, 4});
  CHECK(outer(2, 3) == 120);
  FloatTensor lead = m.view(1, 3, 4) - col;  // [1,3,4] - [3,1]
  CHECK(lead.sizes() == Shape{1, 3, 4});
  CHECK(lead(0, 1, 2) == 6 - 2);
  m += row;  // broadcast into the destination's shape
  CHECK(m(1, 0) == 14);
  T7_REQUIRE_THROWS_WITH_ALL(FloatTensor(m + Tensor<float>{1, 2, 3}), SizeError, "add", "3x4", "3",
                             "cannot be broadcast");
  T7_REQUIRE_THROWS_WITH_ALL(row += m, SizeError, "operator+=", "3x4", "size 4");
  T7_REQUIRE_THROWS_WITH_ALL(FloatTensor(m * FloatTensor()), SizeError, "empty tensor");
}

TEST_CASE("operands broadcast along the inner dimension (stride 0) give the general path's values", "[expr]") {
  // A row operand repeated down the rows is stride 0 along its inner loop only when it is the
  // column (x.unsqueeze(1)): those rows read one element repeated. 37 columns: tails too.
  manualSeed(12);
  FloatTensor x = randn<float>(29), y = randn<float>(37), m = randn<float>(29, 37);
  FloatTensor outer = x.unsqueeze(1) * y.unsqueeze(0) + tanh(m);
  FloatTensor mixed = x.unsqueeze(1) * 2 - m.t().clone().t();  // with a strided operand
  FloatTensor number = m * FloatTensor{3.5f}.view(1, 1).expand(29, 37);
  DoubleTensor dx = x.toDouble();
  FloatTensor promoted(29, 37);
  promoted = dx.unsqueeze(1) * y.unsqueeze(0);  // double operands, float result: unbatched
  for (index_t i = 0; i < 29; ++i)
    for (index_t j = 0; j < 37; ++j) {
      // (the C library's tanh and a possible FMA differ from the batches in the last bits)
      CHECK(outer(i, j) == Approx(x(i) * y(j) + std::tanh(m(i, j))).epsilon(1e-6).margin(1e-6));
      CHECK(mixed(i, j) == x(i) * 2 - m(i, j));
      CHECK(number(i, j) == m(i, j) * 3.5f);
      CHECK(promoted(i, j) == static_cast<float>(dx(i) * static_cast<double>(y(j))));
    }
  // the same values the element-at-a-time loop gives (one column at a time: no batch)
  for (index_t j = 0; j < 37; j += 9) {
    FloatTensor col = x.unsqueeze(1) * y.narrow(0, j, 1).unsqueeze(0) + tanh(m.narrow(1, j, 1));
    for (index_t i = 0; i < 29; ++i) CHECK(col(i, 0) == outer(i, j));
  }
}

TEST_CASE("element types promote by the documented rules", "[expr]") {
  FloatTensor f = Tensor<float>{1.5f, 2.5f};
  DoubleTensor d = Tensor<double>{1, 2};
  IntTensor i = Tensor<int>{3, 4};
  CharTensor c = Tensor<std::int8_t>{-100, 100};
  ByteTensor u = Tensor<std::uint8_t>{200, 100};
  static_assert(std::is_same_v<decltype(expr::eval(f + d))::value_type, double>);
  static_assert(std::is_same_v<decltype(expr::eval(f * i))::value_type, float>);
  static_assert(std::is_same_v<decltype(expr::eval(f * 2.0))::value_type, float>);
  static_assert(std::is_same_v<decltype(expr::eval(i * 2))::value_type, int>);
  static_assert(std::is_same_v<decltype(expr::eval(i * 2.5))::value_type, float>);
  static_assert(std::is_same_v<decltype(expr::eval(c + u))::value_type, std::int16_t>);
  static_assert(std::is_same_v<decltype(expr::eval(i + d))::value_type, double>);
  CHECK(values(expr::eval(f + d)) == std::vector<double>{2.5, 4.5});
  CHECK(values(expr::eval(i * 2.5)) == std::vector<float>{7.5f, 10});
  CHECK(values(expr::eval(c + u)) == std::vector<std::int16_t>{100, 200});  // no 8-bit wrap-around
  IntTensor j = i * 3 - 1;  // integer expressions take the scalar loop
  CHECK(values(j) == std::vector<int>{8, 11});
  FloatTensor fromInt = i / 2.0;  // written into a FloatTensor
  CHECK(values(fromInt) == std::vector<float>{1.5f, 2});
  IntTensor truncated = f * 2;  // assigning converts to the destination type
  CHECK(values(truncated) == std::vector<int>{3, 5});
}

TEST_CASE("assignment is alias-safe; in-place updates stay in place", "[expr]") {
  FloatTensor a = range<float>(0, 8).view(3, 3);
  const std::vector<float> want = values(expr::eval(a.t().clone() + a));
  a = a.t() + a;  // destination overlaps an operand with another layout
  CHECK(values(a) == want);

  FloatTensor v = range<float>(0, 9);
  v.narrow(0, 1, 9) = v.narrow(0, 0, 9) * 1;  // overlapping shift
  CHECK(values(v) == std::vector<float>{0, 0, 1, 2, 3, 4, 5, 6, 7, 8});

  FloatTensor x = range<float>(1, 6);
  const float* p = x.data();
  FloatStorage s = x.storage();
  x += x * 2;  // same layout: in place, no new storage
  CHECK(x.data() == p);
  CHECK(x.storage().isSameAs(s));
  CHECK(values(x) == std::vector<float>{3, 6, 9, 12, 15, 18});

  FloatTensor handle = x;  // assigning a Tensor shares (Lua's r = a)...
  handle(0) = -1;
  CHECK(x(0) == -1);
  FloatTensor target = zeros<float>(6);
  FloatTensor alias = target;
  target = x * 1;  // ...assigning an expression writes into the tensor's memory
  CHECK(alias(1) == 6);
  FloatTensor resized;
  resized = x.view(2, 3) + 0;  // an empty tensor is resized first
  CHECK(resized.sizes() == Shape{2, 3});
  FloatTensor base = zeros<float>(3, 3);
  FloatTensor column = base.select(1, 0);  // a view is never re-laid over its base
  T7_REQUIRE_THROWS_WITH_ALL(column = x + 0, SizeError, "operator=", "size 6", "size 3");
  CHECK(values(base) == std::vector<float>(9, 0.f));
}

TEST_CASE("the one-pass path for same-shaped contiguous operands agrees with the general path", "[expr]") {
  // `r = e` first tries one pass over the leaves (every leaf contiguous with r's sizes, r
  // contiguous, no overlap but an identical view); anything else takes the general path.
  // Each case is checked against a strided destination, which always takes the general path.
  manualSeed(12);
  FloatTensor a = randn<float>(16), b = randn<float>(16);
  auto viaStrided = [](const auto& e, index_t rows, index_t cols) {
    FloatTensor d = zeros<float>(cols, rows).t();  // rows x cols, not contiguous
    d = e;
    return values(d);
  };
  SECTION("same shape, contiguous: in place into the existing memory") {
    FloatTensor r(16);
    const float* p = r.data();
    r = a + b;
    CHECK(r.data() == p);
    for (int i = 0; i < 16; ++i) CHECK(r(i) == a(i) + b(i));
  }
  SECTION("2-D, tails of every length") {
    for (index_t cols : {1, 3, 7, 8, 9, 17}) {
      FloatTensor x = randn<float>(5, cols), y = randn<float>(5, cols), r(5, cols);
      r = x * y - x / 3;
      CHECK(values(r) == viaStrided(x * y - x / 3, 5, cols));
    }
  }
  SECTION("a leaf with an odd stride on a size-1 dimension still reads the right elements") {
    FloatTensor odd(a.storage(), 0, Shape{1, 16}, Strides{999, 1});
    FloatTensor r(1, 16);
    r = odd * 2 + b.view(1, 16);
    for (int i = 0; i < 16; ++i) CHECK(r(0, i) == a(i) * 2 + b(i));
  }
  SECTION("a leaf on the destination's storage: identical view in place, any other view via a temporary") {
    FloatTensor m = range<float>(0, 8).view(3, 3);
    const std::vector<float> want = values(expr::eval(m.t().clone() * 10 + m));
    m = m.t() * 10 + m;  // same storage, same offset, same sizes, other strides
    CHECK(values(m) == want);
    FloatTensor v = range<float>(0, 9);
    FloatTensor w = v.narrow(0, 0, 9);
    v.narrow(0, 1, 9) = w + 0;  // same storage, same sizes, another offset
    CHECK(values(v) == std::vector<float>{0, 0, 1, 2, 3, 4, 5, 6, 7, 8});
    FloatTensor x = range<float>(1, 4);
    x = x * x + x;  // identical view: in place
    CHECK(values(x) == std::vector<float>{2, 6, 12, 20});
  }
  SECTION("mixed element types, predicates and where") {
    DoubleTensor d = randn<double>(16);
    DoubleTensor r(16);
    r = a + d;
    for (int i = 0; i < 16; ++i) CHECK(r(i) == static_cast<double>(a(i)) + d(i));
    ByteTensor mask(16);
    mask = gt(a, b);
    FloatTensor w(16);
    w = where(mask, a, b);
    for (int i = 0; i < 16; ++i) {
      CHECK(mask(i) == (a(i) > b(i) ? 1 : 0));
      CHECK(w(i) == std::max(a(i), b(i)));
    }
  }
  SECTION("integer division by zero still throws, compound forms too") {
    IntTensor x = Tensor<std::int32_t>{6, 8, 9}, y = Tensor<std::int32_t>{3, 0, 1}, r(3);
    T7_REQUIRE_THROWS_WITH_ALL(r = x / y, ValueError, "integer division by zero", "div(");
    r = x / (y + 1);
    CHECK(values(r) == std::vector<std::int32_t>{1, 8, 4});
    IntTensor z = x.clone();
    T7_REQUIRE_THROWS_WITH_ALL(z /= y, ValueError, "integer division by zero");
  }
  SECTION("what the one pass does not take: broadcasts, strided or empty destinations, size errors") {
    FloatTensor m = randn<float>(4, 16), r(4, 16);
    r = m + a;  // broadcast
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 16; ++j) CHECK(r(i, j) == m(i, j) + a(j));
    FloatTensor col = zeros<float>(16, 4).select(1, 2);  // strided destination
    col = a + b;
    for (int i = 0; i < 16; ++i) CHECK(col(i) == a(i) + b(i));
    FloatTensor empty;
    empty = a + b;  // resized first
    CHECK(values(empty) == values(expr::eval(a + b)));
    FloatTensor none = zeros<float>(0), none2 = zeros<float>(0);
    none = none2 + 1;
    CHECK(none.nElement() == 0);
    FloatTensor wrong(15);
    T7_REQUIRE_THROWS_WITH_ALL(wrong = a + b, SizeError, "operator=", "size 16", "size 15");
    T7_REQUIRE_THROWS_WITH_ALL(wrong += a, SizeError);
  }
}

TEST_CASE("an expression holds its operands by value", "[expr]") {
  auto make = [] {
    FloatTensor a = Tensor<float>{1, 2, 3};
    FloatTensor b = Tensor<float>{10, 20, 30};
    return a * 2 + b;  // a and b go out of scope; the expression keeps them alive
  };
  auto e = make();
  CHECK(values(expr::eval(e)) == std::vector<float>{12, 24, 36});
  CHECK(e.describe() == "add(mul(torch.FloatTensor[3], 2.000000), torch.FloatTensor[3])");
}

TEST_CASE("Torch7's in-place math members", "[expr]") {
  FloatTensor x = Tensor<float>{1, 2, 3, 4};
  FloatTensor y = Tensor<float>{4, 3, 2, 1};
  CHECK(values(x.clone().add(1.f)) == std::vector<float>{2, 3, 4, 5});
  CHECK(values(x.clone().add(y)) == std::vector<float>{5, 5, 5, 5});
  CHECK(values(x.clone().add(0.5f, y)) == std::vector<float>{3, 3.5f, 4, 4.5f});
  CHECK(values(x.clone().csub(1)) == std::vector<float>{0, 1, 2, 3});
  CHECK(values(x.clone().csub(y)) == std::vector<float>{-3, -1, 1, 3});
  CHECK(values(x.clone().csub(2, y)) == std::vector<float>{-7, -4, -1, 2});
  CHECK(values(x.clone().mul(3)) == std::vector<float>{3, 6, 9, 12});
  CHECK(values(x.clone().div(2)) == std::vector<float>{0.5f, 1, 1.5f, 2});
  CHECK(values(x.clone().cmul(y)) == std::vector<float>{4, 6, 6, 4});
  CHECK(values(x.clone().cdiv(y)) == std::vector<float>{0.25f, 2.f / 3, 1.5f, 4});
  CHECK(values(x.clone().addcmul(2, x, y)) == std::vector<float>{9, 14, 15, 12});
  CHECK(values(x.clone().addcdiv(2, x, y)) == std::vector<float>{1.5f, 2 + 4.f / 3, 6, 12});
  CHECK(values(x.clone().clamp(2, 3)) == std::vector<float>{2, 2, 3, 3});
  CHECK(values(x.clone().pow(2)) == std::vector<float>{1, 4, 9, 16});
  FloatTensor z = x.clone();
  z -= 1;
  z *= y;
  z /= 2;
  CHECK(values(z) == std::vector<float>{0, 1.5f, 2, 1.5f});
  FloatTensor strided = zeros<float>(4, 2).select(1, 1);  // members work on views
  strided.add(x).mul(2);
  CHECK(values(strided) == std::vector<float>{2, 4, 6, 8});
  T7_REQUIRE_THROWS_WITH_ALL(x.clone().clamp(3, 2), ValueError, "clamp");
  T7_REQUIRE_THROWS_WITH_ALL(x.clone().cmul(zeros<float>(3)), SizeError, "mul", "4", "3");
}
