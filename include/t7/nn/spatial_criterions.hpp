#pragma once
/// \file spatial_criterions.hpp
/// Pixel-wise class losses for dense prediction: `SpatialClassNLLCriterion` (Torch7's
/// nn.SpatialClassNLLCriterion, on log-probabilities) and `SpatialCrossEntropyCriterion`
/// (cudnn.SpatialCrossEntropyCriterion: log-softmax over the channels + the spatial NLL). Input
/// [N x C x H x W] with target [N x H x W], or one sample [C x H x W] with target [H x W];
/// targets are LongTensors of 0-based classes (Torch7: 1-based). The math is in
/// kernels/spatial_shape.hpp.
///
/// ```cpp
/// nn::SpatialCrossEntropyCriterion<float> ce;                   // scores [N x C x H x W]
/// double loss = ce.forward(scores, labels);                     // labels [N x H x W], 0-based
/// const FloatTensor& g = ce.backward(scores, labels);
/// ```

#include <cstdint>
#include <string>

#include "t7/kernels/softmax.hpp"
#include "t7/kernels/spatial_shape.hpp"
#include "t7/nn/criterion.hpp"
#include "t7/nn/spatial_shape.hpp"

namespace t7::nn {

namespace detail::spatial_shape {

/// The geometry of a spatial class loss: n samples, c classes, hw pixels per sample.
struct ClassMap {
  index_t n, c, hw;
};

/// Checks input [N x C x H x W] / [C x H x W] against target [N x H x W] / [H x W] and
/// weights (empty or [C]).
template <Element T>
ClassMap checkClassMap(const char* op, const Tensor<T>& input, const Tensor<int64_t>& target,
                       const Tensor<T>& weights) {
  if (input.dim() != 3 && input.dim() != 4)
    t7::detail::fail<SizeError>(op, ": expected input [N x C x H x W] or [C x H x W], got [", input.sizes().toString(),
                                "]");
  const bool batch = input.dim() == 4;
  const index_t n = batch ? input.size(0) : 1;
  const index_t c = input.size(batch ? 1 : 0);
  const index_t h = input.size(input.dim() - 2), w = input.size(input.dim() - 1);
  const bool ok = target.dim() == input.dim() - 1 && (!batch || target.size(0) == n) &&
                  target.size(target.dim() - 2) == h && target.size(target.dim() - 1) == w;
  if (!ok) {
    const Shape want = batch ? Shape{n, h, w} : Shape{h, w};
    t7::detail::fail<SizeError>(op, ": input [", input.sizes().toString(), "] needs a target [", want.toString(),
                                "], got [", target.sizes().toString(), "]");
  }
  if (weights.nElement() > 0 && (weights.dim() != 1 || weights.size(0) != c))
    t7::detail::fail<SizeError>(op, ": weights [", weights.sizes().toString(), "] for ", c, " classes");
  return {n, c, h * w};
}

/// The shared options of the two spatial class losses.
template <class Derived, Element T>
class SpatialClassLossBase : public CriterionBase<Derived, T, Tensor<T>, Tensor<int64_t>> {
 public:
  Tensor<T> weights;  // per-class weights [C], or empty
  bool sizeAverage = true;
  int64_t ignoreIndex = -100;
  double totalWeight = 0;  // the weight sum of the last forward's counted pixels

  SpatialClassLossBase() = default;
  explicit SpatialClassLossBase(Tensor<T> classWeights, bool sizeAverage = true, int64_t ignoreIndex = -100)
      : weights(std::move(classWeights)), sizeAverage(sizeAverage), ignoreIndex(ignoreIndex) {
    if (weights.nElement() > 0 && weights.dim() != 1)
      t7::detail::fail<SizeError>(Derived::torchType, ": weights input should be a 1-D tensor, got [",
                                  weights.sizes().toString(), "]");
  }
  explicit SpatialClassLossBase(bool sizeAverage) : sizeAverage(sizeAverage) {}

 protected:
  Tensor<T> _input;         // contiguous copy of a non-contiguous input
  Tensor<int64_t> _target;  // contiguous copy of a non-contiguous target

