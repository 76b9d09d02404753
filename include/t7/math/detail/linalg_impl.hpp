#pragma once
/// \file linalg_impl.hpp
/// Definitions of t7/math/linalg.hpp: copies between tensors and Eigen matrices, the shared
/// argument checks, and each LAPACK function on top of Eigen's decompositions. Included
/// only by linalg.hpp.

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

// Eigen's own headers are not warning-free under -Wall -Wextra when found with -I rather
// than as system headers (CMake's Eigen3::Eigen target makes them system headers).
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/Householder>
#include <Eigen/LU>
#include <Eigen/QR>
#include <Eigen/SVD>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::detail::la {

using t7::detail::cat;
using t7::detail::fail;

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;  // column-major, as LAPACK
template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// Compile-time guard shared by every LAPACK function.
template <class T>
constexpr void requireFloating() {
  static_assert(FloatingElement<T>,
                "t7 LAPACK functions (gesv, potrf, svd, eig, det...) work on FloatTensor and DoubleTensor "
                "only, as in Torch7: convert with toFloat() or toDouble() first");
}

template <class T>
std::string shapeOf(const Tensor<T>& t) {
  return bracketed(t.sizes());
}

/// A non-empty 2-D tensor.
template <class T>
void checkMatrix(const Tensor<T>& a, const char* op, const char* name) {
  if (a.dim() != 2)
    fail<SizeError>(op, ": ", name, " must be a 2-D matrix, got ",
                    a.dim() == 0 ? std::string("an empty tensor") : cat("a ", a.dim(), "-D tensor ", shapeOf(a)));
  if (a.nElement() == 0) fail<SizeError>(op, ": ", name, " ", shapeOf(a), " is empty");
}

/// A non-empty square 2-D tensor.
template <class T>
void checkSquare(const Tensor<T>& a, const char* op, const char* name) {
  checkMatrix(a, op, name);
  if (a.size(0) != a.size(1)) fail<SizeError>(op, ": ", name, " must be square, got ", shapeOf(a));
}

/// A right-hand side: a vector or a matrix with as many rows as A.
template <class T>
void checkRhs(const Tensor<T>& b, const Tensor<T>& a, const char* op, const char* bName, const char* aName) {
  if (b.dim() != 1 && b.dim() != 2)
    fail<SizeError>(op, ": ", bName, " must be a vector or a 2-D matrix, got ",
                    b.dim() == 0 ? std::string("an empty tensor") : cat("a ", b.dim(), "-D tensor ", shapeOf(b)));
  if (b.nElement() == 0) fail<SizeError>(op, ": ", bName, " ", shapeOf(b), " is empty");
  if (b.size(0) != a.size(0))
    fail<SizeError>(op, ": ", bName, " ", shapeOf(b), " and ", aName, " ", shapeOf(a), " have different numbers of rows (",
                    b.size(0), " and ", a.size(0), ")");
}

/// One of Torch7's option characters ("UL", "NT", "NV"...).
inline void checkOption(char c, const char* allowed, const char* op, const char* what) {
  for (const char* p = allowed; *p; ++p)
    if (c == *p) return;
  std::string list;
  for (const char* p = allowed; *p; ++p) {
    if (p != allowed) list += p[1] ? ", " : " or ";
    list += cat("'", *p, "'");
  }
  fail<ValueError>(op, ": ", what, " must be ", list, ", got '", c, "'");
}

/// Any-layout 2-D tensor (or a vector, as one column) into a column-major Eigen matrix.
template <class T>
Mat<T> toMat(const Tensor<T>& t) {
  const index_t rows = t.size(0), cols = t.dim() == 2 ? t.size(1) : 1;
  if (t.isContiguous()) return Eigen::Map<const RowMat<T>>(t.data(), rows, cols);
  Mat<T> m(rows, cols);
  const T* p = t.data();
  const index_t s0 = t.stride(0), s1 = t.dim() == 2 ? t.stride(1) : 0;
  for (index_t j = 0; j < cols; ++j)
    for (index_t i = 0; i < rows; ++i) m(i, j) = p[i * s0 + j * s1];
  return m;
}

