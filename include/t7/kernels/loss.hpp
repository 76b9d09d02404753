#pragma once
/// \file loss.hpp
/// The math of Torch7's criterions (THNN's `*Criterion_updateOutput/_updateGradInput`): the
/// one implementation behind nn's criterions and, later, autograd's losses and the CUDA
/// device. Each loss has a value function returning the loss as a double (accumulated in
/// double) and a `...Backward` writing d loss / d input times `gradOutput` (1 for nn) into a
/// gradient tensor that is resized to the input's sizes and reused between calls.
///
/// Conventions (Torch7's):
/// - Pointwise losses (MSE, Abs, SmoothL1, DistKLDiv, BCE, Margin, SoftMargin, HingeEmbedding)
///   take a target with the input's number of elements, paired in row-major order (an
///   [N x 1] output against an [N] target works, as in Torch7). `sizeAverage` divides the
///   sum by the number of elements (an empty input then gives NaN, as 0/0 in Torch7).
/// - Class targets are LongTensors of 0-based classes (Torch7: 1-based).
/// - Only float and double: the losses are floating-point math.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "t7/core/error.hpp"
#include "t7/kernels/softmax.hpp"
#include "t7/tensor/detail/iteration.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// Torch7's epsilon inside BCECriterion's logarithms and CosineEmbeddingCriterion's norms.
inline constexpr double kLossEps = 1e-12;

// ---- pointwise losses -------------------------------------------------------------------------

/// sum (x - y)^2, / nElement when sizeAverage (Torch7's MSECriterion).
template <Element T>
double mseLoss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage, const char* op = "MSECriterion");
/// gradInput = 2 (x - y) [/ nElement] * gradOutput.
template <Element T>
void mseLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                     double gradOutput = 1, const char* op = "MSECriterion");

/// sum |x - y| (Torch7's AbsCriterion).
template <Element T>
double absLoss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage, const char* op = "AbsCriterion");
/// gradInput = (x - y >= 0 ? 1 : -1) [/ nElement] * gradOutput (Torch7's subgradient at 0: +1).
template <Element T>
void absLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                     double gradOutput = 1, const char* op = "AbsCriterion");

/// sum (|d| < 1 ? d^2 / 2 : |d| - 1/2), d = x - y (Torch7's SmoothL1Criterion, Huber with delta 1).
template <Element T>
double smoothL1Loss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                    const char* op = "SmoothL1Criterion");
/// gradInput = clamp(x - y, -1, 1) [/ nElement] * gradOutput.
template <Element T>
void smoothL1LossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                          double gradOutput = 1, const char* op = "SmoothL1Criterion");

/// sum over y > 0 of y (log y - x): KL divergence of the target distribution y from the
/// log-probabilities x (Torch7's DistKLDivCriterion).
template <Element T>
double distKLDivLoss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                     const char* op = "DistKLDivCriterion");
/// gradInput = (y > 0 ? -y : 0) [/ nElement] * gradOutput.
template <Element T>
void distKLDivLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                           double gradOutput = 1, const char* op = "DistKLDivCriterion");

/// -sum w (y log(x + eps) + (1 - y) log(1 - x + eps)), eps = 1e-12 (Torch7's BCECriterion).
/// Inputs must lie in [0, 1] (ValueError otherwise). `weights` is empty, has the input's
/// number of elements, or for a 2-D input [N x C] has C elements (one weight per column,
/// Torch7's `weights:view(1, C):expandAs(target)`).
template <Element T>
double bceLoss(const Tensor<T>& input, const Tensor<T>& target, const Tensor<T>& weights, bool sizeAverage,
               const char* op = "BCECriterion");
/// gradInput = -w (y - x) / ((1 - x + eps)(x + eps)) [/ nElement] * gradOutput (THNN's).
template <Element T>
void bceLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, const Tensor<T>& weights,
                     bool sizeAverage, double gradOutput = 1, const char* op = "BCECriterion");

/// sum max(0, margin - x y) (Torch7's MarginCriterion; y is usually +-1).
template <Element T>
double marginLoss(const Tensor<T>& input, const Tensor<T>& target, double margin, bool sizeAverage,
                  const char* op = "MarginCriterion");
/// gradInput = (x y < margin ? -y : 0) [/ nElement] * gradOutput.
template <Element T>
void marginLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, double margin,
                        bool sizeAverage, double gradOutput = 1, const char* op = "MarginCriterion");

/// sum log(1 + exp(-x y)) (Torch7's SoftMarginCriterion), computed without overflow.
template <Element T>
double softMarginLoss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                      const char* op = "SoftMarginCriterion");
/// gradInput = -y sigmoid(-x y) [/ nElement] * gradOutput.
template <Element T>
void softMarginLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                            double gradOutput = 1, const char* op = "SoftMarginCriterion");

/// sum (y == 1 ? x : max(0, margin - x)) with targets y = +-1 (ValueError for other values):
/// Torch7's HingeEmbeddingCriterion (x is usually a distance).
template <Element T>
double hingeEmbeddingLoss(const Tensor<T>& input, const Tensor<T>& target, double margin, bool sizeAverage,
                          const char* op = "HingeEmbeddingCriterion");
