#pragma once
/// \file reduce.hpp
/// Torch7's reductions: sum, prod, mean, var, std, max, min, median, mode, kthvalue, norm,
/// renorm, dist, cumsum, cumprod, all (spelled logicalAll), any, trace.
///
/// - **Two forms**, as in Torch7. Without a dimension a reduction returns a plain number;
///   along a dimension it returns a tensor that KEEPS that dimension with size 1
///   (`sum(x, 1)` of a 3x4 tensor is 3x1). Dimensions are 0-based; negatives count from
///   the end. The result-first overload `f(res, x, dim)` (Torch7's `torch.sum(res, x, dim)`)
///   resizes `res` (unless it already has the result's shape, whose layout is then kept)
///   and writes into it; `res` may be `x` itself or overlap it.
/// - **Values and indices**: max, min, median, mode and kthvalue along a dimension return a
///   `ValuesIndices<T>`: `auto [vals, idx] = max(x, 1);`, indices 0-based in a LongTensor.
/// - **Types** (Torch7's `accreal`): the number-returning forms of sum, prod and trace
///   return double for float/double tensors and int64 for integer tensors; mean, var, std,
///   norm and dist return double. Dimension forms return the input's element type
///   (accumulating in double or int64 inside, as Torch7). Integer sums and products wrap
///   modulo 2^64. mean, var, std, norm, renorm and dist take float and double tensors only,
///   logicalAll and any ByteTensors only, as Torch7 (a static_assert says so).
/// - **Accuracy**: float sums add blocks of 8 values per SIMD lane in float and everything
///   above in double (relative error ~1e-7 where a naive float loop loses digits); var and
///   std are two-pass (mean first, then squared deviations in double).
/// - **Speed and threads**: the contiguous all-element sum runs at memory bandwidth, split
///   across OpenMP threads in fixed blocks of 65536 elements, so the result has the same
///   bits for any number of threads. Reductions along the contiguous dimension take one
///   contiguous run per slice; along an outer dimension they accumulate whole rows
///   (vectorised) instead of walking columns.
/// - **Expressions** are accepted wherever a tensor is (`sum(a * b)`): they are evaluated
///   into a temporary first.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "t7/core/error.hpp"
#include "t7/expr/evaluate.hpp"
#include "t7/expr/node.hpp"
#include "t7/math/detail/accumulate.hpp"
#include "t7/math/detail/dim_apply.hpp"
#include "t7/math/detail/reducers.hpp"
#include "t7/math/values_indices.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7 {

namespace detail {
/// The element type of a tensor or an expression.
template <class X>
using operand_t = typename std::remove_cvref_t<X>::value_type;

/// A tensor handle for a tensor operand, or a new tensor holding an expression's value.
template <class X>
Tensor<operand_t<X>> operandTensor(const X& x) {
  if constexpr (expr::Node<X>)
    return expr::eval(x);
  else
    return x;
}

/// Resizes `res` to `shape` (kept as is when it already has it) and returns where to
/// compute: `res` itself when contiguous and not overlapping `src`, else a new tensor that
/// `commitResult` copies into `res`.
template <class T, class U>
Tensor<T> resultBuffer(Tensor<T>& res, const Shape& shape, const Tensor<U>& src) {
  if (!res.isSize(shape)) res.resize(shape);
  if (res.isContiguous() && !mayOverlap(res, src)) return res;
  return Tensor<T>(shape);
}
template <class T>
Tensor<T>& commitResult(Tensor<T>& res, const Tensor<T>& buf) {
  if (!buf.isSetTo(res)) res.copy(buf);
  return res;
}

template <class T>
inline constexpr bool isByte = std::is_same_v<T, std::uint8_t>;
}  // namespace detail

// ---- sum, prod, mean ----------------------------------------------------------------------

/// Sum of all elements (Torch7's `torch.sum(x)`): double for float/double, int64 for
/// integers. 0 for an empty tensor.
template <ExprOperand X>
detail::acc_t<detail::operand_t<X>> sum(const X& x);
/// Sums along `dim`, keeping it with size 1 (Torch7's `torch.sum(x, dim)`).
template <ExprOperand X>
Tensor<detail::operand_t<X>> sum(const X& x, int dim);
/// Sums along `dim` into `res` (Torch7's `torch.sum(res, x, dim)`); returns `res`.
template <Element T, ExprOperand X>
Tensor<T>& sum(Tensor<T>& res, const X& x, int dim);

/// Product of all elements (Torch7's `torch.prod(x)`): double or int64. 1 when empty.
template <ExprOperand X>
detail::acc_t<detail::operand_t<X>> prod(const X& x);
/// Products along `dim`, keeping it with size 1 (Torch7's `torch.prod(x, dim)`).
template <ExprOperand X>
Tensor<detail::operand_t<X>> prod(const X& x, int dim);
template <Element T, ExprOperand X>
Tensor<T>& prod(Tensor<T>& res, const X& x, int dim);

