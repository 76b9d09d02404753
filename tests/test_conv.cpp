// Torch7's conv2 / xcorr2 / conv3 / xcorr3 (t7/math/conv.hpp): hand-computed cases, the
// flip identity, a double-precision naive reference on random data, the plane
// combinations, layouts, element types, result-first reuse and every error path.
#include "helpers.hpp"

#include <t7/math/conv.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

using namespace t7;
using t7test::values;

namespace {

template <class T>
double tol() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

// Naive reference in double over D x H x W volumes (2-D: D = 1), written from the
// definitions: full conv out(p) = sum_t x(p - t) k(t); valid xcorr out(p) = sum_t x(p + t) k(t).
struct Vol {
  index_t d = 0, h = 0, w = 0;
  std::vector<double> v;
  double at(index_t z, index_t y, index_t x) const { return v[(z * h + y) * w + x]; }
};

template <class T>
Vol vol(const Tensor<T>& t) {  // a 2-D or 3-D tensor, any layout
  Vol r;
  r.d = t.dim() == 3 ? t.size(0) : 1;
  r.h = t.size(t.dim() - 2);
  r.w = t.size(t.dim() - 1);
  r.v = t.toDouble().toVector();
  return r;
}

Vol refOne(const Vol& x, const Vol& k, bool conv, bool full) {
  Vol o;
  o.d = full ? x.d + k.d - 1 : x.d - k.d + 1;
  o.h = full ? x.h + k.h - 1 : x.h - k.h + 1;
  o.w = full ? x.w + k.w - 1 : x.w - k.w + 1;
  o.v.assign(static_cast<std::size_t>(o.d * o.h * o.w), 0.0);
  for (index_t z = 0; z < o.d; ++z)
    for (index_t y = 0; y < o.h; ++y)
      for (index_t xx = 0; xx < o.w; ++xx) {
        double s = 0;
        for (index_t a = 0; a < k.d; ++a)
          for (index_t b = 0; b < k.h; ++b)
            for (index_t c = 0; c < k.w; ++c) {
              // conv uses the kernel at (a,b,c) against x(p - t); xcorr against x(p + t),
              // shifted by k - 1 in full mode.
              index_t iz, iy, ix;
              double kv;
              if (conv) {
                kv = k.at(a, b, c);
                iz = full ? z - a : z + (k.d - 1 - a);
                iy = full ? y - b : y + (k.h - 1 - b);
                ix = full ? xx - c : xx + (k.w - 1 - c);
              } else {
                kv = k.at(a, b, c);
                iz = full ? z + a - (k.d - 1) : z + a;
                iy = full ? y + b - (k.h - 1) : y + b;
                ix = full ? xx + c - (k.w - 1) : xx + c;
              }
              if (iz < 0 || iy < 0 || ix < 0 || iz >= x.d || iy >= x.h || ix >= x.w) continue;
              s += x.at(iz, iy, ix) * kv;
            }
        o.v[static_cast<std::size_t>((z * o.h + y) * o.w + xx)] = s;
      }
  return o;
}

// Reference for every plane combination; S = 2 or 3 spatial dimensions.
template <class T>
DoubleTensor reference(const Tensor<T>& x, const Tensor<T>& k, int S, bool conv, bool full) {
  std::vector<Tensor<T>> xs, ks;
  const int xd = x.dim(), kd = k.dim();
  int mode = xd == S && kd == S ? 0 : (kd == S + 1 ? 1 : 2);
  if (mode == 0) {
    Vol o = refOne(vol(x), vol(k), conv, full);
    Shape s = S == 2 ? Shape{o.h, o.w} : Shape{o.d, o.h, o.w};
    DoubleTensor r(s);
    std::copy(o.v.begin(), o.v.end(), r.data());
    return r;
  }
  const index_t nOut = k.size(0), nIn = x.size(0);
  DoubleTensor r;
  for (index_t oi = 0; oi < nOut; ++oi) {
    Vol acc;
    for (index_t ii = 0; ii < nIn; ++ii) {
      if (mode == 1 && ii != oi) continue;
      const Tensor<T> kk = mode == 1 ? k.select(0, oi) : k.select(0, oi).select(0, ii);
      Vol o = refOne(vol(Tensor<T>(x.select(0, ii))), vol(kk), conv, full);
      if (acc.v.empty()) acc = o;
      else
        for (std::size_t j = 0; j < o.v.size(); ++j) acc.v[j] += o.v[j];
    }
    if (oi == 0) {
      Shape s = S == 2 ? Shape{nOut, acc.h, acc.w} : Shape{nOut, acc.d, acc.h, acc.w};
      r.resize(s);
    }
    std::copy(acc.v.begin(), acc.v.end(), r.data() + oi * static_cast<index_t>(acc.v.size()));
  }
  return r;
}

// k flipped in its last S dimensions (a plain copy, element by element).
template <class T>
Tensor<T> flipped(const Tensor<T>& k, int S) {
  Tensor<T> c = k.contiguous().clone();
  const auto v = c.toVector();
  index_t block = 1;
  for (int d = k.dim() - S; d < k.dim(); ++d) block *= k.size(d);
  T* p = c.data();
  for (index_t b = 0; b < c.nElement(); b += block)
    for (index_t i = 0; i < block; ++i) p[b + i] = v[static_cast<std::size_t>(b + block - 1 - i)];
  return c;
}

}  // namespace