/// gradInput = (y == 1 ? 1 : (x <= margin ? -1 : 0)) [/ nElement] * gradOutput.
template <Element T>
void hingeEmbeddingLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, double margin,
                                bool sizeAverage, double gradOutput = 1, const char* op = "HingeEmbeddingCriterion");

// ---- class losses ------------------------------------------------------------------------------

/// Cross-entropy of logits: logProbs = logSoftMax(input) (kept for the backward), loss =
/// -sum_i w[t_i] logProbs[i, t_i], / sum_i w[t_i] when sizeAverage. Input [C] with one
/// target or [N x C] with targets [N] (0-based classes); weights empty or [C].
/// (Torch7's CrossEntropyCriterion = LogSoftMax + ClassNLLCriterion, fused.)
template <Element T>
double crossEntropyLoss(Tensor<T>& logProbs, const Tensor<T>& input, const Tensor<int64_t>& target,
                        const Tensor<T>& weights, bool sizeAverage, const char* op = "CrossEntropyCriterion");
/// gradInput[i, c] = w[t_i] (softmax[i, c] - [c == t_i]) [/ sum w] * gradOutput.
template <Element T>
void crossEntropyLossBackward(Tensor<T>& gradInput, const Tensor<T>& logProbs, const Tensor<int64_t>& target,
                              const Tensor<T>& weights, bool sizeAverage, double gradOutput = 1,
                              const char* op = "CrossEntropyCriterion");

/// Multi-class hinge loss (Torch7's MultiMarginCriterion): per sample with class t,
/// sum_{d != t} w[t] max(0, margin - x[t] + x[d])^p / C, then / N when sizeAverage.
/// Input [C] with one target or [N x C] with targets [N] (0-based); p is 1 or 2.
template <Element T>
double multiMarginLoss(const Tensor<T>& input, const Tensor<int64_t>& target, int p, double margin,
                       const Tensor<T>& weights, bool sizeAverage, const char* op = "MultiMarginCriterion");
template <Element T>
void multiMarginLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<int64_t>& target, int p,
                             double margin, const Tensor<T>& weights, bool sizeAverage, double gradOutput = 1,
                             const char* op = "MultiMarginCriterion");

/// Multi-label hinge loss (Torch7's MultiLabelMarginCriterion): the target has the input's
/// sizes ([C] or [N x C]) and lists each sample's 0-based target classes, ended by the first
/// negative entry (-1; Torch7: 1-based ended by 0). Per sample, sum over target classes j
/// and non-target classes d of max(0, 1 - x[j] + x[d]), / C, then / N when sizeAverage.
/// `isTarget` (a buffer, resized to the input's sizes) marks the target classes.
template <Element T>
double multiLabelMarginLoss(const Tensor<T>& input, const Tensor<int64_t>& target, Tensor<T>& isTarget,
                            bool sizeAverage, const char* op = "MultiLabelMarginCriterion");
template <Element T>
void multiLabelMarginLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<int64_t>& target,
                                  Tensor<T>& isTarget, bool sizeAverage, double gradOutput = 1,
                                  const char* op = "MultiLabelMarginCriterion");

// ---- pair losses (table inputs {x1, x2}) -------------------------------------------------------

/// Torch7's CosineEmbeddingCriterion: x1, x2 [D] (one target) or [N x D] (targets [N], +-1);
/// cos = x1.x2 / sqrt((|x1|^2 + eps)(|x2|^2 + eps)); per sample 1 - cos (y = 1) or
/// max(0, cos - margin) (y = -1); summed, / N when sizeAverage.
template <Element T>
double cosineEmbeddingLoss(const Tensor<T>& x1, const Tensor<T>& x2, const Tensor<T>& target, double margin,
                           bool sizeAverage, const char* op = "CosineEmbeddingCriterion");
template <Element T>
void cosineEmbeddingLossBackward(Tensor<T>& grad1, Tensor<T>& grad2, const Tensor<T>& x1, const Tensor<T>& x2,
                                 const Tensor<T>& target, double margin, bool sizeAverage, double gradOutput = 1,
                                 const char* op = "CosineEmbeddingCriterion");

/// Torch7's MarginRankingCriterion: sum max(0, -y (x1 - x2) + margin) over the N pairs of
/// same-size x1, x2 with targets y (usually +-1), / N when sizeAverage.
template <Element T>
double marginRankingLoss(const Tensor<T>& x1, const Tensor<T>& x2, const Tensor<T>& target, double margin,
                         bool sizeAverage, const char* op = "MarginRankingCriterion");
/// grad1 = (-y (x1 - x2) + margin >= 0 ? -y : 0) [/ N] * gradOutput, grad2 = -grad1.
template <Element T>
void marginRankingLossBackward(Tensor<T>& grad1, Tensor<T>& grad2, const Tensor<T>& x1, const Tensor<T>& x2,
                               const Tensor<T>& target, double margin, bool sizeAverage, double gradOutput = 1,
                               const char* op = "MarginRankingCriterion");

/// Torch7's L1HingeEmbeddingCriterion: d = |x1 - x2|_1 for one pair of same-size tensors and
/// one target y = +-1; loss d (y = 1) or max(0, margin - d) (y = -1).
template <Element T>
double l1HingeEmbeddingLoss(const Tensor<T>& x1, const Tensor<T>& x2, const Tensor<T>& target, double margin,
                            const char* op = "L1HingeEmbeddingCriterion");
