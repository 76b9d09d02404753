#pragma once
/// \file spatial.hpp
/// Helpers shared by the spatial nn modules (convolutions, pooling, normalization, padding,
/// up-sampling, the spatial criterions): the "contiguous copy in a kept buffer" step, the
/// gradOutput shape check and the reading of a [C x H x W] / [N x C x H x W] input.

#include <cmath>
#include <string>

#include "t7/core/error.hpp"
#include "t7/core/shape.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::nn::detail {

/// `x` itself when contiguous, else `buffer` resized to x's sizes and filled with its values
/// (Torch7's makeContiguous; the buffer is kept between calls, so a steady step of a fixed
/// shape allocates nothing).
template <Element T>
const Tensor<T>& contiguousIn(const Tensor<T>& x, Tensor<T>& buffer) {
  if (x.isContiguous()) return x;
  buffer.resize(x.sizes());
  buffer.copy(x);
  return buffer;
}

/// SizeError "op: gradOutput should be [expected] for input [..], got [..]" unless gradOutput
/// has the sizes the forward gives for this input.
template <Element T>
void checkGradOutputShape(const char* op, const Shape& expected, const Tensor<T>& input,
                          const Tensor<T>& gradOutput) {
  if (gradOutput.sizes() != expected)
    t7::detail::fail<SizeError>(op, ": gradOutput should be [", expected.toString(), "] for input [",
                                input.sizes().toString(), "], got [", gradOutput.sizes().toString(), "]");
}

/// SizeError unless `input` has rank lo or lo + 1 (single sample or batch).
template <Element T>
void checkRank(const char* op, const Tensor<T>& input, int lo, const char* layout) {
  if (input.dim() != lo && input.dim() != lo + 1)
    t7::detail::fail<SizeError>(op, ": expected a ", lo, "-D ", layout, " or ", lo + 1, "-D (batch) input, got [",
                                input.sizes().toString(), "]");
}

/// The sizes of a [C x H x W] (n = 1) or [N x C x H x W] input whose rank the caller checked.
struct NCHW {
  bool batch;
  index_t n, c, h, w;
};
template <Element T>
NCHW nchwOf(const Tensor<T>& x) {
  const bool batch = x.dim() == 4;
  const int o = batch ? 1 : 0;
  return {batch, batch ? x.size(0) : 1, x.size(o), x.size(o + 1), x.size(o + 2)};
}

/// The number of planes (all dimensions but the last two) and the last two sizes of an input
/// of rank >= 2.
struct Planes {
  index_t planes, h, w;
};
template <Element T>
Planes planesOf(const Tensor<T>& x) {
  const int d = x.dim();
  index_t planes = 1;
  for (int i = 0; i < d - 2; ++i) planes *= x.size(i);
  return {planes, x.size(d - 2), x.size(d - 1)};
}

/// `s` with its last two sizes replaced.
inline Shape withHW(Shape s, index_t h, index_t w) {
  const int d = static_cast<int>(s.size());
  s[d - 2] = h;
  s[d - 1] = w;
  return s;
}

/// Resizes a module's parameters and their gradients to Torch7's shapes and zeroes the
/// gradients (the module then draws the parameters with its reset()).
template <Element T>
void allocateParameters(const Shape& weightShape, const Shape& biasShape, Tensor<T>& weight, Tensor<T>& gradWeight,
                        Tensor<T>& bias, Tensor<T>& gradBias) {
  weight.resize(weightShape);
  gradWeight.resize(weightShape);
  bias.resize(biasShape);
  gradBias.resize(biasShape);
  gradWeight.zero();
  gradBias.zero();
}

/// Torch7's reset(stdv) of the convolutions: weight and bias (when not empty) uniform in
/// [-s, s], s = stdv*sqrt(3) when given, else 1/sqrt(fanIn).
template <Element T>
void resetUniform(double stdv, index_t fanIn, Tensor<T>& weight, Tensor<T>& bias) {
  const double s = stdv > 0 ? stdv * std::sqrt(3.0) : 1 / std::sqrt(static_cast<double>(fanIn));
  weight.uniform(-s, s);
  if (bias.nElement() > 0) bias.uniform(-s, s);
}

/// Torch7's `__tostring__` head of the convolutions: "nn.X(3 -> 16, 5x5[, dW,dH][, padW,padH]"
/// (the stride is printed when it is not 1 or when there is padding).
inline std::string convolutionHead(const char* type, index_t nIn, index_t nOut, index_t kW, index_t kH, index_t dW,
                                   index_t dH, index_t padW, index_t padH) {
  std::string s = std::string(type) + "(" + std::to_string(nIn) + " -> " + std::to_string(nOut) + ", " +
                  std::to_string(kW) + "x" + std::to_string(kH);
  if (dW != 1 || dH != 1 || padW != 0 || padH != 0) s += ", " + std::to_string(dW) + "," + std::to_string(dH);
  if (padW != 0 || padH != 0) s += ", " + std::to_string(padW) + "," + std::to_string(padH);
  return s;
}

}  // namespace t7::nn::detail
