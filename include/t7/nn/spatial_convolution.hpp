#pragma once
/// \file spatial_convolution.hpp
/// Torch7's 2-D convolution modules: `SpatialConvolution`, `SpatialConvolutionMM`,
/// `SpatialDilatedConvolution` and the transposed `SpatialFullConvolution`. One sample
/// [nInputPlane x H x W] or a batch [N x nInputPlane x H x W]; the math is
/// kernels/conv2d.hpp (im2col + GEMM, threaded over the batch).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <string>

#include "t7/kernels/conv2d.hpp"
#include "t7/nn/detail/spatial.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

namespace detail {

/// The default of SpatialConvolution's padH: "the same as padW" (Torch7's `padH or padW`).
inline constexpr index_t kPadHSameAsPadW = std::numeric_limits<index_t>::min();

/// What the convolution modules share: Torch7's fields (nInputPlane, nOutputPlane, kW, kH,
/// dW, dH, padW, padH, weight, bias, gradWeight, gradBias, finput, fgradInput, _input,
/// _gradOutput), checks, reset/noBias and printing. `Derived` adds its own options and says
/// whether it is transposed (`kTransposed`) and what dilation it uses (`dilationOfW/H`).
template <class Derived, Element T>
class ConvolutionBase : public ModuleBase<Derived, T> {
 public:
  index_t nInputPlane = 0, nOutputPlane = 0, kW = 0, kH = 0, dW = 1, dH = 1, padW = 0, padH = 0;
  Tensor<T> weight, bias, gradWeight, gradBias;
  /// Workspaces: finput holds the columns (im2col) slices, one per thread; fgradInput the
  /// columns of the input gradient, then the per-thread weight-gradient sums.
  Tensor<T> finput, fgradInput;
  /// Contiguous copies of non-contiguous inputs / gradOutputs (Torch7's makeContiguous).
  Tensor<T> _input, _gradOutput;

  /// Removes the bias (Torch7's `noBias()`).
  Derived& noBias() {
    bias = Tensor<T>();
    gradBias = Tensor<T>();
    return self();
  }
  /// Re-draws weight and bias uniformly in [-s, s]: s = 1/sqrt(kW*kH*nInputPlane) by default,
  /// stdv*sqrt(3) when given (Torch7's `reset(stdv)`).
  Derived& reset(double stdv = 0) {
    resetUniform(stdv, std::max<index_t>(kW * kH * nInputPlane, 1), weight, bias);
    return self();
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const kernels::Window2d g = window(input);
    checkParameters();
    const Tensor<T>& x = contiguousIn(input, _input);
    if constexpr (Derived::kTransposed) {
      kernels::fullConv2dForward(this->output, x, weight, bias, g, finput);
    } else {
      kernels::conv2dForward(this->output, x, weight, bias, g, finput);
    }
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const kernels::Window2d g = window(input);
    checkGradOutput(input, gradOutput);
    checkParameters();
    const Tensor<T>& go = contiguousIn(gradOutput, _gradOutput);
    if constexpr (Derived::kTransposed) {
      kernels::fullConv2dBackwardInput(this->gradInput, go, weight, g, fgradInput);
    } else {
      kernels::conv2dBackwardInput(this->gradInput, go, weight, g, fgradInput);
    }
    return this->gradInput;
  }
  /// gradWeight += scale * dE/dweight, gradBias += scale * dE/dbias.
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    const kernels::Window2d g = window(input);
    checkGradOutput(input, gradOutput);
    checkGradParameters();
    const Tensor<T>& x = contiguousIn(input, _input);
    const Tensor<T>& go = contiguousIn(gradOutput, _gradOutput);
    if constexpr (Derived::kTransposed) {
      kernels::fullConv2dAccGradParameters(gradWeight, gradBias, x, go, g, scale, finput, fgradInput);
    } else {
      kernels::conv2dAccGradParameters(gradWeight, gradBias, x, go, g, scale, finput, fgradInput);
    }
  }

  /// Torch7's fields: the options, then `extraOptions` (the derived module's own), then the
  /// tensors, then `extraBuffers`.
  template <class V>
  void fields(V& v) {
    optionFields(v);
    self().extraOptions(v);
    tensorFields(v);
    self().extraBuffers(v);
  }
  /// Torch7's __tostring__: "nn.X(3 -> 16, 5x5[, dW,dH][, padW,padH]" + the derived module's
  /// `extraHead()` + ")" or ") without bias".
  std::string toString() const {
    const std::string s = convolutionHead(Derived::torchType, nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH) +
                          self().extraHead();
    return s + (bias.nElement() > 0 ? ")" : ") without bias");
  }

