// BLAS-level math (t7/math/blas.hpp) and thread control (t7/core/threads.hpp): every function
// against a naive double-precision triple loop, on contiguous, transposed, narrowed, strided
// and expanded operands; results written into new, resized, transposed, narrowed and strided
// tensors; aliasing of the result with an operand; beta == 0 ignoring NaNs; every error.
// Built more than once to cover every back-end: as is (Eigen, or OpenBLAS when the build defines
// T7_USE_CBLAS=1, with Eigen's gemm under AVX-512) and with the other choices.
#include "helpers.hpp"

#include <t7/core/threads.hpp>
#include <t7/math/blas.hpp>
#include <t7/math/compare.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace t7;
using t7test::values;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- references, in double, through element access ------------------------------------------

template <class T>
std::vector<double> refMM(const Tensor<T>& a, const Tensor<T>& b) {
  const index_t n = a.size(0), k = a.size(1), p = b.size(1);
  std::vector<double> r(static_cast<std::size_t>(n * p), 0.0);
  for (index_t i = 0; i < n; ++i)
    for (index_t j = 0; j < p; ++j) {
      double s = 0;
      for (index_t l = 0; l < k; ++l) s += static_cast<double>(a(i, l)) * static_cast<double>(b(l, j));
      r[static_cast<std::size_t>(i * p + j)] = s;
    }
  return r;
}

template <class T>
std::vector<double> refMV(const Tensor<T>& m, const Tensor<T>& v) {
  return refMM(m, v.view(v.size(0), 1));
}

template <class T>
std::vector<double> toDoubles(const Tensor<T>& t) {
  std::vector<double> r;
  for (T x : values(t)) r.push_back(static_cast<double>(x));
  return r;
}

/// beta * added + alpha * product, elementwise.
std::vector<double> axpby(double beta, const std::vector<double>& added, double alpha,
                          const std::vector<double>& product) {
  std::vector<double> r(product.size());
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = (beta == 0 ? 0 : beta * added[i]) + alpha * product[i];
  return r;
}

template <class T>
void checkValues(const Tensor<T>& got, const Shape& shape, const std::vector<double>& want) {
  REQUIRE(got.sizes() == shape);
  const auto g = values(got);
  REQUIRE(g.size() == want.size());
  const double tol = std::is_same_v<T, float> ? 2e-4 : 1e-10;
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i);
    if constexpr (std::is_floating_point_v<T>)
      CHECK(static_cast<double>(g[i]) == Approx(want[i]).epsilon(tol).margin(tol));
    else
      CHECK(static_cast<double>(g[i]) == want[i]);
  }
}

// ---- operands of one value but many layouts ------------------------------------------------

/// max |got - want| / (1 + |want|) over all elements, NaN where one is; `want` in row-major order.
template <class T>
double maxRelativeError(const Tensor<T>& got, const std::vector<double>& want) {
  const auto g = values(got);
  REQUIRE(g.size() == want.size());
  double worst = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const double e = std::abs(static_cast<double>(g[i]) - want[i]) / (1 + std::abs(want[i]));
    if (std::isnan(e)) return e;
    worst = std::max(worst, e);
  }
  return worst;
}

/// addmm(res, 0, res, 2, a, b), then addmm(res, 0.5, res, 1, a, b) from random values, into a
/// `res` narrowed out of a wider matrix of NaNs (its leading dimension is not its width),
/// against `product` (a times b in double): beta 0 ignores the NaNs, and the elements around
/// the result stay unwritten.
template <class T>
void checkAddmmIntoView(const Tensor<T>& a, const Tensor<T>& b, const std::vector<double>& product) {
  const index_t m = a.size(0), n = b.size(1);
  const double tol = std::is_same_v<T, float> ? 2e-4 : 1e-10;
  Tensor<T> wide(m + 1, n + 5);
  wide.fill(static_cast<T>(kNaN));
  Tensor<T> res = wide.narrow(0, 1, m).narrow(1, 3, n);
  addmm(res, T(0), res, T(2), a, b);
  CHECK(maxRelativeError(res, axpby(0, {}, 2, product)) < tol);
  const Tensor<T> m0 = randn<T>(m, n);
  res.copy(m0);
  addmm(res, T(0.5), res, T(1), a, b);
  CHECK(maxRelativeError(res, axpby(0.5, toDoubles(m0), 1, product)) < tol);
  CHECK(std::isnan(static_cast<double>(wide(0, 4))));
  CHECK(std::isnan(static_cast<double>(wide(1, 2))));
  CHECK(std::isnan(static_cast<double>(wide(m, n + 3))));
}

enum class Layout { Contiguous, Transposed, Narrowed, Strided, ColumnNarrowed };
constexpr Layout kLayouts[] = {Layout::Contiguous, Layout::Transposed, Layout::Narrowed, Layout::Strided,
                               Layout::ColumnNarrowed};

const char* name(Layout l) {
  switch (l) {
    case Layout::Contiguous: return "contiguous";
    case Layout::Transposed: return "transposed";
    case Layout::Narrowed: return "narrowed";
    case Layout::Strided: return "strided";
    case Layout::ColumnNarrowed: return "column-narrowed";
  }
  return "?";
}

/// A 2-D tensor with the values of `base` (any layout) laid out as `layout` asks:
/// contiguous; column-major (a transposed view); rows narrowed out of a wider matrix
/// (row-major, ld > cols); every other element of both dimensions (no BLAS layout); and a
/// transposed view narrowed out of a taller matrix (column-major, ld > rows).
template <class T>
Tensor<T> laidOut(const Tensor<T>& base, Layout layout) {
  const index_t r = base.size(0), c = base.size(1);
  Tensor<T> t;
  switch (layout) {
    case Layout::Contiguous: t = Tensor<T>(r, c); break;
    case Layout::Transposed: t = Tensor<T>(c, r).t(); break;
    case Layout::Narrowed: t = Tensor<T>(r + 2, c + 3).narrow(0, 1, r).narrow(1, 2, c); break;
    case Layout::Strided: t = Tensor<T>(Storage<T>(2 * r * c + 2), 1, Shape{r, c}, Strides{2 * c, 2}); break;
    case Layout::ColumnNarrowed: t = Tensor<T>(c, r + 4).narrow(1, 3, r).t(); break;
  }
  t.copy(base);
  return t;
}

template <class T>
Tensor<T> randomMatrix(index_t r, index_t c) {
  if constexpr (std::is_floating_point_v<T>) {
    return randn<T>(r, c);
  } else {
    Tensor<T> t(r, c);
    t.random(-5, 5);
    return t;
  }
}
template <class T>
Tensor<T> randomVector(index_t n) {
  return randomMatrix<T>(1, n).select(0, 0);
}