/// A new contiguous row-major tensor with the values of an Eigen matrix expression.
template <class T, class E>
Tensor<T> fromMat(const Eigen::MatrixBase<E>& m) {
  Tensor<T> r(static_cast<index_t>(m.rows()), static_cast<index_t>(m.cols()));
  Eigen::Map<RowMat<T>>(r.data(), m.rows(), m.cols()) = m;
  return r;
}

/// A new 1-D tensor with the values of an Eigen vector expression.
template <class T, class E>
Tensor<T> fromVec(const Eigen::MatrixBase<E>& v) {
  Tensor<T> r(static_cast<index_t>(v.size()));
  Eigen::Map<Vec<T>>(r.data(), v.size()) = v;
  return r;
}

/// The result-first overloads: `res` takes the values of `value` (a fresh tensor). An
/// undefined `res` is simply set to it; one of the right size keeps its layout (a view is
/// written through its strides); any other is resized, as Torch7 does.
template <class T>
void assignResult(Tensor<T>& res, const Tensor<T>& value) {
  if (!res.storage().defined()) {
    res.set(value);
    return;
  }
  if (!res.isSize(value.sizes())) res.resize(value.sizes());
  res.copy(value);
}

/// First exactly-zero diagonal element of a triangular factor, or -1.
template <class E>
index_t firstZeroDiagonal(const Eigen::MatrixBase<E>& m) {
  const index_t n = std::min<index_t>(m.rows(), m.cols());
  for (index_t i = 0; i < n; ++i)
    if (m(i, i) == typename E::Scalar(0)) return i;
  return -1;
}

/// The LU factorisation behind gesv, inverse, det: throws when a pivot is exactly zero.
template <class T>
Eigen::PartialPivLU<Mat<T>> luOrThrow(const Tensor<T>& A, const char* op) {
  Eigen::PartialPivLU<Mat<T>> lu(toMat(A));
  const index_t z = firstZeroDiagonal(lu.matrixLU());
  if (z >= 0)
    fail<ValueError>(op, ": the matrix ", shapeOf(A), " is singular (U(", z, ",", z, ") is zero)");
  return lu;
}

/// The order (1..n) of the first leading minor of the `uplo` triangle of `a` that is not
/// positive, by an unblocked Cholesky; 0 if none is found (a rounding borderline case).
template <class T>
index_t firstBadMinor(const Mat<T>& a, char uplo) {
  const index_t n = a.rows();
  Mat<T> s = uplo == 'U' ? Mat<T>(a.template selfadjointView<Eigen::Upper>()) : Mat<T>(a.template selfadjointView<Eigen::Lower>());
  for (index_t j = 0; j < n; ++j) {
    T d = s(j, j);
    for (index_t k = 0; k < j; ++k) d -= s(j, k) * s(j, k);
    if (!(d > T(0))) return j + 1;
    const T ljj = std::sqrt(d);
    s(j, j) = ljj;
    for (index_t i = j + 1; i < n; ++i) {
      T v = s(i, j);
      for (index_t k = 0; k < j; ++k) v -= s(i, k) * s(j, k);
      s(i, j) = v / ljj;
    }
  }
  return 0;
}

/// Householder reflectors (a's columns below the diagonal, coefficients tau) as given by
/// geqrf, checked for orgqr and ormqr.
template <class T>
void checkReflectors(const Tensor<T>& a, const Tensor<T>& tau, const char* op) {
  checkMatrix(a, op, "a");
  if (tau.dim() != 1)
    fail<SizeError>(op, ": tau must be a vector, got ",
                    tau.dim() == 0 ? std::string("an empty tensor") : cat("a ", tau.dim(), "-D tensor ", shapeOf(tau)));
  if (tau.size(0) > std::min(a.size(0), a.size(1)))
    fail<SizeError>(op, ": tau ", shapeOf(tau), " has more reflectors than a ", shapeOf(a), " can hold (at most ",
                    std::min(a.size(0), a.size(1)), ")");
}

}  // namespace t7::detail::la