/// grad1 = sign(x1 - x2) (y = 1), -sign(x1 - x2) or 0 when d > margin (y = -1); grad2 = -grad1.
/// sign(0) = 0 (Torch7 drew a random +-1 there).
template <Element T>
void l1HingeEmbeddingLossBackward(Tensor<T>& grad1, Tensor<T>& grad2, const Tensor<T>& x1, const Tensor<T>& x2,
                                  const Tensor<T>& target, double margin, double gradOutput = 1,
                                  const char* op = "L1HingeEmbeddingCriterion");

// ================================================================================================
// Definitions
// ================================================================================================

namespace detail {

template <Element T>
constexpr void requireFloating() {
  static_assert(std::is_floating_point_v<T>, "losses: use a float or double tensor (Torch7's criterions are "
                                             "floating-point only)");
}

/// "[2x3]", or "[]" for a tensor with no dimension.
template <Element T>
std::string lossShapeText(const Tensor<T>& t) {
  std::string s = "[";
  s += t.sizes().toString();
  s += ']';
  return s;
}

/// Calls fn(e0, e1, ...) with references to the elements of same-size tensors, row-major.
template <class F, Element T0, Element... Ts>
void zipElements(F&& fn, const Tensor<T0>& t0, const Tensor<Ts>&... ts) {
  constexpr std::size_t N = 1 + sizeof...(Ts);
  const std::tuple<T0*, Ts*...> base{t0.data(), ts.data()...};
  t7::detail::stridedLoop<N>(t0.sizes(), {&t0.strides(), &ts.strides()...},
                             [&](index_t n, const auto& off, const auto& inc) {
                               [&]<std::size_t... I>(std::index_sequence<I...>) {
                                 const std::tuple<T0*, Ts*...> p{(std::get<I>(base) + off[I])...};
                                 for (index_t i = 0; i < n; ++i) fn(std::get<I>(p)[i * inc[I]]...);
                               }(std::make_index_sequence<N>{});
                             });
}

/// `other` seen with the input's sizes: itself when the sizes agree, else a view over its
/// elements in row-major order (a contiguous copy first when it is not contiguous). Throws
/// SizeError when the element counts differ.
template <Element T, Element U>
Tensor<U> alignTo(const Tensor<T>& input, const Tensor<U>& other, const char* op, const char* what = "target") {
  if (other.sizes() == input.sizes()) return other;
  if (other.nElement() != input.nElement())
    t7::detail::fail<SizeError>(op, ": input ", lossShapeText(input), " and ", what, " ", lossShapeText(other),
                                " have different numbers of elements (", input.nElement(), " and ",
                                other.nElement(), ")");
  if (input.nElement() == 0) return other;
  const Tensor<U> c = other.isContiguous() ? other : other.contiguous();
  return Tensor<U>(c.storage(), c.storageOffset(), input.sizes());
}

/// 1/n when sizeAverage, else 1.
inline double lossNorm(index_t n, bool sizeAverage) { return sizeAverage ? 1.0 / static_cast<double>(n) : 1.0; }

/// Sum of fn(x, y) over the paired elements of input and target.
template <Element T, class F>
double sumPairs(const Tensor<T>& input, const Tensor<T>& target, const char* op, F&& fn) {
  requireFloating<T>();
  const Tensor<T> y = alignTo(input, target, op);
  double s = 0;
  zipElements([&](T x, T t) { s += fn(static_cast<double>(x), static_cast<double>(t)); }, input, y);
  return s;
}

/// gradInput = fn(x, y) for the paired elements (resized to the input's sizes).
template <Element T, class F>
void mapPairs(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, const char* op, F&& fn) {
  requireFloating<T>();
  const Tensor<T> y = alignTo(input, target, op);
  gradInput.resize(input.sizes());
  zipElements([&](T& g, T x, T t) { g = static_cast<T>(fn(static_cast<double>(x), static_cast<double>(t))); },
              gradInput, input, y);
}

/// log(1 + exp(u)) without overflow.
inline double stableSoftplus(double u) { return u > 0 ? u + std::log1p(std::exp(-u)) : std::log1p(std::exp(u)); }
/// 1 / (1 + exp(-u)) without overflow.
inline double stableSigmoid(double u) {
  if (u >= 0) return 1 / (1 + std::exp(-u));
  const double e = std::exp(u);
  return e / (1 + e);
}

/// Checks a +-1 target value.
template <Element T>
void checkSign(T y, const char* op) {
  if (y != T(1) && y != T(-1))
    t7::detail::fail<ValueError>(op, ": target ", static_cast<double>(y), " is not 1 or -1");
}

/// BCE weights seen with the input's sizes (see bceLoss).
template <Element T>
Tensor<T> bceWeights(const Tensor<T>& input, const Tensor<T>& weights, const char* op) {
  if (weights.nElement() == 0) return weights;
  if (input.dim() == 2 && weights.dim() == 1 && weights.size(0) == input.size(1))
    return Tensor<T>(weights.storage(), weights.storageOffset(), input.sizes(), Strides{0, weights.stride(0)});
  if (weights.nElement() == input.nElement()) return alignTo(input, weights, op, "weights");
  t7::detail::fail<SizeError>(op, ": weights ", lossShapeText(weights), " match neither the input ",
                              lossShapeText(input), " nor its columns");
}

template <Element T>
void checkProbability(T x, const char* op) {
  if (!(x >= T(0) && x <= T(1)))
    t7::detail::fail<ValueError>(op, ": input value ", static_cast<double>(x), " is not between 0 and 1");
}

/// Rows of a class-scoring input [C] or [N x C] with one 0-based class per row: checks the
/// shapes, the targets and the weights, then calls fn(i, t, w, row, rowStride) per sample.
template <Element T, class F>
void forEachClassRow(const Tensor<T>& input, const Tensor<int64_t>& target, const Tensor<T>& weights, const char* op,
                     F&& fn) {
  if (input.dim() != 1 && input.dim() != 2)
    t7::detail::fail<SizeError>(op, ": expected input [C] or [N x C], got ", lossShapeText(input));
  const index_t n = input.dim() == 2 ? input.size(0) : 1;
  const index_t c = input.size(input.dim() - 1);
  if (target.nElement() != n || target.dim() > 1)
    t7::detail::fail<SizeError>(op, ": input ", lossShapeText(input), " needs ", n, " target", n == 1 ? "" : "s",
                                " [", n, "], got ", lossShapeText(target));
  if (weights.nElement() > 0 && (weights.dim() != 1 || weights.size(0) != c))
    t7::detail::fail<SizeError>(op, ": weights ", lossShapeText(weights), " for ", c, " classes");
  const index_t ts = target.dim() == 1 ? target.stride(0) : 0;
  const index_t rs = input.dim() == 2 ? input.stride(0) : 0;
  const index_t cs = input.stride(input.dim() - 1);
  for (index_t i = 0; i < n; ++i) {
    const int64_t t = target.data()[i * ts];
    if (t < 0 || t >= c)
      t7::detail::fail<IndexError>(op, ": target ", t, " of sample ", i, " out of range [0, ", c, ")");
    const double w = weights.nElement() > 0 ? static_cast<double>(weights.data()[t * weights.stride(0)]) : 1.0;
    fn(i, t, w, input.data() + i * rs, cs);
  }
}

/// Checks a table pair {x1, x2} of the same sizes.
template <Element T>
void checkPair(const Tensor<T>& x1, const Tensor<T>& x2, const char* op) {
  if (x1.sizes() != x2.sizes())
    t7::detail::fail<SizeError>(op, ": input[0] ", lossShapeText(x1), " and input[1] ", lossShapeText(x2),
                                " differ");
}

}  // namespace detail

