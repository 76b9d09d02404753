// LAPACK-level linear algebra (t7/math/linalg.hpp): identities (A X = B, A A^-1 = I,
// U^T U = A, Q R = A, U S V^T = A, A V = V diag(e)), Torch7's documented examples, any
// input layout, result-first overloads, and every error path, in float and double.
#include "helpers.hpp"

#include <t7/math/linalg.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace t7;

namespace {

// Tolerance on values of order 1 for each element type.
template <class T>
double tol() {
  return std::is_same_v<T, float> ? 2e-4 : 1e-10;
}

// Reference matrix product in double, through element access (independent of t7's BLAS).
template <class T, class U>
DoubleTensor matmul(const Tensor<T>& a, const Tensor<U>& b) {
  REQUIRE(a.size(1) == b.size(0));
  DoubleTensor r = zeros<double>(a.size(0), b.size(1));
  for (index_t i = 0; i < a.size(0); ++i)
    for (index_t j = 0; j < b.size(1); ++j) {
      double s = 0;
      for (index_t k = 0; k < a.size(1); ++k) s += double(a(i, k)) * double(b(k, j));
      r(i, j) = s;
    }
  return r;
}

template <class T>
DoubleTensor asDouble(const Tensor<T>& a) {
  return a.toDouble();
}

template <class T>
double maxAbs(const Tensor<T>& a) {
  double m = 0;
  for (double v : a.toDouble().toVector()) m = std::max(m, std::abs(v));
  return m;
}

// Checks every element against a table printed with 4 decimals (Torch7's docs).
template <class T>
void checkValues(const Tensor<T>& got, const Shape& shape, const std::vector<double>& want, double atol = 6e-5) {
  REQUIRE(got.sizes() == shape);
  auto g = got.toDouble().toVector();
  REQUIRE(g.size() == want.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i);
    CHECK(g[i] == Approx(want[i]).margin(atol * std::max(1.0, std::abs(want[i]))));
  }
}

DoubleTensor identity(index_t n) { return eye<double>(n); }

// A well-conditioned random n x n matrix: randn + n I.
template <class T>
Tensor<T> wellConditioned(index_t n) {
  Tensor<T> a = randn<T>(n, n);
  for (index_t i = 0; i < n; ++i) a(i, i) += T(n);
  return a;
}

// A random symmetric positive definite matrix G G^T + n I.
template <class T>
Tensor<T> spd(index_t n) {
  Tensor<T> g = randn<T>(n, n);
  Tensor<T> a(n, n);
  DoubleTensor p = matmul(g, Tensor<T>(g.t().contiguous()));
  for (index_t i = 0; i < n; ++i)
    for (index_t j = 0; j < n; ++j) a(i, j) = T(p(i, j) + (i == j ? double(n) : 0.0));
  return a;
}

template <class T>
bool isUpper(const Tensor<T>& a) {
  for (index_t i = 0; i < a.size(0); ++i)
    for (index_t j = 0; j < std::min(i, a.size(1)); ++j)
      if (a(i, j) != T(0)) return false;
  return true;
}

// Torch7's doc matrices (doc/maths.md), given there as {{...}}:t().
template <class T>
Tensor<T> docGesvA() {
  return Tensor<T>({{6.80, -2.11, 5.66, 5.97, 8.23},
                    {-6.05, -3.30, 5.36, -4.44, 1.08},
                    {-0.45, 2.58, -2.70, 0.27, 9.04},
                    {8.32, 2.71, 4.35, -7.17, 2.14},
                    {-9.67, -5.14, -7.26, 6.08, -6.87}})
      .t();
}
template <class T>
Tensor<T> docGesvB() {
  return Tensor<T>({{4.02, 6.19, -8.22, -7.57, -3.03}, {-1.56, 4.00, -8.67, 1.75, 2.86}, {9.81, -4.09, -4.57, -8.61, 8.99}})
      .t();
}
template <class T>
Tensor<T> docPotrfA() {
  return Tensor<T>({{1.2705, 0.9971, 0.4948, 0.1389, 0.2381},
                    {0.9971, 0.9966, 0.6752, 0.0686, 0.1196},
                    {0.4948, 0.6752, 1.1434, 0.0314, 0.0582},
                    {0.1389, 0.0686, 0.0314, 0.0270, 0.0526},
                    {0.2381, 0.1196, 0.0582, 0.0526, 0.3957}});
}
// Upper triangle of the symeig / eig example.
template <class T>
Tensor<T> docSymA() {
  return Tensor<T>({{1.96, 0.00, 0.00, 0.00, 0.00},
                    {-6.49, 3.80, 0.00, 0.00, 0.00},
                    {-0.47, -6.39, 4.17, 0.00, 0.00},
                    {-7.20, 1.50, -1.51, 5.70, 0.00},
                    {-0.65, -6.34, 2.67, 1.80, -7.10}})
      .t();
}

}  // namespace

// ---- gesv -----------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("gesv solves Torch7's documented system (transposed inputs)", "[linalg]", float, double) {
  using T = TestType;
  const Tensor<T> a = docGesvA<T>(), b = docGesvB<T>();
  REQUIRE_FALSE(a.isContiguous());
  auto [X, LU] = gesv(b, a);
  CHECK(X.isContiguous());
  checkValues(X, Shape{5, 3},
              {-0.8007, -0.3896, 0.9555, -0.6952, -0.5544, 0.2207, 0.5939, 0.8422, 1.9006, 1.3217, -0.1038, 5.3577, 0.5658,
               0.1057, 4.0406},
              2e-4);
  CHECK(maxAbsDiff(matmul(a, X), asDouble(b)) < 50 * tol<T>());
  // LU: unit lower L and upper U whose product is A with its rows permuted.
  REQUIRE(LU.sizes() == Shape{5, 5});
  DoubleTensor L = identity(5), U = zeros<double>(5, 5);
  for (index_t i = 0; i < 5; ++i)
    for (index_t j = 0; j < 5; ++j) (j < i ? L(i, j) : U(i, j)) = double(LU(i, j));
  DoubleTensor PA = matmul(L, U);
  std::vector<bool> used(5, false);
  for (index_t i = 0; i < 5; ++i) {
    bool found = false;
    for (index_t r = 0; r < 5 && !found; ++r) {
      if (used[r]) continue;
      if (maxAbsDiff(PA.select(0, i), asDouble(a).select(0, r)) < 50 * tol<T>()) used[r] = found = true;
    }
    CHECK(found);
  }
}

