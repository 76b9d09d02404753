#pragma once
/// \file blas.hpp
/// Torch7's BLAS-level math: `dot`, `mv`, `mm`, `bmm`, `ger` and the accumulating products
/// `addmv`, `addmm`, `addr`, `addbmm`, `baddbmm` with Torch7's optional scalars,
/// `f([res,] [beta,] M, [alpha,] x, y)` = beta * M + alpha * (x times y), beta and alpha 1 by
/// default.
///
/// - **Forms.** `addmm(M, A, B)` and `addmm(beta, M, alpha, A, B)` return a new tensor;
///   `addmm(res, M, A, B)` and `addmm(res, beta, M, alpha, A, B)` write into `res` and return
///   it. `res` may be `M` itself: Torch7's in-place `M:addmm(A, B)` is `addmm(M, M, A, B)`,
///   and `M:addmm(beta, alpha, A, B)` is `addmm(M, beta, M, alpha, A, B)`.
/// - **The result.** `res` is resized only when its size differs (Torch7's rule), so a view
///   of the right size (a transposed or narrowed one) is written in place. With beta == 0,
///   M's content is never read: NaNs in an uninitialised `res` or `M` do not leak. A `res`
///   that overlaps an operand is computed through a temporary: always correct.
/// - **Layouts.** Contiguous and transposed (column-major) operands go to the back-end as
///   they are, with BLAS's transpose flags; any other layout (arbitrary strides, stride-0
///   expanded dimensions) is first copied into a contiguous temporary.
/// - **Back-end.** float and double run on OpenBLAS's CBLAS when t7 is built with
///   `T7_USE_CBLAS=1` (CMake's `T7_BLAS`, default AUTO: OpenBLAS when found), on Eigen's
///   products otherwise (see detail/blas_backend.hpp). Integer types run plain loops that wrap
///   around on overflow, as Torch7's do. Thread counts: t7/core/threads.hpp.
/// - **Errors.** Wrong ranks and mismatched sizes throw SizeError naming both operands'
///   shapes (`addmm: size mismatch, mat1 is 3x4, mat2 is 5x2`). Mixed element types do not
///   compile: convert first (`b.toFloat()`).

#include <algorithm>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "t7/core/error.hpp"
#include "t7/core/shape.hpp"
#include "t7/expr/node.hpp"
#include "t7/math/detail/blas_backend.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7 {

namespace detail::products {
template <class T>
Tensor<T>& addmvImpl(const char* op, Tensor<T>& res, T beta, const Tensor<T>* vec1, T alpha, const Tensor<T>& mat,
                     const Tensor<T>& vec2);
template <class T>
Tensor<T>& addmmImpl(const char* op, Tensor<T>& res, T beta, const Tensor<T>* m, T alpha, const Tensor<T>& mat1,
                     const Tensor<T>& mat2);
template <class T>
Tensor<T>& addrImpl(const char* op, Tensor<T>& res, T beta, const Tensor<T>* mat, T alpha, const Tensor<T>& vec1,
                    const Tensor<T>& vec2);
template <class T>
Tensor<T>& baddbmmImpl(const char* op, Tensor<T>& res, T beta, const Tensor<T>* m, T alpha,
                       const Tensor<T>& batch1, const Tensor<T>& batch2);
template <class T>
Tensor<T>& addbmmImpl(Tensor<T>& res, T beta, const Tensor<T>& m, T alpha, const Tensor<T>& batch1,
                      const Tensor<T>& batch2);
}  // namespace detail::products

/// The BLAS back-end this program was built with, in words: "OpenBLAS (<build config>)",
/// "CBLAS" or "Eigen 3.4.0".
inline std::string blasBackend() { return detail::blas::backendName(); }

// ---- products ---------------------------------------------------------------------------------

