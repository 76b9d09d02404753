#pragma once
/// \file softmax.hpp
/// SoftMax, LogSoftMax and SoftMin (Torch7's), over Torch7's dimension: a 1-D input over
/// all of it, 2-D per row, 3-D over dim 0 at each pixel, 4-D over dim 1 at each pixel.
/// The math is kernels/softmax.hpp.

#include "t7/expr.hpp"
#include "t7/kernels/softmax.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

/// y_i = exp(x_i) / sum_j exp(x_j).
template <Element T = float>
class SoftMax : public ModuleBase<SoftMax<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SoftMax";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    kernels::softmaxForward(this->output, input, kernels::softmaxDim(input.dim(), "SoftMax"), false);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    kernels::softmaxBackward(this->gradInput, gradOutput, this->output, kernels::softmaxDim(input.dim(), "SoftMax"),
                             false);
    return this->gradInput;
  }
};
SoftMax()->SoftMax<float>;
static_assert(Module<SoftMax<float>>);

/// y_i = x_i - log sum_j exp(x_j).
template <Element T = float>
class LogSoftMax : public ModuleBase<LogSoftMax<T>, T> {
 public:
  static constexpr const char* torchType = "nn.LogSoftMax";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    kernels::softmaxForward(this->output, input, kernels::softmaxDim(input.dim(), "LogSoftMax"), true);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    kernels::softmaxBackward(this->gradInput, gradOutput, this->output,
                             kernels::softmaxDim(input.dim(), "LogSoftMax"), true);
    return this->gradInput;
  }
};
LogSoftMax()->LogSoftMax<float>;
static_assert(Module<LogSoftMax<float>>);

/// y = softmax(-x).
template <Element T = float>
class SoftMin : public ModuleBase<SoftMin<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SoftMin";
  Tensor<T> mininput;  // -input
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    mininput.resize(input.sizes());
    mininput = -input;
    kernels::softmaxForward(this->output, mininput, kernels::softmaxDim(input.dim(), "SoftMin"), false);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    kernels::softmaxBackward(this->gradInput, gradOutput, this->output, kernels::softmaxDim(input.dim(), "SoftMin"),
                             false);
    this->gradInput = -this->gradInput;
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.buffer("mininput", mininput);
  }
};
SoftMin()->SoftMin<float>;
static_assert(Module<SoftMin<float>>);

}  // namespace t7::nn