TEMPLATE_TEST_CASE("gesv: vector right-hand side, random systems, layouts, result-first", "[linalg]", float, double) {
  using T = TestType;
  manualSeed(11);
  const Tensor<T> a = wellConditioned<T>(7);
  SECTION("a vector B is one column: X is n x 1 as in Torch7") {
    Tensor<T> b = randn<T>(7);
    auto [X, LU] = gesv(b, a);
    REQUIRE(X.sizes() == Shape{7, 1});
    CHECK(maxAbsDiff(matmul(a, X), asDouble(b).view(7, 1)) < 10 * tol<T>() * 7);
  }
  SECTION("narrowed and stride-0 expanded right-hand sides") {
    Tensor<T> big = randn<T>(7, 9);
    Tensor<T> b = big.narrow(1, 2, 4);  // non-contiguous rows
    auto X = gesv(b, a).X;
    CHECK(maxAbsDiff(matmul(a, X), asDouble(b)) < 10 * tol<T>() * 7);
    Tensor<T> col = randn<T>(7, 1);
    Tensor<T> e = col.expand(7, 3);  // stride 0
    auto Xe = gesv(e, a).X;
    for (index_t j = 0; j < 3; ++j) CHECK(maxAbsDiff(Xe.select(1, j), Xe.select(1, 0)) == 0);
    CHECK(maxAbsDiff(matmul(a, Xe), asDouble(e)) < 10 * tol<T>() * 7);
  }
  SECTION("result-first: resizes and writes into the given tensors") {
    Tensor<T> b = randn<T>(7, 2);
    Tensor<T> X = zeros<T>(3), LU = zeros<T>(1, 1);
    auto r = gesv(X, LU, b, a);
    REQUIRE(X.sizes() == Shape{7, 2});
    REQUIRE(LU.sizes() == Shape{7, 7});
    CHECK(r.X.data() == X.data());
    CHECK(r.LU.data() == LU.data());
    CHECK(maxAbsDiff(X, gesv(b, a).X) == 0);
    Tensor<T> Xe, LUe;  // empty: simply set to the results
    gesv(Xe, LUe, b, a);
    CHECK(maxAbsDiff(Xe, X) == 0);
  }
  SECTION("result-first aliasing its input: torch.gesv(b, a, b, a)") {
    Tensor<T> b = randn<T>(7, 2);
    Tensor<T> ac = a.clone(), bc = b.clone();
    const Tensor<T> want = gesv(b, a).X;
    gesv(bc, ac, bc, ac);
    CHECK(maxAbsDiff(bc, want) == 0);
  }
}