  /// The output's spatial size for an input of height x width (Torch7's formulas).
  index_t outputHeight(index_t height) const {
    if constexpr (Derived::kTransposed) return (height - 1) * dH - 2 * padH + kH + self().adjOfH();
    else return kernels::Window2d::outSize(height, kH, dH, padH, self().dilationOfH());
  }
  index_t outputWidth(index_t width) const {
    if constexpr (Derived::kTransposed) return (width - 1) * dW - 2 * padW + kW + self().adjOfW();
    else return kernels::Window2d::outSize(width, kW, dW, padW, self().dilationOfW());
  }

 protected:
  ConvolutionBase() = default;
  ConvolutionBase(index_t nIn, index_t nOut, index_t kW_, index_t kH_, index_t dW_, index_t dH_, index_t padW_,
                  index_t padH_)
      : nInputPlane(nIn), nOutputPlane(nOut), kW(kW_), kH(kH_), dW(dW_), dH(dH_), padW(padW_), padH(padH_) {
    if (nIn <= 0 || nOut <= 0)
      t7::detail::fail<ValueError>(name(), ": plane counts must be positive, got ", nIn, " -> ", nOut);
    if (kW <= 0 || kH <= 0)
      t7::detail::fail<ValueError>(name(), ": kernel size should be greater than zero, got kW=", kW, " kH=", kH);
    if (dW <= 0 || dH <= 0)
      t7::detail::fail<ValueError>(name(), ": stride should be greater than zero, got dW=", dW, " dH=", dH);
    if (padW < 0 || padH < 0)
      t7::detail::fail<ValueError>(name(), ": padding should not be negative, got padW=", padW, " padH=", padH);
  }
  /// Allocates the parameters with Torch7's shapes and draws them (the derived constructor
  /// calls this once its own options are checked).
  void initParameters(const Shape& weightShape) {
    allocateParameters(weightShape, Shape{nOutputPlane}, weight, gradWeight, bias, gradBias);
    reset();
  }

  /// The fields before the derived module's own options, and after them.
  template <class V>
  void optionFields(V& v) {
    v.option("nInputPlane", nInputPlane);
    v.option("nOutputPlane", nOutputPlane);
    v.option("kW", kW);
    v.option("kH", kH);
    v.option("dW", dW);
    v.option("dH", dH);
    v.option("padW", padW);
    v.option("padH", padH);
  }
  template <class V>
  void tensorFields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.parameter("bias", bias, "gradBias", gradBias);
    v.buffer("finput", finput);
    v.buffer("fgradInput", fgradInput);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  // Defaults of the hooks a derived module may shadow.
  template <class V>
  void extraOptions(V&) {}
  template <class V>
  void extraBuffers(V&) {}
  std::string extraHead() const { return ""; }
  index_t dilationOfW() const { return 1; }
  index_t dilationOfH() const { return 1; }
  index_t adjOfW() const { return 0; }
  index_t adjOfH() const { return 0; }

  /// "SpatialConvolution" (the Torch7 type without "nn.").
  static const char* name() { return Derived::torchType + 3; }

  /// The window of the kernels for `input`, after checking its rank, plane count and size.
  kernels::Window2d window(const Tensor<T>& input) const {
    if (kW <= 0 || kH <= 0)
      t7::detail::fail<ValueError>(name(), ": the module is empty (default-constructed); construct it with sizes");
    const int d = input.dim();
    if ((d != 3 && d != 4) || input.size(d - 3) != nInputPlane)
      t7::detail::fail<SizeError>(name(), ": expected input [", nInputPlane, "xHxW] or [Nx", nInputPlane,
                                  "xHxW], got [", input.sizes().toString(), "]");
    const index_t h = input.size(d - 2), w = input.size(d - 1);
    const index_t oH = outputHeight(h), oW = outputWidth(w);
    if (oH < 1 || oW < 1) {
      std::string geometry = "kernel " + std::to_string(kW) + "x" + std::to_string(kH) + ", stride " +
                             std::to_string(dW) + "," + std::to_string(dH) + ", padding " + std::to_string(padW) +
                             "," + std::to_string(padH);
      if (self().dilationOfW() != 1 || self().dilationOfH() != 1)
        geometry += ", dilation " + std::to_string(self().dilationOfW()) + "," + std::to_string(self().dilationOfH());
      t7::detail::fail<SizeError>(name(), ": input [", input.sizes().toString(), "] is too small for ", geometry,
                                  ": calculated output size ", nOutputPlane, "x", oH, "x", oW);
    }
    kernels::Window2d g;
    g.kH = kH;
    g.kW = kW;
    g.dH = dH;
    g.dW = dW;
    g.padH = padH;
    g.padW = padW;
    g.dilationH = self().dilationOfH();
    g.dilationW = self().dilationOfW();
    if constexpr (Derived::kTransposed) {  // the window slides over the output
      g.channels = nOutputPlane;
      g.height = oH;
      g.width = oW;
    } else {
      g.channels = nInputPlane;
      g.height = h;
      g.width = w;
    }
    return g;
  }

