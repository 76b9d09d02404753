// Reductions (t7/math/reduce.hpp): values against double references computed element by
// element, every layout (contiguous, transposed, narrowed, expanded), every element type,
// both loop shapes along a dimension, accuracy, thread-count independence, and every error.
#include "helpers.hpp"

#include <t7/math/reduce.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <type_traits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace t7;
using t7test::values;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Shape withSizeOne(Shape s, int d) {
  s[d] = 1;
  return s;
}

/// Reference reduction along `dim`: `f` gets each slice as doubles (row-major order of the
/// other dimensions); the result is a flat vector in the same order.
template <class T>
std::vector<double> refAlong(const Tensor<T>& x, int dim, const std::function<double(const std::vector<double>&)>& f) {
  const std::vector<T> v = x.contiguous().toVector();
  index_t outer = 1, inner = 1;
  for (int k = 0; k < dim; ++k) outer *= x.size(k);
  for (int k = dim + 1; k < x.dim(); ++k) inner *= x.size(k);
  const index_t n = x.size(dim);
  std::vector<double> r;
  for (index_t o = 0; o < outer; ++o)
    for (index_t j = 0; j < inner; ++j) {
      std::vector<double> s;
      for (index_t i = 0; i < n; ++i) s.push_back(static_cast<double>(v[(o * n + i) * inner + j]));
      r.push_back(f(s));
    }
  return r;
}

double refSum(const std::vector<double>& s) {
  long double a = 0;
  for (double v : s) a += v;
  return static_cast<double>(a);
}
double refMean(const std::vector<double>& s) { return refSum(s) / static_cast<double>(s.size()); }
double refVar(const std::vector<double>& s, bool biased) {
  const long double m = refMean(s);
  long double a = 0;
  for (double v : s) a += (v - m) * (v - m);
  return static_cast<double>(a / static_cast<long double>(biased ? s.size() : s.size() - 1));
}

/// Checks `got` (any tensor) elementwise against `want`, with relative tolerance `rel`.
template <class T>
void checkValues(const Tensor<T>& got, const std::vector<double>& want, double rel = 1e-6) {
  const std::vector<T> g = got.contiguous().toVector();
  REQUIRE(g.size() == want.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i);
    if (std::isnan(want[i]))
      CHECK(std::isnan(static_cast<double>(g[i])));
    else
      CHECK(static_cast<double>(g[i]) == Approx(want[i]).epsilon(rel).margin(rel));
  }
}

/// A 3x4x5 tensor of type T with small distinct-ish values (also negative for signed types).
template <class T>
Tensor<T> sample345() {
  Tensor<T> x(3, 4, 5);
  index_t i = 0;
  x.apply([&](T& v) {
    const int k = static_cast<int>((i * 7) % 11);
    v = static_cast<T>(std::is_signed_v<T> ? k - 5 : k);
    ++i;
  });
  return x;
}

/// The same tensor in four layouts: contiguous, transposed view, narrowed view, expanded.
template <class T>
std::vector<Tensor<T>> layouts() {
  Tensor<T> base = sample345<T>();
  Tensor<T> big = sample345<T>();
  Tensor<T> row = sample345<T>().narrow(0, 1, 1);  // 1x4x5
  return {base, base.transpose(0, 2), big.narrow(2, 1, 3), row.expand(3, 4, 5)};
}

}  // namespace

// ---- sum, prod, mean --------------------------------------------------------------------------

TEMPLATE_TEST_CASE("sum and prod of all elements, every element type and layout", "[reduce]", float, double,
                   std::int8_t, std::uint8_t, std::int16_t, std::int32_t, std::int64_t) {
  using T = TestType;
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
  static_assert(std::is_same_v<decltype(sum(std::declval<Tensor<T>>())), Acc>);
  static_assert(std::is_same_v<decltype(prod(std::declval<Tensor<T>>())), Acc>);
  static_assert(std::is_same_v<decltype(trace(std::declval<Tensor<T>>())), Acc>);
  for (const auto& x : layouts<T>()) {
    INFO("sizes " << x.sizes() << " strides " << x.strides());
    const auto v = values(x);
    long double s = 0;
    for (T e : v) s += e;
    CHECK(sum(x) == static_cast<Acc>(s));
    const Tensor<T> small = x.narrow(1, 0, 1).narrow(2, 0, 2);  // 6 elements: no overflow
    long double p = 1;
    for (T e : values(small)) p *= e;
    CHECK(prod(small) == static_cast<Acc>(p));
  }
  CHECK(sum(Tensor<T>()) == 0);
  CHECK(prod(Tensor<T>()) == 1);
}