/// Mean of all elements (Torch7's `torch.mean(x)`); float/double tensors; ValueError when
/// empty.
template <ExprOperand X>
double mean(const X& x);
/// Means along `dim`, keeping it with size 1 (Torch7's `torch.mean(x, dim)`).
template <ExprOperand X>
Tensor<detail::operand_t<X>> mean(const X& x, int dim);
template <Element T, ExprOperand X>
Tensor<T>& mean(Tensor<T>& res, const X& x, int dim);

// ---- var, std -------------------------------------------------------------------------

/// Variance of all elements (Torch7's `torch.var(x)`): unbiased (divides by n - 1) unless
/// `biased` (n). NaN for one element unbiased; ValueError when empty. Two-pass, in double.
template <ExprOperand X>
double var(const X& x, bool biased = false);
/// Variances along `dim`, keeping it with size 1 (Torch7's `torch.var(x, dim [, flag])`).
template <ExprOperand X>
Tensor<detail::operand_t<X>> var(const X& x, int dim, bool biased = false);
template <Element T, ExprOperand X>
Tensor<T>& var(Tensor<T>& res, const X& x, int dim, bool biased = false);

/// Standard deviation of all elements (Torch7's `torch.std(x)`), sqrt of var.
template <ExprOperand X>
double std(const X& x, bool biased = false);
/// Standard deviations along `dim` (Torch7's `torch.std(x, dim [, flag])`).
template <ExprOperand X>
Tensor<detail::operand_t<X>> std(const X& x, int dim, bool biased = false);
template <Element T, ExprOperand X>
Tensor<T>& std(Tensor<T>& res, const X& x, int dim, bool biased = false);

// ---- max, min -------------------------------------------------------------------------

/// Largest element (Torch7's `torch.max(x)`); a NaN anywhere gives NaN. ValueError when
/// empty.
template <ExprOperand X>
detail::operand_t<X> max(const X& x);
/// Largest values along `dim` and their 0-based indices (Torch7's `torch.max(x, dim)`):
/// the first index among ties; a NaN is the maximum (the first NaN's index).
template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> max(const X& x, int dim);
/// The same into `values` and `indices` (Torch7's `torch.max(resval, resind, x, dim)`).
template <Element T, ExprOperand X>
ValuesIndices<T> max(Tensor<T>& values, LongTensor& indices, const X& x, int dim);

/// Smallest element (Torch7's `torch.min(x)`); NaN propagates. ValueError when empty.
template <ExprOperand X>
detail::operand_t<X> min(const X& x);
/// Smallest values along `dim` and their indices (Torch7's `torch.min(x, dim)`).
template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> min(const X& x, int dim);
template <Element T, ExprOperand X>
ValuesIndices<T> min(Tensor<T>& values, LongTensor& indices, const X& x, int dim);

// ---- median, mode, kthvalue -------------------------------------------------------------
// Order: ascending, NaN after every number; among equal values the lower index ranks first.

/// The k-th smallest element, k = 1 the smallest (Torch7's `torch.kthvalue`, k 1-based);
/// IndexError unless 1 <= k <= nElement.
template <ExprOperand X>
detail::operand_t<X> kthvalue(const X& x, index_t k);
/// k-th smallest values along `dim` and their indices (Torch7's `torch.kthvalue(x, k, dim)`).
template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> kthvalue(const X& x, index_t k, int dim);
template <Element T, ExprOperand X>
ValuesIndices<T> kthvalue(Tensor<T>& values, LongTensor& indices, const X& x, index_t k, int dim);

/// Median of all elements: the LOWER median for an even count, kthvalue((n + 1) / 2), as
/// Torch7's THTensor_(median). ValueError when empty.
template <ExprOperand X>
detail::operand_t<X> median(const X& x);
/// Medians along `dim` and their indices (Torch7's `torch.median(x, dim)`).
template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> median(const X& x, int dim);
template <Element T, ExprOperand X>
ValuesIndices<T> median(Tensor<T>& values, LongTensor& indices, const X& x, int dim);

/// Most frequent element; among equally frequent values, the smallest (as Torch7's scan).
/// ValueError when empty.
template <ExprOperand X>
detail::operand_t<X> mode(const X& x);
/// Most frequent values along `dim` and the index of their last occurrence (Torch7's
/// `torch.mode(x, dim)`, whose index is any occurrence).
template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> mode(const X& x, int dim);
template <Element T, ExprOperand X>
ValuesIndices<T> mode(Tensor<T>& values, LongTensor& indices, const X& x, int dim);