template <class A, class B>
concept CanMm = requires(const A& a, const B& b) { t7::mm(a, b); };
template <class A, class B>
concept CanScaledAddmm = requires(const A& m, const B& b) { t7::addmm(0.5, m, 2, b, b); };
template <class A, class B>
concept CanDot = requires(const A& a, const B& b) { t7::dot(a, b); };

}  // namespace

// ---- the back-end and compile-time rules ---------------------------------------------------------

TEST_CASE("blasBackend names the back-end this build selected", "[blas]") {
  const std::string b = blasBackend();
#if defined(T7_USE_CBLAS) && T7_USE_CBLAS && !defined(T7_BLAS_FORCE_EIGEN)
  if (!t7::detail::blas::cblasServes()) {  // an OpenBLAS running pre-AVX2 kernels on this CPU
    CHECK(b.find("Eigen 3.") == 0);
    CHECK(b.find("(linked: OpenBLAS (") != std::string::npos);
    CHECK(b.find("kernels predate AVX2)") != std::string::npos);
  } else if (T7_GEMM_PREFER_EIGEN) {
    CHECK(b.find("Eigen 3.") == 0);
    CHECK(b.find(" (gemm), OpenBLAS (") != std::string::npos);
  } else {
    CHECK(b.find("OpenBLAS") == 0);
  }
#else
  CHECK(b.find("Eigen 3.") == 0);
#endif
}

TEST_CASE("mixed element types do not compile; one type does", "[blas]") {
  STATIC_REQUIRE(CanMm<FloatTensor, FloatTensor>);
  STATIC_REQUIRE(CanMm<LongTensor, LongTensor>);
  STATIC_REQUIRE(!CanMm<FloatTensor, DoubleTensor>);
  STATIC_REQUIRE(!CanMm<FloatTensor, float>);
  STATIC_REQUIRE(CanScaledAddmm<DoubleTensor, DoubleTensor>);
  STATIC_REQUIRE(!CanScaledAddmm<DoubleTensor, FloatTensor>);
  STATIC_REQUIRE(!CanDot<IntTensor, LongTensor>);
  STATIC_REQUIRE(std::is_same_v<decltype(dot(FloatTensor(), FloatTensor())), float>);
  STATIC_REQUIRE(std::is_same_v<decltype(dot(DoubleTensor(), DoubleTensor())), double>);
  STATIC_REQUIRE(std::is_same_v<decltype(dot(ByteTensor(), ByteTensor())), std::int64_t>);
}

// ---- dot ---------------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("dot: any shapes of equal count, any layout", "[blas]", float, double, std::int32_t) {
  manualSeed(11);
  const Tensor<TestType> a = randomMatrix<TestType>(6, 5), b = randomMatrix<TestType>(6, 5);
  double want = 0;
  for (index_t i = 0; i < 6; ++i)
    for (index_t j = 0; j < 5; ++j) want += static_cast<double>(a(i, j)) * static_cast<double>(b(i, j));
  const double tol = std::is_same_v<TestType, float> ? 1e-4 : 1e-12;
  CHECK(static_cast<double>(dot(a, b)) == Approx(want).epsilon(tol));
  CHECK(static_cast<double>(dot(a.view(30), b.view(3, 10))) == Approx(want).epsilon(tol));  // shapes differ
  for (Layout l : kLayouts) {
    INFO(name(l));
    CHECK(static_cast<double>(dot(laidOut(a, l), b)) == Approx(want).epsilon(tol));
  }
  // A column (stride 5), a column of the transpose, and a stride-0 expanded vector.
  double col = 0, sumCol = 0;
  for (index_t i = 0; i < 6; ++i) {
    col += static_cast<double>(a(i, 2)) * static_cast<double>(b(i, 4));
    sumCol += static_cast<double>(a(i, 1)) * 3;
  }
  CHECK(static_cast<double>(dot(a.select(1, 2), b.select(1, 4))) == Approx(col).epsilon(tol));
  CHECK(static_cast<double>(dot(a.t().select(0, 2), b.t().select(0, 4))) == Approx(col).epsilon(tol));
  CHECK(static_cast<double>(dot(a.select(1, 1), Tensor<TestType>{3}.expand(6))) == Approx(sumCol).epsilon(tol));
  CHECK(dot(Tensor<TestType>(), Tensor<TestType>(0)) == 0);
}

TEST_CASE("dot of integers sums in int64 and wraps like Torch7's C", "[blas]") {
  ByteTensor a = ByteTensor(1000).fill(200), b = ByteTensor(1000).fill(100);
  CHECK(dot(a, b) == 20000000);  // far beyond uint8: int64 accumulation
  LongTensor big{std::numeric_limits<std::int64_t>::max(), 1};
  CHECK(dot(big, LongTensor{1, 1}) == std::numeric_limits<std::int64_t>::min());  // wraps, no UB
}

// ---- mm / addmm -----------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("mm: every pair of operand layouts matches the triple loop", "[blas]", float, double,
                   std::int32_t, std::int64_t, std::int16_t) {
  manualSeed(1);
  const auto a = randomMatrix<TestType>(5, 7), b = randomMatrix<TestType>(7, 3);
  const auto want = refMM(a, b);
  for (Layout la : kLayouts)
    for (Layout lb : kLayouts) {
      INFO(name(la) << " x " << name(lb));
      checkValues(mm(laidOut(a, la), laidOut(b, lb)), Shape{5, 3}, want);
    }
}

TEST_CASE("mm: expanded (stride 0) operands are copied and give the right values", "[blas]") {
  manualSeed(2);
  const FloatTensor row = randn<float>(1, 4), col = randn<float>(4, 1);
  const FloatTensor a = row.expand(3, 4), b = col.expand(4, 5);
  checkValues(mm(a, b), Shape{3, 5}, refMM(a.contiguous(), b.contiguous()));
  checkValues(mm(b.t(), a.t()), Shape{5, 3}, refMM(b.t().contiguous(), a.t().contiguous()));
}

TEST_CASE("mm: size-1 and empty dimensions", "[blas]") {
  manualSeed(3);
  const DoubleTensor r = randn<double>(1, 6), c = randn<double>(6, 1);
  checkValues(mm(r, c), Shape{1, 1}, refMM(r, c));
  checkValues(mm(c, r), Shape{6, 6}, refMM(c, r));
  // Size-1 dimensions with odd strides (a row of a transposed matrix, a column of a column).
  const DoubleTensor m = randn<double>(6, 4);
  checkValues(mm(m.t().narrow(0, 1, 1), m), Shape{1, 4}, refMM(m.t().narrow(0, 1, 1).contiguous(), m));
  checkValues(mm(m.narrow(1, 2, 1), m.narrow(0, 0, 1)), Shape{6, 4},
              refMM(m.narrow(1, 2, 1).contiguous(), m.narrow(0, 0, 1).contiguous()));
  // Inner size 0: zeros, even over NaNs; outer size 0: an empty result.
  DoubleTensor res = DoubleTensor(2, 3).fill(kNaN);
  mm(res, DoubleTensor(2, 0), DoubleTensor(0, 3));
  checkValues(res, Shape{2, 3}, std::vector<double>(6, 0.0));
  CHECK(mm(DoubleTensor(0, 4), DoubleTensor(4, 3)).sizes() == Shape{0, 3});
  CHECK(mm(DoubleTensor(2, 4), DoubleTensor(4, 0)).sizes() == Shape{2, 0});
  checkValues(addmm(DoubleTensor(2, 3).fill(4), DoubleTensor(2, 0), DoubleTensor(0, 3)), Shape{2, 3},
              std::vector<double>(6, 4.0));
}