TEST_CASE("integer sums accumulate in int64 and wrap modulo 2^64", "[reduce]") {
  ByteTensor b = full<std::uint8_t>(Shape{1000}, 200);
  CHECK(sum(b) == 200000);
  CHECK(sum(full<std::int8_t>(Shape{1000}, -100)) == -100000);
  LongTensor big{std::numeric_limits<std::int64_t>::max(), 1};
  CHECK(sum(big) == std::numeric_limits<std::int64_t>::min());  // wraps, never UB
  CHECK(prod(IntTensor{1 << 20, 1 << 20}) == std::int64_t{1} << 40);
  // The dimension form returns the element type, as Torch7's (real) cast.
  ByteTensor m{{200, 100}, {1, 2}};
  CHECK(values(sum(m, 0)) == std::vector<std::uint8_t>{201, 102});
  CHECK(values(sum(m, 1)) == std::vector<std::uint8_t>{44, 3});  // 300 mod 256
}

TEMPLATE_TEST_CASE("sum, prod and mean along each dimension, every layout", "[reduce]", float, double, std::int8_t,
                   std::uint8_t, std::int16_t, std::int32_t, std::int64_t) {
  using T = TestType;
  for (const auto& x : layouts<T>()) {
    for (int d = 0; d < 3; ++d) {
      INFO("sizes " << x.sizes() << " strides " << x.strides() << " dim " << d);
      const Tensor<T> s = sum(x, d);
      CHECK(s.sizes() == withSizeOne(x.sizes(), d));
      // Integer sums are cast back to T, as Torch7's (real) cast.
      checkValues(s, refAlong(x, d, [](const std::vector<double>& v) {
                    const double r = refSum(v);
                    if constexpr (std::is_floating_point_v<T>) return r;
                    return static_cast<double>(static_cast<T>(static_cast<std::int64_t>(r)));
                  }));
      checkValues(prod(x.narrow(1, 0, 2), d), refAlong(x.narrow(1, 0, 2), d, [](const std::vector<double>& v) {
                    long double p = 1;
                    for (double e : v) p *= e;
                    return static_cast<double>(static_cast<T>(static_cast<std::int64_t>(p)));
                  }));
      if constexpr (std::is_floating_point_v<T>) checkValues(mean(x, d), refAlong(x, d, refMean));
    }
    CHECK(values(sum(x, -1)) == values(sum(x, 2)));
  }
}

TEST_CASE("mean of all elements; reductions of empty inputs", "[reduce]") {
  const DoubleTensor x{{1, 2}, {3, 4}};
  CHECK(mean(x) == 2.5);
  static_assert(std::is_same_v<decltype(mean(FloatTensor())), double>);
  T7_REQUIRE_THROWS_WITH_ALL(mean(FloatTensor()), ValueError, "mean", "no element");
  // An empty reduced dimension: sums are 0, products 1, means NaN (0/0).
  FloatTensor e(Shape{3, 0});
  CHECK(values(sum(e, 1)) == std::vector<float>{0, 0, 0});
  CHECK(values(prod(e, 1)) == std::vector<float>{1, 1, 1});
  CHECK(std::isnan(mean(e, 1)(0, 0)));
  CHECK(sum(e, 0).sizes() == Shape{1, 0});
}

TEST_CASE("both loop shapes along a dimension, tiles and threads", "[reduce]") {
  manualSeed(11);
  // 3 x 2500: along dim 0 the row path runs three tiles of columns; 300 x 300 crosses the
  // threading threshold on both paths.
  for (const Shape& sh : {Shape{3, 2500}, Shape{300, 300}, Shape{2, 3, 1100}}) {
    FloatTensor x = randn<float>(sh);
    for (int d = 0; d < x.dim(); ++d) {
      INFO("sizes " << sh << " dim " << d);
      checkValues(sum(x, d), refAlong(x, d, refSum), 1e-5);
      checkValues(mean(x, d), refAlong(x, d, refMean), 1e-5);
      checkValues(var(x, d), refAlong(x, d, [](const std::vector<double>& v) { return refVar(v, false); }), 1e-5);
      checkValues(cumsum(x, d).narrow(d, x.size(d) - 1, 1), refAlong(x, d, refSum), 1e-5);
      auto [mx, ix] = max(x, d);
      checkValues(mx, refAlong(x, d, [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }));
      checkValues(ix, refAlong(x, d, [](const std::vector<double>& v) {
                    return static_cast<double>(std::max_element(v.begin(), v.end()) - v.begin());
                  }));
    }
  }
}

