#pragma once
/// \file loss.hpp
/// torch-autograd's `autograd.loss` and `autograd.util` helpers, as functions of Vars.
///
/// | torch-autograd                        | t7                                               |
/// |---------------------------------------|--------------------------------------------------|
/// | `loss.logMultinomialLoss(out, y)`     | `loss::logMultinomialLoss(out, y)`: -sum(out .* y) |
/// | `loss.logBCELoss(p, y, eps)`          | `loss::logBCELoss(p, y, eps)`                    |
/// | `loss.crossEntropy(x, y)`             | `loss::crossEntropy(x, y)` (x: scores, y: one-hot)|
/// | `loss.leastSquares(a, b)`             | `loss::leastSquares(a, b)`: sum((a - b)^2)       |
/// | (nn.MSECriterion)                     | `loss::mse(a, b)`: mean((a - b)^2)               |
/// | (nn.ClassNLLCriterion)                | `loss::classNLL(logp, labels)`: 0-based labels    |
/// | `util.logSoftMax`, `util.sigmoid`...  | `util::logSoftMax`, `util::sigmoid`, `util::softMax`, `util::logSumExp`, `util::oneHot` |
///
/// The losses are sums over the batch, as torch-autograd's (divide by the batch size for a
/// mean); classNLL and mse average, as the nn criterions they are named after.

#include "t7/autograd/ops.hpp"
#include "t7/tensor/factory.hpp"

namespace t7::autograd {

namespace loss {

/// -sum(out .* target): out holds log-probabilities, target one-hot rows (or counts).
template <class X, class Y>
  requires TrackedPair<X, Y>
auto logMultinomialLoss(const X& out, const Y& target) {
  return -sum(out * target);
}

/// -sum(y log(p + eps) + (1 - y) log(1 - p + eps)): p holds probabilities.
template <class X, class Y>
  requires TrackedPair<X, Y>
auto logBCELoss(const X& p, const Y& target, double eps = 0) {
  using T = detail::expr_value_t<X, Y>;
  const T e = static_cast<T>(eps);
  return -sum(target * log(p + e) + (T(1) - target) * log(T(1) - p + e));
}

/// Cross-entropy of scores x against one-hot targets: -sum(y .* logSoftMax(x)).
template <class X, class Y>
  requires TrackedPair<X, Y>
auto crossEntropy(const X& x, const Y& target) {
  return logMultinomialLoss(logSoftMax(x), target);
}

/// sum((a - b)^2)
template <class X, class Y>
  requires TrackedPair<X, Y>
auto leastSquares(const X& a, const Y& b) {
  const auto d = a - b;
  return sum(d * d);
}

/// mean((a - b)^2), as nn.MSECriterion.
template <class X, class Y>
  requires TrackedPair<X, Y>
auto mse(const X& a, const Y& b) {
  const auto d = a - b;
  return mean(d * d);
}

/// -mean(logp[i, labels[i]]): logp is batch x classes of log-probabilities, labels 0-based
/// class indices (as nn.ClassNLLCriterion with sizeAverage).
template <Tracked X>
auto classNLL(const X& logp, const LongTensor& labels) {
  using T = detail::value_of_t<X>;
  const Var<T> lp = detail::toVar<T>(logp);
  if (lp.dim() != 2 || labels.dim() != 1 || labels.size(0) != lp.size(0))
    t7::detail::fail<SizeError>("classNLL: expects batch x classes log-probabilities and one label per row, got ",
                                lp.sizes().toString(), " and ", labels.sizes().toString());
  return -mean(gather(lp, 1, labels.view(labels.size(0), 1)));
}

}  // namespace loss

namespace util {

using autograd::logSoftMax;
using autograd::logSumExp;
using autograd::softMax;

/// 1 / (1 + exp(-x))
template <Tracked X>
auto sigmoid(const X& x) {
  return autograd::sigmoid(x);
}

/// Rows of one-hot vectors for 0-based class labels (a constant): labels[i] = c gives row i
/// with a 1 in column c.
template <Element T = float>
Tensor<T> oneHot(const LongTensor& labels, index_t classes) {
  if (labels.dim() != 1) t7::detail::fail<SizeError>("oneHot: expects a 1-D tensor of labels, got ", labels.sizes().toString());
  Tensor<T> r = zeros<T>(Shape{labels.size(0), classes});
  for (index_t i = 0; i < labels.size(0); ++i) {
    const auto c = labels(i);
    if (c < 0 || c >= classes)
      t7::detail::fail<IndexError>("oneHot: label ", c, " at ", i, " is outside [0, ", classes, ")");
    r(i, c) = T(1);
  }
  return r;
}

}  // namespace util

}  // namespace t7::autograd