TEMPLATE_TEST_CASE("mm and addmm with one row, one column or inner size 1 (run as gemv / ger): every layout",
                   "[blas]", float, double, std::int32_t) {
  manualSeed(31);
  for (auto [m, k, n] : std::vector<std::array<index_t, 3>>{{1, 7, 5}, {5, 7, 1}, {4, 1, 6}, {1, 1, 6}, {1, 6, 1}}) {
    const auto a = randomMatrix<TestType>(m, k), b = randomMatrix<TestType>(k, n);
    const auto c0 = randomMatrix<TestType>(m, n);
    const auto p = refMM(a, b);
    for (Layout la : kLayouts)
      for (Layout lb : kLayouts) {
        INFO(m << "x" << k << " * " << k << "x" << n << ": " << name(la) << " x " << name(lb));
        checkValues(mm(laidOut(a, la), laidOut(b, lb)), Shape{m, n}, p);
      }
    for (Layout lc : kLayouts) {
      INFO(m << "x" << k << " * " << k << "x" << n << ", result " << name(lc));
      Tensor<TestType> res = laidOut(c0, lc);
      addmm(res, 2, res, 3, a, b);  // in place, beta and alpha
      checkValues(res, Shape{m, n}, axpby(2, toDoubles(c0), 3, p));
      if constexpr (std::is_floating_point_v<TestType>) {
        res.fill(static_cast<TestType>(kNaN));
        addmm(res, 0, res, 1, a, b);  // beta == 0: the NaNs are never read
        checkValues(res, Shape{m, n}, p);
      }
    }
  }
}

TEST_CASE("mm: large enough to run the blocked, threaded kernel", "[blas]") {
  manualSeed(4);
  const FloatTensor a = randn<float>(130, 150), b = randn<float>(150, 170);
  const auto want = refMM(a, b);
  const int threads = getNumThreads();
  for (int n : {1, 2}) {
    setNumThreads(n);
    INFO(n << " threads");
    checkValues(mm(a, b), Shape{130, 170}, want);
    checkValues(mm(a.t().contiguous().t(), b.t().contiguous().t()), Shape{130, 170}, want);
  }
  setNumThreads(threads);
}

TEST_CASE("mv, mv of a transpose and addr large enough to split over threads", "[blas]") {
  // 600 x 300: past kParallelProduct, so Eigen's gemv and rank-1 update run in row (column)
  // blocks per thread; against double loops, on 1, 2 and 3 threads (blocks of 16 rows)
  manualSeed(5);
  const FloatTensor a = randn<float>(600, 300), x = randn<float>(300), z = randn<float>(600);
  const std::vector<double> ax = refMV(a, x), atz = refMV(FloatTensor(a.t()), z);
  const int threads = getNumThreads();
  for (int n : {1, 2, 3}) {
    setNumThreads(n);
    INFO(n << " threads");
    checkValues(mv(a, x), Shape{600}, ax);
    checkValues(mv(a.t(), z), Shape{300}, atz);
    FloatTensor r = a.clone();
    addr(r, 1.0f, r, 0.5f, z, x);
    const FloatTensor want = a + 0.5f * (z.unsqueeze(1) * x.unsqueeze(0));
    CHECK(maxAbsDiff(r, want) < 1e-5);
  }
  setNumThreads(threads);
}

TEMPLATE_TEST_CASE("addmm split over threads by t7 or by Eigen: both operand orders, the result a view",
                   "[blas]", float, double) {
  // 60 x 200 x 120 and 200 x 40 x 100: a side under kEigenThreadsSide and past kParallelProduct,
  // so t7 splits C's columns (rows) into blocks of 16 per thread, each a product of its own;
  // 300 x 260 x 20: both sides long, Eigen's threads. Against double loops, on 1, 2 and 3
  // threads, into a result narrowed out of a wider matrix (its leading dimension is not its
  // width), with beta 0 (NaNs in the result ignored) and 0.5.
  namespace blas = t7::detail::blas;
  struct Case {
    index_t m, n, k;
  };
  for (const Case c : {Case{60, 200, 120}, Case{200, 40, 100}, Case{300, 260, 20}}) {
    INFO(c.m << " x " << c.n << " x " << c.k);
    REQUIRE(static_cast<double>(c.m) * c.n * c.k >= blas::kParallelProduct);
    REQUIRE((std::min(c.m, c.n) < blas::eigen::kEigenThreadsSide) == (c.m != 300));
    manualSeed(6);
    const auto a = randomMatrix<TestType>(c.m, c.k), b = randomMatrix<TestType>(c.k, c.n);
    const auto product = refMM(a, b);
    const int threads = getNumThreads();
    for (int n : {1, 2, 3}) {
      setNumThreads(n);
      for (Layout la : {Layout::Contiguous, Layout::Transposed})
        for (Layout lb : {Layout::Contiguous, Layout::Transposed}) {
          INFO(n << " threads, " << name(la) << " x " << name(lb));
          checkAddmmIntoView(laidOut(a, la), laidOut(b, lb), product);
        }
    }
    setNumThreads(threads);
  }
}