TEMPLATE_TEST_CASE("gesv errors", "[linalg][errors]", float, double) {
  using T = TestType;
  const Tensor<T> sing({{1, 2}, {2, 4}});
  const Tensor<T> b2 = ones<T>(2, 1);
  T7_REQUIRE_THROWS_WITH_ALL(gesv(b2, sing), ValueError, "gesv", "singular", "U(1,1) is zero", "[2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(gesv(b2, Tensor<T>(zeros<T>(2, 2))), ValueError, "gesv", "U(0,0) is zero");
  T7_REQUIRE_THROWS_WITH_ALL(gesv(b2, Tensor<T>(ones<T>(2, 3))), SizeError, "gesv: A must be square, got [2x3]");
  T7_REQUIRE_THROWS_WITH_ALL(gesv(Tensor<T>(ones<T>(3, 1)), Tensor<T>(eye<T>(2))), SizeError, "gesv",
                             "B [3x1] and A [2x2] have different numbers of rows (3 and 2)");
  T7_REQUIRE_THROWS_WITH_ALL(gesv(Tensor<T>(ones<T>(2, 1, 1)), Tensor<T>(eye<T>(2))), SizeError, "gesv",
                             "B must be a vector or a 2-D matrix, got a 3-D tensor [2x1x1]");
  T7_REQUIRE_THROWS_WITH_ALL(gesv(b2, Tensor<T>(ones<T>(2, 2, 2))), SizeError, "gesv: A must be a 2-D matrix",
                             "3-D tensor [2x2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(gesv(b2, Tensor<T>()), SizeError, "gesv: A must be a 2-D matrix, got an empty tensor");
  T7_REQUIRE_THROWS_WITH_ALL(gesv(Tensor<T>(), Tensor<T>(eye<T>(2))), SizeError, "gesv: B", "empty tensor");
  T7_REQUIRE_THROWS_WITH_ALL(gesv(b2, Tensor<T>(0, 0)), SizeError, "gesv: A [0x0] is empty");
  T7_REQUIRE_THROWS_WITH_ALL(gesv(Tensor<T>(2, 0), Tensor<T>(eye<T>(2))), SizeError, "gesv: B [2x0] is empty");
}

// ---- trtrs ----------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("trtrs: Torch7's example, uplo / trans / diag, only one triangle read", "[linalg]", float, double) {
  using T = TestType;
  const Tensor<T> a({{6.80, -2.11, 5.66, 5.97, 8.23},
                     {0, -3.30, 5.36, -4.44, 1.08},
                     {0, 0, -2.70, 0.27, 9.04},
                     {0, 0, 0, -7.17, 2.14},
                     {0, 0, 0, 0, -6.87}});
  const Tensor<T> b = docGesvB<T>();
  const Tensor<T> x = trtrs(b, a);
  checkValues(x, Shape{5, 3},
              {-3.5416, -0.2514, 3.0847, 4.2072, 2.0391, -4.5146, 4.6399, 1.7804, -2.6077, 1.1874, -0.3683, 0.8103, 0.4410,
               -0.4163, -1.3086},
              2e-4);
  CHECK(maxAbsDiff(matmul(a, x), asDouble(b)) < 50 * tol<T>());
  // Garbage below the diagonal is not read with uplo 'U'.
  Tensor<T> g = a.clone();
  g(3, 0) = 100;
  g(4, 2) = -7;
  CHECK(maxAbsDiff(trtrs(b, g), x) == 0);
  // L = A^T (a transposed view) with trans 'T' solves the same system A X = B.
  CHECK(maxAbsDiff(trtrs(b, Tensor<T>(a.t()), 'L', 'T'), x) < 10 * tol<T>());
  // trans 'T' with uplo 'U': A^T X = B.
  const Tensor<T> xt = trtrs(b, a, 'U', 'T');
  CHECK(maxAbsDiff(matmul(Tensor<T>(a.t()), xt), asDouble(b)) < 50 * tol<T>());
  // diag 'U': the diagonal is taken as ones and not read (zeros there are fine).
  Tensor<T> unit = a.clone();
  for (index_t i = 0; i < 5; ++i) unit(i, i) = 0;
  const Tensor<T> xu = trtrs(b, unit, 'U', 'N', 'U');
  for (index_t i = 0; i < 5; ++i) unit(i, i) = 1;
  CHECK(maxAbsDiff(matmul(unit, xu), asDouble(b)) < 1e4 * tol<T>());
  // Lower triangular solve, vector right-hand side.
  const Tensor<T> low = a.t().contiguous();
  const Tensor<T> v({1, 2, 3, 4, 5});
  const Tensor<T> xl = trtrs(v, low, 'L');
  REQUIRE(xl.sizes() == Shape{5, 1});
  CHECK(maxAbsDiff(matmul(low, xl), asDouble(v).view(5, 1)) < 50 * tol<T>());
  Tensor<T> res;
  CHECK(maxAbsDiff(trtrs(res, b, a), x) == 0);
  CHECK(maxAbsDiff(res, x) == 0);
}

TEMPLATE_TEST_CASE("trtrs errors", "[linalg][errors]", float, double) {
  using T = TestType;
  Tensor<T> a({{1, 2}, {0, 0}});
  const Tensor<T> b = ones<T>(2, 1);
  T7_REQUIRE_THROWS_WITH_ALL(trtrs(b, a), ValueError, "trtrs: the triangular matrix A [2x2] is singular (A(1,1) is zero)");
  CHECK(trtrs(b, a, 'U', 'N', 'U').sizes() == Shape{2, 1});  // unit diagonal: fine
  T7_REQUIRE_THROWS_WITH_ALL(trtrs(b, Tensor<T>(eye<T>(2)), 'X'), ValueError, "trtrs: uplo must be 'U' or 'L', got 'X'");
  T7_REQUIRE_THROWS_WITH_ALL(trtrs(b, Tensor<T>(eye<T>(2)), 'U', 'C'), ValueError, "trtrs: trans must be 'N' or 'T', got 'C'");
  T7_REQUIRE_THROWS_WITH_ALL(trtrs(b, Tensor<T>(eye<T>(2)), 'U', 'N', 'u'), ValueError,
                             "trtrs: diag must be 'N' or 'U', got 'u'");
  T7_REQUIRE_THROWS_WITH_ALL(trtrs(b, Tensor<T>(ones<T>(3, 2))), SizeError, "trtrs: A must be square, got [3x2]");
  T7_REQUIRE_THROWS_WITH_ALL(trtrs(Tensor<T>(ones<T>(3)), Tensor<T>(eye<T>(2))), SizeError, "trtrs", "B [3]", "A [2x2]");
}

// ---- gels -----------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("gels: least squares (Torch7's example, normal equations) and minimum norm", "[linalg]", float,
                   double) {
  using T = TestType;
  SECTION("overdetermined 6x4: Torch7's example and the normal equations") {
    const Tensor<T> a = Tensor<T>({{1.44, -9.96, -7.55, 8.34, 7.08, -5.45},
                                   {-7.84, -0.28, 3.24, 8.09, 2.52, -5.70},
                                   {-4.39, -3.24, 6.27, 5.28, 0.74, -1.19},
                                   {4.53, 3.83, -6.64, 2.06, -2.47, 4.70}})
                            .t();
    const Tensor<T> b =
        Tensor<T>({{8.58, 8.26, 8.48, -5.28, 5.72, 8.93}, {9.35, -4.43, -0.70, -0.26, -7.36, -2.52}}).t();
    const Tensor<T> x = gels(b, a);
    checkValues(x, Shape{4, 2}, {-0.4506, 0.2497, -0.8492, -0.9020, 0.7066, 0.6323, 0.1289, 0.1351}, 2e-4);
    // normal equations (A^T A) x = A^T b
    const DoubleTensor ata = matmul(Tensor<T>(a.t()), a), atb = matmul(Tensor<T>(a.t()), b);
    const auto xn = gesv(atb, ata).X;
    CHECK(maxAbsDiff(x, xn) < 20 * tol<T>());
    // the residual norm is Torch7's 17.3902
    DoubleTensor r = matmul(a, x);
    double ss = 0;
    for (index_t i = 0; i < 6; ++i)
      for (index_t j = 0; j < 2; ++j) ss += std::pow(r(i, j) - double(b(i, j)), 2);
    CHECK(std::sqrt(ss) == Approx(17.390200628863).epsilon(1e-4));
  }
  SECTION("underdetermined 3x5: A X = B with the minimum norm X = A^T (A A^T)^-1 B") {
    manualSeed(5);
    const Tensor<T> a = randn<T>(3, 5), b = randn<T>(3, 2);
    const Tensor<T> x = gels(b, a);
    REQUIRE(x.sizes() == Shape{5, 2});
    CHECK(maxAbsDiff(matmul(a, x), asDouble(b)) < 50 * tol<T>());
    const DoubleTensor aat = matmul(a, Tensor<T>(a.t()));
    const DoubleTensor y = gesv(asDouble(b), aat).X;
    CHECK(maxAbsDiff(x, matmul(Tensor<T>(a.t()), y)) < 50 * tol<T>());
    Tensor<T> res = zeros<T>(1);
    gels(res, b, a);
    CHECK(maxAbsDiff(res, x) == 0);
  }
  SECTION("square and vector right-hand side") {
    manualSeed(6);
    const Tensor<T> a = wellConditioned<T>(4), b = randn<T>(4);
    const Tensor<T> x = gels(b, a);
    REQUIRE(x.sizes() == Shape{4, 1});
    CHECK(maxAbsDiff(x, gesv(b, a).X) < 20 * tol<T>());
  }
}

TEMPLATE_TEST_CASE("gels errors", "[linalg][errors]", float, double) {
  using T = TestType;
  const Tensor<T> zeroCol({{1, 0}, {2, 0}, {3, 0}});
  T7_REQUIRE_THROWS_WITH_ALL(gels(Tensor<T>(ones<T>(3, 1)), zeroCol), ValueError,
                             "gels: A [3x2] does not have full rank (R(1,1)");
  T7_REQUIRE_THROWS_WITH_ALL(gels(Tensor<T>(ones<T>(2, 1)), zeroCol), SizeError, "gels",
                             "B [2x1] and A [3x2] have different numbers of rows");
  T7_REQUIRE_THROWS_WITH_ALL(gels(Tensor<T>(ones<T>(3, 1)), Tensor<T>(ones<T>(3))), SizeError,
                             "gels: A must be a 2-D matrix, got a 1-D tensor [3]");
}

