#pragma once
/// \file criterions_class.hpp
/// Torch7's classification criterions beyond ClassNLLCriterion: CrossEntropyCriterion,
/// MultiMarginCriterion, MultiLabelMarginCriterion and MultiLabelSoftMarginCriterion.
/// Input [C] (one sample) or [N x C] (a batch). Class targets are LongTensors of 0-based
/// classes (Torch7: 1-based); `forward(input, k)` with a number is one sample.

#include <cstdint>
#include <string>
#include <type_traits>

#include "t7/kernels/loss.hpp"
#include "t7/nn/classnll.hpp"
#include "t7/nn/criterions_pointwise.hpp"
#include "t7/nn/softmax.hpp"
#include "t7/nn/transfer.hpp"

namespace t7::nn {

/// LogSoftMax followed by ClassNLLCriterion on the raw scores (Torch7's
/// `nn.CrossEntropyCriterion([weights], [sizeAverage])`): loss = -sum_i w[t_i] log softmax(x_i)[t_i],
/// divided by sum_i w[t_i] when sizeAverage. Input [C] with one target or [N x C] with
/// targets [N] (0-based). `lsm` and `nll` are the two parts, as in Torch7; the class
/// weights live in `nll.weights`.
template <Element T = float>
class CrossEntropyCriterion : public CriterionBase<CrossEntropyCriterion<T>, T, Tensor<T>, Tensor<int64_t>> {
  using Base = CriterionBase<CrossEntropyCriterion<T>, T, Tensor<T>, Tensor<int64_t>>;

 public:
  static constexpr const char* torchType = "nn.CrossEntropyCriterion";
  LogSoftMax<T> lsm;
  ClassNLLCriterion<T> nll;
  bool sizeAverage = true;  // copied into nll.sizeAverage at each call, as Torch7 does

  CrossEntropyCriterion() = default;
  explicit CrossEntropyCriterion(Tensor<T> weights, bool sizeAverage = true)
      : nll(std::move(weights), sizeAverage), sizeAverage(sizeAverage) {}
  explicit CrossEntropyCriterion(bool sizeAverage) : nll(sizeAverage), sizeAverage(sizeAverage) {}

  using Base::backward;
  using Base::forward;
  /// One sample with a class number.
  double forward(const Tensor<T>& input, int64_t target) { return forward(input, Tensor<int64_t>{target}); }
  const Tensor<T>& backward(const Tensor<T>& input, int64_t target) {
    return backward(input, Tensor<int64_t>{target});
  }

  double updateOutput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    checkInput(input);
    nll.sizeAverage = sizeAverage;
    lsm.updateOutput(input);
    return this->output = nll.updateOutput(lsm.output, target);
  }
  /// Uses the log-probabilities of the last forward, as Torch7 does.
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    checkInput(input);
    nll.sizeAverage = sizeAverage;
    nll.updateGradInput(lsm.output, target);
    lsm.updateGradInput(input, nll.gradInput);
    this->gradInput = lsm.gradInput;
    return this->gradInput;
  }
  /// Torch7's fields: sizeAverage and the parts `lsm` (nn.LogSoftMax) and `nll`
  /// (nn.ClassNLLCriterion), nested objects for serialization; clone, type conversion and
  /// clearState walk the parts' fields in place.
  template <class V>
  void fields(V& v) {
    v.option("sizeAverage", sizeAverage);
    if constexpr (std::is_base_of_v<detail::FieldVisitor, V>) {
      lsm.visitAll(v);
      nll.visitAll(v);
    } else {
      v.module("lsm", lsm);
      v.module("nll", nll);
    }
  }

 private:
  static void checkInput(const Tensor<T>& input) {
    if (input.dim() != 1 && input.dim() != 2)
      t7::detail::fail<SizeError>("CrossEntropyCriterion: expected input [C] or [N x C], got [",
                                  input.sizes().toString(), "]");
  }
};
CrossEntropyCriterion()->CrossEntropyCriterion<float>;
static_assert(Criterion<CrossEntropyCriterion<float>>);

/// Multi-class hinge loss (Torch7's `nn.MultiMarginCriterion([p = 1], [weights], [margin = 1])`):
/// per sample with class t, sum_{d != t} w[t] max(0, margin - x[t] + x[d])^p / C; the batch
/// loss is the sum over samples, / N when sizeAverage. p is 1 or 2; weights (optional) [C].
template <Element T = float>
class MultiMarginCriterion : public CriterionBase<MultiMarginCriterion<T>, T, Tensor<T>, Tensor<int64_t>> {
  using Base = CriterionBase<MultiMarginCriterion<T>, T, Tensor<T>, Tensor<int64_t>>;

 public:
  static constexpr const char* torchType = "nn.MultiMarginCriterion";
  int p = 1;
  double margin = 1;
  Tensor<T> weights;  // [C] or empty
  bool sizeAverage = true;