  /// The gradOutput must have the output's shape.
  void checkGradOutput(const Tensor<T>& input, const Tensor<T>& gradOutput) const {
    const int d = input.dim();
    Shape expected = input.sizes();
    expected[d - 3] = nOutputPlane;
    expected[d - 2] = outputHeight(input.size(d - 2));
    expected[d - 1] = outputWidth(input.size(d - 1));
    checkGradOutputShape(name(), expected, input, gradOutput);
  }

  void checkTensor(const char* what, const Tensor<T>& t, index_t n, bool optional) const {
    if ((optional && t.nElement() == 0) || (t.nElement() == n && t.isContiguous())) return;
    t7::detail::fail<SizeError>(name(), ": ", what, " should be a contiguous tensor of ", n, " elements, got [",
                                t.sizes().toString(), "]", t.isContiguous() ? "" : " (not contiguous)");
  }
  void checkParameters() const {
    checkTensor("weight", weight, nOutputPlane * nInputPlane * kH * kW, false);
    checkTensor("bias", bias, nOutputPlane, true);
  }
  void checkGradParameters() const {
    checkTensor("gradWeight", gradWeight, nOutputPlane * nInputPlane * kH * kW, false);
    checkTensor("gradBias", gradBias, nOutputPlane, true);
  }

  Derived& self() { return static_cast<Derived&>(*this); }
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace detail

/// 2-D convolution (Torch7's cross-correlation) of nInputPlane planes into nOutputPlane:
/// output[o] = bias[o] + sum_i weight[o][i] (*) input[i], with zero padding padW/padH and
/// stride dW/dH. Input [nIn x H x W] or [N x nIn x H x W]; output [nOut x oH x oW] with
/// oH = floor((H + 2 padH - kH) / dH) + 1. weight [nOut x nIn x kH x kW], bias [nOut].
/// Torch7's nn.SpatialConvolution(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH).
template <Element T = float>
class SpatialConvolution : public detail::ConvolutionBase<SpatialConvolution<T>, T> {
  using Base = detail::ConvolutionBase<SpatialConvolution<T>, T>;
  friend Base;

 public:
  static constexpr const char* torchType = "nn.SpatialConvolution";
  static constexpr bool kTransposed = false;

  /// An empty module (for deserialization and type conversion).
  SpatialConvolution() = default;
  /// Note Torch7's order: kernel width before height; padH defaults to padW.
  SpatialConvolution(index_t nInputPlane, index_t nOutputPlane, index_t kW, index_t kH, index_t dW = 1,
                     index_t dH = 1, index_t padW = 0, index_t padH = detail::kPadHSameAsPadW)
      : Base(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH == detail::kPadHSameAsPadW ? padW : padH) {
    this->initParameters(Shape{nOutputPlane, nInputPlane, kH, kW});
  }

  // fields() and toString() ("nn.SpatialConvolution(3 -> 16, 5x5, 1,1, 2,2)", "... without
  // bias") are the base's.
};

/// SpatialConvolution under its older Torch7 name: the same math, with Torch7's 2-D weight
/// [nOut x nIn*kH*kW]. Torch7's nn.SpatialConvolutionMM.
template <Element T = float>
class SpatialConvolutionMM : public detail::ConvolutionBase<SpatialConvolutionMM<T>, T> {
  using Base = detail::ConvolutionBase<SpatialConvolutionMM<T>, T>;
  friend Base;

 public:
  static constexpr const char* torchType = "nn.SpatialConvolutionMM";
  static constexpr bool kTransposed = false;

  SpatialConvolutionMM() = default;
  SpatialConvolutionMM(index_t nInputPlane, index_t nOutputPlane, index_t kW, index_t kH, index_t dW = 1,
                       index_t dH = 1, index_t padW = 0, index_t padH = detail::kPadHSameAsPadW)
      : Base(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH == detail::kPadHSameAsPadW ? padW : padH) {
    this->initParameters(Shape{nOutputPlane, nInputPlane * kH * kW});
  }

  // fields() and toString() ("nn.SpatialConvolutionMM(3 -> 16, 5x5, 1,1, 2,2)") are the base's.
};

/// Convolution whose kernel taps are dilationW/dilationH pixels apart ("à trous"): the
/// window spans dilation*(k-1)+1 pixels; oH = floor((H + 2 padH - (dilationH (kH-1) + 1)) / dH) + 1.
/// Weights as SpatialConvolution. Torch7's nn.SpatialDilatedConvolution(nInputPlane,
/// nOutputPlane, kW, kH, dW, dH, padW, padH, dilationW, dilationH).
template <Element T = float>
class SpatialDilatedConvolution : public detail::ConvolutionBase<SpatialDilatedConvolution<T>, T> {
  using Base = detail::ConvolutionBase<SpatialDilatedConvolution<T>, T>;
  friend Base;