// ---- pointwise ---------------------------------------------------------------------------------

template <Element T>
double mseLoss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage, const char* op) {
  const double s = detail::sumPairs(input, target, op, [](double x, double y) { return (x - y) * (x - y); });
  return s * detail::lossNorm(input.nElement(), sizeAverage);
}
template <Element T>
void mseLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                     double gradOutput, const char* op) {
  const double k = 2 * detail::lossNorm(input.nElement(), sizeAverage) * gradOutput;
  detail::mapPairs(gradInput, input, target, op, [k](double x, double y) { return k * (x - y); });
}

template <Element T>
double absLoss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage, const char* op) {
  const double s = detail::sumPairs(input, target, op, [](double x, double y) { return std::abs(x - y); });
  return s * detail::lossNorm(input.nElement(), sizeAverage);
}
template <Element T>
void absLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                     double gradOutput, const char* op) {
  const double k = detail::lossNorm(input.nElement(), sizeAverage) * gradOutput;
  detail::mapPairs(gradInput, input, target, op, [k](double x, double y) { return x - y >= 0 ? k : -k; });
}

template <Element T>
double smoothL1Loss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage, const char* op) {
  const double s = detail::sumPairs(input, target, op, [](double x, double y) {
    const double z = std::abs(x - y);
    return z < 1 ? 0.5 * z * z : z - 0.5;
  });
  return s * detail::lossNorm(input.nElement(), sizeAverage);
}
template <Element T>
void smoothL1LossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                          double gradOutput, const char* op) {
  const double k = detail::lossNorm(input.nElement(), sizeAverage) * gradOutput;
  detail::mapPairs(gradInput, input, target, op, [k](double x, double y) {
    const double d = x - y;
    return d < -1 ? -k : d > 1 ? k : k * d;
  });
}

template <Element T>
double distKLDivLoss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage, const char* op) {
  const double s =
      detail::sumPairs(input, target, op, [](double x, double y) { return y > 0 ? y * (std::log(y) - x) : 0.0; });
  return s * detail::lossNorm(input.nElement(), sizeAverage);
}
template <Element T>
void distKLDivLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                           double gradOutput, const char* op) {
  const double k = detail::lossNorm(input.nElement(), sizeAverage) * gradOutput;
  detail::mapPairs(gradInput, input, target, op, [k](double, double y) { return y > 0 ? -k * y : 0.0; });
}

