#pragma once
/// \file linear.hpp
/// The affine map y = W x + b, its input gradient and its parameter gradients: the one
/// implementation behind nn::Linear (and the autograd and CUDA paths later). Inputs are one
/// sample [in] or a batch [n x in]; W is [out x in]; all BLAS calls write into existing
/// tensors, so a steady training step allocates nothing.

#include "t7/math/blas.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// output = input W^T + b (b may be empty: no bias). `output` is resized to [out] or [n x out].
template <Element T>
void linearForward(Tensor<T>& output, const Tensor<T>& input, const Tensor<T>& weight, const Tensor<T>& bias) {
  const index_t out = weight.size(0);
  if (input.dim() == 1) {
    output.resize(out);
    if (bias.nElement() > 0) {
      output.copy(bias);
      addmv(output, T(1), output, T(1), weight, input);
    } else {
      mv(output, weight, input);
    }
  } else {
    const index_t n = input.size(0);
    output.resize(n, out);
    if (bias.nElement() > 0) {
      output.copy(bias.view(1, out).expand(n, out));
      addmm(output, T(1), output, T(1), input, weight.t());
    } else {
      mm(output, input, weight.t());
    }
  }
}

/// gradInput = gradOutput W, shaped like the input.
template <Element T>
void linearBackwardInput(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& gradOutput,
                         const Tensor<T>& weight) {
  gradInput.resize(input.sizes());
  if (input.dim() == 1) {
    mv(gradInput, weight.t(), gradOutput);
  } else {
    mm(gradInput, gradOutput, weight);
  }
}

/// gradWeight += scale gradOutput^T input; gradBias += scale * (sum of gradOutput over the
/// batch). `ones` is a workspace (kept between calls, Torch7's addBuffer).
template <Element T>
void linearAccGrad(Tensor<T>& gradWeight, Tensor<T>& gradBias, const Tensor<T>& input, const Tensor<T>& gradOutput,
                   double scale, Tensor<T>& ones) {
  const T s = static_cast<T>(scale);
  if (input.dim() == 1) {
    addr(gradWeight, T(1), gradWeight, s, gradOutput, input);
    if (gradBias.nElement() > 0) gradBias.add(s, gradOutput);
  } else {
    addmm(gradWeight, T(1), gradWeight, s, gradOutput.t(), input);
    if (gradBias.nElement() > 0) {
      const index_t n = input.size(0);
      if (ones.dim() != 1 || ones.size(0) != n) {
        ones.resize(n);
        ones.fill(T(1));
      }
      addmv(gradBias, T(1), gradBias, s, gradOutput.t(), ones);
    }
  }
}

}  // namespace t7::kernels