 public:
  static constexpr const char* torchType = "nn.SpatialDilatedConvolution";
  static constexpr bool kTransposed = false;

  index_t dilationW = 1, dilationH = 1;

  SpatialDilatedConvolution() = default;
  SpatialDilatedConvolution(index_t nInputPlane, index_t nOutputPlane, index_t kW, index_t kH, index_t dW = 1,
                            index_t dH = 1, index_t padW = 0, index_t padH = 0, index_t dilationW_ = 1,
                            index_t dilationH_ = 1)
      : Base(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH), dilationW(dilationW_), dilationH(dilationH_) {
    if (dilationW <= 0 || dilationH <= 0)
      t7::detail::fail<ValueError>("SpatialDilatedConvolution: dilation should be greater than zero, got dilationW=",
                                   dilationW, " dilationH=", dilationH);
    this->initParameters(Shape{nOutputPlane, nInputPlane, kH, kW});
  }

 private:
  template <class V>
  void extraOptions(V& v) {
    v.option("dilationW", dilationW);
    v.option("dilationH", dilationH);
  }
  /// toString: "nn.SpatialDilatedConvolution(3 -> 16, 3x3, 1,1, 2,2, 2,2)" (dilation always printed).
  std::string extraHead() const { return ", " + std::to_string(dilationW) + "," + std::to_string(dilationH); }
  index_t dilationOfW() const { return dilationW; }
  index_t dilationOfH() const { return dilationH; }
};

/// Transposed convolution ("full" convolution, the input gradient of a convolution used as a
/// layer): input [nIn x H x W] or batch, output [nOut x oH x oW] with
/// oH = (H - 1) dH - 2 padH + kH + adjH (adjW < dW, adjH < dH pick among the sizes a strided
/// convolution maps onto H). weight [nIn x nOut x kH x kW], bias [nOut].
/// Torch7's nn.SpatialFullConvolution(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH,
/// adjW, adjH).
template <Element T = float>
class SpatialFullConvolution : public detail::ConvolutionBase<SpatialFullConvolution<T>, T> {
  using Base = detail::ConvolutionBase<SpatialFullConvolution<T>, T>;
  friend Base;

 public:
  static constexpr const char* torchType = "nn.SpatialFullConvolution";
  static constexpr bool kTransposed = true;

  index_t adjW = 0, adjH = 0;
  Tensor<T> ones;  // Torch7's field (its table-input mode); unused here

  SpatialFullConvolution() = default;
  SpatialFullConvolution(index_t nInputPlane, index_t nOutputPlane, index_t kW, index_t kH, index_t dW = 1,
                         index_t dH = 1, index_t padW = 0, index_t padH = 0, index_t adjW_ = 0, index_t adjH_ = 0)
      : Base(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH), adjW(adjW_), adjH(adjH_) {
    if (adjW < 0 || adjH < 0 || adjW > dW - 1 || adjH > dH - 1)
      t7::detail::fail<ValueError>("SpatialFullConvolution: adjW and adjH must be smaller than dW and dH (and not "
                                   "negative), got adjW=",
                                   adjW, " adjH=", adjH, " with dW=", dW, " dH=", dH);
    this->initParameters(Shape{nInputPlane, nOutputPlane, kH, kW});
  }

 private:
  template <class V>
  void extraOptions(V& v) {
    v.option("adjW", adjW);
    v.option("adjH", adjH);
  }
  template <class V>
  void extraBuffers(V& v) {
    v.buffer("ones", ones);
  }
  /// toString: "nn.SpatialFullConvolution(16 -> 3, 4x4, 2,2, 1,1, 1,1)" (adj printed when not 0).
  std::string extraHead() const {
    return adjW != 0 || adjH != 0 ? ", " + std::to_string(adjW) + "," + std::to_string(adjH) : std::string();
  }
  index_t adjOfW() const { return adjW; }
  index_t adjOfH() const { return adjH; }
};

template <std::integral... A>
SpatialConvolution(index_t, index_t, index_t, index_t, A...) -> SpatialConvolution<float>;
template <std::integral... A>
SpatialConvolutionMM(index_t, index_t, index_t, index_t, A...) -> SpatialConvolutionMM<float>;
template <std::integral... A>
SpatialDilatedConvolution(index_t, index_t, index_t, index_t, A...) -> SpatialDilatedConvolution<float>;
template <std::integral... A>
SpatialFullConvolution(index_t, index_t, index_t, index_t, A...) -> SpatialFullConvolution<float>;

static_assert(Module<SpatialConvolution<float>>);
static_assert(Module<SpatialConvolutionMM<float>>);
static_assert(Module<SpatialDilatedConvolution<float>>);
static_assert(Module<SpatialFullConvolution<float>>);

}  // namespace t7::nn