template <Element T>
double bceLoss(const Tensor<T>& input, const Tensor<T>& target, const Tensor<T>& weights, bool sizeAverage,
               const char* op) {
  detail::requireFloating<T>();
  const Tensor<T> y = detail::alignTo(input, target, op);
  const Tensor<T> w = detail::bceWeights(input, weights, op);
  double s = 0;
  auto term = [&](T xv, T tv) {
    detail::checkProbability(xv, op);
    const double x = static_cast<double>(xv), t = static_cast<double>(tv);
    return t * std::log(x + kLossEps) + (1 - t) * std::log(1 - x + kLossEps);
  };
  if (w.nElement() == 0) {
    detail::zipElements([&](T x, T t) { s -= term(x, t); }, input, y);
  } else {
    detail::zipElements([&](T x, T t, T wv) { s -= static_cast<double>(wv) * term(x, t); }, input, y, w);
  }
  return s * detail::lossNorm(input.nElement(), sizeAverage);
}
template <Element T>
void bceLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, const Tensor<T>& weights,
                     bool sizeAverage, double gradOutput, const char* op) {
  detail::requireFloating<T>();
  const Tensor<T> y = detail::alignTo(input, target, op);
  const Tensor<T> w = detail::bceWeights(input, weights, op);
  const double k = detail::lossNorm(input.nElement(), sizeAverage) * gradOutput;
  auto grad = [&](T xv, T tv) {
    detail::checkProbability(xv, op);
    const double x = static_cast<double>(xv), t = static_cast<double>(tv);
    return -k * (t - x) / ((1 - x + kLossEps) * (x + kLossEps));
  };
  gradInput.resize(input.sizes());
  if (w.nElement() == 0) {
    detail::zipElements([&](T& g, T x, T t) { g = static_cast<T>(grad(x, t)); }, gradInput, input, y);
  } else {
    detail::zipElements([&](T& g, T x, T t, T wv) { g = static_cast<T>(static_cast<double>(wv) * grad(x, t)); },
                        gradInput, input, y, w);
  }
}

template <Element T>
double marginLoss(const Tensor<T>& input, const Tensor<T>& target, double margin, bool sizeAverage, const char* op) {
  const double s = detail::sumPairs(input, target, op, [margin](double x, double y) {
    const double z = margin - x * y;
    return z > 0 ? z : 0.0;
  });
  return s * detail::lossNorm(input.nElement(), sizeAverage);
}
template <Element T>
void marginLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, double margin,
                        bool sizeAverage, double gradOutput, const char* op) {
  const double k = detail::lossNorm(input.nElement(), sizeAverage) * gradOutput;
  detail::mapPairs(gradInput, input, target, op,
                   [k, margin](double x, double y) { return x * y < margin ? -k * y : 0.0; });
}

template <Element T>
double softMarginLoss(const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage, const char* op) {
  const double s =
      detail::sumPairs(input, target, op, [](double x, double y) { return detail::stableSoftplus(-x * y); });
  return s * detail::lossNorm(input.nElement(), sizeAverage);
}
template <Element T>
void softMarginLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, bool sizeAverage,
                            double gradOutput, const char* op) {
  const double k = detail::lossNorm(input.nElement(), sizeAverage) * gradOutput;
  detail::mapPairs(gradInput, input, target, op,
                   [k](double x, double y) { return -k * y * detail::stableSigmoid(-x * y); });
}

template <Element T>
double hingeEmbeddingLoss(const Tensor<T>& input, const Tensor<T>& target, double margin, bool sizeAverage,
                          const char* op) {
  const double s = detail::sumPairs(input, target, op, [&](double x, double y) {
    detail::checkSign(y, op);
    return y == 1 ? x : std::max(0.0, margin - x);
  });
  return s * detail::lossNorm(input.nElement(), sizeAverage);
}
template <Element T>
void hingeEmbeddingLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& target, double margin,
                                bool sizeAverage, double gradOutput, const char* op) {
  const double k = detail::lossNorm(input.nElement(), sizeAverage) * gradOutput;
  detail::mapPairs(gradInput, input, target, op, [&](double x, double y) {
    detail::checkSign(y, op);
    return y == 1 ? k : (x <= margin ? -k : 0.0);
  });
}

// ---- class losses ------------------------------------------------------------------------------

template <Element T>
double crossEntropyLoss(Tensor<T>& logProbs, const Tensor<T>& input, const Tensor<int64_t>& target,
                        const Tensor<T>& weights, bool sizeAverage, const char* op) {
  detail::requireFloating<T>();
  if (input.dim() != 1 && input.dim() != 2)
    t7::detail::fail<SizeError>(op, ": expected input [C] or [N x C], got ", detail::lossShapeText(input));
  softmaxForward(logProbs, input, input.dim() - 1, true);
  double loss = 0, total = 0;
  detail::forEachClassRow(logProbs, target, weights, op, [&](index_t, int64_t t, double w, const T* row, index_t cs) {
    loss -= w * static_cast<double>(row[t * cs]);
    total += w;
  });
  return sizeAverage && total != 0 ? loss / total : loss;
}
template <Element T>
void crossEntropyLossBackward(Tensor<T>& gradInput, const Tensor<T>& logProbs, const Tensor<int64_t>& target,
                              const Tensor<T>& weights, bool sizeAverage, double gradOutput, const char* op) {
  detail::requireFloating<T>();
  double total = 0;
  detail::forEachClassRow(logProbs, target, weights, op, [&](index_t, int64_t, double w, const T*, index_t) {
    total += w;
  });
  const double k = (sizeAverage && total != 0 ? 1 / total : 1.0) * gradOutput;
  gradInput.resize(logProbs.sizes());
  const index_t c = logProbs.size(logProbs.dim() - 1);
  const index_t grs = gradInput.dim() == 2 ? gradInput.stride(0) : 0;
  const index_t gcs = gradInput.stride(gradInput.dim() - 1);
  detail::forEachClassRow(logProbs, target, weights, op, [&](index_t i, int64_t t, double w, const T* row,
                                                             index_t cs) {
    T* g = gradInput.data() + i * grs;
    for (index_t d = 0; d < c; ++d)
      g[d * gcs] = static_cast<T>(k * w * (std::exp(static_cast<double>(row[d * cs])) - (d == t ? 1.0 : 0.0)));
  });
}

