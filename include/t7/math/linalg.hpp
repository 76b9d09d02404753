#pragma once
/// \file linalg.hpp
/// Torch7's LAPACK functions on float and double matrices, computed with Eigen:
/// `gesv trtrs gels inverse potrf potrs potri pstrf qr geqrf orgqr ormqr svd eig symeig`,
/// plus `det`, `logdet` and `slogdet`, which Torch7 did not have.
///
/// - **Layouts.** Inputs may have any layout (transposed, narrowed, expanded); they are
///   copied into Eigen matrices. Every result is a new contiguous row-major tensor. Torch7
///   returned LAPACK's column-major results as transposed views (strides `1,m`); the values
///   are the same, only the strides differ.
/// - **Several results** come back as a small struct: `auto [X, LU] = gesv(B, A);`.
/// - **Result-first overloads** (Torch7's `torch.gesv(resb, resa, B, A)`) resize the given
///   tensors and write into them (an empty tensor is simply set to the result).
/// - **0-based**: pivots of `pstrf` and the indices in messages (`U(2,2)`) count from 0. The
///   order of a leading minor is a size (1 to n), as in LAPACK.
/// - **Errors**: shapes throw `SizeError` naming every operand's size; singular or not
///   positive definite matrices, bad option characters and non-convergence throw `ValueError`.
///   Singularity is detected as LAPACK does: an exactly zero pivot. A nearly singular matrix
///   is accepted and gives large values, as in Torch7; check `svd` when that matters.
/// - Integer tensors are rejected at compile time (Torch7 defines these for Float and Double).
///
/// Eigen's decomposition modules are heavy to compile; only this header includes them.

