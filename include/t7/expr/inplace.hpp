#pragma once
/// \file inplace.hpp
/// Tensor's in-place math (Torch7's `x:add(y)`, `x:cmul(y)`, `x:addcmul(v, a, b)`...) and
/// the compound operators, each one fused loop over the tensor itself with no temporary.

#include "t7/expr/evaluate.hpp"

namespace t7 {

#define T7_COMPOUND(sym, opname)                                               \
  template <Element T, Device D>                                               \
  template <class X>                                                           \
  Tensor<T, D>& Tensor<T, D>::operator sym##=(const X& x) {                    \
    return expr::detail::assignInPlace(*this, *this sym x, "operator" #sym "="); \
  }
T7_COMPOUND(+, add)
T7_COMPOUND(-, sub)
T7_COMPOUND(*, mul)
T7_COMPOUND(/, div)
#undef T7_COMPOUND

template <Element T, Device D>
template <class S>
  requires std::is_arithmetic_v<S>
Tensor<T, D>& Tensor<T, D>::add(S value) {
  return expr::detail::assignInPlace(*this, *this + value, "add");
}
template <Element T, Device D>
template <class X>
  requires(!std::is_arithmetic_v<X>)
Tensor<T, D>& Tensor<T, D>::add(const X& x) {
  return expr::detail::assignInPlace(*this, *this + x, "add");
}
template <Element T, Device D>
template <class S, class X>
  requires std::is_arithmetic_v<S>
Tensor<T, D>& Tensor<T, D>::add(S value, const X& x) {
  return expr::detail::assignInPlace(*this, *this + value * x, "add");
}
template <Element T, Device D>
template <class S>
  requires std::is_arithmetic_v<S>
Tensor<T, D>& Tensor<T, D>::csub(S value) {
  return expr::detail::assignInPlace(*this, *this - value, "csub");
}
template <Element T, Device D>
template <class X>
  requires(!std::is_arithmetic_v<X>)
Tensor<T, D>& Tensor<T, D>::csub(const X& x) {
  return expr::detail::assignInPlace(*this, *this - x, "csub");
}
template <Element T, Device D>
template <class S, class X>
  requires std::is_arithmetic_v<S>
Tensor<T, D>& Tensor<T, D>::csub(S value, const X& x) {
  return expr::detail::assignInPlace(*this, *this - value * x, "csub");
}
template <Element T, Device D>
template <class S>
  requires std::is_arithmetic_v<S>
Tensor<T, D>& Tensor<T, D>::mul(S value) {
  return expr::detail::assignInPlace(*this, *this * value, "mul");
}
template <Element T, Device D>
template <class S>
  requires std::is_arithmetic_v<S>
Tensor<T, D>& Tensor<T, D>::div(S value) {
  return expr::detail::assignInPlace(*this, *this / value, "div");
}
template <Element T, Device D>
template <class X>
Tensor<T, D>& Tensor<T, D>::cmul(const X& x) {
  return expr::detail::assignInPlace(*this, *this * x, "cmul");
}
template <Element T, Device D>
template <class X>
Tensor<T, D>& Tensor<T, D>::cdiv(const X& x) {
  return expr::detail::assignInPlace(*this, *this / x, "cdiv");
}
template <Element T, Device D>
template <class S, class X, class Y>
Tensor<T, D>& Tensor<T, D>::addcmul(S value, const X& a, const Y& b) {
  return expr::detail::assignInPlace(*this, *this + value * a * b, "addcmul");
}
template <Element T, Device D>
template <class S, class X, class Y>
Tensor<T, D>& Tensor<T, D>::addcdiv(S value, const X& a, const Y& b) {
  return expr::detail::assignInPlace(*this, *this + value * a / b, "addcdiv");
}
template <Element T, Device D>
template <class S>
Tensor<T, D>& Tensor<T, D>::clamp(S lo, S hi) {
  if (!(lo <= hi)) t7::detail::fail<ValueError>("clamp: expects lo <= hi, got ", lo, " and ", hi);
  return expr::detail::assignInPlace(*this, t7::clamp(*this, lo, hi), "clamp");
}
template <Element T, Device D>
template <class S>
  requires std::is_arithmetic_v<S>
Tensor<T, D>& Tensor<T, D>::pow(S value) {
  return expr::detail::assignInPlace(*this, t7::pow(*this, value), "pow");
}

}  // namespace t7