TEMPLATE_TEST_CASE("conv2 / xcorr2: hand-computed 3x3 input, 2x2 kernel, both modes", "[conv]", float, double,
                   std::int32_t, std::int64_t, std::int16_t) {
  using T = TestType;
  const Tensor<T> x({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
  const Tensor<T> k({{1, 2}, {3, 4}});
  const Tensor<T> xv = xcorr2(x, k);
  REQUIRE(xv.sizes() == Shape{2, 2});
  CHECK(values(xv) == std::vector<T>{37, 47, 67, 77});
  const Tensor<T> cv = conv2(x, k);  // the default mode is 'V'
  CHECK(values(cv) == std::vector<T>{23, 33, 53, 63});
  CHECK(values(conv2(x, k, 'V')) == values(cv));
  const Tensor<T> cf = conv2(x, k, 'F');
  REQUIRE(cf.sizes() == Shape{4, 4});
  CHECK(values(cf) == std::vector<T>{1, 4, 7, 6, 7, 23, 33, 24, 19, 53, 63, 42, 21, 52, 59, 36});
  const Tensor<T> xf = xcorr2(x, k, 'F');
  REQUIRE(xf.sizes() == Shape{4, 4});
  CHECK(values(xf) == std::vector<T>{4, 11, 18, 9, 18, 37, 47, 21, 36, 67, 77, 33, 14, 23, 26, 9});
  // a kernel of the input's size gives one value; a 1x1 kernel scales
  CHECK(values(xcorr2(x, x)) == std::vector<T>{285});
  CHECK(values(conv2(x, full<T>({1, 1}, T(2)))) == std::vector<T>{2, 4, 6, 8, 10, 12, 14, 16, 18});
}

TEMPLATE_TEST_CASE("conv2 is xcorr2 with the kernel flipped; sizes of 'V' and 'F'", "[conv]", float, double) {
  using T = TestType;
  manualSeed(1);
  const Tensor<T> x = randn<T>(100, 100), k = randn<T>(10, 10);
  const Tensor<T> c = conv2(x, k);
  CHECK(c.sizes() == Shape{91, 91});  // Torch7's doc example
  CHECK(conv2(x, k, 'F').sizes() == Shape{109, 109});
  CHECK(maxAbsDiff(c, xcorr2(x, flipped(k, 2))) == 0);
  CHECK(maxAbsDiff(conv2(x, k, 'F'), xcorr2(x, flipped(k, 2), 'F')) == 0);
  CHECK(maxAbsDiff(xcorr2(x, k), conv2(x, flipped(k, 2))) == 0);
  // 'F' accepts a kernel larger than the input
  const Tensor<T> small = randn<T>(2, 3);
  CHECK(conv2(small, k, 'F').sizes() == Shape{11, 12});
  CHECK(maxAbsDiff(conv2(small, k, 'F'), reference(small, k, 2, true, true)) < 100 * tol<T>());
}

TEMPLATE_TEST_CASE("conv2 / xcorr2 match a double-precision naive reference", "[conv]", float, double) {
  using T = TestType;
  manualSeed(2);
  // narrow outputs (dot-product path) and wide ones (vectorised rows with a scalar tail)
  for (auto [h, w, kh, kw] : std::vector<std::array<index_t, 4>>{{13, 17, 4, 3}, {5, 6, 5, 2}, {9, 40, 3, 7}, {1, 1, 1, 1}, {31, 33, 1, 9}}) {
    INFO(h << "x" << w << " with " << kh << "x" << kw);
    const Tensor<T> x = randn<T>(h, w), k = randn<T>(kh, kw);
    for (bool conv : {true, false})
      for (char mode : {'V', 'F'}) {
        const Tensor<T> got = conv ? conv2(x, k, mode) : xcorr2(x, k, mode);
        CHECK(maxAbsDiff(got, reference(x, k, 2, conv, mode == 'F')) < 50 * tol<T>());
      }
  }
}

TEMPLATE_TEST_CASE("conv2 plane combinations: 3-D with 3-D, 3-D with 4-D", "[conv]", float, double) {
  using T = TestType;
  manualSeed(3);
  const Tensor<T> x = randn<T>(3, 12, 11);
  SECTION("3-D x 3-D: plane i with kernel i") {
    const Tensor<T> k = randn<T>(3, 4, 2);
    for (char mode : {'V', 'F'}) {
      const Tensor<T> r = conv2(x, k, mode);
      REQUIRE(r.sizes() == (mode == 'V' ? Shape{3, 9, 10} : Shape{3, 15, 12}));
      for (index_t i = 0; i < 3; ++i)
        CHECK(maxAbsDiff(Tensor<T>(r.select(0, i)), conv2(Tensor<T>(x.select(0, i)), Tensor<T>(k.select(0, i)), mode)) == 0);
      CHECK(maxAbsDiff(xcorr2(x, k, mode), reference(x, k, 2, false, mode == 'F')) < 50 * tol<T>());
    }
  }
  SECTION("3-D x 4-D: output o sums x[i] * k[o][i] over the input planes") {
    const Tensor<T> k = randn<T>(5, 3, 3, 3);
    for (char mode : {'V', 'F'}) {
      const Tensor<T> r = conv2(x, k, mode);
      REQUIRE(r.sizes() == (mode == 'V' ? Shape{5, 10, 9} : Shape{5, 14, 13}));
      CHECK(maxAbsDiff(r, reference(x, k, 2, true, mode == 'F')) < 50 * tol<T>());
      CHECK(maxAbsDiff(xcorr2(x, k, mode), reference(x, k, 2, false, mode == 'F')) < 50 * tol<T>());
    }
  }
  SECTION("large enough to run the plane loop on threads") {
    const Tensor<T> xb = randn<T>(4, 40, 40), kb = randn<T>(16, 4, 5, 5);
    CHECK(maxAbsDiff(conv2(xb, kb), reference(xb, kb, 2, true, false)) < 200 * tol<T>());
  }
}

TEMPLATE_TEST_CASE("conv3 / xcorr3: hand case, reference, plane combinations", "[conv]", float, double, std::int32_t) {
  using T = TestType;
  const Tensor<T> x = range<T>(1, 8).view(2, 2, 2);
  const Tensor<T> ones3 = ones<T>(2, 2, 2);
  // one position: the sum of products
  CHECK(values(conv3(x, ones3)) == std::vector<T>{36});
  CHECK(values(xcorr3(x, x)) == std::vector<T>{204});  // 1 + 4 + ... + 64
  CHECK(values(conv3(x, x)) == std::vector<T>{120});   // 1*8 + 2*7 + ... + 8*1
  const Tensor<T> full = conv3(x, ones3, 'F');
  REQUIRE(full.sizes() == Shape{3, 3, 3});
  CHECK(full(0, 0, 0) == T(1));
  CHECK(full(1, 1, 1) == T(36));
  CHECK(full(2, 2, 2) == T(8));
  CHECK(full(0, 1, 1) == T(1 + 2 + 3 + 4));
  if constexpr (FloatingElement<T>) {
    manualSeed(4);
    const Tensor<T> xr = randn<T>(5, 6, 7), kr = randn<T>(2, 3, 2);
    for (bool conv : {true, false})
      for (char mode : {'V', 'F'}) {
        const Tensor<T> got = conv ? conv3(xr, kr, mode) : xcorr3(xr, kr, mode);
        CHECK(got.sizes() == (mode == 'V' ? Shape{4, 4, 6} : Shape{6, 8, 8}));
        CHECK(maxAbsDiff(got, reference(xr, kr, 3, conv, mode == 'F')) < 50 * tol<T>());
      }
    CHECK(maxAbsDiff(conv3(xr, kr), xcorr3(xr, flipped(kr, 3))) == 0);
    // 4-D x 4-D and 4-D x 5-D
    const Tensor<T> xp = randn<T>(2, 4, 5, 3);
    const Tensor<T> kp = randn<T>(2, 2, 2, 2), km = randn<T>(3, 2, 2, 3, 1);
    CHECK(conv3(xp, kp).sizes() == Shape{2, 3, 4, 2});
    CHECK(maxAbsDiff(conv3(xp, kp), reference(xp, kp, 3, true, false)) < 50 * tol<T>());
    CHECK(maxAbsDiff(xcorr3(xp, kp, 'F'), reference(xp, kp, 3, false, true)) < 50 * tol<T>());
    CHECK(conv3(xp, km).sizes() == Shape{3, 3, 3, 3});
    CHECK(maxAbsDiff(conv3(xp, km), reference(xp, km, 3, true, false)) < 50 * tol<T>());
    CHECK(maxAbsDiff(xcorr3(xp, km, 'F'), reference(xp, km, 3, false, true)) < 50 * tol<T>());
  }
}

TEMPLATE_TEST_CASE("non-contiguous inputs: transposed, narrowed, expanded", "[conv]", float, double) {
  using T = TestType;
  manualSeed(5);
  const Tensor<T> base = randn<T>(20, 15);
  const Tensor<T> xt = base.t();                  // 15 x 20, transposed
  const Tensor<T> xn = base.narrow(1, 3, 9);      // 20 x 9, rows apart
  const Tensor<T> k = randn<T>(6, 4).t();         // 4 x 6 transposed kernel
  const Tensor<T> ke = randn<T>(1, 3).expand(4, 3);  // stride-0 rows
  REQUIRE_FALSE(xt.isContiguous());
  REQUIRE_FALSE(xn.isContiguous());
  CHECK(maxAbsDiff(conv2(xt, k), reference(xt, k, 2, true, false)) < 50 * tol<T>());
  CHECK(maxAbsDiff(xcorr2(xn, ke, 'F'), reference(xn, ke, 2, false, true)) < 50 * tol<T>());
  CHECK(maxAbsDiff(conv2(xt, k), conv2(xt.contiguous(), k.contiguous())) == 0);
  const Tensor<T> planes = randn<T>(10, 10, 3).permute(2, 0, 1);  // 3 x 10 x 10, permuted
  const Tensor<T> kk = randn<T>(2, 3, 3, 3);
  CHECK(maxAbsDiff(conv2(planes, kk), reference(planes, kk, 2, true, false)) < 50 * tol<T>());
}

TEMPLATE_TEST_CASE("integer types wrap around with defined results", "[conv]", std::uint8_t, std::int8_t) {
  using T = TestType;
  const Tensor<T> x({{100, 100}, {100, 100}});
  const Tensor<T> k({{2, 2}, {2, 2}});
  // 8 * 100 = 800 = 3 * 256 + 32
  const auto v = values(xcorr2(x, k));
  REQUIRE(v.size() == 1);
  CHECK(static_cast<std::uint8_t>(v[0]) == 32);
}

TEMPLATE_TEST_CASE("result-first: reuse without reallocation, aliasing an input", "[conv]", float, double) {
  using T = TestType;
  manualSeed(6);
  const Tensor<T> x = randn<T>(30, 30), k = randn<T>(5, 5);
  const Tensor<T> want = conv2(x, k);
  Tensor<T> res;
  conv2(res, x, k);
  CHECK(maxAbsDiff(res, want) == 0);
  const T* p = res.data();
  for (int i = 0; i < 3; ++i) {
    res.fill(T(7));  // stale content must not leak into the result
    CHECK(&conv2(res, x, k) == &res);
    CHECK(res.data() == p);  // same memory, no new allocation
    CHECK(maxAbsDiff(res, want) == 0);
  }
  // a result of another shape is resized
  Tensor<T> other = zeros<T>(2, 3, 4);
  xcorr2(other, x, k, 'F');
  CHECK(other.sizes() == Shape{34, 34});
  CHECK(maxAbsDiff(other, xcorr2(x, k, 'F')) == 0);
  // res is the input itself (torch.conv2(x, x, k))
  Tensor<T> y = x.clone();
  conv2(y, y, k);
  CHECK(maxAbsDiff(y, want) == 0);
  Tensor<T> kk = k.clone();
  Tensor<T> xx = x.clone();
  xcorr2(kk, xx, kk, 'F');
  CHECK(maxAbsDiff(kk, xcorr2(x, k, 'F')) == 0);
  Tensor<T> r3;
  conv3(r3, Tensor<T>(ones<T>(2, 2, 2)), Tensor<T>(ones<T>(2, 2, 2)));
  CHECK(values(r3) == std::vector<T>{8});
  xcorr3(r3, Tensor<T>(ones<T>(2, 2, 2)), Tensor<T>(ones<T>(1, 1, 1)));
  CHECK(r3.sizes() == Shape{2, 2, 2});
}

TEMPLATE_TEST_CASE("conv errors", "[conv][errors]", float, std::int32_t) {
  using T = TestType;
  const Tensor<T> x = ones<T>(3, 3), k = ones<T>(2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(conv2(x, Tensor<T>(ones<T>(4, 2))), SizeError, "conv2: in 'V' (valid) mode the kernel [4x2]",
                             "must not be larger than the input [3x3]", "use 'F'");
  T7_REQUIRE_THROWS_WITH_ALL(xcorr2(Tensor<T>(ones<T>(2, 5, 5)), Tensor<T>(ones<T>(2, 2, 6))), SizeError,
                             "xcorr2: in 'V' (valid) mode the kernel [2x6]", "input [5x5]", "x [2x5x5], k [2x2x6]");
  T7_REQUIRE_THROWS_WITH_ALL(conv3(Tensor<T>(ones<T>(2, 5, 5)), Tensor<T>(ones<T>(3, 2, 2))), SizeError,
                             "conv3: in 'V' (valid) mode the kernel [3x2x2]", "input [2x5x5]");
  T7_REQUIRE_THROWS_WITH_ALL(conv2(x, k, 'v'), ValueError, "conv2: mode must be 'V' (valid) or 'F' (full), got 'v'");
  T7_REQUIRE_THROWS_WITH_ALL(xcorr3(Tensor<T>(ones<T>(2, 2, 2)), Tensor<T>(ones<T>(2, 2, 2)), 'S'), ValueError,
                             "xcorr3: mode must be 'V' (valid) or 'F' (full), got 'S'");
  // rank combinations Torch7 rejects
  T7_REQUIRE_THROWS_WITH_ALL(conv2(x, Tensor<T>(ones<T>(2, 2, 2))), SizeError,
                             "conv2: x and k must have 2 and 2, 3 and 3, or 3 and 4 dimensions",
                             "got x [3x3] (2-D) and k [2x2x2] (3-D)");
  T7_REQUIRE_THROWS_WITH_ALL(conv2(Tensor<T>(ones<T>(4)), Tensor<T>(ones<T>(2))), SizeError, "conv2: x and k must have",
                             "x [4] (1-D)");
  T7_REQUIRE_THROWS_WITH_ALL(conv3(x, k), SizeError, "conv3: x and k must have 3 and 3, 4 and 4, or 4 and 5 dimensions");
  T7_REQUIRE_THROWS_WITH_ALL(conv2(Tensor<T>(), k), SizeError, "conv2: x and k must have", "x [] (0-D)");
  // plane counts
  T7_REQUIRE_THROWS_WITH_ALL(conv2(Tensor<T>(ones<T>(3, 4, 4)), Tensor<T>(ones<T>(2, 2, 2))), SizeError,
                             "conv2: x [3x4x4] has 3 planes but k [2x2x2] has 2 kernels (one per plane)");
  T7_REQUIRE_THROWS_WITH_ALL(conv2(Tensor<T>(ones<T>(3, 4, 4)), Tensor<T>(ones<T>(5, 2, 2, 2))), SizeError,
                             "conv2: k [5x2x2x2] expects 2 input planes (its dimension 1) but x [3x4x4] has 3");
  T7_REQUIRE_THROWS_WITH_ALL(conv3(Tensor<T>(ones<T>(3, 4, 4, 4)), Tensor<T>(ones<T>(5, 2, 2, 2, 2))), SizeError,
                             "conv3: k [5x2x2x2x2] expects 2 input planes");
  // empty operands
  T7_REQUIRE_THROWS_WITH_ALL(conv2(Tensor<T>(0, 3), k, 'F'), SizeError, "conv2: x [0x3] is empty");
  T7_REQUIRE_THROWS_WITH_ALL(xcorr2(x, Tensor<T>(2, 0)), SizeError, "xcorr2: k [2x0] is empty");
  // result-first forms check the same way and leave res untouched on error
  Tensor<T> res = zeros<T>(5);
  T7_REQUIRE_THROWS_WITH_ALL(conv2(res, x, Tensor<T>(ones<T>(4, 4))), SizeError, "conv2: in 'V' (valid) mode");
  CHECK(res.sizes() == Shape{5});
}

TEST_CASE("conv2 writes a narrowed result of the right size through its view (review finding)", "[conv][alias]") {
  FloatTensor big(3, 5);
  big.fill(0);
  FloatTensor res = big.narrow(1, 0, 3);  // already the 3x3 output size, not contiguous
  FloatTensor x(5, 5);
  x.fill(1);
  FloatTensor k(3, 3);
  k.fill(1);
  conv2(res, x, k);
  CHECK(values(big) == std::vector<float>{9, 9, 9, 0, 0, 9, 9, 9, 0, 0, 9, 9, 9, 0, 0});
  CHECK(res.stride(0) == 5);  // the view was kept
}