// ---- inverse --------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("inverse: A A^-1 = I for any layout; errors", "[linalg]", float, double) {
  using T = TestType;
  manualSeed(21);
  const Tensor<T> a = wellConditioned<T>(8);
  const Tensor<T> inv = inverse(a);
  CHECK(maxAbsDiff(matmul(a, inv), identity(8)) < 10 * tol<T>());
  CHECK(maxAbsDiff(matmul(inv, a), identity(8)) < 10 * tol<T>());
  // a transposed view: the inverse of A^T is (A^-1)^T
  CHECK(maxAbsDiff(inverse(Tensor<T>(a.t())), Tensor<T>(inv.t())) < 10 * tol<T>());
  // 1x1
  CHECK(inverse(full<T>({1, 1}, 4))(0, 0) == T(0.25));
  Tensor<T> res = ones<T>(2, 2);
  inverse(res, a);
  CHECK(maxAbsDiff(res, inv) == 0);
  T7_REQUIRE_THROWS_WITH_ALL(inverse(Tensor<T>({{1, 2}, {2, 4}})), ValueError, "inverse: the matrix [2x2] is singular",
                             "U(1,1) is zero");
  T7_REQUIRE_THROWS_WITH_ALL(inverse(Tensor<T>(ones<T>(2, 3))), SizeError, "inverse: A must be square, got [2x3]");
  T7_REQUIRE_THROWS_WITH_ALL(inverse(Tensor<T>(ones<T>(4))), SizeError, "inverse: A must be a 2-D matrix");
}

// ---- Cholesky -------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("potrf: Torch7's example, U^T U = A, L L^T = A, one triangle read", "[linalg]", float, double) {
  using T = TestType;
  const Tensor<T> A = docPotrfA<T>();
  const Tensor<T> U = potrf(A);
  // The doc prints A with 4 decimals and A is ill-conditioned (A(3,3) = 0.027), so only the
  // first rows of U are determined by the printed digits.
  checkValues(Tensor<T>(U.narrow(0, 0, 3)), Shape{3, 5},
              {1.1272, 0.8846, 0.4390, 0.1232, 0.2112, 0, 0.4626, 0.6200, -0.0874, -0.1453, 0, 0, 0.7525, 0.0419, 0.0738},
              5e-4);
  CHECK(isUpper(U));
  CHECK(maxAbsDiff(matmul(Tensor<T>(U.t()), U), A) < 10 * tol<T>());
  const Tensor<T> L = potrf(A, 'L');
  CHECK(isUpper(Tensor<T>(L.t())));
  CHECK(maxAbsDiff(L, Tensor<T>(U.t())) < 10 * tol<T>());
  CHECK(maxAbsDiff(matmul(L, Tensor<T>(L.t())), A) < 10 * tol<T>());
  // 'U' reads only the upper triangle, 'L' only the lower one.
  Tensor<T> upperOnly = A.clone(), lowerOnly = A.clone();
  for (index_t i = 0; i < 5; ++i)
    for (index_t j = 0; j < i; ++j) {
      upperOnly(i, j) = 99;
      lowerOnly(j, i) = -99;
    }
  CHECK(maxAbsDiff(potrf(upperOnly), U) == 0);
  CHECK(maxAbsDiff(potrf(lowerOnly, 'L'), L) == 0);
  Tensor<T> res;
  potrf(res, A, 'L');
  CHECK(maxAbsDiff(res, L) == 0);
  // random SPD, transposed view
  manualSeed(4);
  const Tensor<T> S = spd<T>(10);
  const Tensor<T> Us = potrf(Tensor<T>(S.t()));
  CHECK(maxAbsDiff(matmul(Tensor<T>(Us.t()), Us), S) < 100 * tol<T>());
}

TEMPLATE_TEST_CASE("potrf errors name the leading minor", "[linalg][errors]", float, double) {
  using T = TestType;
  T7_REQUIRE_THROWS_WITH_ALL(potrf(Tensor<T>({{1, 2}, {2, 1}})), ValueError,
                             "potrf: the matrix [2x2] is not positive definite (the leading minor of order 2 is not positive)");
  T7_REQUIRE_THROWS_WITH_ALL(potrf(Tensor<T>({{-1, 0}, {0, 1}}), 'L'), ValueError, "leading minor of order 1");
  T7_REQUIRE_THROWS_WITH_ALL(potrf(Tensor<T>({{4, 2, 0}, {2, 1, 0}, {0, 0, 1}})), ValueError, "order 2");
  T7_REQUIRE_THROWS_WITH_ALL(potrf(Tensor<T>(eye<T>(2)), 'l'), ValueError, "potrf: uplo must be 'U' or 'L', got 'l'");
  T7_REQUIRE_THROWS_WITH_ALL(potrf(Tensor<T>(ones<T>(2, 3))), SizeError, "potrf: A must be square, got [2x3]");
}

TEMPLATE_TEST_CASE("potrs and potri from a Cholesky factor", "[linalg]", float, double) {
  using T = TestType;
  const Tensor<T> A = docPotrfA<T>();
  const Tensor<T> B({{0.6219, 0.3439, 0.0431},
                     {0.5642, 0.1756, 0.0153},
                     {0.2334, 0.8594, 0.4103},
                     {0.7556, 0.1966, 0.9637},
                     {0.1420, 0.7185, 0.7476}});
  // Torch7's printed solution depends on digits of A the doc does not print (A is
  // ill-conditioned, X has entries up to 360): check the residual instead.
  const Tensor<T> X = potrs(B, potrf(A));
  REQUIRE(X.sizes() == Shape{5, 3});
  CHECK(maxAbs(X) > 50);
  CHECK(maxAbsDiff(matmul(A, X), B) < (std::is_same_v<T, float> ? 1e-3 : 1e-10));
  const Tensor<T> XL = potrs(B, potrf(A, 'L'), 'L');
  CHECK(maxAbsDiff(XL, X) < maxAbs(X) * 100 * tol<T>());
  const Tensor<T> Xv = potrs(Tensor<T>(B.select(1, 0)), potrf(A));
  REQUIRE(Xv.sizes() == Shape{5, 1});
  CHECK(maxAbsDiff(Xv.select(1, 0), X.select(1, 0)) < maxAbs(X) * 100 * tol<T>());
  Tensor<T> res = zeros<T>(9);
  potrs(res, B, potrf(A));
  CHECK(maxAbsDiff(res, X) == 0);

  manualSeed(9);
  const Tensor<T> S = spd<T>(6);
  const Tensor<T> invU = potri(potrf(S)), invL = potri(potrf(S, 'L'), 'L');
  CHECK(maxAbsDiff(matmul(S, invU), identity(6)) < 10 * tol<T>());
  CHECK(maxAbsDiff(invU, invL) < 10 * tol<T>());
  CHECK(maxAbsDiff(invU, inverse(S)) < 10 * tol<T>());
  CHECK(maxAbsDiff(invU, Tensor<T>(invU.t())) < 10 * tol<T>());  // full symmetric
  potri(res, potrf(S));
  CHECK(maxAbsDiff(res, invU) == 0);
}