TEMPLATE_TEST_CASE("sums over an outer dimension fold rows in groups and blocks", "[reduce]", float, double,
                   std::uint8_t, std::int16_t, std::int64_t) {
  using T = TestType;
  // 70 rows: two float blocks of 32 rows, groups of 4 and a remainder; 3 x 70 x 9 puts an
  // outer dimension in front.
  for (const Shape& sh : {Shape{70, 37}, Shape{3, 70, 9}}) {
    Tensor<T> x(sh);
    index_t i = 0;
    x.apply([&](T& v) { v = static_cast<T>((i++ * 13) % 29); });
    const int d = sh.size() - 2;
    INFO("sizes " << sh);
    checkValues(sum(x, d), refAlong(x, d, [](const std::vector<double>& v) {
                  return static_cast<double>(static_cast<T>(static_cast<std::int64_t>(refSum(v))));
                }));
    if constexpr (std::is_floating_point_v<T>) checkValues(mean(x, d), refAlong(x, d, refMean));
  }
}

TEST_CASE("result-first forms resize, keep a matching layout, and are alias-safe", "[reduce]") {
  FloatTensor x{{1, 2, 3}, {4, 5, 6}};
  FloatTensor res;
  FloatTensor& r = sum(res, x, 1);
  CHECK(&r == &res);
  CHECK(res.sizes() == Shape{2, 1});
  CHECK(values(res) == std::vector<float>{6, 15});
  // A non-contiguous result of the right shape keeps its layout (a view into a bigger tensor).
  FloatTensor big = zeros<float>(3, 4);
  FloatTensor col = big.narrow(1, 2, 1).narrow(0, 0, 2);  // 2x1, stride 4
  sum(col, x, 1);
  CHECK(big(0, 2) == 6);
  CHECK(big(1, 2) == 15);
  CHECK(big(2, 2) == 0);
  // The result is the input itself: computed through a temporary.
  FloatTensor y = x.clone();
  sum(y, y, 0);
  CHECK(y.sizes() == Shape{1, 3});
  CHECK(values(y) == std::vector<float>{5, 7, 9});
  FloatTensor z = x.clone();
  cumsum(z, z, 1);
  CHECK(values(z) == std::vector<float>{1, 3, 6, 4, 9, 15});
  FloatTensor v;
  LongTensor i;
  auto [vv, ii] = max(v, i, x, 0);
  CHECK(values(v) == std::vector<float>{4, 5, 6});
  CHECK(values(ii) == std::vector<std::int64_t>{1, 1, 1});
  CHECK(vv.isSetTo(v));
  // Values and indices in one LongTensor object cannot clobber each other.
  LongTensor lx{{3, 1}, {2, 4}}, both;
  max(both, both, lx, 1);
  CHECK(values(both) == std::vector<std::int64_t>{0, 1});  // the indices were written last
}

// ---- accuracy and threads -----------------------------------------------------------------------

TEST_CASE("float sums are accurate where a naive float loop is not", "[reduce][accuracy]") {
  const index_t n = 10'000'000;
  FloatTensor x = full<float>(Shape{n}, 0.1f);
  const double exact = static_cast<double>(n) * static_cast<double>(0.1f);
  float naive = 0;
  const float* p = x.data();
  for (index_t i = 0; i < n; ++i) naive += p[i];
  CHECK(std::abs(naive - exact) / exact > 1e-2);  // the naive float loop is far off
  CHECK(std::abs(sum(x) - exact) / exact < 1e-6);
  CHECK(std::abs(mean(x) - 0.1f) / 0.1f < 1e-6);
  // The same along a dimension (one 10^7-element slice) and over a strided view.
  CHECK(std::abs(sum(x.view(1, n), 1)(0, 0) - exact) / exact < 1e-6);
  CHECK(std::abs(sum(x.view(n / 2, 2).select(1, 0)) - exact / 2) / exact < 1e-6);
  // Random data against a long double reference.
  manualSeed(5);
  FloatTensor r = rand<float>(n / 10);
  long double ref = 0;
  for (float v : values(r)) ref += v;
  CHECK(std::abs(sum(r) - static_cast<double>(ref)) / static_cast<double>(ref) < 1e-7);
}

