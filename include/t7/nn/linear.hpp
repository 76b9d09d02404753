#pragma once
/// \file linear.hpp
/// `Linear`: Torch7's nn.Linear, y = W x + b.

#include <cmath>
#include <string>

#include "t7/kernels/linear.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

/// y = W x + b for one sample [in] -> [out] or a batch [n x in] -> [n x out].
/// `weight` is [out x in], `bias` [out] (empty after noBias()). Initialised as Torch7:
/// uniform in [-1/sqrt(in), 1/sqrt(in)] for both.
template <Element T = float>
class Linear : public ModuleBase<Linear<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Linear";

  Tensor<T> weight, bias, gradWeight, gradBias;
  Tensor<T> addBuffer;  // ones over the batch, for the bias gradient

  /// An empty Linear (for deserialization and type conversion).
  Linear() = default;
  Linear(index_t inputSize, index_t outputSize, bool withBias = true)
      : weight(outputSize, inputSize), gradWeight(outputSize, inputSize) {
    if (inputSize <= 0 || outputSize <= 0)
      t7::detail::fail<ValueError>("Linear: sizes must be positive, got ", inputSize, " -> ", outputSize);
    if (withBias) {
      bias.resize(outputSize);
      gradBias.resize(outputSize);
    }
    reset();
    gradWeight.zero();
    if (withBias) gradBias.zero();
  }

  index_t inputSize() const { return weight.dim() == 2 ? weight.size(1) : 0; }
  index_t outputSize() const { return weight.dim() == 2 ? weight.size(0) : 0; }

  /// Removes the bias (Torch7's `noBias()`).
  Linear& noBias() {
    bias = Tensor<T>();
    gradBias = Tensor<T>();
    return *this;
  }
  /// Re-draws the parameters uniformly in [-stdv, stdv], stdv = 1/sqrt(in) by default
  /// (Torch7's `reset(stdv)` draws in stdv * sqrt(3)).
  Linear& reset(double stdv = 0) {
    const double s = stdv > 0 ? stdv * std::sqrt(3.0) : 1 / std::sqrt(static_cast<double>(inputSize()));
    weight.uniform(-s, s);
    if (bias.nElement() > 0) bias.uniform(-s, s);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    checkInput(input);
    kernels::linearForward(this->output, input, weight, bias);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkGradOutput(input, gradOutput);
    kernels::linearBackwardInput(this->gradInput, input, gradOutput, weight);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    checkGradOutput(input, gradOutput);
    kernels::linearAccGrad(gradWeight, gradBias, input, gradOutput, scale, addBuffer);
  }

  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.parameter("bias", bias, "gradBias", gradBias);
    v.buffer("addBuffer", addBuffer);
  }

  /// "nn.Linear(784 -> 10)", "... without bias".
  std::string toString() const {
    std::string s = "nn.Linear(" + std::to_string(inputSize()) + " -> " + std::to_string(outputSize()) + ")";
    return bias.nElement() > 0 ? s : s + " without bias";
  }

 private:
  void checkInput(const Tensor<T>& input) const {
    const bool ok = (input.dim() == 1 || input.dim() == 2) && input.size(input.dim() - 1) == inputSize();
    if (!ok)
      t7::detail::fail<SizeError>("Linear: expected input [*, ", inputSize(), "] or [", inputSize(), "], got [",
                                  input.sizes().toString(), "]");
  }
  void checkGradOutput(const Tensor<T>& input, const Tensor<T>& gradOutput) const {
    checkInput(input);
    Shape expected = input.sizes();
    expected[input.dim() - 1] = outputSize();
    if (gradOutput.sizes() != expected)
      t7::detail::fail<SizeError>("Linear: gradOutput should be [", expected.toString(), "] for input [",
                                  input.sizes().toString(), "], got [", gradOutput.sizes().toString(), "]");
  }
};

Linear(index_t, index_t)->Linear<float>;
Linear(index_t, index_t, bool)->Linear<float>;

static_assert(Module<Linear<float>>);

}  // namespace t7::nn