TEMPLATE_TEST_CASE("potrs / potri errors", "[linalg][errors]", float, double) {
  using T = TestType;
  const Tensor<T> singular({{1, 2}, {0, 0}});
  T7_REQUIRE_THROWS_WITH_ALL(potrs(Tensor<T>(ones<T>(2, 1)), singular), ValueError,
                             "potrs: the Cholesky factor [2x2] is singular (chol(1,1) is zero)");
  T7_REQUIRE_THROWS_WITH_ALL(potri(singular), ValueError, "potri: the Cholesky factor [2x2] is singular");
  T7_REQUIRE_THROWS_WITH_ALL(potrs(Tensor<T>(ones<T>(3, 1)), Tensor<T>(eye<T>(2))), SizeError, "potrs",
                             "B [3x1] and chol [2x2] have different numbers of rows");
  T7_REQUIRE_THROWS_WITH_ALL(potrs(Tensor<T>(ones<T>(2, 1)), Tensor<T>(eye<T>(2)), 'Q'), ValueError,
                             "potrs: uplo must be 'U' or 'L', got 'Q'");
  T7_REQUIRE_THROWS_WITH_ALL(potri(Tensor<T>(ones<T>(2, 3))), SizeError, "potri: chol must be square, got [2x3]");
}

// ---- pstrf ----------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("pstrf: pivoted Cholesky, P^T A P = U^T U, rank detection", "[linalg]", float, double) {
  using T = TestType;
  // P^T A P: A with rows and columns taken in pivot order.
  auto permuted = [](const Tensor<T>& a, const LongTensor& piv) {
    Tensor<T> r(a.size(0), a.size(1));
    for (index_t i = 0; i < a.size(0); ++i)
      for (index_t j = 0; j < a.size(1); ++j) r(i, j) = a(piv(i), piv(j));
    return r;
  };
  auto isPermutation = [](const LongTensor& p) {
    std::vector<std::int64_t> v = p.toVector();
    std::sort(v.begin(), v.end());
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i] != std::int64_t(i)) return false;
    return true;
  };
  SECTION("full rank: the first pivot is the largest diagonal element") {
    const Tensor<T> A = docPotrfA<T>();
    auto [U, piv, rank] = pstrf(A);
    CHECK(rank == 5);
    REQUIRE(piv.sizes() == Shape{5});
    CHECK(isPermutation(piv));
    CHECK(piv(0) == 0);  // 1.2705 is the largest diagonal element
    CHECK(isUpper(U));
    CHECK(maxAbsDiff(matmul(Tensor<T>(U.t()), U), permuted(A, piv)) < 10 * tol<T>());
    auto [L, pivL, rankL] = pstrf(A, 'L');
    CHECK(rankL == 5);
    CHECK(maxAbsDiff(matmul(L, Tensor<T>(L.t())), permuted(A, pivL)) < 10 * tol<T>());
  }
  SECTION("rank 2 positive semidefinite 6x6 = G G^T") {
    manualSeed(17);
    const Tensor<T> G = randn<T>(6, 2);
    const DoubleTensor Ad = matmul(G, Tensor<T>(G.t()));
    const Tensor<T> A = Ad.template to<T>();
    auto [U, piv, rank] = pstrf(A);
    CHECK(rank == 2);
    CHECK(isPermutation(piv));
    for (index_t i = 2; i < 6; ++i)
      for (index_t j = 0; j < 6; ++j) CHECK(U(i, j) == T(0));  // rows past the rank are zero
    CHECK(maxAbsDiff(matmul(Tensor<T>(U.t()), U), permuted(A, piv)) < 50 * tol<T>() * maxAbs(A));
    // a large tolerance stops earlier
    CHECK(pstrf(A, 'U', 1e6).rank == 0);
    // the zero matrix has rank 0
    CHECK(pstrf(Tensor<T>(zeros<T>(3, 3))).rank == 0);
  }
  SECTION("result-first") {
    Tensor<T> U;
    LongTensor piv = zeros<std::int64_t>(1);
    auto r = pstrf(U, piv, docPotrfA<T>(), 'U');
    CHECK(r.rank == 5);
    CHECK(r.factor.data() == U.data());
    REQUIRE(piv.sizes() == Shape{5});
    CHECK(maxAbsDiff(U, pstrf(docPotrfA<T>()).factor) == 0);
  }
}

TEMPLATE_TEST_CASE("pstrf errors", "[linalg][errors]", float, double) {
  using T = TestType;
  T7_REQUIRE_THROWS_WITH_ALL(pstrf(Tensor<T>({{1, 2}, {2, 1}})), ValueError,
                             "pstrf: the matrix [2x2] is not positive semidefinite");
  T7_REQUIRE_THROWS_WITH_ALL(pstrf(Tensor<T>({{0, 1}, {1, 0}})), ValueError, "not positive semidefinite (after 0 pivots");
  T7_REQUIRE_THROWS_WITH_ALL(pstrf(Tensor<T>({{-1, 0}, {0, -2}})), ValueError, "not positive semidefinite");
  T7_REQUIRE_THROWS_WITH_ALL(pstrf(Tensor<T>(eye<T>(2)), 'N'), ValueError, "pstrf: uplo must be 'U' or 'L', got 'N'");
  T7_REQUIRE_THROWS_WITH_ALL(pstrf(Tensor<T>(ones<T>(3, 2))), SizeError, "pstrf: A must be square, got [3x2]");
}