TEST_CASE("var and std are stable on data with a large mean", "[reduce][accuracy]") {
  manualSeed(9);
  FloatTensor x = rand<float>(200, 500);
  x.add(1e4f);  // 1e4 + uniform noise: var ~ 1/12
  const auto v = values(x);
  std::vector<double> all(v.begin(), v.end());
  CHECK(var(x) == Approx(refVar(all, false)).epsilon(1e-6));
  CHECK(var(x, true) == Approx(refVar(all, true)).epsilon(1e-6));
  CHECK(t7::std(x) == Approx(std::sqrt(refVar(all, false))).epsilon(1e-6));
  CHECK(t7::std(x, true) == Approx(std::sqrt(refVar(all, true))).epsilon(1e-6));
  for (int d : {0, 1}) {
    checkValues(var(x, d), refAlong(x, d, [](const std::vector<double>& s) { return refVar(s, false); }), 1e-5);
    checkValues(var(x, d, true), refAlong(x, d, [](const std::vector<double>& s) { return refVar(s, true); }), 1e-5);
    checkValues(t7::std(x, d), refAlong(x, d, [](const std::vector<double>& s) { return std::sqrt(refVar(s, false)); }),
                1e-5);
  }
  // Non-contiguous input, double type.
  DoubleTensor xd = x.toDouble().t();
  checkValues(var(xd, 1), refAlong(xd, 1, [](const std::vector<double>& s) { return refVar(s, false); }), 1e-9);
  // One element: unbiased is 0/0 = NaN, biased 0; none: ValueError.
  CHECK(std::isnan(var(FloatTensor{3})));
  CHECK(var(FloatTensor{3}, true) == 0);
  CHECK(std::isnan(var(FloatTensor{{1, 2}}, 0)(0, 1)));
  T7_REQUIRE_THROWS_WITH_ALL(var(DoubleTensor()), ValueError, "var", "no element");
  T7_REQUIRE_THROWS_WITH_ALL(t7::std(DoubleTensor()), ValueError, "std", "no element");
}

#ifdef _OPENMP
TEST_CASE("sums give the same bits with 1 and 2 threads", "[reduce][threads]") {
  manualSeed(21);
  FloatTensor x = randn<float>(3'000'001);  // several blocks and a partial one
  FloatTensor m = randn<float>(700, 700);
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const double s1 = sum(x);
  const FloatTensor r0 = sum(m, 0), r1 = sum(m, 1);
  omp_set_num_threads(2);
  const double s2 = sum(x);
  const FloatTensor q0 = sum(m, 0), q1 = sum(m, 1);
  omp_set_num_threads(before);
  CHECK(std::memcmp(&s1, &s2, sizeof s1) == 0);
  CHECK(values(r0) == values(q0));
  CHECK(values(r1) == values(q1));
}
#endif

// ---- max, min -------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("max and min: values, first index among ties, every layout", "[reduce]", float, double, std::int8_t,
                   std::uint8_t, std::int32_t, std::int64_t) {
  using T = TestType;
  static_assert(std::is_same_v<decltype(max(std::declval<Tensor<T>>())), T>);
  for (const auto& x : layouts<T>()) {
    const auto v = values(x);
    CHECK(max(x) == *std::max_element(v.begin(), v.end()));
    CHECK(min(x) == *std::min_element(v.begin(), v.end()));
    for (int d = 0; d < 3; ++d) {
      INFO("sizes " << x.sizes() << " strides " << x.strides() << " dim " << d);
      auto [mv, mi] = max(x, d);
      auto [nv, ni] = min(x, d);
      CHECK(mi.sizes() == withSizeOne(x.sizes(), d));
      using V = std::vector<double>;
      checkValues(mv, refAlong(x, d, [](const V& s) { return *std::max_element(s.begin(), s.end()); }));
      checkValues(mi, refAlong(x, d, [](const V& s) { return double(std::max_element(s.begin(), s.end()) - s.begin()); }));
      checkValues(nv, refAlong(x, d, [](const V& s) { return *std::min_element(s.begin(), s.end()); }));
      checkValues(ni, refAlong(x, d, [](const V& s) { return double(std::min_element(s.begin(), s.end()) - s.begin()); }));
    }
  }
}