namespace t7 {

// ---- linear systems -----------------------------------------------------------------------

template <Element T>
GesvResult<T> gesv(const Tensor<T>& B, const Tensor<T>& A) {
  using namespace detail::la;
  requireFloating<T>();
  checkSquare(A, "gesv", "A");
  checkRhs(B, A, "gesv", "B", "A");
  const auto lu = luOrThrow(A, "gesv");
  const Mat<T> X = lu.solve(toMat(B));
  return {fromMat<T>(X), fromMat<T>(lu.matrixLU())};
}

template <Element T>
GesvResult<T> gesv(Tensor<T>& X, Tensor<T>& LU, const Tensor<T>& B, const Tensor<T>& A) {
  auto r = gesv(B, A);
  detail::la::assignResult(X, r.X);
  detail::la::assignResult(LU, r.LU);
  return {X, LU};
}

template <Element T>
Tensor<T> trtrs(const Tensor<T>& B, const Tensor<T>& A, char uplo, char trans, char diag) {
  using namespace detail::la;
  requireFloating<T>();
  checkSquare(A, "trtrs", "A");
  checkRhs(B, A, "trtrs", "B", "A");
  checkOption(uplo, "UL", "trtrs", "uplo");
  checkOption(trans, "NT", "trtrs", "trans");
  checkOption(diag, "NU", "trtrs", "diag");
  Mat<T> a = toMat(A);
  if (diag == 'N') {
    const index_t z = firstZeroDiagonal(a);
    if (z >= 0) fail<ValueError>("trtrs: the triangular matrix A ", shapeOf(A), " is singular (A(", z, ",", z, ") is zero)");
  }
  bool upper = uplo == 'U';
  if (trans == 'T') {
    a.transposeInPlace();
    upper = !upper;
  }
  Mat<T> x = toMat(B);
  if (upper && diag == 'U') a.template triangularView<Eigen::UnitUpper>().solveInPlace(x);
  else if (upper) a.template triangularView<Eigen::Upper>().solveInPlace(x);
  else if (diag == 'U') a.template triangularView<Eigen::UnitLower>().solveInPlace(x);
  else a.template triangularView<Eigen::Lower>().solveInPlace(x);
  return fromMat<T>(x);
}

template <Element T>
Tensor<T>& trtrs(Tensor<T>& X, const Tensor<T>& B, const Tensor<T>& A, char uplo, char trans, char diag) {
  detail::la::assignResult(X, trtrs(B, A, uplo, trans, diag));
  return X;
}

template <Element T>
Tensor<T> gels(const Tensor<T>& B, const Tensor<T>& A) {
  using namespace detail::la;
  requireFloating<T>();
  checkMatrix(A, "gels", "A");
  checkRhs(B, A, "gels", "B", "A");
  const index_t m = A.size(0), n = A.size(1);
  Mat<T> b = toMat(B);
  auto rankCheck = [&](const auto& R) {
    const index_t z = firstZeroDiagonal(R);
    if (z >= 0)
      fail<ValueError>("gels: A ", shapeOf(A), " does not have full rank (R(", z, ",", z,
                       ") of its QR factorisation is zero)");
  };
  if (m >= n) {  // least squares: A = Q R, X = R^-1 (Q^T B)[0:n]
    Eigen::HouseholderQR<Mat<T>> h(toMat(A));
    rankCheck(h.matrixQR().topLeftCorner(n, n));
    b.applyOnTheLeft(h.householderQ().transpose());
    Mat<T> x = b.topRows(n);
    h.matrixQR().topLeftCorner(n, n).template triangularView<Eigen::Upper>().solveInPlace(x);
    return fromMat<T>(x);
  }
  // minimum norm: A^T = Q R, so A = R1^T Q1^T and X = Q [R1^-T B; 0]
  Eigen::HouseholderQR<Mat<T>> h(toMat(A).transpose());
  rankCheck(h.matrixQR().topLeftCorner(m, m));
  h.matrixQR().topLeftCorner(m, m).template triangularView<Eigen::Upper>().transpose().solveInPlace(b);
  Mat<T> x = Mat<T>::Zero(n, b.cols());
  x.topRows(m) = b;
  x.applyOnTheLeft(h.householderQ());
  return fromMat<T>(x);
}

template <Element T>
Tensor<T>& gels(Tensor<T>& X, const Tensor<T>& B, const Tensor<T>& A) {
  detail::la::assignResult(X, gels(B, A));
  return X;
}

template <Element T>
Tensor<T> inverse(const Tensor<T>& A) {
  using namespace detail::la;
  requireFloating<T>();
  checkSquare(A, "inverse", "A");
  return fromMat<T>(luOrThrow(A, "inverse").inverse());
}

template <Element T>
Tensor<T>& inverse(Tensor<T>& res, const Tensor<T>& A) {
  detail::la::assignResult(res, inverse(A));
  return res;
}

// ---- Cholesky -----------------------------------------------------------------------------

template <Element T>
Tensor<T> potrf(const Tensor<T>& A, char uplo) {
  using namespace detail::la;
  requireFloating<T>();
  checkSquare(A, "potrf", "A");
  checkOption(uplo, "UL", "potrf", "uplo");
  const Mat<T> a = toMat(A);
  auto notPD = [&] {
    const index_t k = firstBadMinor(a, uplo);
    if (k > 0)
      fail<ValueError>("potrf: the matrix ", shapeOf(A), " is not positive definite (the leading minor of order ", k,
                       " is not positive)");
    fail<ValueError>("potrf: the matrix ", shapeOf(A), " is not positive definite");
  };
  if (uplo == 'U') {
    Eigen::LLT<Mat<T>, Eigen::Upper> llt(a);
    if (llt.info() != Eigen::Success) notPD();
    return fromMat<T>(Mat<T>(llt.matrixU()));
  }
  Eigen::LLT<Mat<T>, Eigen::Lower> llt(a);
  if (llt.info() != Eigen::Success) notPD();
  return fromMat<T>(Mat<T>(llt.matrixL()));
}

template <Element T>
Tensor<T>& potrf(Tensor<T>& res, const Tensor<T>& A, char uplo) {
  detail::la::assignResult(res, potrf(A, uplo));
  return res;
}

namespace detail::la {
/// A Cholesky factor for potrs / potri: square, non-singular.
template <class T>
Mat<T> cholFactor(const Tensor<T>& chol, char uplo, const char* op) {
  checkSquare(chol, op, "chol");
  checkOption(uplo, "UL", op, "uplo");
  Mat<T> c = toMat(chol);
  const index_t z = firstZeroDiagonal(c);
  if (z >= 0)
    fail<ValueError>(op, ": the Cholesky factor ", shapeOf(chol), " is singular (chol(", z, ",", z, ") is zero)");
  return c;
}
}  // namespace detail::la

template <Element T>
Tensor<T> potrs(const Tensor<T>& B, const Tensor<T>& chol, char uplo) {
  using namespace detail::la;
  requireFloating<T>();
  const Mat<T> c = cholFactor(chol, uplo, "potrs");
  checkRhs(B, chol, "potrs", "B", "chol");
  Mat<T> x = toMat(B);
  if (uplo == 'U') {  // A = U^T U
    c.template triangularView<Eigen::Upper>().transpose().solveInPlace(x);
    c.template triangularView<Eigen::Upper>().solveInPlace(x);
  } else {  // A = L L^T
    c.template triangularView<Eigen::Lower>().solveInPlace(x);
    c.template triangularView<Eigen::Lower>().transpose().solveInPlace(x);
  }
  return fromMat<T>(x);
}

template <Element T>
Tensor<T>& potrs(Tensor<T>& res, const Tensor<T>& B, const Tensor<T>& chol, char uplo) {
  detail::la::assignResult(res, potrs(B, chol, uplo));
  return res;
}

template <Element T>
Tensor<T> potri(const Tensor<T>& chol, char uplo) {
  using namespace detail::la;
  requireFloating<T>();
  const Mat<T> c = cholFactor(chol, uplo, "potri");
  Mat<T> inv = Mat<T>::Identity(c.rows(), c.cols());  // becomes U^-1 or L^-1
  if (uplo == 'U') {
    c.template triangularView<Eigen::Upper>().solveInPlace(inv);
    return fromMat<T>(Mat<T>(inv * inv.transpose()));  // (U^T U)^-1 = U^-1 U^-T
  }
  c.template triangularView<Eigen::Lower>().solveInPlace(inv);
  return fromMat<T>(Mat<T>(inv.transpose() * inv));  // (L L^T)^-1 = L^-T L^-1
}

template <Element T>
Tensor<T>& potri(Tensor<T>& res, const Tensor<T>& chol, char uplo) {
  detail::la::assignResult(res, potri(chol, uplo));
  return res;
}

template <Element T>
PstrfResult<T> pstrf(const Tensor<T>& A, char uplo, double tol) {
  using namespace detail::la;
  requireFloating<T>();
  checkSquare(A, "pstrf", "A");
  checkOption(uplo, "UL", "pstrf", "uplo");
  const index_t n = A.size(0);
  const Mat<T> a = toMat(A);
  // w: the full symmetric matrix; its lower triangle becomes L column by column while the
  // trailing block holds the Schur complement (outer-product form of LAPACK's pstf2).
  Mat<T> w = uplo == 'U' ? Mat<T>(a.template selfadjointView<Eigen::Upper>()) : Mat<T>(a.template selfadjointView<Eigen::Lower>());
  std::vector<std::int64_t> piv(static_cast<std::size_t>(n));
  std::iota(piv.begin(), piv.end(), std::int64_t{0});
  const T eps = std::numeric_limits<T>::epsilon();
  const T maxDiag = w.diagonal().maxCoeff();
  const T scale = w.diagonal().cwiseAbs().maxCoeff();
  const T stop = tol < 0 ? T(n) * eps * maxDiag : static_cast<T>(tol);
  index_t rank = 0;
  if (maxDiag > T(0)) {
    for (index_t j = 0; j < n; ++j, ++rank) {
      index_t q = 0;
      const T d = w.diagonal().tail(n - j).maxCoeff(&q);
      if (!(d > stop)) break;
      q += j;
      if (q != j) {
        w.row(j).swap(w.row(q));
        w.col(j).swap(w.col(q));
        std::swap(piv[static_cast<std::size_t>(j)], piv[static_cast<std::size_t>(q)]);
      }
      const T ljj = std::sqrt(w(j, j));
      w(j, j) = ljj;
      const index_t r = n - j - 1;
      if (r > 0) {
        w.col(j).tail(r) /= ljj;
        w.bottomRightCorner(r, r).noalias() -= w.col(j).tail(r) * w.col(j).tail(r).transpose();
      }
    }
  }
  // What is left must be negligible: a PSD remainder has |S(i,j)| <= sqrt(S(i,i) S(j,j)) <= stop.
  if (rank < n) {
    const T bound = T(16) * std::max(std::max(stop, T(0)), T(n) * eps * scale);
    const auto rest = w.bottomRightCorner(n - rank, n - rank);
    if (!(rest.cwiseAbs().maxCoeff() <= bound))
      fail<ValueError>("pstrf: the matrix ", shapeOf(A), " is not positive semidefinite (after ", rank,
                       " pivots the remaining block has an entry of ",
                       rest.diagonal().minCoeff() < -bound ? rest.diagonal().minCoeff() : rest.cwiseAbs().maxCoeff(), ")");
  }
  Mat<T> L = Mat<T>::Zero(n, n);
  for (index_t j = 0; j < rank; ++j) L.col(j).tail(n - j) = w.col(j).tail(n - j);
  Tensor<std::int64_t> pivots(n);
  std::copy(piv.begin(), piv.end(), pivots.data());
  if (uplo == 'U') return {fromMat<T>(L.transpose()), pivots, rank};
  return {fromMat<T>(L), pivots, rank};
}

template <Element T>
PstrfResult<T> pstrf(Tensor<T>& res, Tensor<std::int64_t>& pivots, const Tensor<T>& A, char uplo, double tol) {
  auto r = pstrf(A, uplo, tol);
  detail::la::assignResult(res, r.factor);
  detail::la::assignResult(pivots, r.pivots);
  return {res, pivots, r.rank};
}

// ---- QR -----------------------------------------------------------------------------------

template <Element T>
QrResult<T> qr(const Tensor<T>& A) {
  using namespace detail::la;
  requireFloating<T>();
  checkMatrix(A, "qr", "A");
  const index_t m = A.size(0), n = A.size(1), k = std::min(m, n);
  const Eigen::HouseholderQR<Mat<T>> h(toMat(A));
  Mat<T> q = Mat<T>::Identity(m, k);
  q.applyOnTheLeft(h.householderQ());
  const Mat<T> r = h.matrixQR().topRows(k).template triangularView<Eigen::Upper>();
  return {fromMat<T>(q), fromMat<T>(r)};
}

template <Element T>
QrResult<T> qr(Tensor<T>& Q, Tensor<T>& R, const Tensor<T>& A) {
  auto r = qr(A);
  detail::la::assignResult(Q, r.Q);
  detail::la::assignResult(R, r.R);
  return {Q, R};
}

template <Element T>
GeqrfResult<T> geqrf(const Tensor<T>& A) {
  using namespace detail::la;
  requireFloating<T>();
  checkMatrix(A, "geqrf", "A");
  const Eigen::HouseholderQR<Mat<T>> h(toMat(A));
  return {fromMat<T>(h.matrixQR()), fromVec<T>(h.hCoeffs())};
}

template <Element T>
GeqrfResult<T> geqrf(Tensor<T>& a, Tensor<T>& tau, const Tensor<T>& A) {
  auto r = geqrf(A);
  detail::la::assignResult(a, r.a);
  detail::la::assignResult(tau, r.tau);
  return {a, tau};
}

template <Element T>
Tensor<T> orgqr(const Tensor<T>& a, const Tensor<T>& tau) {
  using namespace detail::la;
  requireFloating<T>();
  checkReflectors(a, tau, "orgqr");
  const index_t m = a.size(0), k = tau.size(0);
  const Mat<T> v = toMat(a);
  const Vec<T> h = toMat(tau);
  Eigen::HouseholderSequence<Mat<T>, Vec<T>> hs(v, h);
  hs.setLength(k);
  Mat<T> q = Mat<T>::Identity(m, k);
  q.applyOnTheLeft(hs);
  return fromMat<T>(q);
}

template <Element T>
Tensor<T>& orgqr(Tensor<T>& Q, const Tensor<T>& a, const Tensor<T>& tau) {
  detail::la::assignResult(Q, orgqr(a, tau));
  return Q;
}

template <Element T>
Tensor<T> ormqr(const Tensor<T>& a, const Tensor<T>& tau, const Tensor<T>& c, char side, char trans) {
  using namespace detail::la;
  requireFloating<T>();
  checkReflectors(a, tau, "ormqr");
  checkMatrix(c, "ormqr", "c");
  checkOption(side, "LR", "ormqr", "side");
  checkOption(trans, "NT", "ormqr", "trans");
  const index_t qn = side == 'L' ? c.size(0) : c.size(1);
  if (qn != a.size(0))
    fail<SizeError>("ormqr: Q from a ", shapeOf(a), " is ", a.size(0), "x", a.size(0), " but c ", shapeOf(c), " has ",
                    qn, side == 'L' ? " rows (side 'L': Q c)" : " columns (side 'R': c Q)");
  const Mat<T> v = toMat(a);
  const Vec<T> h = toMat(tau);
  Eigen::HouseholderSequence<Mat<T>, Vec<T>> hs(v, h);
  hs.setLength(tau.size(0));
  Mat<T> x = toMat(c);
  if (side == 'L' && trans == 'N') x.applyOnTheLeft(hs);
  else if (side == 'L') x.applyOnTheLeft(hs.transpose());
  else if (trans == 'N') x.applyOnTheRight(hs);
  else x.applyOnTheRight(hs.transpose());
  return fromMat<T>(x);
}

template <Element T>
Tensor<T>& ormqr(Tensor<T>& res, const Tensor<T>& a, const Tensor<T>& tau, const Tensor<T>& c, char side, char trans) {
  detail::la::assignResult(res, ormqr(a, tau, c, side, trans));
  return res;
}

// ---- eigenvalues and singular values ------------------------------------------------------

template <Element T>
SvdResult<T> svd(const Tensor<T>& A, char jobu) {
  using namespace detail::la;
  requireFloating<T>();
  checkMatrix(A, "svd", "A");
  checkOption(jobu, "SA", "svd", "jobu");
  const unsigned opts = jobu == 'A' ? (Eigen::ComputeFullU | Eigen::ComputeFullV) : (Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::BDCSVD<Mat<T>> s(toMat(A), opts);
  if (s.info() != Eigen::Success) fail<ValueError>("svd: the SVD of ", shapeOf(A), " did not converge");
  return {fromMat<T>(s.matrixU()), fromVec<T>(s.singularValues()), fromMat<T>(s.matrixV())};
}

template <Element T>
SvdResult<T> svd(Tensor<T>& U, Tensor<T>& S, Tensor<T>& V, const Tensor<T>& A, char jobu) {
  auto r = svd(A, jobu);
  detail::la::assignResult(U, r.U);
  detail::la::assignResult(S, r.S);
  detail::la::assignResult(V, r.V);
  return {U, S, V};
}

template <Element T>
EigResult<T> eig(const Tensor<T>& A, char jobvr) {
  using namespace detail::la;
  requireFloating<T>();
  checkSquare(A, "eig", "A");
  checkOption(jobvr, "NV", "eig", "jobvr");
  const index_t n = A.size(0);
  const Eigen::EigenSolver<Mat<T>> es(toMat(A), jobvr == 'V');
  if (es.info() != Eigen::Success) fail<ValueError>("eig: the eigenvalues of ", shapeOf(A), " did not converge");
  const auto& ev = es.eigenvalues();
  Tensor<T> e(n, 2);
  for (index_t i = 0; i < n; ++i) {
    e.data()[2 * i] = ev(i).real();
    e.data()[2 * i + 1] = ev(i).imag();
  }
  if (jobvr == 'N') return {e, Tensor<T>()};
  // Eigen's pseudo-eigenvectors have LAPACK's real layout; normalise as LAPACK's geev does.
  Mat<T> v = es.pseudoEigenvectors();
  for (index_t j = 0; j < n; ++j) {
    if (ev(j).imag() == T(0)) {
      const T nrm = v.col(j).norm();
      if (nrm > T(0)) v.col(j) /= nrm;
      continue;
    }
    if (j + 1 >= n) break;  // cannot happen: pairs are complete
    const T nrm = std::hypot(v.col(j).norm(), v.col(j + 1).norm());
    if (nrm > T(0)) {
      v.col(j) /= nrm;
      v.col(j + 1) /= nrm;
    }
    index_t p = 0;
    (v.col(j).cwiseAbs2() + v.col(j + 1).cwiseAbs2()).maxCoeff(&p);
    const T r = std::hypot(v(p, j), v(p, j + 1));
    if (r > T(0)) {  // multiply x + i y by conj(z_p) / |z_p| so that z_p is real
      const T cs = v(p, j) / r, sn = v(p, j + 1) / r;
      const Vec<T> x = v.col(j), y = v.col(j + 1);
      v.col(j) = cs * x + sn * y;
      v.col(j + 1) = cs * y - sn * x;
      v(p, j + 1) = T(0);
    }
    ++j;
  }
  return {e, fromMat<T>(v)};
}

template <Element T>
EigResult<T> eig(Tensor<T>& e, Tensor<T>& V, const Tensor<T>& A, char jobvr) {
  auto r = eig(A, jobvr);
  detail::la::assignResult(e, r.e);
  if (jobvr == 'V') detail::la::assignResult(V, r.V);
  return {e, V};
}

template <Element T>
EigResult<T> symeig(const Tensor<T>& A, char jobz, char uplo) {
  using namespace detail::la;
  requireFloating<T>();
  checkSquare(A, "symeig", "A");
  checkOption(jobz, "NV", "symeig", "jobz");
  checkOption(uplo, "UL", "symeig", "uplo");
  const Mat<T> a = toMat(A);
  const Mat<T> s = uplo == 'U' ? Mat<T>(a.template selfadjointView<Eigen::Upper>()) : Mat<T>(a.template selfadjointView<Eigen::Lower>());
  const Eigen::SelfAdjointEigenSolver<Mat<T>> es(s, jobz == 'V' ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
  if (es.info() != Eigen::Success) fail<ValueError>("symeig: the eigenvalues of ", shapeOf(A), " did not converge");
  if (jobz == 'N') return {fromVec<T>(es.eigenvalues()), Tensor<T>()};
  return {fromVec<T>(es.eigenvalues()), fromMat<T>(es.eigenvectors())};
}

template <Element T>
EigResult<T> symeig(Tensor<T>& e, Tensor<T>& V, const Tensor<T>& A, char jobz, char uplo) {
  auto r = symeig(A, jobz, uplo);
  detail::la::assignResult(e, r.e);
  if (jobz == 'V') detail::la::assignResult(V, r.V);
  return {e, V};
}

// ---- determinants -------------------------------------------------------------------------

namespace detail::la {
template <class T>
SlogdetResult<T> slogdetOf(const Tensor<T>& A, const char* op) {
  checkSquare(A, op, "A");
  const Eigen::PartialPivLU<Mat<T>> lu(toMat(A));
  const auto& f = lu.matrixLU();
  T sign = static_cast<T>(lu.permutationP().determinant());
  T logAbs = 0;
  for (index_t i = 0; i < f.rows(); ++i) {
    const T u = f(i, i);
    if (u == T(0)) return {T(0), -std::numeric_limits<T>::infinity()};
    if (u < T(0)) sign = -sign;
    logAbs += std::log(std::abs(u));
  }
  return {sign, logAbs};
}
}  // namespace detail::la

template <Element T>
SlogdetResult<T> slogdet(const Tensor<T>& A) {
  detail::la::requireFloating<T>();
  return detail::la::slogdetOf(A, "slogdet");
}

template <Element T>
T det(const Tensor<T>& A) {
  using namespace detail::la;
  requireFloating<T>();
  checkSquare(A, "det", "A");
  return Eigen::PartialPivLU<Mat<T>>(toMat(A)).determinant();
}

template <Element T>
T logdet(const Tensor<T>& A) {
  detail::la::requireFloating<T>();
  const auto [sign, logAbs] = detail::la::slogdetOf(A, "logdet");
  if (sign < T(0)) return std::numeric_limits<T>::quiet_NaN();
  return logAbs;  // -inf when singular
}

}  // namespace t7