// ---- QR -------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("qr: Torch7's example and Q R = A, Q^T Q = I, R upper for tall and wide A", "[linalg]", float, double) {
  using T = TestType;
  const Tensor<T> a({{12, -51, 4}, {6, 167, -68}, {-4, 24, -41}});
  auto [q, r] = qr(a);
  checkValues(q, Shape{3, 3}, {-0.8571, 0.3943, 0.3314, -0.4286, -0.9029, -0.0343, 0.2857, -0.1714, 0.9429}, 2e-4);
  checkValues(r, Shape{3, 3}, {-14, -21, 14, 0, -175, 70, 0, 0, -35}, 1e-5);
  manualSeed(8);
  for (auto [m, n] : {std::pair<index_t, index_t>{6, 4}, {4, 6}, {5, 5}, {1, 3}, {3, 1}}) {
    INFO(m << "x" << n);
    const Tensor<T> A = randn<T>(n, m).t();  // transposed view
    auto [Q, R] = qr(A);
    const index_t k = std::min(m, n);
    REQUIRE(Q.sizes() == Shape{m, k});
    REQUIRE(R.sizes() == Shape{k, n});
    CHECK(isUpper(R));
    CHECK(maxAbsDiff(matmul(Q, R), A) < 10 * tol<T>());
    CHECK(maxAbsDiff(matmul(Tensor<T>(Q.t()), Q), identity(k)) < 10 * tol<T>());
  }
  Tensor<T> Q, R = zeros<T>(1);
  auto res = qr(Q, R, a);
  CHECK(res.Q.data() == Q.data());
  CHECK(maxAbsDiff(R, r) == 0);
}

TEMPLATE_TEST_CASE("geqrf, orgqr, ormqr", "[linalg]", float, double) {
  using T = TestType;
  manualSeed(12);
  const Tensor<T> A = randn<T>(6, 4);
  auto [a, tau] = geqrf(A);
  REQUIRE(a.sizes() == Shape{6, 4});
  REQUIRE(tau.sizes() == Shape{4});
  auto [Q, R] = qr(A);
  // R sits on and above the diagonal of geqrf's result
  for (index_t i = 0; i < 4; ++i)
    for (index_t j = i; j < 4; ++j) CHECK(a(i, j) == R(i, j));
  CHECK(maxAbsDiff(orgqr(a, tau), Q) < 10 * tol<T>());
  // The full 6x6 Q from ormqr on the identity: orthogonal, first columns = orgqr.
  const Tensor<T> I6 = eye<T>(6);
  const Tensor<T> Qfull = ormqr(a, tau, I6);
  CHECK(maxAbsDiff(matmul(Tensor<T>(Qfull.t()), Qfull), identity(6)) < 10 * tol<T>());
  CHECK(maxAbsDiff(Qfull.narrow(1, 0, 4), Q) < 10 * tol<T>());
  // Q^T A = [R; 0]
  const Tensor<T> QtA = ormqr(a, tau, A, 'L', 'T');
  CHECK(maxAbsDiff(QtA.narrow(0, 0, 4), R) < 10 * tol<T>());
  CHECK(maxAbs(Tensor<T>(QtA.narrow(0, 4, 2))) < 10 * tol<T>());
  // side 'R': C Q and C Q^T
  const Tensor<T> C = randn<T>(3, 6);
  CHECK(maxAbsDiff(ormqr(a, tau, C, 'R', 'N'), matmul(C, Qfull)) < 10 * tol<T>());
  CHECK(maxAbsDiff(ormqr(a, tau, C, 'R', 'T'), matmul(C, Tensor<T>(Qfull.t()))) < 10 * tol<T>());
  // fewer reflectors than columns
  const Tensor<T> Q2 = orgqr(a, Tensor<T>(tau.narrow(0, 0, 2)));
  REQUIRE(Q2.sizes() == Shape{6, 2});
  CHECK(maxAbsDiff(Q2, Tensor<T>(Q.narrow(1, 0, 2))) < 10 * tol<T>());
  // result-first
  Tensor<T> ra, rt, rq, rc;
  geqrf(ra, rt, A);
  CHECK(maxAbsDiff(ra, a) == 0);
  CHECK(maxAbsDiff(orgqr(rq, ra, rt), Q) < 10 * tol<T>());
  CHECK(maxAbsDiff(ormqr(rc, a, tau, I6), Qfull) == 0);
}

TEMPLATE_TEST_CASE("qr family errors", "[linalg][errors]", float, double) {
  using T = TestType;
  const Tensor<T> a = ones<T>(4, 3), tau = ones<T>(3);
  T7_REQUIRE_THROWS_WITH_ALL(qr(Tensor<T>(ones<T>(2, 2, 2))), SizeError, "qr: A must be a 2-D matrix, got a 3-D tensor");
  T7_REQUIRE_THROWS_WITH_ALL(geqrf(Tensor<T>()), SizeError, "geqrf: A must be a 2-D matrix, got an empty tensor");
  T7_REQUIRE_THROWS_WITH_ALL(orgqr(a, Tensor<T>(ones<T>(4))), SizeError,
                             "orgqr: tau [4] has more reflectors than a [4x3] can hold (at most 3)");
  T7_REQUIRE_THROWS_WITH_ALL(orgqr(a, Tensor<T>(ones<T>(3, 1))), SizeError, "orgqr: tau must be a vector, got a 2-D tensor");
  T7_REQUIRE_THROWS_WITH_ALL(ormqr(a, tau, Tensor<T>(ones<T>(3, 3))), SizeError, "ormqr: Q from a [4x3] is 4x4",
                             "c [3x3] has 3 rows");
  T7_REQUIRE_THROWS_WITH_ALL(ormqr(a, tau, Tensor<T>(ones<T>(4, 3)), 'R'), SizeError, "c [4x3] has 3 columns");
  T7_REQUIRE_THROWS_WITH_ALL(ormqr(a, tau, Tensor<T>(ones<T>(4, 3)), 'X'), ValueError,
                             "ormqr: side must be 'L' or 'R', got 'X'");
  T7_REQUIRE_THROWS_WITH_ALL(ormqr(a, tau, Tensor<T>(ones<T>(4, 3)), 'L', 'V'), ValueError,
                             "ormqr: trans must be 'N' or 'T', got 'V'");
}