// ---- norm, renorm, dist -----------------------------------------------------------------

/// p-norm of all elements (Torch7's `torch.norm(x [, p])`): (sum |x|^p)^(1/p) for p > 0;
/// p = 0 counts the nonzero elements; p = infinity is max |x|. ValueError for p < 0.
template <ExprOperand X>
double norm(const X& x, double p = 2);
/// p-norms along `dim`, keeping it with size 1 (Torch7's `torch.norm(x, p, dim)`).
template <ExprOperand X>
Tensor<detail::operand_t<X>> norm(const X& x, double p, int dim);
template <Element T, ExprOperand X>
Tensor<T>& norm(Tensor<T>& res, const X& x, double p, int dim);

/// Torch7's `torch.renorm(x, p, dim, maxnorm)`: each sub-tensor `x.select(dim, i)` whose
/// p-norm exceeds `maxnorm` is scaled by maxnorm / (norm + 1e-7); the others are copied.
/// x needs 2 dimensions or more (SizeError); p > 0 (infinity allowed) and maxnorm >= 0
/// (ValueError). Note `dim` selects the sub-tensors, unlike norm's reduced dimension.
template <ExprOperand X>
Tensor<detail::operand_t<X>> renorm(const X& x, double p, int dim, double maxnorm);
/// renorm into `res` (`renorm(x, x, ...)` is Torch7's in-place `x:renorm(p, dim, maxnorm)`).
template <Element T, ExprOperand X>
Tensor<T>& renorm(Tensor<T>& res, const X& x, double p, int dim, double maxnorm);

/// p-norm of a - b (Torch7's `torch.dist(a, b [, p])`): elements pair up in row-major order
/// and the counts must match (SizeError). p as in norm.
template <ExprOperand X, ExprOperand Y>
double dist(const X& a, const Y& b, double p = 2);

// ---- cumsum, cumprod ----------------------------------------------------------------------

/// Cumulative sums along `dim`, same shape as x (Torch7's `torch.cumsum(x, dim)`),
/// accumulated in double or int64 as Torch7.
template <ExprOperand X>
Tensor<detail::operand_t<X>> cumsum(const X& x, int dim);
template <Element T, ExprOperand X>
Tensor<T>& cumsum(Tensor<T>& res, const X& x, int dim);
/// Cumulative products along `dim` (Torch7's `torch.cumprod(x, dim)`).
template <ExprOperand X>
Tensor<detail::operand_t<X>> cumprod(const X& x, int dim);
template <Element T, ExprOperand X>
Tensor<T>& cumprod(Tensor<T>& res, const X& x, int dim);

// ---- all, any, trace ----------------------------------------------------------------------

/// True when every element of the ByteTensor is nonzero (Torch7's `x:all()`, TH's
/// `logicalall`); true when empty (Torch7 raised an error). `all(mask)` calls it too
/// (`t7::all` is also the slice tag of `t.slice({all, 2})`).
template <ExprOperand X>
bool logicalAll(const X& x);
/// 1 where every element along `dim` is nonzero, keeping `dim` with size 1.
template <ExprOperand X>
ByteTensor logicalAll(const X& x, int dim);
template <ExprOperand X>
ByteTensor& logicalAll(ByteTensor& res, const X& x, int dim);

/// True when some element of the ByteTensor is nonzero (Torch7's `x:any()`, TH's
/// `logicalany`); false when empty.
template <ExprOperand X>
bool any(const X& x);
/// 1 where some element along `dim` is nonzero, keeping `dim` with size 1.
template <ExprOperand X>
ByteTensor any(const X& x, int dim);
template <ExprOperand X>
ByteTensor& any(ByteTensor& res, const X& x, int dim);
/// `all(x...)` is `logicalAll(x...)`: the slice tag is callable.
template <class... A>
decltype(auto) All::operator()(A&&... a) const {
  return logicalAll(std::forward<A>(a)...);
}

/// `logicalAny` is `any`, named like `logicalAll`.
template <ExprOperand X>
bool logicalAny(const X& x) {
  return any(x);
}
template <ExprOperand X>
ByteTensor logicalAny(const X& x, int dim) {
  return any(x, dim);
}
template <ExprOperand X>
ByteTensor& logicalAny(ByteTensor& res, const X& x, int dim) {
  return any(res, x, dim);
}

/// Sum of the diagonal of a matrix (Torch7's `torch.trace(x)`; a non-square matrix sums
/// min(rows, cols) elements): double or int64. SizeError unless x is 2-D.
template <ExprOperand X>
detail::acc_t<detail::operand_t<X>> trace(const X& x);

}  // namespace t7

#include "t7/math/detail/reduce_impl.hpp"
