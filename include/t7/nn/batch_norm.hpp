#pragma once
/// \file batch_norm.hpp
/// Torch7's batch normalization: nn.BatchNormalization ([N x C]),
/// nn.SpatialBatchNormalization ([N x C x H x W]) and nn.VolumetricBatchNormalization
/// ([N x C x T x H x W]).
///
/// y = (x - mean) / sqrt(var + eps) * weight + bias per channel. In training mode the
/// statistics are the batch's (biased variance), saved in `save_mean` / `save_std` (1/std)
/// for the backward, and the running averages move by `momentum`: running_mean =
/// momentum * mean + (1 - momentum) * running_mean, running_var likewise with the UNBIASED
/// batch variance (Torch7's THNN). In evaluation mode the running statistics are used, and a
/// single sample (one dimension less) is accepted as Torch7 does.

#include <string>

#include "t7/kernels/normalization.hpp"
#include "t7/nn/detail/spatial.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

namespace detail {

/// What the three batch-norm modules share; `NDim` is the rank of a batch (Torch7's `nDim`).
template <class Derived, Element T, int NDim>
class BatchNormBase : public ModuleBase<Derived, T> {
 public:
  /// Torch7's `nDim`: the rank of a batch input.
  static constexpr int nDim = NDim;

  Tensor<T> weight, bias, gradWeight, gradBias;  // [C]; empty when affine = false
  Tensor<T> running_mean, running_var;           // [C]
  Tensor<T> save_mean, save_std;                 // [C]: last training batch's mean and 1/std
  Tensor<T> _input, _gradOutput;                 // contiguous copies of non-contiguous arguments
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = true;

  BatchNormBase() = default;
  /// Torch7's `(nOutput [, eps] [, momentum] [, affine])`.
  explicit BatchNormBase(index_t nOutput, double eps_ = 1e-5, double momentum_ = 0.1, bool affine_ = true)
      : running_mean(nOutput), running_var(nOutput), eps(eps_), momentum(momentum_), affine(affine_) {
    if (nOutput <= 0)
      t7::detail::fail<ValueError>(Derived::torchType + 3, ": nOutput must be positive, got ", nOutput);
    if (affine) {
      weight.resize(nOutput);
      bias.resize(nOutput);
      gradWeight.resize(nOutput);
      gradBias.resize(nOutput);
      gradWeight.zero();
      gradBias.zero();
    }
    reset();
  }

  /// The number of channels.
  index_t nOutput() const { return running_mean.nElement(); }

  /// Torch7's reset(): weight uniform in [0, 1], bias 0, running_mean 0, running_var 1.
  Derived& reset() {
    if (weight.nElement() > 0) weight.uniform();
    if (bias.nElement() > 0) bias.zero();
    running_mean.zero();
    running_var.fill(T(1));
    return this->self();
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const kernels::BatchNormShape g = geometry(input);
    const Tensor<T>& x = contiguousIn(input, _input);
    if (this->train && g.n * g.s < 2)
      t7::detail::fail<ValueError>(name(), ": training needs more than one value per channel, got input [",
                                   input.sizes().toString(), "] (use evaluate() for single values)");
    this->output.resize(x.sizes());
    save_mean.resize(g.c);
    save_std.resize(g.c);
    kernels::batchNormForward(this->output.data(), x.data(), g, optional(weight), optional(bias),
                              running_mean.data(), running_var.data(), save_mean.data(), save_std.data(),
                              this->train, momentum, eps);
    return this->output;
  }

  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    backwardImpl(input, gradOutput, true, false, 1);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    if (affine) backwardImpl(input, gradOutput, false, true, scale);
  }
  /// updateGradInput and accGradParameters in one pass over the data (Torch7's backward).
  const Tensor<T>& backward(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    backwardImpl(input, gradOutput, true, affine, scale);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.parameter("bias", bias, "gradBias", gradBias);
    v.state("running_mean", running_mean);
    v.state("running_var", running_var);
    v.buffer("save_mean", save_mean);
    v.buffer("save_std", save_std);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
    v.option("eps", eps);
    v.option("momentum", momentum);
    v.option("affine", affine);
  }

  /// Torch7's `__tostring__`: "nn.SpatialBatchNormalization (4D) (64)".
  std::string toString() const {
    return std::string(Derived::torchType) + " (" + std::to_string(NDim) + "D) (" + std::to_string(nOutput()) + ")";
  }

 private:
  static const char* name() { return Derived::torchType + 3; }  // without "nn."
  static const T* optional(const Tensor<T>& t) { return t.nElement() > 0 ? t.data() : nullptr; }