template <Element T>
double multiMarginLoss(const Tensor<T>& input, const Tensor<int64_t>& target, int p, double margin,
                       const Tensor<T>& weights, bool sizeAverage, const char* op) {
  detail::requireFloating<T>();
  if (p != 1 && p != 2) t7::detail::fail<ValueError>(op, ": p must be 1 or 2, got ", p);
  double sum = 0;
  index_t n = 0;
  const index_t c = input.dim() > 0 ? input.size(input.dim() - 1) : 0;
  detail::forEachClassRow(input, target, weights, op, [&](index_t, int64_t t, double w, const T* row, index_t cs) {
    ++n;
    const double xt = static_cast<double>(row[t * cs]);
    for (index_t d = 0; d < c; ++d) {
      if (d == t) continue;
      const double z = margin - xt + static_cast<double>(row[d * cs]);
      if (z > 0) sum += w * (p == 1 ? z : z * z);
    }
  });
  sum /= static_cast<double>(c);
  return sizeAverage ? sum / static_cast<double>(n) : sum;
}
template <Element T>
void multiMarginLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<int64_t>& target, int p,
                             double margin, const Tensor<T>& weights, bool sizeAverage, double gradOutput,
                             const char* op) {
  detail::requireFloating<T>();
  if (p != 1 && p != 2) t7::detail::fail<ValueError>(op, ": p must be 1 or 2, got ", p);
  const index_t c = input.dim() > 0 ? input.size(input.dim() - 1) : 0;
  const index_t n = input.dim() == 2 ? input.size(0) : 1;
  const double g = (sizeAverage ? 1.0 / static_cast<double>(n * c) : 1.0 / static_cast<double>(c)) * gradOutput;
  gradInput.resize(input.sizes());
  const index_t grs = gradInput.dim() == 2 ? gradInput.stride(0) : 0;
  const index_t gcs = gradInput.dim() > 0 ? gradInput.stride(gradInput.dim() - 1) : 0;
  detail::forEachClassRow(input, target, weights, op, [&](index_t i, int64_t t, double w, const T* row, index_t cs) {
    T* gr = gradInput.data() + i * grs;
    const double xt = static_cast<double>(row[t * cs]);
    double gt = 0;
    for (index_t d = 0; d < c; ++d) {
      if (d == t) continue;
      const double z = margin - xt + static_cast<double>(row[d * cs]);
      const double h = z > 0 ? w * (p == 1 ? g : 2 * g * z) : 0.0;
      gt -= h;
      gr[d * gcs] = static_cast<T>(h);
    }
    gr[t * gcs] = static_cast<T>(gt);
  });
}

namespace detail {
/// Checks a multi-label target, fills isTarget, and calls fn(i, row, cs, targets, ts, isRow)
/// for each sample.
template <Element T, class F>
void forEachLabelRow(const Tensor<T>& input, const Tensor<int64_t>& target, Tensor<T>& isTarget, const char* op,
                     F&& fn) {
  if (input.dim() != 1 && input.dim() != 2)
    t7::detail::fail<SizeError>(op, ": expected input [C] or [N x C], got ", lossShapeText(input));
  if (target.sizes() != input.sizes())
    t7::detail::fail<SizeError>(op, ": target ", lossShapeText(target), " must have the input's sizes ",
                                lossShapeText(input));
  const index_t n = input.dim() == 2 ? input.size(0) : 1;
  const index_t c = input.size(input.dim() - 1);
  isTarget.resize(input.sizes());
  isTarget.zero();
  const bool two = input.dim() == 2;
  const index_t rs = two ? input.stride(0) : 0, cs = input.stride(input.dim() - 1);
  const index_t trs = two ? target.stride(0) : 0, tcs = target.stride(target.dim() - 1);
  const index_t irs = two ? isTarget.stride(0) : 0, ics = isTarget.stride(isTarget.dim() - 1);
  for (index_t i = 0; i < n; ++i) {
    const int64_t* tr = target.data() + i * trs;
    T* ir = isTarget.data() + i * irs;
    for (index_t k = 0; k < c; ++k) {
      const int64_t j = tr[k * tcs];
      if (j < 0) break;
      if (j >= c)
        t7::detail::fail<IndexError>(op, ": target ", j, " of sample ", i, " out of range [0, ", c, ")");
      ir[j * ics] = T(1);
    }
    fn(i, input.data() + i * rs, cs, tr, tcs, static_cast<const T*>(ir), ics);
  }
}
}  // namespace detail