TEMPLATE_TEST_CASE("addmm's skinny products (a side of at most 16): tiles, tails along k and n, threads",
                   "[blas]", float, double) {
  // A B^T with a short side (skinny::dots: Linear's forward pass with few outputs) and A^T B
  // with few rows (skinny::outerSums: its weight gradient), against double loops: tiles of 1
  // to 5 columns (rows) and every leftover of rows, k not a multiple of the vector (the last
  // vector masked), n not a multiple of it (the last vector overlapping the one before), on
  // 1, 2 and 3 threads (the products past kParallelSkinny split C's long side), into a result
  // narrowed out of a wider matrix, beta 0 (NaNs ignored) and 0.5.
  namespace blas = t7::detail::blas;
  struct Case {
    bool dots;  // A B^T, else A^T B
    index_t m, n, k;
  };
  const Case cases[] = {{true, 60, 10, 784},   {true, 60, 10, 131},  {true, 7, 16, 500},    {true, 61, 1, 200},
                        {true, 45, 13, 128},   {true, 10, 200, 131}, {true, 3, 40, 250},    {true, 301, 10, 400},
                        {true, 12, 300, 300},  {false, 10, 784, 60}, {false, 13, 500, 60}, {false, 1, 16, 1},
                        {false, 16, 40, 256},  {false, 10, 17, 60},  {false, 5, 23, 7},    {false, 10, 1000, 120}};
  int split = 0;
  for (const Case c : cases) split += static_cast<double>(c.m) * c.n * c.k >= blas::kParallelSkinny;
  REQUIRE(split == 3);
  for (const Case c : cases) {
    INFO((c.dots ? "A B^T " : "A^T B ") << c.m << " x " << c.n << " x " << c.k);
    REQUIRE(blas::skinny::applies<TestType>(!c.dots, c.dots, c.m, c.n, c.k));
    manualSeed(8);
    // A is used as A (m x k) or A^T (stored k x m), B as B^T (stored n x k) or B (k x n):
    // both stored row-major, the product's operands are views.
    const auto a = c.dots ? randomMatrix<TestType>(c.m, c.k) : randomMatrix<TestType>(c.k, c.m).t();
    const auto b = c.dots ? randomMatrix<TestType>(c.n, c.k).t() : randomMatrix<TestType>(c.k, c.n);
    const auto product = refMM(a, b);
    const int threads = getNumThreads();
    for (int n : {1, 2, 3}) {
      setNumThreads(n);
      INFO(n << " threads");
      checkAddmmIntoView(a, b, product);
    }
    setNumThreads(threads);
  }
}

TEMPLATE_TEST_CASE("skinny A^T B: fewer columns than a vector (a thread's share of many) run plain loops", "[blas]",
                   float, double) {
  namespace skinny = t7::detail::blas::skinny;
  manualSeed(10);
  const index_t m = 7, k = 30;
  const auto a = randomMatrix<TestType>(k, m), b = randomMatrix<TestType>(k, 20), c0 = randomMatrix<TestType>(m, 20);
  for (index_t n = 1; n < skinny::kLanes<TestType>; n += 3) {
    INFO(n << " columns");
    Tensor<TestType> c = c0.clone();
    // columns [2, 2 + n) of C from B's columns [2, 2 + n): the others stay as they were
    skinny::outerSums(m, n, k, TestType(2), a.data(), m, b.data() + 2, 20, TestType(0.5), c.data() + 2, 20);
    const auto want = refMM(a.t(), b.narrow(1, 2, n));
    CHECK(maxRelativeError(c.narrow(1, 2, n), axpby(0.5, toDoubles(c0.narrow(1, 2, n)), 2, want)) < 1e-5);
    CHECK(t7::equal(c.narrow(1, 0, 2), c0.narrow(1, 0, 2)));
    CHECK(t7::equal(c.narrow(1, 2 + n, 18 - n), c0.narrow(1, 2 + n, 18 - n)));
  }
}

TEMPLATE_TEST_CASE("skinny A B^T: an infinity where the last vector along k overlaps the one before", "[blas]",
                   float, double) {
  // k = 131: the last vector reads elements 115..130 (float) or 123..130 (double), those
  // before 128 counted already and masked to zero in both operands. An infinity there is
  // counted once: inf, where masking one operand's lanes only would give 0 * inf = NaN. An
  // infinity in each operand; A's rows fewer (tiled along B's rows) and more than B's.
  const TestType inf = std::numeric_limits<TestType>::infinity();
  for (index_t m : {6, 12}) {
    INFO(m << " x 10 x 131");
    manualSeed(9);
    auto a = randomMatrix<TestType>(m, 131), b = randomMatrix<TestType>(10, 131);
    a.select(1, 125).fill(TestType(1));
    b.select(1, 125).fill(TestType(1));
    a(4, 125) = inf;
    b(3, 125) = inf;
    REQUIRE(t7::detail::blas::skinny::applies<TestType>(false, true, m, 10, 131));
    const auto c = mm(a, b.t());
    for (index_t i = 0; i < m; ++i)
      for (index_t j = 0; j < 10; ++j) {
        INFO(i << ", " << j);
        if (i == 4 || j == 3) CHECK(c(i, j) == inf);
        else CHECK(std::isfinite(static_cast<double>(c(i, j))));
      }
  }
}

// Products under kSmallGemm multiply-adds run Eigen's GEMM even where CBLAS is linked, so the
// layout and beta == 0 checks above (small matrices) reach only Eigen; these reach CBLAS where
// it computes gemm (not under T7_GEMM_PREFER_EIGEN: tests/CMakeLists.txt builds this file once
// more without it).
TEMPLATE_TEST_CASE("mm above the small-product bound: every operand layout, NaNs in the result ignored", "[blas]",
                   float, double) {
  manualSeed(5);
  const index_t m = 128, k = 72, n = 120;
  REQUIRE(static_cast<double>(m) * n * k >= t7::detail::blas::kSmallGemm);
  const auto a = randomMatrix<TestType>(m, k), b = randomMatrix<TestType>(k, n);
  const auto want = refMM(a, b);
  for (Layout la : kLayouts)
    for (Layout lb : kLayouts) {
      INFO(name(la) << " x " << name(lb));
      checkValues(mm(laidOut(a, la), laidOut(b, lb)), Shape{m, n}, want);
    }
  for (Layout l : kLayouts) {
    INFO("res " << name(l));
    Tensor<TestType> res = laidOut(Tensor<TestType>(m, n).fill(NAN), l);
    mm(res, a, b);
    checkValues(res, Shape{m, n}, want);
    res.fill(NAN);
    addmm(res, 0, res, 1, a, b);
    checkValues(res, Shape{m, n}, want);
  }
}

TEMPLATE_TEST_CASE("mm into an existing result: resized, transposed, narrowed, strided", "[blas]", float,
                   std::int32_t) {
  manualSeed(5);
  const auto a = randomMatrix<TestType>(4, 6), b = randomMatrix<TestType>(6, 5);
  const auto want = refMM(a, b);
  SECTION("a result of another size is resized (contiguous)") {
    Tensor<TestType> res(7, 2);
    Tensor<TestType>& r = mm(res, a, b);
    CHECK(&r == &res);
    CHECK(res.isContiguous());
    checkValues(res, Shape{4, 5}, want);
  }
  for (Layout l : kLayouts) {
    SECTION(std::string("a result of the right size is written in place: ") + name(l)) {
      Tensor<TestType> res = laidOut(Tensor<TestType>(4, 5).fill(TestType(9)), l);
      const Tensor<TestType> view = res;  // the same view: res must not be re-laid
      mm(res, a, b);
      CHECK(res.isSetTo(view));
      checkValues(res, Shape{4, 5}, want);
    }
  }
  SECTION("a narrowed result leaves the rest of its storage alone") {
    Tensor<TestType> big = Tensor<TestType>(6, 9).fill(TestType(7));
    Tensor<TestType> res = big.narrow(0, 1, 4).narrow(1, 2, 5);
    mm(res, a, b);
    checkValues(res, Shape{4, 5}, want);
    for (index_t i = 0; i < 6; ++i)
      for (index_t j = 0; j < 9; ++j)
        if (i < 1 || i > 4 || j < 2 || j > 6) CHECK(big(i, j) == TestType(7));
  }
}