  MultiMarginCriterion() = default;
  explicit MultiMarginCriterion(int p, Tensor<T> weights = Tensor<T>(), double margin = 1)
      : p(p), margin(margin), weights(std::move(weights)) {
    if (p != 1 && p != 2) t7::detail::fail<ValueError>("MultiMarginCriterion: only p = 1 and p = 2 supported, got ", p);
    if (this->weights.nElement() > 0 && this->weights.dim() != 1)
      t7::detail::fail<SizeError>("MultiMarginCriterion: weights should be a 1-D tensor, got [",
                                  this->weights.sizes().toString(), "]");
  }

  using Base::backward;
  using Base::forward;
  /// One sample with a class number.
  double forward(const Tensor<T>& input, int64_t target) { return forward(input, Tensor<int64_t>{target}); }
  const Tensor<T>& backward(const Tensor<T>& input, int64_t target) {
    return backward(input, Tensor<int64_t>{target});
  }

  double updateOutput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    return this->output = kernels::multiMarginLoss(input, target, p, margin, weights, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    kernels::multiMarginLossBackward(this->gradInput, input, target, p, margin, weights, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("p", p);
    v.option("margin", margin);
    v.state("weights", weights);
    v.option("sizeAverage", sizeAverage);
  }
};
MultiMarginCriterion()->MultiMarginCriterion<float>;
static_assert(Criterion<MultiMarginCriterion<float>>);

/// Multi-label hinge loss (Torch7's `nn.MultiLabelMarginCriterion()`). The target is a
/// LongTensor with the input's sizes ([C] or [N x C]) listing each sample's 0-based target
/// classes, ended by the first negative entry: {3, 0, -1, 1} means classes 3 and 0.
/// (Torch7: 1-based classes ended by 0, {4, 1, 0, 2}.) Per sample, the sum over target
/// classes j and non-target classes d of max(0, 1 - x[j] + x[d]), / C; the batch loss is
/// the sum over samples, / N when sizeAverage.
template <Element T = float>
class MultiLabelMarginCriterion
    : public CriterionBase<MultiLabelMarginCriterion<T>, T, Tensor<T>, Tensor<int64_t>> {
 public:
  static constexpr const char* torchType = "nn.MultiLabelMarginCriterion";
  bool sizeAverage = true;
  Tensor<T> isTarget;  // 1 at each sample's target classes (a buffer)

  MultiLabelMarginCriterion() = default;
  explicit MultiLabelMarginCriterion(bool sizeAverage) : sizeAverage(sizeAverage) {}

  double updateOutput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    return this->output = kernels::multiLabelMarginLoss(input, target, isTarget, sizeAverage);
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    kernels::multiLabelMarginLossBackward(this->gradInput, input, target, isTarget, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("sizeAverage", sizeAverage);
    v.buffer("isTarget", isTarget);
  }
};
MultiLabelMarginCriterion()->MultiLabelMarginCriterion<float>;
static_assert(Criterion<MultiLabelMarginCriterion<float>>);

/// Multi-label logistic loss (Torch7's `nn.MultiLabelSoftMarginCriterion([weights])`):
/// Sigmoid followed by BCECriterion, loss = -sum w (y log p + (1 - y) log(1 - p)) / nElement
/// with p = sigmoid(x) and 0/1 targets y of the input's size. `lsm` (the Sigmoid) and `nll`
/// (the BCECriterion, holding the weights and sizeAverage) are the parts, as in Torch7.
template <Element T = float>
class MultiLabelSoftMarginCriterion : public CriterionBase<MultiLabelSoftMarginCriterion<T>, T> {
 public:
  static constexpr const char* torchType = "nn.MultiLabelSoftMarginCriterion";
  Sigmoid<T> lsm;
  BCECriterion<T> nll;

  MultiLabelSoftMarginCriterion() = default;
  /// `sizeAverage` is a t7 addition (Torch7: set `nll.sizeAverage`).
  explicit MultiLabelSoftMarginCriterion(Tensor<T> weights, bool sizeAverage = true)
      : nll(std::move(weights), sizeAverage) {}

  double updateOutput(const Tensor<T>& input, const Tensor<T>& target) {
    lsm.updateOutput(input);
    return this->output = nll.updateOutput(lsm.output, target);
  }
  /// Uses the probabilities of the last forward, as Torch7 does.
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& target) {
    nll.updateGradInput(lsm.output, target);
    lsm.updateGradInput(input, nll.gradInput);
    this->gradInput = lsm.gradInput;
    return this->gradInput;
  }
  /// Torch7's fields: the parts `lsm` (nn.Sigmoid) and `nll` (nn.BCECriterion), nested
  /// objects for serialization; clone, type conversion and clearState walk them in place.
  template <class V>
  void fields(V& v) {
    if constexpr (std::is_base_of_v<detail::FieldVisitor, V>) {
      lsm.visitAll(v);
      nll.visitAll(v);
    } else {
      v.module("lsm", lsm);
      v.module("nll", nll);
    }
  }
};
MultiLabelSoftMarginCriterion()->MultiLabelSoftMarginCriterion<float>;
static_assert(Criterion<MultiLabelSoftMarginCriterion<float>>);

}  // namespace t7::nn