  /// The class weights as a contiguous array (made contiguous once), or nullptr.
  const T* weightData() {
    if (weights.nElement() == 0) return nullptr;
    if (!weights.isContiguous()) weights = weights.contiguous();
    return weights.data();
  }
  const Tensor<int64_t>& contiguousTarget(const Tensor<int64_t>& target) { return contiguousIn(target, _target); }
  template <class V>
  void baseFields(V& v) {
    v.state("weights", weights);
    v.option("sizeAverage", sizeAverage);
    v.option("ignoreIndex", ignoreIndex);
    v.option("total_weight", totalWeight);
    v.buffer("_input", _input);
    v.buffer("_target", _target);
  }
};

}  // namespace detail::spatial_shape

/// Pixel-wise negative log-likelihood (Torch7's `nn.SpatialClassNLLCriterion([weights],
/// [sizeAverage = true])`): input [N x C x H x W] log-probabilities, target [N x H x W] 0-based
/// classes; loss = -sum_{n,y,x} w[t] input[n, t, y, x] with t = target[n, y, x], divided by
/// the sum of the w[t] when sizeAverage (N*H*W without weights). Pixels whose target equals
/// `ignoreIndex` (-100) count for nothing. Also takes one sample [C x H x W] with target [H x W].
template <Element T = float>
class SpatialClassNLLCriterion
    : public detail::spatial_shape::SpatialClassLossBase<SpatialClassNLLCriterion<T>, T> {
  using Base = detail::spatial_shape::SpatialClassLossBase<SpatialClassNLLCriterion<T>, T>;

 public:
  static constexpr const char* torchType = "nn.SpatialClassNLLCriterion";
  using Base::Base;
  SpatialClassNLLCriterion() = default;

  double updateOutput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    static_assert(std::is_floating_point_v<T>, "SpatialClassNLLCriterion: use a float or double tensor");
    const auto g = detail::spatial_shape::checkClassMap(torchType + 3, input, target, this->weights);
    const Tensor<T>& x = detail::contiguousIn(input, this->_input);
    const Tensor<int64_t>& t = this->contiguousTarget(target);
    this->output = kernels::spatialClassNLL(x.data(), t.data(), this->weightData(), g.n, g.c, g.hw,
                                            this->ignoreIndex, this->sizeAverage, this->totalWeight, torchType + 3);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    const auto g = detail::spatial_shape::checkClassMap(torchType + 3, input, target, this->weights);
    const Tensor<T>& x = detail::contiguousIn(input, this->_input);
    const Tensor<int64_t>& t = this->contiguousTarget(target);
    double total = 0;  // recomputed (and the targets checked) from this call's target
    kernels::spatialClassNLL(x.data(), t.data(), this->weightData(), g.n, g.c, g.hw, this->ignoreIndex, false, total,
                             torchType + 3);
    this->totalWeight = total;
    this->gradInput.resize(input.sizes());
    kernels::spatialClassNLLBackward(this->gradInput.data(), t.data(), this->weightData(), g.n, g.c, g.hw,
                                     this->ignoreIndex, this->sizeAverage, total);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    this->baseFields(v);
  }
};
SpatialClassNLLCriterion()->SpatialClassNLLCriterion<float>;
static_assert(Criterion<SpatialClassNLLCriterion<float>>);

/// Pixel-wise cross-entropy of scores (cudnn's `cudnn.SpatialCrossEntropyCriterion([weights])`,
/// here also with sizeAverage and ignoreIndex): log-softmax over the channel dimension, then
/// SpatialClassNLLCriterion; averaged over the counted pixels' weights (N*H*W without weights)
/// when sizeAverage. The log-probabilities of the last forward are kept in `logProbs` and
/// reused by the backward.
template <Element T = float>
class SpatialCrossEntropyCriterion
    : public detail::spatial_shape::SpatialClassLossBase<SpatialCrossEntropyCriterion<T>, T> {
  using Base = detail::spatial_shape::SpatialClassLossBase<SpatialCrossEntropyCriterion<T>, T>;

 public:
  static constexpr const char* torchType = "cudnn.SpatialCrossEntropyCriterion";
  Tensor<T> logProbs;  // log-softmax of the last forward's input, over the channels

  using Base::Base;
  SpatialCrossEntropyCriterion() = default;

  double updateOutput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    static_assert(std::is_floating_point_v<T>, "SpatialCrossEntropyCriterion: use a float or double tensor");
    const auto g = detail::spatial_shape::checkClassMap(kName, input, target, this->weights);
    kernels::softmaxForward(logProbs, input, input.dim() == 4 ? 1 : 0, true);
    const Tensor<int64_t>& t = this->contiguousTarget(target);
    this->output = kernels::spatialClassNLL(logProbs.data(), t.data(), this->weightData(), g.n, g.c, g.hw,
                                            this->ignoreIndex, this->sizeAverage, this->totalWeight, kName);
    return this->output;
  }
  /// Uses the log-probabilities of the last forward (recomputed if its input had other sizes).
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    const auto g = detail::spatial_shape::checkClassMap(kName, input, target, this->weights);
    if (logProbs.sizes() != input.sizes()) kernels::softmaxForward(logProbs, input, input.dim() == 4 ? 1 : 0, true);
    const Tensor<int64_t>& t = this->contiguousTarget(target);
    double total = 0;
    kernels::spatialClassNLL(logProbs.data(), t.data(), this->weightData(), g.n, g.c, g.hw, this->ignoreIndex, false,
                             total, kName);
    this->totalWeight = total;
    this->gradInput.resize(input.sizes());
    kernels::spatialCrossEntropyBackward(this->gradInput.data(), logProbs.data(), t.data(), this->weightData(), g.n,
                                         g.c, g.hw, this->ignoreIndex, this->sizeAverage, total);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    this->baseFields(v);
    v.buffer("logProbs", logProbs);
  }

 private:
  static constexpr const char* kName = "SpatialCrossEntropyCriterion";
};
SpatialCrossEntropyCriterion()->SpatialCrossEntropyCriterion<float>;
static_assert(Criterion<SpatialCrossEntropyCriterion<float>>);

}  // namespace t7::nn