// ---- SVD ------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("svd: U diag(S) V^T = A, orthonormal U and V, S descending", "[linalg]", float, double) {
  using T = TestType;
  auto checkSvd = [](const Tensor<T>& A, char job) {
    const index_t m = A.size(0), n = A.size(1), k = std::min(m, n);
    auto [U, S, V] = svd(A, job);
    const index_t uc = job == 'A' ? m : k, vc = job == 'A' ? n : k;
    REQUIRE(U.sizes() == Shape{m, uc});
    REQUIRE(S.sizes() == Shape{k});
    REQUIRE(V.sizes() == Shape{n, vc});
    CHECK(maxAbsDiff(matmul(Tensor<T>(U.t()), U), identity(uc)) < 10 * tol<T>());
    CHECK(maxAbsDiff(matmul(Tensor<T>(V.t()), V), identity(vc)) < 10 * tol<T>());
    for (index_t i = 0; i < k; ++i) {
      CHECK(S(i) >= T(0));
      if (i > 0) CHECK(S(i) <= S(i - 1));
    }
    DoubleTensor US = zeros<double>(m, k);
    for (index_t i = 0; i < m; ++i)
      for (index_t j = 0; j < k; ++j) US(i, j) = double(U(i, j)) * double(S(j));
    CHECK(maxAbsDiff(matmul(US, Tensor<T>(V.narrow(1, 0, k).t())), A) < 20 * tol<T>() * std::max(1.0, maxAbs(A)));
  };
  const Tensor<T> a = Tensor<T>({{8.79, 6.11, -9.15, 9.57, -3.49, 9.84},
                                 {9.93, 6.91, -7.93, 1.64, 4.02, 0.15},
                                 {9.83, 5.04, 4.86, 8.83, 9.80, -8.99},
                                 {5.45, -0.27, 4.85, 0.74, 10.00, -6.02},
                                 {3.16, 7.98, 3.01, 5.80, 4.27, -5.31}})
                          .t();
  checkValues(svd(a).S, Shape{5}, {27.4687, 22.6432, 8.5584, 5.9857, 2.0149}, 6e-5);
  checkSvd(a, 'S');
  checkSvd(a, 'A');
  manualSeed(13);
  checkSvd(randn<T>(4, 7), 'S');
  checkSvd(randn<T>(4, 7), 'A');
  checkSvd(randn<T>(30, 20), 'S');  // past Eigen's small-matrix switch (divide and conquer)
  checkSvd(full<T>({1, 1}, 3), 'A');
  // rank 1: one non-zero singular value
  const Tensor<T> r1({{1, 2}, {2, 4}, {3, 6}});
  auto s = svd(r1).S;
  CHECK(double(s(0)) == Approx(std::sqrt(14.0 * 5.0)).epsilon(1e-5));
  CHECK(std::abs(double(s(1))) < 10 * tol<T>());
  Tensor<T> U, S = zeros<T>(2), V;
  auto res = svd(U, S, V, a);
  CHECK(res.S.data() == S.data());
  CHECK(maxAbsDiff(S, svd(a).S) == 0);
  T7_REQUIRE_THROWS_WITH_ALL(svd(a, 'N'), ValueError, "svd: jobu must be 'S' or 'A', got 'N'");
  T7_REQUIRE_THROWS_WITH_ALL(svd(Tensor<T>(ones<T>(3))), SizeError, "svd: A must be a 2-D matrix, got a 1-D tensor [3]");
}

// ---- eigenvalues ----------------------------------------------------------------------------

TEMPLATE_TEST_CASE("symeig: Torch7's example, ascending e, A V = V diag(e), one triangle read", "[linalg]", float,
                   double) {
  using T = TestType;
  const Tensor<T> upper = docSymA<T>();  // only the upper triangle is filled
  const std::vector<double> want{-11.0656, -6.2287, 0.8640, 8.8655, 16.0948};
  auto [e, V] = symeig(upper);
  checkValues(e, Shape{5}, want, 6e-5);
  CHECK(V.dim() == 0);  // 'N'
  auto [e2, V2] = symeig(upper, 'V');
  CHECK(maxAbsDiff(e2, e) < 10 * tol<T>());
  REQUIRE(V2.sizes() == Shape{5, 5});
  Tensor<T> full = upper.clone();
  for (index_t i = 0; i < 5; ++i)
    for (index_t j = 0; j < i; ++j) full(i, j) = upper(j, i);
  DoubleTensor Ve = zeros<double>(5, 5);
  for (index_t i = 0; i < 5; ++i)
    for (index_t j = 0; j < 5; ++j) Ve(i, j) = double(V2(i, j)) * double(e2(j));
  CHECK(maxAbsDiff(matmul(full, V2), Ve) < 100 * tol<T>());
  CHECK(maxAbsDiff(matmul(Tensor<T>(V2.t()), V2), identity(5)) < 10 * tol<T>());
  // 'L' reads the lower triangle: the transpose gives the same eigenvalues.
  CHECK(maxAbsDiff(symeig(Tensor<T>(upper.t()), 'N', 'L').e, e) < 10 * tol<T>());
  Tensor<T> re, rv;
  symeig(re, rv, full, 'V', 'L');
  CHECK(maxAbsDiff(re, e) < 10 * tol<T>());
  CHECK(rv.sizes() == Shape{5, 5});
  T7_REQUIRE_THROWS_WITH_ALL(symeig(full, 'X'), ValueError, "symeig: jobz must be 'N' or 'V', got 'X'");
  T7_REQUIRE_THROWS_WITH_ALL(symeig(full, 'V', 'u'), ValueError, "symeig: uplo must be 'U' or 'L', got 'u'");
  T7_REQUIRE_THROWS_WITH_ALL(symeig(Tensor<T>(ones<T>(2, 3))), SizeError, "symeig: A must be square, got [2x3]");
}