TEST_CASE("max and min propagate NaN, as Torch7", "[reduce]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  FloatTensor x{{1, nan, 3, 0}, {5, 2, 9, 7}, {nan, 8, 0, nan}};
  CHECK(std::isnan(max(x)));
  CHECK(std::isnan(min(x)));
  CHECK(max(x.narrow(0, 1, 1)) == 9);
  // A long contiguous run (the vectorised kernel) with one NaN late in it.
  FloatTensor y = randn<float>(1000);
  y(777) = nan;
  CHECK(std::isnan(max(y)));
  CHECK(std::isnan(min(y)));
  y(777) = 100;
  CHECK(max(y) == 100);
  for (int d : {0, 1}) {  // dim 0: the row path; dim 1: the slice path
    auto [mv, mi] = max(x, d);
    auto [nv, ni] = min(x, d);
    if (d == 1) {
      CHECK(std::isnan(mv(0, 0)));
      CHECK(mi(0, 0) == 1);
      CHECK(mv(1, 0) == 9);
      CHECK(mi(1, 0) == 2);
      CHECK(mi(2, 0) == 0);  // the first NaN
      CHECK(ni(0, 0) == 1);
      CHECK(nv(1, 0) == 2);
    } else {
      CHECK(std::isnan(mv(0, 0)));
      CHECK(mi(0, 0) == 2);
      CHECK(std::isnan(mv(0, 1)));
      CHECK(mi(0, 1) == 0);
      CHECK(mv(0, 2) == 9);
      CHECK(mi(0, 3) == 2);
      CHECK(ni(0, 2) == 2);
      CHECK(std::isnan(nv(0, 3)));  // 0 first, then a NaN: the NaN wins
      CHECK(ni(0, 3) == 2);
    }
  }
}

TEST_CASE("max ties take the first index on both loop shapes", "[reduce]") {
  IntTensor x{{3, 7, 7}, {7, 7, 1}, {7, 2, 7}};
  auto [v1, i1] = max(x, 1);
  CHECK(values(i1) == std::vector<std::int64_t>{1, 0, 0});
  auto [v0, i0] = max(x, 0);
  CHECK(values(i0) == std::vector<std::int64_t>{1, 0, 0});
  auto [n0, j0] = min(x, 0);
  CHECK(values(n0) == std::vector<std::int32_t>{3, 2, 1});
  CHECK(values(j0) == std::vector<std::int64_t>{0, 2, 1});
}

// ---- median, kthvalue, mode -------------------------------------------------------------------------

TEST_CASE("median is Torch7's lower median; kthvalue is 1-based", "[reduce]") {
  FloatTensor even{4, 1, 3, 2};
  CHECK(median(even) == 2);  // lower of 2 and 3
  CHECK(median(FloatTensor{5, 1, 3}) == 3);
  CHECK(kthvalue(even, 1) == 1);
  CHECK(kthvalue(even, 4) == 4);
  IntTensor m{{9, 1, 5, 3}, {2, 2, 8, 2}, {7, 6, 6, 4}};
  auto [mv, mi] = median(m, 1);
  CHECK(mv.sizes() == Shape{3, 1});
  CHECK(values(mv) == std::vector<std::int32_t>{3, 2, 6});
  CHECK(values(mi) == std::vector<std::int64_t>{3, 1, 1});  // {2,2,2,8}: 2nd smallest is the 2 at index 1
  auto [cv, ci] = median(m, 0);
  CHECK(values(cv) == std::vector<std::int32_t>{7, 2, 6, 3});
  CHECK(values(ci) == std::vector<std::int64_t>{2, 1, 2, 0});
  auto [kv, ki] = kthvalue(m, 3, 1);
  CHECK(values(kv) == std::vector<std::int32_t>{5, 2, 6});
  CHECK(values(ki) == std::vector<std::int64_t>{2, 3, 2});
  auto [tv, ti] = kthvalue(m.t(), 1, 1);  // transposed input
  CHECK(values(tv) == std::vector<std::int32_t>{2, 1, 5, 2});
  CHECK(values(ti) == std::vector<std::int64_t>{1, 0, 0, 1});
  // NaN ranks after every number.
  const double nan = kNaN;
  DoubleTensor d{nan, 1, 3};
  CHECK(median(d) == 3);
  CHECK(std::isnan(kthvalue(d, 3)));
  // Result-first.
  IntTensor rv;
  LongTensor ri;
  median(rv, ri, m, 0);
  CHECK(values(rv) == std::vector<std::int32_t>{7, 2, 6, 3});
}

TEST_CASE("mode: most frequent value, smallest among ties, last occurrence", "[reduce]") {
  CHECK(mode(IntTensor{3, 1, 3, 2, 1}) == 1);  // 1 and 3 twice each: the smaller
  CHECK(mode(FloatTensor{{2, 5}, {5, 5}}) == 5);
  ByteTensor m{{4, 4, 1, 1, 1}, {9, 8, 7, 9, 8}};
  auto [v, i] = mode(m, 1);
  CHECK(values(v) == std::vector<std::uint8_t>{1, 8});
  CHECK(values(i) == std::vector<std::int64_t>{4, 4});
  auto [v0, i0] = mode(m, 0);
  CHECK(values(v0) == std::vector<std::uint8_t>{4, 4, 1, 1, 1});
  CHECK(values(i0) == std::vector<std::int64_t>{0, 0, 0, 0, 0});
}