TEMPLATE_TEST_CASE("addmm: the four forms, beta and alpha", "[blas]", float, double, std::int64_t) {
  manualSeed(6);
  const auto M = randomMatrix<TestType>(3, 4), a = randomMatrix<TestType>(3, 5), b = randomMatrix<TestType>(5, 4);
  const auto p = refMM(a, b), m = toDoubles(M);
  checkValues(addmm(M, a, b), Shape{3, 4}, axpby(1, m, 1, p));
  checkValues(addmm(2, M, 3, a, b), Shape{3, 4}, axpby(2, m, 3, p));
  checkValues(addmm(0, M, -1, a, b), Shape{3, 4}, axpby(0, m, -1, p));
  checkValues(addmm(-1, M, 0, a, b), Shape{3, 4}, axpby(-1, m, 0, p));
  Tensor<TestType> res;
  CHECK(&addmm(res, M, a, b) == &res);
  checkValues(res, Shape{3, 4}, axpby(1, m, 1, p));
  CHECK(&addmm(res, 3, M, 2, a, b) == &res);
  checkValues(res, Shape{3, 4}, axpby(3, m, 2, p));
  checkValues(M, Shape{3, 4}, m);  // M untouched
  for (Layout l : kLayouts) {
    INFO("M " << name(l));
    checkValues(addmm(2, laidOut(M, l), 1, a, b), Shape{3, 4}, axpby(2, m, 1, p));
  }
}

TEST_CASE("addmm accumulates in place when res is M (Torch7's M:addmm)", "[blas]") {
  manualSeed(7);
  const FloatTensor a = randn<float>(4, 6), b = randn<float>(6, 3);
  const auto p = refMM(a, b);
  for (Layout l : kLayouts) {
    INFO("M " << name(l));
    FloatTensor M = laidOut(randn<float>(4, 3), l);
    const auto m = toDoubles(M);
    const FloatTensor view = M;
    const float* before = M.data();
    CHECK(&addmm(M, 1, M, 1, a, b) == &M);
    CHECK(M.data() == before);
    CHECK(M.isSetTo(view));
    checkValues(M, Shape{4, 3}, axpby(1, m, 1, p));
    addmm(M, M, a, b);  // M:addmm(a, b)
    checkValues(M, Shape{4, 3}, axpby(1, m, 2, p));
    addmm(M, 0.5, M, -2, a, b);  // M:addmm(0.5, -2, a, b): 0.5 * (m + 2p) - 2p
    checkValues(M, Shape{4, 3}, axpby(0.5, m, -1, p));
  }
}

TEST_CASE("addmm and mm: a result overlapping an operand is computed through a temporary", "[blas]") {
  manualSeed(8);
  DoubleTensor a = randn<double>(4, 4), b = randn<double>(4, 4), M = randn<double>(4, 4);
  const auto p = refMM(a, b), m = toDoubles(M);
  DoubleTensor a2 = a.clone();
  mm(a2, a2, b);  // res is mat1
  checkValues(a2, Shape{4, 4}, p);
  DoubleTensor b2 = b.clone();
  mm(b2, a, b2);  // res is mat2
  checkValues(b2, Shape{4, 4}, p);
  DoubleTensor a3 = a.clone();
  addmm(a3, 2, M, 1, a3, b);  // res is mat1, M is another tensor
  checkValues(a3, Shape{4, 4}, axpby(2, m, 1, p));
  DoubleTensor s = a.clone();
  addmm(s, 1, s, 1, s, s.t());  // res, M, mat1 and mat2 all on one storage
  checkValues(s, Shape{4, 4}, axpby(1, toDoubles(a), 1, refMM(a, a.t().contiguous())));
  DoubleTensor bt = b.t().contiguous();
  DoubleTensor r = bt.t();  // res is the transpose of mat2's storage
  mm(r, a, b);
  checkValues(r, Shape{4, 4}, p);
}

TEST_CASE("beta == 0 never reads the result or M: NaNs do not leak", "[blas]") {
  manualSeed(9);
  const FloatTensor a = randn<float>(3, 5), b = randn<float>(5, 4), v = randn<float>(5), w = randn<float>(4);
  const auto p = refMM(a, b);
  FloatTensor nanM = FloatTensor(3, 4).fill(NAN);
  for (Layout l : kLayouts) {
    INFO("res " << name(l));
    FloatTensor res = laidOut(FloatTensor(3, 4).fill(NAN), l);
    addmm(res, 0, res, 1, a, b);
    checkValues(res, Shape{3, 4}, p);
    res.fill(NAN);
    mm(res, a, b);
    checkValues(res, Shape{3, 4}, p);
    res.fill(NAN);
    addmm(res, 0, nanM, 2, a, b);
    checkValues(res, Shape{3, 4}, axpby(0, {}, 2, p));
    res.fill(NAN);
    ger(res, a.select(1, 0), w);
    checkValues(res, Shape{3, 4}, refMM(a.narrow(1, 0, 1).contiguous(), w.view(1, 4)));
    res.fill(NAN);
    addr(res, 0, res, 1, a.select(1, 0), w);
    checkValues(res, Shape{3, 4}, refMM(a.narrow(1, 0, 1).contiguous(), w.view(1, 4)));
  }
  FloatTensor y = FloatTensor(3).fill(NAN);
  addmv(y, 0, y, 1, a, v);
  checkValues(y, Shape{3}, refMV(a, v));
  y.fill(NAN);
  mv(y, a, v);
  checkValues(y, Shape{3}, refMV(a, v));
  checkValues(addmv(0, FloatTensor(3).fill(NAN), 1, a, v), Shape{3}, refMV(a, v));
  FloatTensor bres = FloatTensor(2, 3, 4).fill(NAN);
  const FloatTensor b1 = randn<float>(2, 3, 5), b2 = randn<float>(2, 5, 4);
  baddbmm(bres, 0, bres, 1, b1, b2);
  for (index_t i = 0; i < 2; ++i) checkValues(bres.select(0, i), Shape{3, 4}, refMM(b1.select(0, i), b2.select(0, i)));
  FloatTensor sres = FloatTensor(3, 4).fill(NAN);
  addbmm(sres, 0, sres, 1, b1, b2);
  auto sum = refMM(b1.select(0, 0), b2.select(0, 0));
  const auto second = refMM(b1.select(0, 1), b2.select(0, 1));
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += second[i];
  checkValues(sres, Shape{3, 4}, sum);
  sres.fill(NAN);
  addbmm(sres, 0, sres, 1, FloatTensor(0, 3, 5), FloatTensor(0, 5, 4));  // empty batch: zeros
  checkValues(sres, Shape{3, 4}, std::vector<double>(12, 0.0));
}

