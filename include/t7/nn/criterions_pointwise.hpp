#pragma once
/// \file criterions_pointwise.hpp
/// Torch7's elementwise criterions: MSECriterion, AbsCriterion, SmoothL1Criterion,
/// DistKLDivCriterion, BCECriterion, MarginCriterion, SoftMarginCriterion and
/// HingeEmbeddingCriterion. Input and target are tensors with the same number of elements
/// (any shapes; elements pair up in row-major order, as in Torch7). With `sizeAverage` (the
/// default) the loss is the mean over all elements, else the sum. The math is
/// kernels/loss.hpp.

#include <string>

#include "t7/kernels/loss.hpp"
#include "t7/nn/criterion.hpp"

namespace t7::nn {

/// loss = sum (x - y)^2 [/ nElement] (Torch7's `nn.MSECriterion([sizeAverage])`).
template <Element T = float>
class MSECriterion : public CriterionBase<MSECriterion<T>, T> {
 public:
  static constexpr const char* torchType = "nn.MSECriterion";
  bool sizeAverage = true;

  MSECriterion() = default;
  explicit MSECriterion(bool sizeAverage) : sizeAverage(sizeAverage) {}

  double updateOutput(const Tensor<T>& input, const Tensor<T>& target) {
    return this->output = kernels::mseLoss(input, target, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& target) {
    kernels::mseLossBackward(this->gradInput, input, target, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("sizeAverage", sizeAverage);
  }
};
MSECriterion()->MSECriterion<float>;
static_assert(Criterion<MSECriterion<float>>);

/// loss = sum |x - y| [/ nElement] (Torch7's `nn.AbsCriterion([sizeAverage])`); the gradient
/// at x = y is +1, as in Torch7.
template <Element T = float>
class AbsCriterion : public CriterionBase<AbsCriterion<T>, T> {
 public:
  static constexpr const char* torchType = "nn.AbsCriterion";
  bool sizeAverage = true;

  AbsCriterion() = default;
  explicit AbsCriterion(bool sizeAverage) : sizeAverage(sizeAverage) {}

  double updateOutput(const Tensor<T>& input, const Tensor<T>& target) {
    return this->output = kernels::absLoss(input, target, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& target) {
    kernels::absLossBackward(this->gradInput, input, target, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("sizeAverage", sizeAverage);
  }
};
AbsCriterion()->AbsCriterion<float>;
static_assert(Criterion<AbsCriterion<float>>);

/// loss = sum (|d| < 1 ? d^2 / 2 : |d| - 1/2) [/ nElement], d = x - y (Torch7's
/// `nn.SmoothL1Criterion([sizeAverage])`, the Huber loss of Fast R-CNN).
template <Element T = float>
class SmoothL1Criterion : public CriterionBase<SmoothL1Criterion<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SmoothL1Criterion";
  bool sizeAverage = true;

  SmoothL1Criterion() = default;
  explicit SmoothL1Criterion(bool sizeAverage) : sizeAverage(sizeAverage) {}

  double updateOutput(const Tensor<T>& input, const Tensor<T>& target) {
    return this->output = kernels::smoothL1Loss(input, target, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& target) {
    kernels::smoothL1LossBackward(this->gradInput, input, target, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("sizeAverage", sizeAverage);
  }
};
SmoothL1Criterion()->SmoothL1Criterion<float>;
static_assert(Criterion<SmoothL1Criterion<float>>);

/// Kullback-Leibler divergence of the target distribution y from the log-probabilities x:
/// loss = sum over y > 0 of y (log y - x) [/ nElement] (Torch7's `nn.DistKLDivCriterion()`).
template <Element T = float>
class DistKLDivCriterion : public CriterionBase<DistKLDivCriterion<T>, T> {
 public:
  static constexpr const char* torchType = "nn.DistKLDivCriterion";
  bool sizeAverage = true;

  DistKLDivCriterion() = default;
  explicit DistKLDivCriterion(bool sizeAverage) : sizeAverage(sizeAverage) {}

  double updateOutput(const Tensor<T>& input, const Tensor<T>& target) {
    return this->output = kernels::distKLDivLoss(input, target, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& target) {
    kernels::distKLDivLossBackward(this->gradInput, input, target, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("sizeAverage", sizeAverage);
  }
};
DistKLDivCriterion()->DistKLDivCriterion<float>;
static_assert(Criterion<DistKLDivCriterion<float>>);

/// Binary cross-entropy of probabilities x in [0, 1] against targets y:
/// loss = -sum w (y log(x + 1e-12) + (1 - y) log(1 - x + 1e-12)) [/ nElement] (Torch7's
/// `nn.BCECriterion([weights], [sizeAverage])`). `weights` (1-D, optional) has one weight
/// per element of a 1-D input, or one per column of a 2-D input [N x C].
template <Element T = float>
class BCECriterion : public CriterionBase<BCECriterion<T>, T> {
 public:
  static constexpr const char* torchType = "nn.BCECriterion";
  Tensor<T> weights;  // [C] or empty
  bool sizeAverage = true;

  BCECriterion() = default;
  explicit BCECriterion(Tensor<T> weights, bool sizeAverage = true)
      : weights(std::move(weights)), sizeAverage(sizeAverage) {
    if (this->weights.nElement() > 0 && this->weights.dim() != 1)
      t7::detail::fail<SizeError>("BCECriterion: weights should be a 1-D tensor, got [",
                                  this->weights.sizes().toString(), "]");
  }
  explicit BCECriterion(bool sizeAverage) : sizeAverage(sizeAverage) {}

  double updateOutput(const Tensor<T>& input, const Tensor<T>& target) {
    return this->output = kernels::bceLoss(input, target, weights, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& target) {
    kernels::bceLossBackward(this->gradInput, input, target, weights, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.state("weights", weights);
    v.option("sizeAverage", sizeAverage);
  }
};
BCECriterion()->BCECriterion<float>;
static_assert(Criterion<BCECriterion<float>>);

/// Two-class hinge loss: loss = sum max(0, margin - x y) [/ nElement] with targets y = +-1
/// (Torch7's `nn.MarginCriterion([margin = 1])`; y multiplies, so other values are taken as
/// they are, as in Torch7).
template <Element T = float>
class MarginCriterion : public CriterionBase<MarginCriterion<T>, T> {
 public:
  static constexpr const char* torchType = "nn.MarginCriterion";
  double margin = 1;
  bool sizeAverage = true;

  MarginCriterion() = default;
  explicit MarginCriterion(double margin, bool sizeAverage = true) : margin(margin), sizeAverage(sizeAverage) {}

  double updateOutput(const Tensor<T>& input, const Tensor<T>& target) {
    return this->output = kernels::marginLoss(input, target, margin, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& target) {
    kernels::marginLossBackward(this->gradInput, input, target, margin, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("margin", margin);
    v.option("sizeAverage", sizeAverage);
  }
};
MarginCriterion()->MarginCriterion<float>;
static_assert(Criterion<MarginCriterion<float>>);

/// Two-class logistic loss: loss = sum log(1 + exp(-x y)) [/ nElement] with targets y = +-1
/// (Torch7's `nn.SoftMarginCriterion()`), computed without overflow.
template <Element T = float>
class SoftMarginCriterion : public CriterionBase<SoftMarginCriterion<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SoftMarginCriterion";
  bool sizeAverage = true;

  SoftMarginCriterion() = default;
  explicit SoftMarginCriterion(bool sizeAverage) : sizeAverage(sizeAverage) {}

  double updateOutput(const Tensor<T>& input, const Tensor<T>& target) {
    return this->output = kernels::softMarginLoss(input, target, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& target) {
    kernels::softMarginLossBackward(this->gradInput, input, target, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("sizeAverage", sizeAverage);
  }
};
SoftMarginCriterion()->SoftMarginCriterion<float>;
static_assert(Criterion<SoftMarginCriterion<float>>);

/// Embedding loss on distances x with targets y = +-1 (Torch7's
/// `nn.HingeEmbeddingCriterion([margin = 1])`): loss = sum (y = 1 ? x : max(0, margin - x))
/// [/ nElement]. A target other than 1 or -1 is a ValueError. `forward(x, y)` with a number y
/// is one sample (x has one element).
template <Element T = float>
class HingeEmbeddingCriterion : public CriterionBase<HingeEmbeddingCriterion<T>, T> {
  using Base = CriterionBase<HingeEmbeddingCriterion<T>, T>;

 public:
  static constexpr const char* torchType = "nn.HingeEmbeddingCriterion";
  double margin = 1;
  bool sizeAverage = true;

  HingeEmbeddingCriterion() = default;
  explicit HingeEmbeddingCriterion(double margin, bool sizeAverage = true)
      : margin(margin), sizeAverage(sizeAverage) {}

  using Base::backward;
  using Base::forward;
  /// One sample with a number target.
  double forward(const Tensor<T>& input, T y) { return forward(input, Tensor<T>{y}); }
  const Tensor<T>& backward(const Tensor<T>& input, T y) { return backward(input, Tensor<T>{y}); }

  double updateOutput(const Tensor<T>& input, const Tensor<T>& target) {
    return this->output = kernels::hingeEmbeddingLoss(input, target, margin, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& target) {
    kernels::hingeEmbeddingLossBackward(this->gradInput, input, target, margin, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("margin", margin);
    v.option("sizeAverage", sizeAverage);
  }
};
HingeEmbeddingCriterion()->HingeEmbeddingCriterion<float>;
static_assert(Criterion<HingeEmbeddingCriterion<float>>);

}  // namespace t7::nn