// ---- norm, renorm, dist --------------------------------------------------------------------------------

TEST_CASE("norm: any p > 0, p = 0 counts nonzeros, p = infinity is max |x|", "[reduce]") {
  DoubleTensor x{{3, -4, 0}, {1, 0, -2}};
  CHECK(norm(x) == Approx(std::sqrt(30.0)));
  CHECK(norm(x, 1) == 10);
  CHECK(norm(x, 0) == 4);
  CHECK(norm(x, kInf) == 4);
  CHECK(norm(x, 3) == Approx(std::cbrt(27.0 + 64 + 1 + 8)));
  CHECK(norm(x, 0.5) == Approx(std::pow(std::sqrt(3.0) + 2 + 1 + std::sqrt(2.0), 2)));
  checkValues(norm(x, 2, 1), {5, std::sqrt(5.0)});
  checkValues(norm(x, 1, 0), {4, 4, 2});
  checkValues(norm(x, 0, 0), {2, 1, 1});
  checkValues(norm(x, kInf, 0), {3, 4, 2});
  checkValues(norm(x.t(), 2, 0), {5, std::sqrt(5.0)});  // transposed
  FloatTensor f = x.toFloat();
  CHECK(norm(f) == Approx(std::sqrt(30.0)));
  FloatTensor r;
  norm(r, f, 1, 1);
  CHECK(values(r) == std::vector<float>{7, 3});
  f(0, 0) = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(norm(f, kInf)));
  T7_REQUIRE_THROWS_WITH_ALL(norm(x, -1), ValueError, "norm", "p must be >= 0", "-1");
  T7_REQUIRE_THROWS_WITH_ALL(norm(x, -2, 0), ValueError, "norm", "-2");
  T7_REQUIRE_THROWS_WITH_ALL(norm(x, kNaN), ValueError, "norm");
}

TEST_CASE("renorm scales sub-tensors whose norm exceeds maxnorm", "[reduce]") {
  FloatTensor w{{3, 4}, {0.3f, 0.4f}, {6, 8}};
  FloatTensor r = renorm(w, 2, 0, 1);  // rows (select along dim 0)
  CHECK(r.sizes() == w.sizes());
  CHECK(norm(r.select(0, 0)) == Approx(1).epsilon(1e-6));
  CHECK(norm(r.select(0, 2)) == Approx(1).epsilon(1e-6));
  CHECK(r(1, 0) == 0.3f);  // norm 0.5 <= 1: copied
  CHECK(r(0, 0) == Approx(3.0 / (5 + 1e-7)));
  CHECK(w(0, 0) == 3);  // the input is untouched
  FloatTensor c = renorm(w, 1, 1, 5);  // columns, 1-norm
  CHECK(c(0, 0) == Approx(3 * 5 / 9.3));
  CHECK(c(2, 1) == Approx(8 * 5 / 12.4));
  FloatTensor inf = renorm(w, kInf, 0, 2);
  CHECK(inf(2, 1) == Approx(2.0));
  FloatTensor wt = w.clone().t();  // non-contiguous input
  CHECK(values(renorm(wt, 2, 1, 1)) == values(FloatTensor(r.t())));
  // In place, Torch7's w:renorm(p, dim, maxnorm).
  FloatTensor u = w.clone();
  renorm(u, u, 2, 0, 1);
  CHECK(values(u) == values(r));
  T7_REQUIRE_THROWS_WITH_ALL(renorm(FloatTensor{1, 2}, 2, 0, 1), SizeError, "renorm", "2 dimensions", "size 2");
  T7_REQUIRE_THROWS_WITH_ALL(renorm(w, 0, 0, 1), ValueError, "renorm", "p must be > 0");
  T7_REQUIRE_THROWS_WITH_ALL(renorm(w, 2, 0, -1), ValueError, "renorm", "maxnorm");
  T7_REQUIRE_THROWS_WITH_ALL(renorm(w, 2, 2, 1), IndexError, "renorm", "dimension 2");
}

