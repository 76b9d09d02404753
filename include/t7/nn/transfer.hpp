#pragma once
/// \file transfer.hpp
/// Transfer functions (Torch7's pointwise non-linearities): each a fused expression forward
/// and backward, so one loop each way and no temporary.

#include <string>

#include "t7/expr.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

/// y = tanh(x); dx = dy * (1 - y^2).
template <Element T = float>
class Tanh : public ModuleBase<Tanh<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Tanh";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = tanh(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Tanh", this->output, gradOutput);
    this->gradInput.resize(input.sizes());
    const Tensor<T>& y = this->output;
    this->gradInput = gradOutput * (T(1) - y * y);
    return this->gradInput;
  }
};
Tanh()->Tanh<float>;
static_assert(Module<Tanh<float>>);

/// y = 1 / (1 + exp(-x)); dx = dy * y * (1 - y).
template <Element T = float>
class Sigmoid : public ModuleBase<Sigmoid<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Sigmoid";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = sigmoid(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Sigmoid", this->output, gradOutput);
    this->gradInput.resize(input.sizes());
    const Tensor<T>& y = this->output;
    this->gradInput = gradOutput * y * (T(1) - y);
    return this->gradInput;
  }
};
Sigmoid()->Sigmoid<float>;
static_assert(Module<Sigmoid<float>>);

}  // namespace t7::nn