TEST_CASE("integer matrix products wrap around like Torch7's C loops", "[blas]") {
  const ByteTensor a = ByteTensor(2, 3).fill(16), b = ByteTensor(3, 2).fill(16);
  const ByteTensor p = mm(a, b);  // 3 * 256 = 768 = 0 (mod 256)
  CHECK(values(p) == std::vector<std::uint8_t>(4, 0));
  const CharTensor c = CharTensor(1, 2).fill(100);
  CHECK(values(mm(c, c.t())) == std::vector<std::int8_t>{32});  // 20000 = 78 * 256 + 32
  const IntTensor big = IntTensor(1, 1).fill(std::numeric_limits<std::int32_t>::max());
  CHECK(values(addmm(1, big, 2, big, IntTensor(1, 1).fill(1)))[0] == std::numeric_limits<std::int32_t>::max() - 2);
}

// ---- mv / addmv ---------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("mv and addmv: layouts, forms, strided vectors", "[blas]", float, double, std::int32_t) {
  manualSeed(12);
  const auto mat = randomMatrix<TestType>(5, 4), big = randomMatrix<TestType>(4, 3);
  const Tensor<TestType> vec = big.select(1, 1);  // stride 3
  const auto vec1 = randomVector<TestType>(5);
  const auto p = refMV(mat, vec.contiguous()), v1 = toDoubles(vec1);
  for (Layout l : kLayouts) {
    INFO("mat " << name(l));
    checkValues(mv(laidOut(mat, l), vec), Shape{5}, p);
    checkValues(mv(laidOut(mat, l), vec.contiguous()), Shape{5}, p);
  }
  checkValues(addmv(vec1, mat, vec), Shape{5}, axpby(1, v1, 1, p));
  checkValues(addmv(2, vec1, -1, mat, vec), Shape{5}, axpby(2, v1, -1, p));
  Tensor<TestType> res;
  CHECK(&addmv(res, vec1, mat, vec) == &res);
  checkValues(res, Shape{5}, axpby(1, v1, 1, p));
  addmv(res, 3, vec1, 2, mat, vec);
  checkValues(res, Shape{5}, axpby(3, v1, 2, p));
  // In place into vec1 (Torch7's y:addmv(M, x)), and into a strided column of a matrix.
  Tensor<TestType> y = vec1.clone();
  addmv(y, y, mat, vec);
  checkValues(y, Shape{5}, axpby(1, v1, 1, p));
  Tensor<TestType> holder = Tensor<TestType>(5, 2).fill(TestType(1));
  Tensor<TestType> column = holder.select(1, 1);
  const Tensor<TestType> view = column;
  mv(column, mat, vec);
  CHECK(column.isSetTo(view));
  checkValues(column, Shape{5}, p);
  checkValues(holder.select(1, 0), Shape{5}, std::vector<double>(5, 1.0));
  // An expanded vector operand; an expanded (stride-0) result is computed into a temporary
  // and copied back, so its one element ends up holding the last value, as a copy would.
  const auto ones = Tensor<TestType>{1}.expand(4);
  checkValues(mv(mat, ones), Shape{5}, refMV(mat, ones.contiguous()));
  Tensor<TestType> expanded = Tensor<TestType>{0}.expand(5);
  mv(expanded, mat, vec);
  CHECK(expanded.stride(0) == 0);
  checkValues(expanded, Shape{5}, std::vector<double>(5, p[4]));
  // A result overlapping the operands, and empty sizes.
  Tensor<TestType> v2 = vec.contiguous();
  Tensor<TestType> square = randomMatrix<TestType>(4, 4);
  const auto sq = refMV(square, v2);
  mv(v2, square, v2);
  checkValues(v2, Shape{4}, sq);
  checkValues(mv(Tensor<TestType>(3, 0), Tensor<TestType>(0)), Shape{3}, std::vector<double>(3, 0.0));
  CHECK(mv(Tensor<TestType>(0, 3), Tensor<TestType>(3)).sizes() == Shape{0});
}

// ---- ger / addr --------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("ger and addr: forms, layouts of the result, strided vectors", "[blas]", float, double,
                   std::int64_t) {
  manualSeed(13);
  const auto x = randomMatrix<TestType>(4, 2).select(1, 1), y = randomVector<TestType>(3);  // x has stride 2
  const auto M = randomMatrix<TestType>(4, 3);
  const auto p = refMM(x.contiguous().view(4, 1), y.view(1, 3)), m = toDoubles(M);
  checkValues(ger(x, y), Shape{4, 3}, p);
  checkValues(addr(M, x, y), Shape{4, 3}, axpby(1, m, 1, p));
  checkValues(addr(2, M, 3, x, y), Shape{4, 3}, axpby(2, m, 3, p));
  Tensor<TestType> res;
  addr(res, M, x, y);
  checkValues(res, Shape{4, 3}, axpby(1, m, 1, p));
  addr(res, -1, M, 2, x, y);
  checkValues(res, Shape{4, 3}, axpby(-1, m, 2, p));
  for (Layout l : kLayouts) {
    INFO("res " << name(l));
    Tensor<TestType> r = laidOut(M, l);
    addr(r, r, x, y);  // M:addr(x, y)
    checkValues(r, Shape{4, 3}, axpby(1, m, 1, p));
    addr(r, 2, r, 1, x, y);  // M:addr(2, 1, x, y)
    checkValues(r, Shape{4, 3}, axpby(2, axpby(1, m, 1, p), 1, p));
    ger(r, x, y);
    checkValues(r, Shape{4, 3}, p);
  }
  const auto e = Tensor<TestType>{2}.expand(3);
  checkValues(ger(x, e), Shape{4, 3}, refMM(x.contiguous().view(4, 1), e.contiguous().view(1, 3)));
  CHECK(ger(Tensor<TestType>(0), y).sizes() == Shape{0, 3});
}

TEST_CASE("addr: Torch7's documented example", "[blas]") {
  const DoubleTensor x = range<double>(1, 3), y = range<double>(1, 2);
  DoubleTensor M = zeros<double>(3, 2);
  addr(M, M, x, y);
  CHECK(values(M) == std::vector<double>{1, 2, 2, 4, 3, 6});
  addr(M, 2, M, 1, x, y);
  CHECK(values(M) == std::vector<double>{3, 6, 6, 12, 9, 18});
  const DoubleTensor A = range<double>(1, 6).view(3, 2);
  addr(M, 2, A, 1, x, y);
  CHECK(values(M) == std::vector<double>{3, 6, 8, 12, 13, 18});
}