#include <cstdint>

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7 {

// ---- results ------------------------------------------------------------------------------

/// `gesv`: X solves A X = B; LU is LAPACK's compact factor of A (row-permuted): the unit
/// lower L strictly below the diagonal, U on and above it.
template <class T>
struct GesvResult {
  Tensor<T> X;
  Tensor<T> LU;
};

/// `pstrf`: P^T A P = U^T U ('U') or L L^T ('L') with P[piv[k], k] = 1. `pivots` is 0-based;
/// `rank` is the number of pivots above the tolerance (columns past it are zero).
template <class T>
struct PstrfResult {
  Tensor<T> factor;
  Tensor<std::int64_t> pivots;
  index_t rank;
};

/// `qr`: A = Q R with Q m x k orthonormal columns and R k x n upper triangular, k = min(m, n).
template <class T>
struct QrResult {
  Tensor<T> Q;
  Tensor<T> R;
};

/// `geqrf`: LAPACK's compact QR (R on and above the diagonal, the Householder vectors below
/// it) and the k reflector coefficients `tau`.
template <class T>
struct GeqrfResult {
  Tensor<T> a;
  Tensor<T> tau;
};

/// `svd`: A = U diag(S) V^T, S descending and non-negative. Torch7 returns V, not V^T.
template <class T>
struct SvdResult {
  Tensor<T> U;
  Tensor<T> S;
  Tensor<T> V;
};

/// `eig` and `symeig`: eigenvalues `e` and eigenvectors `V` (one per column; empty when
/// not asked for with 'V').
template <class T>
struct EigResult {
  Tensor<T> e;
  Tensor<T> V;
};

/// `slogdet`: det(A) = sign * exp(logAbsDet); sign is -1, 0 or 1 (0 with logAbsDet = -inf
/// for a singular matrix).
template <class T>
struct SlogdetResult {
  T sign;
  T logAbsDet;
};

// ---- linear systems -----------------------------------------------------------------------

/// Solves A X = B for square A by LU with partial pivoting (Torch7's `torch.gesv(B, A)`).
/// A is n x n; B is n x k, or a vector of n (a single column: X is then n x 1, as in Torch7).
/// Throws ValueError when a pivot of U is exactly zero (the matrix is singular).
template <Element T>
GesvResult<T> gesv(const Tensor<T>& B, const Tensor<T>& A);
/// Result-first form (Torch7's `torch.gesv(resb, resa, B, A)`): writes X into `X` and the LU
/// factor into `LU`; returns both.
template <Element T>
GesvResult<T> gesv(Tensor<T>& X, Tensor<T>& LU, const Tensor<T>& B, const Tensor<T>& A);

/// Solves op(A) X = B for triangular A (Torch7's `torch.trtrs(B, A, uplo, trans, diag)`):
/// `uplo` 'U' (default) or 'L' picks the triangle of A that is read, `trans` 'N' (A X = B) or
/// 'T' (A^T X = B), `diag` 'N' or 'U' (unit diagonal, not read). Throws ValueError for a zero
/// diagonal element. Torch7 also returned a copy of A; t7 returns X only.
template <Element T>
Tensor<T> trtrs(const Tensor<T>& B, const Tensor<T>& A, char uplo = 'U', char trans = 'N', char diag = 'N');
template <Element T>
Tensor<T>& trtrs(Tensor<T>& X, const Tensor<T>& B, const Tensor<T>& A, char uplo = 'U', char trans = 'N',
                 char diag = 'N');

/// Least squares (m >= n: minimises ||A X - B||) or minimum norm (m < n: the smallest X with
/// A X = B) for a full-rank m x n A, by QR as LAPACK's `gels` (Torch7's `torch.gels(B, A)`).
/// X is n x k (current Torch7; very old versions returned max(m,n) rows). Throws ValueError
/// when the triangular factor has an exactly zero diagonal element (A is rank deficient).
template <Element T>
Tensor<T> gels(const Tensor<T>& B, const Tensor<T>& A);
template <Element T>
Tensor<T>& gels(Tensor<T>& X, const Tensor<T>& B, const Tensor<T>& A);

/// Inverse of a square matrix by LU (Torch7's `torch.inverse`). ValueError when singular.
template <Element T>
Tensor<T> inverse(const Tensor<T>& A);
template <Element T>
Tensor<T>& inverse(Tensor<T>& res, const Tensor<T>& A);

// ---- Cholesky -----------------------------------------------------------------------------

/// Cholesky factor of a symmetric positive definite matrix (Torch7's `torch.potrf(A, uplo)`):
/// 'U' (default) gives upper U with A = U^T U, 'L' lower L with A = L L^T. Only that
/// triangle of A is read; the other triangle of the result is zero. Throws ValueError
/// naming the first leading minor that is not positive.
template <Element T>
Tensor<T> potrf(const Tensor<T>& A, char uplo = 'U');
template <Element T>
Tensor<T>& potrf(Tensor<T>& res, const Tensor<T>& A, char uplo = 'U');

/// Solves A X = B given the Cholesky factor `chol` of A (Torch7's `torch.potrs(B, chol, uplo)`).
/// ValueError when chol has a zero diagonal element (LAPACK does not check; t7 does).
template <Element T>
Tensor<T> potrs(const Tensor<T>& B, const Tensor<T>& chol, char uplo = 'U');
template <Element T>
Tensor<T>& potrs(Tensor<T>& res, const Tensor<T>& B, const Tensor<T>& chol, char uplo = 'U');

/// Inverse of A from its Cholesky factor (Torch7's `torch.potri(chol, uplo)`); the result is
/// the full symmetric matrix. ValueError when chol has a zero diagonal element.
template <Element T>
Tensor<T> potri(const Tensor<T>& chol, char uplo = 'U');
template <Element T>
Tensor<T>& potri(Tensor<T>& res, const Tensor<T>& chol, char uplo = 'U');

/// Cholesky with complete pivoting of a symmetric positive semidefinite matrix (Torch7's
/// `torch.pstrf(A, uplo, tol)`, LAPACK's `pstrf`): stops when the largest remaining pivot is
/// <= tol (tol < 0: n * eps * max(diag(A)), LAPACK's default) and reports the rank. Torch7
/// threw on a rank-deficient matrix and returned 1-based pivots in an IntTensor; t7 returns
/// the rank and 0-based LongTensor pivots. ValueError when A is not positive semidefinite.
template <Element T>
PstrfResult<T> pstrf(const Tensor<T>& A, char uplo = 'U', double tol = -1);
template <Element T>
PstrfResult<T> pstrf(Tensor<T>& res, Tensor<std::int64_t>& pivots, const Tensor<T>& A, char uplo = 'U',
                     double tol = -1);

// ---- QR -----------------------------------------------------------------------------------

/// Economy QR decomposition (Torch7's `torch.qr(A)`): Q is m x k, R is k x n, k = min(m, n).
template <Element T>
QrResult<T> qr(const Tensor<T>& A);
template <Element T>
QrResult<T> qr(Tensor<T>& Q, Tensor<T>& R, const Tensor<T>& A);

/// LAPACK's compact QR (Torch7's `torch.geqrf(A)`), for `orgqr` and `ormqr`.
template <Element T>
GeqrfResult<T> geqrf(const Tensor<T>& A);
template <Element T>
GeqrfResult<T> geqrf(Tensor<T>& a, Tensor<T>& tau, const Tensor<T>& A);

/// The m x k matrix Q with orthonormal columns defined by the k reflectors of `geqrf`
/// (Torch7's `torch.orgqr(a, tau)`; Torch7 kept a's extra columns when k < n, t7 does not).
template <Element T>
Tensor<T> orgqr(const Tensor<T>& a, const Tensor<T>& tau);
template <Element T>
Tensor<T>& orgqr(Tensor<T>& Q, const Tensor<T>& a, const Tensor<T>& tau);

/// Multiplies `c` by the full orthogonal Q of `geqrf` without forming it (Torch7's
/// `torch.ormqr(a, tau, c, side, trans)`, LAPACK's meaning): side 'L' gives op(Q) c, 'R'
/// gives c op(Q); trans 'N' uses Q, 'T' uses Q^T.
template <Element T>
Tensor<T> ormqr(const Tensor<T>& a, const Tensor<T>& tau, const Tensor<T>& c, char side = 'L', char trans = 'N');
template <Element T>
Tensor<T>& ormqr(Tensor<T>& res, const Tensor<T>& a, const Tensor<T>& tau, const Tensor<T>& c, char side = 'L',
                 char trans = 'N');

// ---- eigenvalues and singular values ------------------------------------------------------

/// Singular value decomposition A = U diag(S) V^T (Torch7's `torch.svd(A, jobu)`): 'S'
/// (default) gives U m x k, S k, V n x k; 'A' gives U m x m, S k, V n x n (k = min(m, n)).
/// Returns V, as Torch7 does, not V^T. Signs of singular vectors may differ from LAPACK's.
template <Element T>
SvdResult<T> svd(const Tensor<T>& A, char jobu = 'S');
template <Element T>
SvdResult<T> svd(Tensor<T>& U, Tensor<T>& S, Tensor<T>& V, const Tensor<T>& A, char jobu = 'S');

/// Eigenvalues of a general square matrix (Torch7's `torch.eig(A, jobvr)`): `e` is n x 2,
/// (real, imaginary) per row, a complex conjugate pair on consecutive rows with the positive
/// imaginary part first. With 'V', column j of V is the eigenvector of a real eigenvalue;
/// for a pair at rows j, j+1 the eigenvector is V[:, j] + i V[:, j+1] (LAPACK's layout),
/// each normalised to unit norm with its largest component real. 'N' (default): V is empty.
template <Element T>
EigResult<T> eig(const Tensor<T>& A, char jobvr = 'N');
template <Element T>
EigResult<T> eig(Tensor<T>& e, Tensor<T>& V, const Tensor<T>& A, char jobvr = 'N');

/// Eigenvalues (ascending) and, with 'V', orthonormal eigenvectors (columns of V) of a
/// symmetric matrix (Torch7's `torch.symeig(A, jobz, uplo)`): A = V diag(e) V^T. Only the
/// `uplo` triangle ('U' default, or 'L') is read. 'N' (default): V is empty.
template <Element T>
EigResult<T> symeig(const Tensor<T>& A, char jobz = 'N', char uplo = 'U');
template <Element T>
EigResult<T> symeig(Tensor<T>& e, Tensor<T>& V, const Tensor<T>& A, char jobz = 'N', char uplo = 'U');

// ---- determinants (not in Torch7) ----------------------------------------------------------

/// Determinant of a square matrix, by LU (0 for a singular matrix). Torch7 had no `det`.
template <Element T>
T det(const Tensor<T>& A);
/// log(det(A)): NaN when det(A) < 0, -inf when A is singular. For a positive definite A this
/// equals 2 * sum(log(diag(potrf(A)))). Not in Torch7.
template <Element T>
T logdet(const Tensor<T>& A);
/// Sign and log of the absolute value of det(A), safe from overflow. Not in Torch7.
template <Element T>
SlogdetResult<T> slogdet(const Tensor<T>& A);

}  // namespace t7

#include "t7/math/detail/linalg_impl.hpp"