TEST_CASE("dist pairs elements in row-major order", "[reduce]") {
  FloatTensor a{{1, 2}, {3, 4}};
  FloatTensor b{{1, 0}, {0, 0}};
  CHECK(dist(a, b) == Approx(std::sqrt(4.0 + 9 + 16)));
  CHECK(dist(a, b, 1) == 9);
  CHECK(dist(a, b, kInf) == 4);
  CHECK(dist(a, b, 0) == 3);
  CHECK(dist(a, FloatTensor{1, 0, 0, 0}) == Approx(std::sqrt(29.0)));  // other shape, same count
  CHECK(dist(a.t(), b.t()) == Approx(std::sqrt(29.0)));
  CHECK(dist(a, b.toDouble()) == Approx(std::sqrt(29.0)));
  CHECK(dist(a, a * 2) == Approx(std::sqrt(30.0)));  // an expression
  T7_REQUIRE_THROWS_WITH_ALL(dist(a, FloatTensor{1, 2, 3}), SizeError, "dist", "2x2", "3", "element counts");
  T7_REQUIRE_THROWS_WITH_ALL(dist(a, b, -3), ValueError, "dist", "p must be >= 0");
}

// ---- cumsum, cumprod ------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("cumsum and cumprod along each dimension, every layout", "[reduce]", float, double, std::int8_t,
                   std::int32_t, std::int64_t) {
  using T = TestType;
  for (const auto& x0 : layouts<T>()) {
    const Tensor<T> x = x0.narrow(1, 0, 3);
    for (int d = 0; d < 3; ++d) {
      INFO("sizes " << x.sizes() << " strides " << x.strides() << " dim " << d);
      const Tensor<T> cs = cumsum(x, d), cp = cumprod(x, d);
      REQUIRE(cs.sizes() == x.sizes());
      for (index_t k = 0; k < x.size(d); ++k) {
        const Tensor<T> head = x.narrow(d, 0, k + 1);
        checkValues(cs.narrow(d, k, 1), refAlong(head, d, refSum));
        checkValues(cp.narrow(d, k, 1), refAlong(head, d, [](const std::vector<double>& v) {
                      long double p = 1;
                      for (double e : v) p *= e;
                      return static_cast<double>(static_cast<T>(static_cast<std::int64_t>(p)));
                    }));
      }
    }
  }
}

// ---- logical, trace ---------------------------------------------------------------------------------------

TEST_CASE("logicalAll and any on ByteTensors", "[reduce]") {
  ByteTensor m{{1, 0, 2}, {1, 1, 0}};
  CHECK_FALSE(logicalAll(m));
  CHECK(any(m));
  CHECK(logicalAll(m.narrow(1, 0, 1)));
  CHECK_FALSE(any(zeros<std::uint8_t>(2, 3)));
  CHECK(logicalAll(ByteTensor()));  // vacuous truth
  CHECK(all(m.narrow(1, 0, 1)));     // the slice tag `all` is Torch7's x:all() too
  CHECK_FALSE(all(m));
  CHECK(values(all(m, 1)) == values(logicalAll(m, 1)));
  CHECK_FALSE(any(ByteTensor()));
  CHECK(values(logicalAll(m, 0)) == std::vector<std::uint8_t>{1, 0, 0});
  CHECK(values(logicalAll(m, 1)) == std::vector<std::uint8_t>{0, 0});
  CHECK(values(any(m, 0)) == std::vector<std::uint8_t>{1, 1, 1});
  CHECK(values(any(m.t(), 0)) == std::vector<std::uint8_t>{1, 1});
  CHECK(values(logicalAny(zeros<std::uint8_t>(2, 2), 1)) == std::vector<std::uint8_t>{0, 0});
  ByteTensor r;
  logicalAll(r, m, 1);
  CHECK(r.sizes() == Shape{2, 1});
  T7_REQUIRE_THROWS_WITH_ALL(any(m, 2), IndexError, "any", "dimension 2");
}

TEST_CASE("trace of square, non-square and strided matrices", "[reduce]") {
  LongTensor m{{1, 2, 3}, {4, 5, 6}};
  CHECK(trace(m) == 6);
  CHECK(trace(m.t()) == 6);
  CHECK(trace(DoubleTensor{{1.5, 0}, {0, 2}}) == 3.5);
  CHECK(trace(ByteTensor{{200, 0}, {0, 200}}) == 400);
  T7_REQUIRE_THROWS_WITH_ALL(trace(LongTensor{1, 2}), SizeError, "trace", "2-D", "size 2");
  T7_REQUIRE_THROWS_WITH_ALL(trace(zeros<float>(2, 2, 2)), SizeError, "trace", "3 dimensions", "2x2x2");
}

// ---- expressions ------------------------------------------------------------------------------------------