// ---- bmm / baddbmm / addbmm ----------------------------------------------------------------------

TEMPLATE_TEST_CASE("bmm, baddbmm, addbmm: batches in any layout", "[blas]", float, double, std::int32_t) {
  manualSeed(14);
  Tensor<TestType> b1(3, 4, 5), b2(3, 5, 2), M3(3, 4, 2), M2(4, 2);
  for (auto* t : {&b1, &b2, &M3, &M2}) t->copy(randomMatrix<TestType>(1, t->nElement()));
  std::vector<std::vector<double>> prods;
  for (index_t i = 0; i < 3; ++i) prods.push_back(refMM(b1.select(0, i), b2.select(0, i)));
  std::vector<double> sum(8, 0.0);
  for (const auto& pr : prods)
    for (std::size_t i = 0; i < 8; ++i) sum[i] += pr[i];
  const auto checkBatch = [&](const Tensor<TestType>& got, double beta, const Tensor<TestType>* m, double alpha) {
    REQUIRE(got.sizes() == Shape{3, 4, 2});
    for (index_t i = 0; i < 3; ++i)
      checkValues(got.select(0, i), Shape{4, 2},
                  axpby(beta, m ? toDoubles(m->select(0, i)) : std::vector<double>(8), alpha,
                        prods[static_cast<std::size_t>(i)]));
  };
  // The batches as they are, with each matrix transposed, and with the batch dimension last.
  const Tensor<TestType> tb1 = b1.transpose(1, 2).contiguous().transpose(1, 2);
  const Tensor<TestType> pb2 = b2.permute(1, 2, 0).contiguous().permute(2, 0, 1);
  for (const auto& [x, y] : {std::pair{b1, b2}, std::pair{tb1, b2}, std::pair{b1, pb2}, std::pair{tb1, pb2}}) {
    checkBatch(bmm(x, y), 0, nullptr, 1);
    checkBatch(baddbmm(M3, x, y), 1, &M3, 1);
    checkBatch(baddbmm(2, M3, -1, x, y), 2, &M3, -1);
    checkValues(addbmm(M2, x, y), Shape{4, 2}, axpby(1, toDoubles(M2), 1, sum));
    checkValues(addbmm(-1, M2, 2, x, y), Shape{4, 2}, axpby(-1, toDoubles(M2), 2, sum));
  }
  Tensor<TestType> res;
  bmm(res, b1, b2);
  checkBatch(res, 0, nullptr, 1);
  baddbmm(res, M3, b1, b2);
  checkBatch(res, 1, &M3, 1);
  baddbmm(res, 3, M3, 2, b1, b2);
  checkBatch(res, 3, &M3, 2);
  Tensor<TestType> acc = M3.clone();
  baddbmm(acc, acc, b1, b2);  // M:baddbmm(x, y)
  checkBatch(acc, 1, &M3, 1);
  Tensor<TestType> s;
  addbmm(s, M2, b1, b2);
  checkValues(s, Shape{4, 2}, axpby(1, toDoubles(M2), 1, sum));
  addbmm(s, 2, M2, 3, b1, b2);
  checkValues(s, Shape{4, 2}, axpby(2, toDoubles(M2), 3, sum));
  Tensor<TestType> s2 = M2.clone();
  addbmm(s2, s2, b1, b2);  // M:addbmm(x, y)
  checkValues(s2, Shape{4, 2}, axpby(1, toDoubles(M2), 1, sum));
  for (Layout l : kLayouts) {
    INFO("addbmm into " << name(l));
    Tensor<TestType> s3 = laidOut(M2, l);
    const Tensor<TestType> view = s3;
    addbmm(s3, 2, s3, 1, tb1, pb2);
    CHECK(s3.isSetTo(view));
    checkValues(s3, Shape{4, 2}, axpby(2, toDoubles(M2), 1, sum));
  }
  // A transposed result view is written in place.
  Tensor<TestType> holder(3, 2, 4);
  Tensor<TestType> tres = holder.transpose(1, 2);
  bmm(tres, b1, b2);
  CHECK(tres.storage().isSameAs(holder.storage()));
  checkBatch(tres, 0, nullptr, 1);
  CHECK(bmm(Tensor<TestType>(0, 4, 5), Tensor<TestType>(0, 5, 2)).sizes() == Shape{0, 4, 2});
}

// ---- errors -------------------------------------------------------------------------------------

