#pragma once
/// \file compare.hpp
/// Whole-tensor comparisons: Torch7's `torch.equal` and an `allclose` with tolerances for
/// tests. (The elementwise comparisons `lt le gt ge eq ne` are fused expressions: expr/.)

#include <array>
#include <cmath>
#include <type_traits>

#include "t7/expr/evaluate.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7 {

namespace detail {
/// True when `pred(x, y)` holds for every pair of elements of same-size tensors.
template <class T, class U, class Pred>
bool allPairs(const Tensor<T>& a, const Tensor<U>& b, Pred pred) {
  const T* pa = a.data();
  const U* pb = b.data();
  bool ok = true;
  stridedLoop<2>(a.sizes(), {&a.strides(), &b.strides()},
                 [&](index_t n, const std::array<index_t, 2>& off, const std::array<index_t, 2>& st) {
                   for (index_t i = 0; ok && i < n; ++i) ok = pred(pa[off[0] + i * st[0]], pb[off[1] + i * st[1]]);
                 });
  return ok;
}
}  // namespace detail

/// True when both have the same sizes and equal elements (Torch7's `torch.equal`; element
/// types may differ, values compare after conversion; NaN equals nothing).
template <Element T, Element U>
bool equal(const Tensor<T>& a, const Tensor<U>& b) {
  if (a.sizes() != b.sizes()) return false;
  using C = expr::promote_t<T, U>;
  return detail::allPairs(a, b, [](T x, U y) { return static_cast<C>(x) == static_cast<C>(y); });
}

/// Tolerances of `allclose`: |a - b| <= atol + rtol * |b| elementwise.
struct Tolerance {
  double rtol = 1e-5;
  double atol = 1e-8;
  bool equalNan = false;  ///< whether NaN == NaN
};

/// True when both have the same sizes and every pair satisfies |a - b| <= atol + rtol * |b|
/// (NumPy's `allclose`; Torch7's tests used `assertTensorEq(a, b, tol)`). Infinities must
/// match exactly; NaNs are never close unless `tol.equalNan`.
template <Element T, Element U>
bool allclose(const Tensor<T>& a, const Tensor<U>& b, Tolerance tol = {}) {
  if (a.sizes() != b.sizes()) return false;
  return detail::allPairs(a, b, [tol](T x, U y) {
    const double dx = static_cast<double>(x), dy = static_cast<double>(y);
    if (std::isnan(dx) || std::isnan(dy)) return tol.equalNan && std::isnan(dx) && std::isnan(dy);
    if (std::isinf(dx) || std::isinf(dy)) return dx == dy;
    return std::abs(dx - dy) <= tol.atol + tol.rtol * std::abs(dy);
  });
}

/// The largest |a - b| over paired elements (Torch7's tests' `maxdiff`); SizeError when the
/// sizes differ. NaN anywhere gives NaN.
template <Element T, Element U>
double maxAbsDiff(const Tensor<T>& a, const Tensor<U>& b) {
  if (a.sizes() != b.sizes())
    detail::fail<SizeError>("maxAbsDiff: sizes ", a.sizes().toString(), " and ", b.sizes().toString(), " differ");
  double m = 0;
  bool nan = false;
  detail::allPairs(a, b, [&](T x, U y) {
    const double d = std::abs(static_cast<double>(x) - static_cast<double>(y));
    nan = nan || std::isnan(d);
    m = d > m ? d : m;
    return true;
  });
  return nan ? std::nan("") : m;
}

/// Expressions are evaluated first: `allclose(a * b, c)`.
template <ExprOperand X, ExprOperand Y>
  requires(expr::Node<X> || expr::Node<Y>)
bool equal(const X& a, const Y& b) {
  return equal(expr::eval(expr::wrap(a)), expr::eval(expr::wrap(b)));
}
template <ExprOperand X, ExprOperand Y>
  requires(expr::Node<X> || expr::Node<Y>)
bool allclose(const X& a, const Y& b, Tolerance tol = {}) {
  return allclose(expr::eval(expr::wrap(a)), expr::eval(expr::wrap(b)), tol);
}

}  // namespace t7