TEST_CASE("reductions take expressions", "[reduce]") {
  FloatTensor a{{1, 2}, {3, 4}}, b{{5, 6}, {7, 8}};
  CHECK(sum(a * b) == 70);
  CHECK(max(a - b) == -4);
  CHECK(values(sum(a * b, 1)) == std::vector<float>{17, 53});
  CHECK(mean(a + b) == 9);
  auto [v, i] = min(b - a * 2, 0);
  CHECK(values(v) == std::vector<float>{1, 0});
  CHECK(values(i) == std::vector<std::int64_t>{1, 1});
  FloatTensor r;
  cumsum(r, a + 1, 0);
  CHECK(values(r) == std::vector<float>{2, 3, 6, 8});
}

// ---- errors -------------------------------------------------------------------------------------------------

TEST_CASE("errors name the operation and the sizes", "[reduce][errors]") {
  FloatTensor x = zeros<float>(2, 3);
  T7_REQUIRE_THROWS_WITH_ALL(sum(x, 2), IndexError, "sum", "dimension 2", "2 dimensions");
  T7_REQUIRE_THROWS_WITH_ALL(prod(x, -3), IndexError, "prod", "dimension -3");
  T7_REQUIRE_THROWS_WITH_ALL(mean(x, 5), IndexError, "mean");
  T7_REQUIRE_THROWS_WITH_ALL(var(x, 2), IndexError, "var");
  T7_REQUIRE_THROWS_WITH_ALL(t7::std(x, 2, true), IndexError, "std");
  T7_REQUIRE_THROWS_WITH_ALL(max(x, 2), IndexError, "max");
  T7_REQUIRE_THROWS_WITH_ALL(min(x, 7), IndexError, "min");
  T7_REQUIRE_THROWS_WITH_ALL(median(x, 2), IndexError, "median");
  T7_REQUIRE_THROWS_WITH_ALL(mode(x, 2), IndexError, "mode");
  T7_REQUIRE_THROWS_WITH_ALL(kthvalue(x, 1, 2), IndexError, "kthvalue", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(norm(x, 2, 2), IndexError, "norm");
  T7_REQUIRE_THROWS_WITH_ALL(cumsum(x, 2), IndexError, "cumsum");
  T7_REQUIRE_THROWS_WITH_ALL(cumprod(x, -5), IndexError, "cumprod");
  T7_REQUIRE_THROWS_WITH_ALL(logicalAll(ByteTensor(2, 2), 3), IndexError, "logicalAll");
  T7_REQUIRE_THROWS_WITH_ALL(sum(FloatTensor(), 0), IndexError, "sum", "0 dimensions");
  // k out of range.
  T7_REQUIRE_THROWS_WITH_ALL(kthvalue(x, 0, 1), IndexError, "kthvalue", "k = 0", "3 elements", "2x3");
  T7_REQUIRE_THROWS_WITH_ALL(kthvalue(x, 4, 1), IndexError, "kthvalue", "k = 4");
  T7_REQUIRE_THROWS_WITH_ALL(kthvalue(x, 7), IndexError, "kthvalue", "k = 7", "6 elements");
  T7_REQUIRE_THROWS_WITH_ALL(kthvalue(FloatTensor(), 1), IndexError, "kthvalue", "0 elements");
  // A value is needed but there is none.
  T7_REQUIRE_THROWS_WITH_ALL(max(FloatTensor()), ValueError, "max", "no element");
  T7_REQUIRE_THROWS_WITH_ALL(min(IntTensor(Shape{0, 4})), ValueError, "min", "0x4", "no element");
  T7_REQUIRE_THROWS_WITH_ALL(median(DoubleTensor()), ValueError, "median", "no element");
  T7_REQUIRE_THROWS_WITH_ALL(mode(LongTensor()), ValueError, "mode", "no element");
  FloatTensor e(Shape{3, 0});
  T7_REQUIRE_THROWS_WITH_ALL(max(e, 1), ValueError, "max", "dimension 1", "3x0", "empty");
  T7_REQUIRE_THROWS_WITH_ALL(min(e, 1), ValueError, "min", "3x0");
  T7_REQUIRE_THROWS_WITH_ALL(median(e, 1), ValueError, "median", "3x0");
  T7_REQUIRE_THROWS_WITH_ALL(mode(e, 1), ValueError, "mode", "3x0");
  T7_REQUIRE_THROWS_WITH_ALL(kthvalue(e, 1, 1), IndexError, "kthvalue", "0 elements");
  // Compile-time restrictions (static_assert, as Torch7's type guards), not run here:
  //   mean/var/std/norm/renorm/dist of an integer tensor, logicalAll/any of a non-Byte tensor,
  //   a result tensor of another element type.
}