template <Element T>
double multiLabelMarginLoss(const Tensor<T>& input, const Tensor<int64_t>& target, Tensor<T>& isTarget,
                            bool sizeAverage, const char* op) {
  detail::requireFloating<T>();
  double sum = 0;
  const index_t c = input.dim() > 0 ? input.size(input.dim() - 1) : 0;
  const index_t n = input.dim() == 2 ? input.size(0) : 1;
  detail::forEachLabelRow(input, target, isTarget, op,
                          [&](index_t, const T* row, index_t cs, const int64_t* tr, index_t tcs, const T* ir,
                              index_t ics) {
                            for (index_t k = 0; k < c && tr[k * tcs] >= 0; ++k) {
                              const double xj = static_cast<double>(row[tr[k * tcs] * cs]);
                              for (index_t d = 0; d < c; ++d) {
                                if (ir[d * ics] != T(0)) continue;
                                const double z = 1 - xj + static_cast<double>(row[d * cs]);
                                if (z > 0) sum += z;
                              }
                            }
                          });
  sum /= static_cast<double>(c);
  return sizeAverage ? sum / static_cast<double>(n) : sum;
}
template <Element T>
void multiLabelMarginLossBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<int64_t>& target,
                                  Tensor<T>& isTarget, bool sizeAverage, double gradOutput, const char* op) {
  detail::requireFloating<T>();
  const index_t c = input.dim() > 0 ? input.size(input.dim() - 1) : 0;
  const index_t n = input.dim() == 2 ? input.size(0) : 1;
  const double g = (sizeAverage ? 1.0 / static_cast<double>(n * c) : 1.0 / static_cast<double>(c)) * gradOutput;
  gradInput.resize(input.sizes());
  gradInput.zero();
  const index_t grs = gradInput.dim() == 2 ? gradInput.stride(0) : 0;
  const index_t gcs = gradInput.dim() > 0 ? gradInput.stride(gradInput.dim() - 1) : 0;
  detail::forEachLabelRow(input, target, isTarget, op,
                          [&](index_t i, const T* row, index_t cs, const int64_t* tr, index_t tcs, const T* ir,
                              index_t ics) {
                            T* gr = gradInput.data() + i * grs;
                            for (index_t k = 0; k < c && tr[k * tcs] >= 0; ++k) {
                              const int64_t j = tr[k * tcs];
                              const double xj = static_cast<double>(row[j * cs]);
                              for (index_t d = 0; d < c; ++d) {
                                if (ir[d * ics] != T(0)) continue;
                                if (1 - xj + static_cast<double>(row[d * cs]) > 0) {
                                  gr[j * gcs] = static_cast<T>(gr[j * gcs] - g);
                                  gr[d * gcs] = static_cast<T>(gr[d * gcs] + g);
                                }
                              }
                            }
                          });
}

// ---- pair losses -------------------------------------------------------------------------------

namespace detail {
/// Per sample of a cosine pair: calls fn(i, y, row1, row2, d, stride1, stride2, dot, n1, n2).
template <Element T, class F>
void forEachCosineRow(const Tensor<T>& x1, const Tensor<T>& x2, const Tensor<T>& target, const char* op, F&& fn) {
  checkPair(x1, x2, op);
  if (x1.dim() != 1 && x1.dim() != 2)
    t7::detail::fail<SizeError>(op, ": expected inputs [D] or [N x D], got ", lossShapeText(x1));
  const index_t n = x1.dim() == 2 ? x1.size(0) : 1;
  const index_t d = x1.size(x1.dim() - 1);
  if (target.nElement() != n)
    t7::detail::fail<SizeError>(op, ": inputs ", lossShapeText(x1), " need ", n, " target", n == 1 ? "" : "s",
                                ", got ", lossShapeText(target));
  const Tensor<T> y = target.isContiguous() ? target : target.contiguous();
  const bool two = x1.dim() == 2;
  const index_t r1 = two ? x1.stride(0) : 0, r2 = two ? x2.stride(0) : 0;
  const index_t s1 = x1.stride(x1.dim() - 1), s2 = x2.stride(x2.dim() - 1);
  for (index_t i = 0; i < n; ++i) {
    const T yi = y.data()[i];
    checkSign(yi, op);
    const T* a = x1.data() + i * r1;
    const T* b = x2.data() + i * r2;
    double dot = 0, n1 = kLossEps, n2 = kLossEps;
    for (index_t k = 0; k < d; ++k) {
      const double u = static_cast<double>(a[k * s1]), v = static_cast<double>(b[k * s2]);
      dot += u * v;
      n1 += u * u;
      n2 += v * v;
    }
    fn(i, yi, a, b, d, s1, s2, dot, n1, n2);
  }
}
}  // namespace detail