  /// Checks the input (Torch7's checkInputDim) and returns its [n x c x s] geometry.
  kernels::BatchNormShape geometry(const Tensor<T>& input) const {
    const int d = input.dim();
    const bool single = d == NDim - 1 && !this->train;
    if (d != NDim && !single) {
      if (d == NDim - 1)
        t7::detail::fail<SizeError>(name(), ": only mini-batch supported in training mode (", NDim,
                                    "D tensor), got a single sample [", input.sizes().toString(),
                                    "] (call evaluate() to normalize single samples)");
      t7::detail::fail<SizeError>(name(), ": expected a ", NDim, "D batch [N x ", nOutput(), batchTail(),
                                  "] (or a ", NDim - 1, "D sample in evaluate mode), got [", input.sizes().toString(),
                                  "]");
    }
    const int fd = single ? 0 : 1;
    if (input.size(fd) != nOutput())
      t7::detail::fail<SizeError>(name(), ": got ", input.size(fd), "-feature tensor [", input.sizes().toString(),
                                  "], expected ", nOutput());
    checkState();
    index_t s = 1;
    for (int k = fd + 1; k < d; ++k) s *= input.size(k);
    return {single ? 1 : input.size(0), nOutput(), s};
  }
  static const char* batchTail() {
    switch (NDim) {
      case 2: return "";
      case 4: return " x H x W";
      default: return " x T x H x W";
    }
  }
  /// The parameter and statistics tensors must be contiguous [C] (they are unless replaced).
  void checkState() const {
    const index_t c = nOutput();
    auto ok = [c](const Tensor<T>& t) { return t.nElement() == c && t.isContiguous(); };
    if (!ok(running_var) || !running_mean.isContiguous())
      t7::detail::fail<SizeError>(name(), ": running_mean [", running_mean.sizes().toString(), "] and running_var [",
                                  running_var.sizes().toString(), "] must be contiguous of one size");
    if (affine && (!ok(weight) || !ok(bias) || !ok(gradWeight) || !ok(gradBias)))
      t7::detail::fail<SizeError>(name(), ": weight [", weight.sizes().toString(), "], bias [",
                                  bias.sizes().toString(), "] and their gradients must be contiguous [", c, "]");
  }

  void backwardImpl(const Tensor<T>& input, const Tensor<T>& gradOutput, bool wantInput, bool wantParams,
                    double scale) {
    const kernels::BatchNormShape g = geometry(input);
    if (!gradOutput.isSameSizeAs(input))
      t7::detail::fail<SizeError>(name(), ": gradOutput [", gradOutput.sizes().toString(), "] differs from the input [",
                                  input.sizes().toString(), "]");
    if (this->train && (save_mean.nElement() != g.c || save_std.nElement() != g.c))
      t7::detail::fail<ValueError>(name(), ": must call forward() in training mode before backward()");
    const Tensor<T>& x = contiguousIn(input, _input);
    const Tensor<T>& go = contiguousIn(gradOutput, _gradOutput);
    T* gi = nullptr;
    if (wantInput) {
      this->gradInput.resize(x.sizes());
      gi = this->gradInput.data();
    }
    T* gw = wantParams && affine ? gradWeight.data() : nullptr;
    T* gb = wantParams && affine ? gradBias.data() : nullptr;
    if (!gi && !gw) return;
    kernels::batchNormBackward(gi, gw, gb, x.data(), go.data(), g, optional(weight), running_mean.data(),
                               running_var.data(), save_mean.data(), save_std.data(), this->train, scale, eps);
  }
};

}  // namespace detail

/// Torch7's nn.BatchNormalization(nOutput, eps = 1e-5, momentum = 0.1, affine = true) on a
/// batch [N x C] (a sample [C] in evaluate mode).
template <Element T = float>
class BatchNormalization : public detail::BatchNormBase<BatchNormalization<T>, T, 2> {
 public:
  static constexpr const char* torchType = "nn.BatchNormalization";
  using detail::BatchNormBase<BatchNormalization<T>, T, 2>::BatchNormBase;
};

/// Torch7's nn.SpatialBatchNormalization(nOutput, eps = 1e-5, momentum = 0.1, affine = true)
/// on a batch [N x C x H x W] (a sample [C x H x W] in evaluate mode): statistics per plane.
template <Element T = float>
class SpatialBatchNormalization : public detail::BatchNormBase<SpatialBatchNormalization<T>, T, 4> {
 public:
  static constexpr const char* torchType = "nn.SpatialBatchNormalization";
  using detail::BatchNormBase<SpatialBatchNormalization<T>, T, 4>::BatchNormBase;
};

/// Torch7's nn.VolumetricBatchNormalization(nOutput, eps = 1e-5, momentum = 0.1, affine =
/// true) on a batch [N x C x T x H x W] (a sample [C x T x H x W] in evaluate mode).
template <Element T = float>
class VolumetricBatchNormalization : public detail::BatchNormBase<VolumetricBatchNormalization<T>, T, 5> {
 public:
  static constexpr const char* torchType = "nn.VolumetricBatchNormalization";
  using detail::BatchNormBase<VolumetricBatchNormalization<T>, T, 5>::BatchNormBase;
};

BatchNormalization(index_t)->BatchNormalization<float>;
BatchNormalization(index_t, double)->BatchNormalization<float>;
BatchNormalization(index_t, double, double)->BatchNormalization<float>;
BatchNormalization(index_t, double, double, bool)->BatchNormalization<float>;
SpatialBatchNormalization(index_t)->SpatialBatchNormalization<float>;
SpatialBatchNormalization(index_t, double)->SpatialBatchNormalization<float>;
SpatialBatchNormalization(index_t, double, double)->SpatialBatchNormalization<float>;
SpatialBatchNormalization(index_t, double, double, bool)->SpatialBatchNormalization<float>;
VolumetricBatchNormalization(index_t)->VolumetricBatchNormalization<float>;
VolumetricBatchNormalization(index_t, double)->VolumetricBatchNormalization<float>;
VolumetricBatchNormalization(index_t, double, double)->VolumetricBatchNormalization<float>;
VolumetricBatchNormalization(index_t, double, double, bool)->VolumetricBatchNormalization<float>;

static_assert(Module<BatchNormalization<float>>);
static_assert(Module<SpatialBatchNormalization<float>>);
static_assert(Module<VolumetricBatchNormalization<float>>);

}  // namespace t7::nn