/// Dot product (Torch7's `torch.dot(tensor1, tensor2)`): the sum of the products of paired
/// elements, both tensors read as 1-D in row-major order (the element counts must match, the
/// shapes need not). float and double return their own type; integer types return int64.
template <Element T>
detail::blas::DotResult<T> dot(const Tensor<T>& tensor1, const Tensor<T>& tensor2);

/// Matrix-vector product (Torch7's `torch.mv([res,] mat, vec)`): `mat` n x m, `vec` m, result n.
template <Element T>
Tensor<T> mv(const Tensor<T>& mat, const Tensor<T>& vec) {
  Tensor<T> res;
  return detail::products::addmvImpl<T>("mv", res, T(0), nullptr, T(1), mat, vec);
}
template <Element T>
Tensor<T>& mv(Tensor<T>& res, const Tensor<T>& mat, const Tensor<T>& vec) {
  return detail::products::addmvImpl<T>("mv", res, T(0), nullptr, T(1), mat, vec);
}

/// Matrix-matrix product (Torch7's `torch.mm([res,] mat1, mat2)`): n x m times m x p, result n x p.
template <Element T>
Tensor<T> mm(const Tensor<T>& mat1, const Tensor<T>& mat2) {
  Tensor<T> res;
  return detail::products::addmmImpl<T>("mm", res, T(0), nullptr, T(1), mat1, mat2);
}
template <Element T>
Tensor<T>& mm(Tensor<T>& res, const Tensor<T>& mat1, const Tensor<T>& mat2) {
  return detail::products::addmmImpl<T>("mm", res, T(0), nullptr, T(1), mat1, mat2);
}

/// Batched matrix product (Torch7's `torch.bmm([res,] batch1, batch2)`): b x n x m times
/// b x m x p, result b x n x p (`res[i] = batch1[i] * batch2[i]`).
template <Element T>
Tensor<T> bmm(const Tensor<T>& batch1, const Tensor<T>& batch2) {
  Tensor<T> res;
  return detail::products::baddbmmImpl<T>("bmm", res, T(0), nullptr, T(1), batch1, batch2);
}
template <Element T>
Tensor<T>& bmm(Tensor<T>& res, const Tensor<T>& batch1, const Tensor<T>& batch2) {
  return detail::products::baddbmmImpl<T>("bmm", res, T(0), nullptr, T(1), batch1, batch2);
}

/// Outer product (Torch7's `torch.ger([res,] vec1, vec2)`): sizes n and m, result n x m.
template <Element T>
Tensor<T> ger(const Tensor<T>& vec1, const Tensor<T>& vec2) {
  Tensor<T> res;
  return detail::products::addrImpl<T>("ger", res, T(0), nullptr, T(1), vec1, vec2);
}
template <Element T>
Tensor<T>& ger(Tensor<T>& res, const Tensor<T>& vec1, const Tensor<T>& vec2) {
  return detail::products::addrImpl<T>("ger", res, T(0), nullptr, T(1), vec1, vec2);
}

// ---- accumulating products: f([res,] [beta,] M, [alpha,] x, y) -------------------------------