template <Element T>
double cosineEmbeddingLoss(const Tensor<T>& x1, const Tensor<T>& x2, const Tensor<T>& target, double margin,
                           bool sizeAverage, const char* op) {
  detail::requireFloating<T>();
  double sum = 0;
  index_t n = 0;
  detail::forEachCosineRow(x1, x2, target, op,
                           [&](index_t, T y, const T*, const T*, index_t, index_t, index_t, double dot, double n1,
                               double n2) {
                             ++n;
                             const double cos = dot / std::sqrt(n1 * n2);
                             sum += y == T(1) ? 1 - cos : std::max(0.0, cos - margin);
                           });
  return sizeAverage && n > 0 ? sum / static_cast<double>(n) : sum;
}
template <Element T>
void cosineEmbeddingLossBackward(Tensor<T>& grad1, Tensor<T>& grad2, const Tensor<T>& x1, const Tensor<T>& x2,
                                 const Tensor<T>& target, double margin, bool sizeAverage, double gradOutput,
                                 const char* op) {
  detail::requireFloating<T>();
  grad1.resize(x1.sizes());
  grad2.resize(x2.sizes());
  const index_t n = x1.dim() == 2 ? x1.size(0) : 1;
  const double k = (sizeAverage ? 1.0 / static_cast<double>(n) : 1.0) * gradOutput;
  const bool two = x1.dim() == 2;
  detail::forEachCosineRow(
      x1, x2, target, op,
      [&](index_t i, T y, const T* a, const T* b, index_t d, index_t s1, index_t s2, double dot, double n1,
          double n2) {
        T* g1 = grad1.data() + (two ? i * grad1.stride(0) : 0);
        T* g2 = grad2.data() + (two ? i * grad2.stride(0) : 0);
        const index_t gs1 = grad1.stride(grad1.dim() - 1), gs2 = grad2.stride(grad2.dim() - 1);
        const double w = 1 / std::sqrt(n1 * n2);
        const double cos = dot * w;
        const double out = y == T(1) ? 1 - cos : std::max(0.0, cos - margin);
        // Torch7 zeroes the gradient where the sample's loss is <= 0; y = 1 negates d cos.
        const double scale = out <= 0 ? 0.0 : (y == T(1) ? -k : k) * w;
        for (index_t j = 0; j < d; ++j) {
          const double u = static_cast<double>(a[j * s1]), v = static_cast<double>(b[j * s2]);
          g1[j * gs1] = static_cast<T>(scale * (v - dot / n1 * u));
          g2[j * gs2] = static_cast<T>(scale * (u - dot / n2 * v));
        }
      });
}

template <Element T>
double marginRankingLoss(const Tensor<T>& x1, const Tensor<T>& x2, const Tensor<T>& target, double margin,
                         bool sizeAverage, const char* op) {
  detail::requireFloating<T>();
  detail::checkPair(x1, x2, op);
  const Tensor<T> y = detail::alignTo(x1, target, op);
  double s = 0;
  detail::zipElements(
      [&](T a, T b, T t) {
        s += std::max(0.0, -static_cast<double>(t) * (static_cast<double>(a) - static_cast<double>(b)) + margin);
      },
      x1, x2, y);
  return s * detail::lossNorm(x1.nElement(), sizeAverage);
}
template <Element T>
void marginRankingLossBackward(Tensor<T>& grad1, Tensor<T>& grad2, const Tensor<T>& x1, const Tensor<T>& x2,
                               const Tensor<T>& target, double margin, bool sizeAverage, double gradOutput,
                               const char* op) {
  detail::requireFloating<T>();
  detail::checkPair(x1, x2, op);
  const Tensor<T> y = detail::alignTo(x1, target, op);
  const double k = detail::lossNorm(x1.nElement(), sizeAverage) * gradOutput;
  grad1.resize(x1.sizes());
  grad2.resize(x2.sizes());
  detail::zipElements(
      [&](T& g1, T& g2, T a, T b, T t) {
        const double yt = static_cast<double>(t);
        const double dist = -yt * (static_cast<double>(a) - static_cast<double>(b)) + margin;
        const double g = dist >= 0 ? -yt * k : 0.0;
        g1 = static_cast<T>(g);
        g2 = static_cast<T>(-g);
      },
      grad1, grad2, x1, x2, y);
}

namespace detail {
template <Element T>
T l1HingeSign(const Tensor<T>& target, const char* op) {
  if (target.nElement() != 1)
    t7::detail::fail<SizeError>(op, ": expected one target (1 or -1), got ", lossShapeText(target));
  const T y = *target.begin();
  checkSign(y, op);
  return y;
}
}  // namespace detail

template <Element T>
double l1HingeEmbeddingLoss(const Tensor<T>& x1, const Tensor<T>& x2, const Tensor<T>& target, double margin,
                            const char* op) {
  detail::requireFloating<T>();
  detail::checkPair(x1, x2, op);
  const T y = detail::l1HingeSign(target, op);
  double d = 0;
  detail::zipElements([&](T a, T b) { d += std::abs(static_cast<double>(a) - static_cast<double>(b)); }, x1, x2);
  return y == T(1) ? d : std::max(0.0, margin - d);
}
template <Element T>
void l1HingeEmbeddingLossBackward(Tensor<T>& grad1, Tensor<T>& grad2, const Tensor<T>& x1, const Tensor<T>& x2,
                                  const Tensor<T>& target, double margin, double gradOutput, const char* op) {
  detail::requireFloating<T>();
  detail::checkPair(x1, x2, op);
  const T y = detail::l1HingeSign(target, op);
  double d = 0;
  detail::zipElements([&](T a, T b) { d += std::abs(static_cast<double>(a) - static_cast<double>(b)); }, x1, x2);
  const double k = (y == T(1) ? 1.0 : (d > margin ? 0.0 : -1.0)) * gradOutput;
  grad1.resize(x1.sizes());
  grad2.resize(x2.sizes());
  detail::zipElements(
      [&](T& g1, T& g2, T a, T b) {
        const T diff = a - b;
        const double s = diff > T(0) ? k : diff < T(0) ? -k : 0.0;
        g1 = static_cast<T>(s);
        g2 = static_cast<T>(-s);
      },
      grad1, grad2, x1, x2);
}

}  // namespace t7::kernels