TEMPLATE_TEST_CASE("eig: real and complex eigenvalues as n x 2, LAPACK's eigenvector layout", "[linalg]", float, double) {
  using T = TestType;
  // A (x + i y) = (u + i v)(x + i y)  <=>  A x = u x - v y,  A y = v x + u y
  auto checkPairs = [](const Tensor<T>& A, const Tensor<T>& e, const Tensor<T>& V) {
    const index_t n = A.size(0);
    const DoubleTensor AV = matmul(A, V);
    for (index_t j = 0; j < n; ++j) {
      const double u = double(e(j, 0)), v = double(e(j, 1));
      double norm2 = 0;
      if (v == 0) {
        for (index_t i = 0; i < n; ++i) {
          CHECK(AV(i, j) == Approx(u * double(V(i, j))).margin(100 * tol<T>() * std::max(1.0, maxAbs(A))));
          norm2 += double(V(i, j)) * double(V(i, j));
        }
        CHECK(norm2 == Approx(1).epsilon(10 * tol<T>()));
        continue;
      }
      REQUIRE(j + 1 < n);
      CHECK(v > 0);  // positive imaginary part first
      CHECK(double(e(j + 1, 0)) == Approx(u));
      CHECK(double(e(j + 1, 1)) == Approx(-v));
      for (index_t i = 0; i < n; ++i) {
        const double x = double(V(i, j)), y = double(V(i, j + 1));
        const double m = 100 * tol<T>() * std::max(1.0, maxAbs(A));
        CHECK(AV(i, j) == Approx(u * x - v * y).margin(m));
        CHECK(AV(i, j + 1) == Approx(v * x + u * y).margin(m));
        norm2 += x * x + y * y;
      }
      CHECK(norm2 == Approx(1).epsilon(10 * tol<T>()));
      ++j;
    }
  };
  SECTION("a rotation has the pair cos t +- i sin t") {
    const double t = 0.7;
    const Tensor<T> R({{T(std::cos(t)), T(-std::sin(t))}, {T(std::sin(t)), T(std::cos(t))}});
    auto [e, V] = eig(R);
    REQUIRE(e.sizes() == Shape{2, 2});
    CHECK(V.dim() == 0);
    checkValues(e, Shape{2, 2}, {std::cos(t), std::sin(t), std::cos(t), -std::sin(t)}, 1e-5);
    auto [ev, Vv] = eig(R, 'V');
    REQUIRE(Vv.sizes() == Shape{2, 2});
    checkPairs(R, ev, Vv);
  }
  SECTION("Torch7's symmetric example: real eigenvalues") {
    Tensor<T> b = docSymA<T>().clone();
    for (index_t i = 0; i < 5; ++i)
      for (index_t j = 0; j < i; ++j) b(i, j) = b(j, i);
    auto [e, V] = eig(b, 'V');
    std::vector<double> re;
    for (index_t i = 0; i < 5; ++i) {
      CHECK(e(i, 1) == T(0));
      re.push_back(double(e(i, 0)));
    }
    std::sort(re.begin(), re.end());
    const std::vector<double> want{-11.0656, -6.2287, 0.8640, 8.8655, 16.0948};
    for (int i = 0; i < 5; ++i) CHECK(re[i] == Approx(want[i]).margin(1e-4));
    checkPairs(b, e, V);
  }
  SECTION("random non-symmetric matrices (transposed view)") {
    manualSeed(31);
    for (int rep = 0; rep < 3; ++rep) {
      const Tensor<T> A = randn<T>(7, 7).t();
      auto [e, V] = eig(A, 'V');
      checkPairs(A, e, V);
      // trace = sum of eigenvalues
      double tr = 0, se = 0;
      for (index_t i = 0; i < 7; ++i) {
        tr += double(A(i, i));
        se += double(e(i, 0));
      }
      CHECK(se == Approx(tr).margin(100 * tol<T>()));
    }
  }
  SECTION("result-first and errors") {
    Tensor<T> e, V;
    const Tensor<T> A({{2, 0}, {0, 3}});
    eig(e, V, A, 'V');
    REQUIRE(V.sizes() == Shape{2, 2});
    checkPairs(A, e, V);
    T7_REQUIRE_THROWS_WITH_ALL(eig(A, 'v'), ValueError, "eig: jobvr must be 'N' or 'V', got 'v'");
    T7_REQUIRE_THROWS_WITH_ALL(eig(Tensor<T>(ones<T>(2, 3))), SizeError, "eig: A must be square, got [2x3]");
  }
}

// ---- determinants ---------------------------------------------------------------------------

TEMPLATE_TEST_CASE("det, logdet, slogdet", "[linalg]", float, double) {
  using T = TestType;
  // 2*(3*4 - 2*1) - (-1)*(1*4 - 2*0) + 0 = 20 + 4 = 24
  const Tensor<T> a({{2, -1, 0}, {1, 3, 2}, {0, 1, 4}});
  CHECK(double(det(a)) == Approx(24).epsilon(1e-6));
  CHECK(double(det(Tensor<T>(a.t()))) == Approx(24).epsilon(1e-6));
  const Tensor<T> swapped({{1, 3, 2}, {2, -1, 0}, {0, 1, 4}});
  CHECK(double(det(swapped)) == Approx(-24).epsilon(1e-6));
  CHECK(det(Tensor<T>({{1, 2}, {2, 4}})) == T(0));
  CHECK(det(full<T>({1, 1}, 5)) == T(5));
  CHECK(double(logdet(a)) == Approx(std::log(24.0)).epsilon(1e-6));
  CHECK(std::isnan(logdet(swapped)));
  CHECK(logdet(Tensor<T>({{1, 2}, {2, 4}})) == -std::numeric_limits<T>::infinity());
  auto [sign, la] = slogdet(swapped);
  CHECK(sign == T(-1));
  CHECK(double(la) == Approx(std::log(24.0)).epsilon(1e-6));
  auto [s0, l0] = slogdet(Tensor<T>({{0, 0}, {0, 1}}));
  CHECK(s0 == T(0));
  CHECK(l0 == -std::numeric_limits<T>::infinity());
  // logdet of a PD matrix = 2 * sum(log(diag(potrf)))
  manualSeed(3);
  const Tensor<T> S = spd<T>(8);
  const Tensor<T> U = potrf(S);
  double want = 0;
  for (index_t i = 0; i < 8; ++i) want += 2 * std::log(double(U(i, i)));
  CHECK(double(logdet(S)) == Approx(want).epsilon(10 * tol<T>()));
  // a large matrix whose determinant overflows float: slogdet does not
  const Tensor<T> big = eye<T>(60) * T(1e3);
  auto [sb, lb] = slogdet(big);
  CHECK(sb == T(1));
  CHECK(double(lb) == Approx(60 * std::log(1e3)).epsilon(1e-5));
  T7_REQUIRE_THROWS_WITH_ALL(det(Tensor<T>(ones<T>(2, 3))), SizeError, "det: A must be square, got [2x3]");
  T7_REQUIRE_THROWS_WITH_ALL(logdet(Tensor<T>(ones<T>(2, 3))), SizeError, "logdet: A must be square");
  T7_REQUIRE_THROWS_WITH_ALL(slogdet(Tensor<T>()), SizeError, "slogdet: A must be a 2-D matrix, got an empty tensor");
}

TEST_CASE("inverse writes a narrowed result of the right size through its view (review finding)", "[linalg][alias]") {
  DoubleTensor big(2, 4);
  big.fill(0);
  DoubleTensor res = big.narrow(1, 0, 2);
  inverse(res, DoubleTensor{{2.0, 0.0}, {0.0, 4.0}});
  CHECK(t7test::values(big) == std::vector<double>{0.5, 0, 0, 0, 0, 0.25, 0, 0});
  CHECK(res.stride(0) == 4);
}