/// `beta * vec1 + alpha * mat * vec2` (Torch7's `torch.addmv([res,] [v1,] vec1, [v2,] mat, vec2)`):
/// `mat` n x m, `vec2` m, `vec1` n. Torch7's `y:addmv(M, x)` is `addmv(y, y, M, x)`.
template <Element T>
Tensor<T> addmv(const Tensor<T>& vec1, const Tensor<T>& mat, const Tensor<T>& vec2) {
  Tensor<T> res;
  return detail::products::addmvImpl<T>("addmv", res, T(1), &vec1, T(1), mat, vec2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T> addmv(S beta, const Tensor<T>& vec1, R alpha, const Tensor<T>& mat, const Tensor<T>& vec2) {
  Tensor<T> res;
  return detail::products::addmvImpl<T>("addmv", res, convert<T>(beta), &vec1, convert<T>(alpha), mat, vec2);
}
template <Element T>
Tensor<T>& addmv(Tensor<T>& res, const Tensor<T>& vec1, const Tensor<T>& mat, const Tensor<T>& vec2) {
  return detail::products::addmvImpl<T>("addmv", res, T(1), &vec1, T(1), mat, vec2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T>& addmv(Tensor<T>& res, S beta, const Tensor<T>& vec1, R alpha, const Tensor<T>& mat,
                 const Tensor<T>& vec2) {
  return detail::products::addmvImpl<T>("addmv", res, convert<T>(beta), &vec1, convert<T>(alpha), mat, vec2);
}

/// `beta * M + alpha * mat1 * mat2` (Torch7's `torch.addmm([res,] [v1,] M, [v2,] mat1, mat2)`):
/// `mat1` n x m, `mat2` m x p, `M` n x p. Torch7's `M:addmm(A, B)` is `addmm(M, M, A, B)`.
template <Element T>
Tensor<T> addmm(const Tensor<T>& M, const Tensor<T>& mat1, const Tensor<T>& mat2) {
  Tensor<T> res;
  return detail::products::addmmImpl<T>("addmm", res, T(1), &M, T(1), mat1, mat2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T> addmm(S beta, const Tensor<T>& M, R alpha, const Tensor<T>& mat1, const Tensor<T>& mat2) {
  Tensor<T> res;
  return detail::products::addmmImpl<T>("addmm", res, convert<T>(beta), &M, convert<T>(alpha), mat1, mat2);
}
template <Element T>
Tensor<T>& addmm(Tensor<T>& res, const Tensor<T>& M, const Tensor<T>& mat1, const Tensor<T>& mat2) {
  return detail::products::addmmImpl<T>("addmm", res, T(1), &M, T(1), mat1, mat2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T>& addmm(Tensor<T>& res, S beta, const Tensor<T>& M, R alpha, const Tensor<T>& mat1,
                 const Tensor<T>& mat2) {
  return detail::products::addmmImpl<T>("addmm", res, convert<T>(beta), &M, convert<T>(alpha), mat1, mat2);
}

/// `beta * mat + alpha * vec1 ⊗ vec2` (Torch7's `torch.addr([res,] [v1,] mat, [v2,] vec1, vec2)`):
/// `vec1` n, `vec2` m, `mat` n x m. Torch7's `M:addr(x, y)` is `addr(M, M, x, y)`.
template <Element T>
Tensor<T> addr(const Tensor<T>& mat, const Tensor<T>& vec1, const Tensor<T>& vec2) {
  Tensor<T> res;
  return detail::products::addrImpl<T>("addr", res, T(1), &mat, T(1), vec1, vec2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T> addr(S beta, const Tensor<T>& mat, R alpha, const Tensor<T>& vec1, const Tensor<T>& vec2) {
  Tensor<T> res;
  return detail::products::addrImpl<T>("addr", res, convert<T>(beta), &mat, convert<T>(alpha), vec1, vec2);
}
template <Element T>
Tensor<T>& addr(Tensor<T>& res, const Tensor<T>& mat, const Tensor<T>& vec1, const Tensor<T>& vec2) {
  return detail::products::addrImpl<T>("addr", res, T(1), &mat, T(1), vec1, vec2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T>& addr(Tensor<T>& res, S beta, const Tensor<T>& mat, R alpha, const Tensor<T>& vec1,
                const Tensor<T>& vec2) {
  return detail::products::addrImpl<T>("addr", res, convert<T>(beta), &mat, convert<T>(alpha), vec1, vec2);
}

/// `beta * M + alpha * sum_i batch1[i] * batch2[i]` (Torch7's
/// `torch.addbmm([res,] [v1,] M, [v2,] batch1, batch2)`): `batch1` b x n x m, `batch2`
/// b x m x p, `M` and the result n x p (the batch is summed into one matrix).
template <Element T>
Tensor<T> addbmm(const Tensor<T>& M, const Tensor<T>& batch1, const Tensor<T>& batch2) {
  Tensor<T> res;
  return detail::products::addbmmImpl<T>(res, T(1), M, T(1), batch1, batch2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T> addbmm(S beta, const Tensor<T>& M, R alpha, const Tensor<T>& batch1, const Tensor<T>& batch2) {
  Tensor<T> res;
  return detail::products::addbmmImpl<T>(res, convert<T>(beta), M, convert<T>(alpha), batch1, batch2);
}
template <Element T>
Tensor<T>& addbmm(Tensor<T>& res, const Tensor<T>& M, const Tensor<T>& batch1, const Tensor<T>& batch2) {
  return detail::products::addbmmImpl<T>(res, T(1), M, T(1), batch1, batch2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T>& addbmm(Tensor<T>& res, S beta, const Tensor<T>& M, R alpha, const Tensor<T>& batch1,
                  const Tensor<T>& batch2) {
  return detail::products::addbmmImpl<T>(res, convert<T>(beta), M, convert<T>(alpha), batch1, batch2);
}

/// `res[i] = beta * M[i] + alpha * batch1[i] * batch2[i]` (Torch7's
/// `torch.baddbmm([res,] [v1,] M, [v2,] batch1, batch2)`): `batch1` b x n x m, `batch2`
/// b x m x p, `M` and the result b x n x p.
template <Element T>
Tensor<T> baddbmm(const Tensor<T>& M, const Tensor<T>& batch1, const Tensor<T>& batch2) {
  Tensor<T> res;
  return detail::products::baddbmmImpl<T>("baddbmm", res, T(1), &M, T(1), batch1, batch2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T> baddbmm(S beta, const Tensor<T>& M, R alpha, const Tensor<T>& batch1, const Tensor<T>& batch2) {
  Tensor<T> res;
  return detail::products::baddbmmImpl<T>("baddbmm", res, convert<T>(beta), &M, convert<T>(alpha), batch1, batch2);
}
template <Element T>
Tensor<T>& baddbmm(Tensor<T>& res, const Tensor<T>& M, const Tensor<T>& batch1, const Tensor<T>& batch2) {
  return detail::products::baddbmmImpl<T>("baddbmm", res, T(1), &M, T(1), batch1, batch2);
}
template <Element T, ScalarOperand S, ScalarOperand R>
Tensor<T>& baddbmm(Tensor<T>& res, S beta, const Tensor<T>& M, R alpha, const Tensor<T>& batch1,
                   const Tensor<T>& batch2) {
  return detail::products::baddbmmImpl<T>("baddbmm", res, convert<T>(beta), &M, convert<T>(alpha), batch1, batch2);
}

// ---- implementation ---------------------------------------------------------------------------

namespace detail::products {

/// How BLAS can read a 2-D tensor without a copy: row-major (`trans` false: element (i, j)
/// at i*ld + j) or the transpose of a row-major matrix (`trans` true: at j*ld + i).
struct MatLayout {
  bool ok = false;
  bool trans = false;
  index_t ld = 0;
};

template <class T>
MatLayout matLayout(const Tensor<T>& t) {
  const index_t r = t.size(0), c = t.size(1), s0 = t.stride(0), s1 = t.stride(1);
  // BLAS wants ld >= the stored row length; a size-1 dimension's stride is never used, so
  // it may be anything.
  const index_t rowLength = std::max<index_t>(c, 1), columnLength = std::max<index_t>(r, 1);
  if ((c == 1 || s1 == 1) && (r == 1 || s0 >= rowLength)) return {true, false, r == 1 ? rowLength : s0};
  if ((r == 1 || s0 == 1) && (c == 1 || s1 >= columnLength)) return {true, true, c == 1 ? columnLength : s1};
  return {};
}

/// A 2-D operand ready for BLAS: the tensor itself, or a contiguous copy.
template <class T>
struct BlasMatrix {
  explicit BlasMatrix(const Tensor<T>& t) : tensor(t), layout(matLayout(t)) {
    if (!layout.ok) {
      tensor = t.contiguous();
      layout = matLayout(tensor);
    }
  }
  const T* data() const { return tensor.data(); }
  Tensor<T> tensor;
  MatLayout layout;
};

/// A 1-D operand ready for BLAS: the tensor itself with its stride as increment, or a
/// contiguous copy (stride 0: an expanded vector).
template <class T>
struct BlasVector {
  explicit BlasVector(const Tensor<T>& t) : tensor(t) {
    if (t.size(0) > 1 && t.stride(0) < 1) tensor = t.contiguous();
    inc = tensor.size(0) > 1 ? tensor.stride(0) : 1;
  }
  const T* data() const { return tensor.data(); }
  Tensor<T> tensor;
  index_t inc = 1;
};

/// t = beta * t (beta == 0: zeros, whatever t held).
template <class T>
void scaleInPlace(Tensor<T> t, T beta) {
  if (beta == T(1)) return;
  if (beta == T(0)) {
    t.fill(T(0));
    return;
  }
  T* p = t.data();
  stridedLoop<1>(t.sizes(), {&t.strides()}, [&](index_t n, const auto& off, const auto& st) {
    T* d = p + off[0];
    for (index_t i = 0; i < n; ++i) {
      if constexpr (std::is_floating_point_v<T>) d[i * st[0]] *= beta;
      else d[i * st[0]] = static_cast<T>(blas::loops::wrap(d[i * st[0]]) * blas::loops::wrap(beta));
    }
  });
}

/// Runs `compute(c)` on `c` when BLAS can write it in place, else on a contiguous temporary
/// (holding c's values when beta != 0) that is copied back.
template <class T, class Compute>
void throughWritable(const Tensor<T>& c, T beta, Compute&& compute) {
  if (matLayout(c).ok) {
    compute(c);
    return;
  }
  Tensor<T> tmp(c.sizes());
  if (beta != T(0)) tmp.copy(c);
  compute(tmp);
  Tensor<T>(c).copy(tmp);
}

template <class T>
void gemvInto(const Tensor<T>& y, T beta, T alpha, const Tensor<T>& mat, const Tensor<T>& x);
template <class T>
void gerInto(const Tensor<T>& a, T beta, T alpha, const Tensor<T>& x, const Tensor<T>& y);

/// c = beta * c + alpha * a * b for 2-D views of matching sizes; c overlaps neither a nor b.
template <class T>
void gemmInto(const Tensor<T>& c, T beta, T alpha, const Tensor<T>& a, const Tensor<T>& b) {
  const index_t m = c.size(0), n = c.size(1), k = a.size(1);
  if (m == 0 || n == 0) return;
  // (through a writable layout: scaling an expanded c in place would scale shared elements
  // once per alias)
  if (k == 0 || alpha == T(0)) return throughWritable(c, beta, [&](const Tensor<T>& dst) { scaleInPlace(dst, beta); });
  // A product with one row, one column or an inner size of 1 is a matrix-vector or an outer
  // product: BLAS-2 runs those at memory speed, where gemm would pack its operands first
  // (a batch-1 x * W, and the weight gradient x^T * g of a batch of one).
  if (k == 1) return gerInto(c, beta, alpha, a.select(1, 0), b.select(0, 0));
  if (m == 1) return gemvInto(c.select(0, 0), beta, alpha, b.t(), a.select(0, 0));
  if (n == 1) return gemvInto(c.select(1, 0), beta, alpha, a, b.select(1, 0));
  const BlasMatrix<T> A(a), B(b);
  throughWritable(c, beta, [&](const Tensor<T>& dst) {
    const MatLayout lc = matLayout(dst), la = A.layout, lb = B.layout;
    if (!lc.trans) {
      blas::gemm(la.trans, lb.trans, m, n, k, alpha, A.data(), la.ld, B.data(), lb.ld, beta, dst.data(), lc.ld);
    } else {  // dst is the transpose of a row-major n x m matrix: compute that, b^T * a^T
      blas::gemm(!lb.trans, !la.trans, n, m, k, alpha, B.data(), lb.ld, A.data(), la.ld, beta, dst.data(), lc.ld);
    }
  });
}

/// y = beta * y + alpha * mat * x; y overlaps neither mat nor x.
template <class T>
void gemvInto(const Tensor<T>& y, T beta, T alpha, const Tensor<T>& mat, const Tensor<T>& x) {
  const index_t r = mat.size(0), c = mat.size(1);
  if (r == 0) return;
  if (r > 1 && y.stride(0) < 1) {  // an expanded y: compute into a temporary
    Tensor<T> tmp(y.sizes());
    if (beta != T(0)) tmp.copy(y);
    gemvInto(tmp, beta, alpha, mat, x);
    Tensor<T>(y).copy(tmp);
    return;
  }
  if (c == 0 || alpha == T(0)) return scaleInPlace(y, beta);
  const BlasMatrix<T> A(mat);
  const BlasVector<T> X(x);
  const index_t incy = r > 1 ? y.stride(0) : 1;
  const MatLayout la = A.layout;
  // A transposed matrix is stored c x r: BLAS applies the transpose.
  blas::gemv(la.trans, la.trans ? c : r, la.trans ? r : c, alpha, A.data(), la.ld, X.data(), X.inc, beta, y.data(),
             incy);
}

/// a = beta * a + alpha * x * y^T; a overlaps neither x nor y.
template <class T>
void gerInto(const Tensor<T>& a, T beta, T alpha, const Tensor<T>& x, const Tensor<T>& y) {
  const index_t m = a.size(0), n = a.size(1);
  if (m == 0 || n == 0) return;
  const BlasVector<T> X(x), Y(y);
  const MatLayout layout = matLayout(a);
  if constexpr (std::is_floating_point_v<T>) {
    if (beta == T(0) && alpha != T(0) && layout.ok && !layout.trans && Y.inc == 1) {
      // A fresh product (a batch-1 weight gradient), row by row: one pass, where BLAS would
      // zero the result first and then add into it.
      T* d = a.data();
      const T *xp = X.data(), *yp = Y.data();
      for (index_t i = 0; i < m; ++i) {
        const T s = alpha * xp[i * X.inc];
        T* row = d + i * layout.ld;
        for (index_t j = 0; j < n; ++j) row[j] = s * yp[j];
      }
      return;
    }
  }
  throughWritable(a, beta, [&](const Tensor<T>& dst) {
    scaleInPlace(dst, beta);
    if (alpha == T(0)) return;
    const MatLayout la = matLayout(dst);
    if (!la.trans) blas::ger(m, n, alpha, X.data(), X.inc, Y.data(), Y.inc, dst.data(), la.ld);
    else blas::ger(n, m, alpha, Y.data(), Y.inc, X.data(), X.inc, dst.data(), la.ld);  // dst^T += alpha y x^T
  });
}

/// Torch7's rule for the result of a product: `res` takes `shape` (resized only when its
/// size differs), starts as `added` (when given and beta != 0; never read when beta == 0),
/// then `compute(target)` adds the product into it. A `res` overlapping one of `inputs` is
/// computed into a temporary and copied at the end.
template <class T, class Compute>
Tensor<T>& writeResult(Tensor<T>& res, const Shape& shape, T beta, const Tensor<T>* added,
                       std::initializer_list<const Tensor<T>*> inputs, Compute&& compute) {
  const auto overlaps = [&] {
    for (const Tensor<T>* in : inputs)
      if (mayOverlap(res, *in)) return true;
    return false;
  };
  const auto viaTemporary = [&]() -> Tensor<T>& {
    Tensor<T> tmp(shape);
    if (added && beta != T(0)) tmp.copy(*added);
    compute(tmp);
    if (!res.isSize(shape)) res.resize(shape);
    return res.copy(tmp);
  };
  // Asked before the resize (res may be an input's own handle) and after it (a small res
  // can grow over an input on the same storage).
  if (overlaps()) return viaTemporary();
  if (!added || !res.isSetTo(*added)) {
    if (!res.isSize(shape)) {
      res.resize(shape);
      if (overlaps()) return viaTemporary();
    }
    if (added && beta != T(0)) res.copy(*added);
  }
  res.noteWrite();
  compute(res);
  return res;
}

template <class T>
void requireDim(const char* op, const char* name, const Tensor<T>& t, int dim) {
  if (t.dim() != dim)
    fail<SizeError>(op, ": ", name, " must be a ", dim, "-D tensor, got a ", t.dim(), "-D tensor of size ",
                    t.sizes().toString());
}

/// Checks that `added` (when given) has the result's shape.
template <class T>
void requireAdded(const char* op, const char* name, const Tensor<T>* added, const Shape& shape, const char* what) {
  if (added && !added->isSize(shape))
    fail<SizeError>(op, ": size mismatch, ", name, " is ", added->sizes().toString(), ", ", what, " is ",
                    shape.toString());
}

template <class T>
Tensor<T>& addmvImpl(const char* op, Tensor<T>& res, T beta, const Tensor<T>* vec1, T alpha, const Tensor<T>& mat,
                     const Tensor<T>& vec2) {
  const bool add = vec1 != nullptr;
  const char* vname = add ? "vec2" : "vec";
  if (add) requireDim(op, "vec1", *vec1, 1);
  requireDim(op, "mat", mat, 2);
  requireDim(op, vname, vec2, 1);
  if (mat.size(1) != vec2.size(0))
    fail<SizeError>(op, ": size mismatch, mat is ", mat.sizes().toString(), ", ", vname, " is ",
                    vec2.sizes().toString());
  const Shape shape{mat.size(0)};
  requireAdded(op, "vec1", vec1, shape, "mat * vec2");
  return writeResult(res, shape, beta, vec1, {&mat, &vec2},
                     [&](const Tensor<T>& y) { gemvInto(y, beta, alpha, mat, vec2); });
}

template <class T>
Tensor<T>& addmmImpl(const char* op, Tensor<T>& res, T beta, const Tensor<T>* m, T alpha, const Tensor<T>& mat1,
                     const Tensor<T>& mat2) {
  if (m) requireDim(op, "M", *m, 2);
  requireDim(op, "mat1", mat1, 2);
  requireDim(op, "mat2", mat2, 2);
  if (mat1.size(1) != mat2.size(0))
    fail<SizeError>(op, ": size mismatch, mat1 is ", mat1.sizes().toString(), ", mat2 is ", mat2.sizes().toString());
  const Shape shape{mat1.size(0), mat2.size(1)};
  requireAdded(op, "M", m, shape, "mat1 * mat2");
  return writeResult(res, shape, beta, m, {&mat1, &mat2},
                     [&](const Tensor<T>& c) { gemmInto(c, beta, alpha, mat1, mat2); });
}

template <class T>
Tensor<T>& addrImpl(const char* op, Tensor<T>& res, T beta, const Tensor<T>* mat, T alpha, const Tensor<T>& vec1,
                    const Tensor<T>& vec2) {
  if (mat) requireDim(op, "mat", *mat, 2);
  requireDim(op, "vec1", vec1, 1);
  requireDim(op, "vec2", vec2, 1);
  const Shape shape{vec1.size(0), vec2.size(0)};
  requireAdded(op, "mat", mat, shape, "the outer product of vec1 and vec2");
  return writeResult(res, shape, beta, mat, {&vec1, &vec2},
                     [&](const Tensor<T>& a) { gerInto(a, beta, alpha, vec1, vec2); });
}

/// Shape checks shared by bmm, baddbmm and addbmm; returns {b, n, p}.
template <class T>
Shape checkBatches(const char* op, const Tensor<T>& batch1, const Tensor<T>& batch2) {
  requireDim(op, "batch1", batch1, 3);
  requireDim(op, "batch2", batch2, 3);
  if (batch1.size(0) != batch2.size(0))
    fail<SizeError>(op, ": batch size mismatch, batch1 is ", batch1.sizes().toString(), ", batch2 is ",
                    batch2.sizes().toString());
  if (batch1.size(2) != batch2.size(1))
    fail<SizeError>(op, ": size mismatch, batch1 is ", batch1.sizes().toString(), ", batch2 is ",
                    batch2.sizes().toString());
  return Shape{batch1.size(0), batch1.size(1), batch2.size(2)};
}

template <class T>
Tensor<T>& baddbmmImpl(const char* op, Tensor<T>& res, T beta, const Tensor<T>* m, T alpha,
                       const Tensor<T>& batch1, const Tensor<T>& batch2) {
  if (m) requireDim(op, "M", *m, 3);
  const Shape shape = checkBatches(op, batch1, batch2);
  requireAdded(op, "M", m, shape, "batch1 * batch2");
  return writeResult(res, shape, beta, m, {&batch1, &batch2}, [&](const Tensor<T>& c) {
    for (index_t i = 0; i < shape[0]; ++i)
      gemmInto(c.select(0, i), beta, alpha, batch1.select(0, i), batch2.select(0, i));
  });
}

template <class T>
Tensor<T>& addbmmImpl(Tensor<T>& res, T beta, const Tensor<T>& m, T alpha, const Tensor<T>& batch1,
                      const Tensor<T>& batch2) {
  const char* op = "addbmm";
  requireDim(op, "M", m, 2);
  const Shape batches = checkBatches(op, batch1, batch2);
  const Shape shape{batches[1], batches[2]};
  requireAdded(op, "M", &m, shape, "the sum of batch1[i] * batch2[i]");
  return writeResult(res, shape, beta, &m, {&batch1, &batch2}, [&](const Tensor<T>& c) {
    if (batches[0] == 0 || shape[0] == 0 || shape[1] == 0)
      return throughWritable(c, beta, [&](const Tensor<T>& dst) { scaleInPlace(dst, beta); });
    throughWritable(c, beta, [&](const Tensor<T>& dst) {  // one temporary for all the batch, if any
      for (index_t i = 0; i < batches[0]; ++i)
        gemmInto(dst, i == 0 ? beta : T(1), alpha, batch1.select(0, i), batch2.select(0, i));
    });
  });
}

/// A tensor's elements as a BLAS vector (pointer and increment), copying only when no single
/// stride walks them in row-major order.
template <class T>
BlasVector<T> flatVector(const Tensor<T>& t) {
  if (t.dim() == 1) return BlasVector<T>(t);
  return BlasVector<T>(t.isContiguous() ? Tensor<T>(t.storage(), t.storageOffset(), Shape{t.nElement()})
                                        : t.contiguous().view(t.nElement()));
}

}  // namespace detail::products

template <Element T>
detail::blas::DotResult<T> dot(const Tensor<T>& tensor1, const Tensor<T>& tensor2) {
  const index_t n = tensor1.nElement();
  if (n != tensor2.nElement())
    detail::fail<SizeError>("dot: element count mismatch, tensor1 is ", tensor1.sizes().toString(), " (", n,
                            " elements), tensor2 is ", tensor2.sizes().toString(), " (", tensor2.nElement(),
                            " elements)");
  if (n == 0) return 0;
  const auto x = detail::products::flatVector(tensor1), y = detail::products::flatVector(tensor2);
  return detail::blas::dot(n, x.data(), x.inc, y.data(), y.inc);
}

}  // namespace t7