TEST_CASE("size and rank errors name the operation and both shapes", "[blas]") {
  const FloatTensor m34(3, 4), m52(5, 2), m42(4, 2), m22(2, 2), v4(4), v5(5), v3(3), t234(2, 3, 4);
  FloatTensor res;
  T7_REQUIRE_THROWS_WITH_ALL(addmm(m22, m34, m52), SizeError, "addmm: size mismatch, mat1 is 3x4, mat2 is 5x2");
  T7_REQUIRE_THROWS_WITH_ALL(mm(m34, m52), SizeError, "mm: size mismatch, mat1 is 3x4, mat2 is 5x2");
  T7_REQUIRE_THROWS_WITH_ALL(mm(res, m34, m52), SizeError, "mm: size mismatch");
  T7_REQUIRE_THROWS_WITH_ALL(addmm(m22, m34, m42), SizeError, "addmm: size mismatch, M is 2x2, mat1 * mat2 is 3x2");
  T7_REQUIRE_THROWS_WITH_ALL(addmm(res, 1, m22, 1, m34, m42), SizeError, "addmm", "M is 2x2");
  T7_REQUIRE_THROWS_WITH_ALL(mm(t234, m42), SizeError, "mm: mat1 must be a 2-D tensor, got a 3-D tensor of size 2x3x4");
  T7_REQUIRE_THROWS_WITH_ALL(mm(m34, v4), SizeError, "mm: mat2 must be a 2-D tensor, got a 1-D tensor of size 4");
  T7_REQUIRE_THROWS_WITH_ALL(addmm(v4, m34, m42), SizeError, "addmm: M must be a 2-D tensor", "size 4");
  T7_REQUIRE_THROWS_WITH_ALL(mm(FloatTensor(), m42), SizeError, "mm: mat1 must be a 2-D tensor, got a 0-D tensor");

  T7_REQUIRE_THROWS_WITH_ALL(mv(m34, v5), SizeError, "mv: size mismatch, mat is 3x4, vec is 5");
  T7_REQUIRE_THROWS_WITH_ALL(mv(v4, v4), SizeError, "mv: mat must be a 2-D tensor, got a 1-D tensor of size 4");
  T7_REQUIRE_THROWS_WITH_ALL(mv(m34, m42), SizeError, "mv: vec must be a 1-D tensor, got a 2-D tensor of size 4x2");
  T7_REQUIRE_THROWS_WITH_ALL(addmv(v3, m34, v5), SizeError, "addmv: size mismatch, mat is 3x4, vec2 is 5");
  T7_REQUIRE_THROWS_WITH_ALL(addmv(v4, m34, v4), SizeError, "addmv: size mismatch, vec1 is 4, mat * vec2 is 3");
  T7_REQUIRE_THROWS_WITH_ALL(addmv(m22, m34, v4), SizeError, "addmv: vec1 must be a 1-D tensor", "2x2");
  T7_REQUIRE_THROWS_WITH_ALL(addmv(res, 2, v3, 1, m34, m22), SizeError, "addmv: vec2 must be a 1-D tensor");

  T7_REQUIRE_THROWS_WITH_ALL(ger(m22, v4), SizeError, "ger: vec1 must be a 1-D tensor, got a 2-D tensor of size 2x2");
  T7_REQUIRE_THROWS_WITH_ALL(ger(v4, m22), SizeError, "ger: vec2 must be a 1-D tensor");
  T7_REQUIRE_THROWS_WITH_ALL(addr(m22, v3, v4), SizeError,
                             "addr: size mismatch, mat is 2x2, the outer product of vec1 and vec2 is 3x4");
  T7_REQUIRE_THROWS_WITH_ALL(addr(v4, v3, v4), SizeError, "addr: mat must be a 2-D tensor");

  const FloatTensor b345(3, 4, 5), b256(2, 5, 6), b362(3, 6, 2), b352(3, 5, 2);
  T7_REQUIRE_THROWS_WITH_ALL(bmm(b345, b256), SizeError, "bmm: batch size mismatch, batch1 is 3x4x5, batch2 is 2x5x6");
  T7_REQUIRE_THROWS_WITH_ALL(bmm(b345, b362), SizeError, "bmm: size mismatch, batch1 is 3x4x5, batch2 is 3x6x2");
  T7_REQUIRE_THROWS_WITH_ALL(bmm(m34, b352), SizeError,
                             "bmm: batch1 must be a 3-D tensor, got a 2-D tensor of size 3x4");
  T7_REQUIRE_THROWS_WITH_ALL(bmm(b345, m52), SizeError, "bmm: batch2 must be a 3-D tensor");
  T7_REQUIRE_THROWS_WITH_ALL(baddbmm(FloatTensor(3, 4, 3), b345, b352), SizeError,
                             "baddbmm: size mismatch, M is 3x4x3, batch1 * batch2 is 3x4x2");
  T7_REQUIRE_THROWS_WITH_ALL(baddbmm(m42, b345, b352), SizeError, "baddbmm: M must be a 3-D tensor", "4x2");
  T7_REQUIRE_THROWS_WITH_ALL(baddbmm(FloatTensor(3, 4, 2), b345, b362), SizeError, "baddbmm: size mismatch, batch1");
  T7_REQUIRE_THROWS_WITH_ALL(addbmm(m22, b345, b352), SizeError,
                             "addbmm: size mismatch, M is 2x2, the sum of batch1[i] * batch2[i] is 4x2");
  T7_REQUIRE_THROWS_WITH_ALL(addbmm(FloatTensor(3, 4, 2), b345, b352), SizeError, "addbmm: M must be a 2-D tensor");
  T7_REQUIRE_THROWS_WITH_ALL(addbmm(m42, b345, b256), SizeError, "addbmm: batch size mismatch");

  T7_REQUIRE_THROWS_WITH_ALL(dot(m34, v5), SizeError,
                             "dot: element count mismatch, tensor1 is 3x4 (12 elements), tensor2 is 5 (5 elements)");
}

TEST_CASE("a failed call leaves the result tensor as it was", "[blas]") {
  FloatTensor res = FloatTensor(2, 2).fill(5);
  const FloatTensor view = res;
  CHECK_THROWS_AS(mm(res, FloatTensor(3, 4), FloatTensor(5, 2)), SizeError);
  CHECK(res.isSetTo(view));
  CHECK(values(res) == std::vector<float>(4, 5));
}

// ---- threads ------------------------------------------------------------------------------------------

TEST_CASE("setNumThreads / getNumThreads / getNumCores", "[blas][threads]") {
  const int before = getNumThreads();
  CHECK(before >= 1);
  CHECK(getNumCores() >= 1);
  setNumThreads(1);
  CHECK(getNumThreads() == 1);
#ifdef _OPENMP
  setNumThreads(3);
  CHECK(getNumThreads() == 3);
  CHECK(Eigen::nbThreads() == 3);
#if T7_BLAS_HAS_OPENBLAS
  CHECK(openblas_get_num_threads() == 3);
#endif
#endif
  T7_REQUIRE_THROWS_WITH_ALL(setNumThreads(0), ValueError, "setNumThreads", "must be >= 1, got 0");
  T7_REQUIRE_THROWS_WITH_ALL(setNumThreads(-2), ValueError, "got -2");
  setNumThreads(before);
  CHECK(getNumThreads() == before);
}

TEST_CASE("review findings: a result that grows over an operand; scaling an expanded result", "[blas][alias]") {
  // res is disjoint from mat2 until it is resized to 3x3: the product must still be right.
  FloatTensor big(20);
  for (int i = 0; i < 20; ++i) big.data()[i] = static_cast<float>(i + 1);
  FloatTensor res = big.narrow(0, 0, 2);
  FloatTensor mat2(big.storage(), 2, Shape{3, 3});
  FloatTensor ones(3, 3);
  ones.fill(1);
  FloatTensor expect = mm(ones, mat2.clone());
  mm(res, ones, mat2);
  CHECK(values(res) == values(expect));
  // k == 0 (or alpha == 0) with an expanded result: each shared element is scaled once.
  FloatTensor M(3, 3);
  M.fill(1);
  FloatTensor cell(1, 1);
  cell.fill(0);
  FloatTensor ex = cell.expand(3, 3);
  addmm(ex, 2.0f, M, 1.0f, FloatTensor(3, 0), FloatTensor(0, 3));
  CHECK(cell(0, 0) == 2.0f);
  cell.fill(3);
  addmm(ex, 2.0f, ex, 0.0f, ones, ones);  // alpha 0: res = 2 * res
  CHECK(cell(0, 0) == 6.0f);
  FloatTensor v(1);
  v.fill(5);
  FloatTensor vex = v.expand(3);
  addmv(vex, 2.0f, vex, 1.0f, FloatTensor(3, 0), FloatTensor(0));
  CHECK(v(0) == 10.0f);
}
