#pragma once
/// \file convolutions.hpp
/// Torch7's other convolutions: `TemporalConvolution` (1-D over a sequence of frames),
/// `VolumetricConvolution` (3-D), `SpatialDepthWiseConvolution` (each input plane with its
/// own kernels) and `SpatialConvolutionLocal` (untied weights: one kernel per output
/// location). The math is in kernels/conv_other.hpp, kernels/vol2col.hpp and
/// kernels/conv_local.hpp; the 2-D SpatialConvolution is in spatial_convolution.hpp.
///
/// Each takes one sample or a batch (one more leading dimension), accepts any input layout
/// (a non-contiguous input or gradOutput is first copied into a kept buffer, `_input` /
/// `_gradOutput`, as Torch7's makeContiguous does), keeps its workspaces between calls (a
/// steady step of a fixed shape allocates nothing), and requires contiguous weights (as
/// Torch7's THNN does; getParameters() keeps them contiguous).

#include <cmath>
#include <string>

#include "t7/kernels/conv_local.hpp"
#include "t7/kernels/conv_other.hpp"
#include "t7/kernels/vol2col.hpp"
#include "t7/nn/detail/spatial.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

namespace detail::convolutions {

// The modules below name themselves in messages as `torchType + 3`: Torch7's name without "nn.".

/// The data of a parameter tensor, checked: `numel` elements, contiguous (any shape: Torch7
/// views its weights as 2-D or N-D as convenient).
template <Element T>
T* parameterData(const char* module, const char* name, const Tensor<T>& w, index_t numel) {
  if (w.nElement() != numel)
    t7::detail::fail<SizeError>(module, ": ", name, " should have ", numel, " elements, got [",
                                w.sizes().toString(), "]");
  if (!w.isContiguous()) t7::detail::fail<ValueError>(module, ": ", name, " must be contiguous");
  return w.data();
}

inline void checkPositive(const char* module, const char* what, index_t a, index_t b = 1, index_t c = 1) {
  if (a <= 0 || b <= 0 || c <= 0) t7::detail::fail<ValueError>(module, ": ", what, " must be positive");
}
inline void checkPadding(const char* module, index_t a, index_t b, index_t c = 0) {
  if (a < 0 || b < 0 || c < 0) t7::detail::fail<ValueError>(module, ": padding must be >= 0");
}

}  // namespace detail::convolutions

// ==== TemporalConvolution ===================================================================

/// 1-D convolution over a sequence (Torch7's `nn.TemporalConvolution(inputFrameSize,
/// outputFrameSize, kW, dW)`): input [T x inputFrameSize] or [N x T x inputFrameSize], output
/// [T' x outputFrameSize] (resp. [N x T' x ...]) with T' = floor((T - kW) / dW) + 1. No padding.
/// weight [outputFrameSize x kW*inputFrameSize] (the kW frames of a window side by side),
/// bias [outputFrameSize]; both uniform in +-1/sqrt(kW*inputFrameSize).
template <Element T = float>
class TemporalConvolution : public ModuleBase<TemporalConvolution<T>, T> {
 public:
  static constexpr const char* torchType = "nn.TemporalConvolution";

  index_t inputFrameSize = 0, outputFrameSize = 0, kW = 0, dW = 1;
  Tensor<T> weight, bias, gradWeight, gradBias;
  Tensor<T> _input, _gradOutput;  // contiguous copies of non-contiguous arguments

  /// An empty module (for deserialization and type conversion).
  TemporalConvolution() = default;
  TemporalConvolution(index_t inputFrameSize, index_t outputFrameSize, index_t kW, index_t dW = 1)
      : inputFrameSize(inputFrameSize), outputFrameSize(outputFrameSize), kW(kW), dW(dW) {
    detail::convolutions::checkPositive(torchType + 3, "frame sizes", inputFrameSize, outputFrameSize);
    detail::convolutions::checkPositive(torchType + 3, "kW and dW", kW, dW);
    detail::allocateParameters(Shape{outputFrameSize, kW * inputFrameSize}, Shape{outputFrameSize}, weight, gradWeight,
                               bias, gradBias);
    reset();
  }

  /// Re-draws weight and bias uniformly in [-1/sqrt(kW*inputFrameSize), ...] (or
  /// +-stdv*sqrt(3)), as Torch7's `reset(stdv)`.
  TemporalConvolution& reset(double stdv = 0) {
    detail::resetUniform(stdv, kW * inputFrameSize, weight, bias);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const kernels::Temporal1d g = geometry(input);
    const Tensor<T>& in = detail::contiguousIn(input, _input);
    const index_t n = input.dim() == 3 ? input.size(0) : 1;
    this->output.resize(outputShape(input, g));
    kernels::temporalConvolutionForward(in.data(), n, weightData(), biasData(bias, "bias"), this->output.data(), g);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const kernels::Temporal1d g = geometry(input);
    detail::checkGradOutputShape(torchType + 3, outputShape(input, g), input, gradOutput);
    const Tensor<T>& gout = detail::contiguousIn(gradOutput, _gradOutput);
    const index_t n = input.dim() == 3 ? input.size(0) : 1;
    this->gradInput.resize(input.sizes());
    kernels::temporalConvolutionBackwardInput(gout.data(), n, weightData(), this->gradInput.data(), g);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    const kernels::Temporal1d g = geometry(input);
    detail::checkGradOutputShape(torchType + 3, outputShape(input, g), input, gradOutput);
    const Tensor<T>& in = detail::contiguousIn(input, _input);
    const Tensor<T>& gout = detail::contiguousIn(gradOutput, _gradOutput);
    const index_t n = input.dim() == 3 ? input.size(0) : 1;
    T* gw = detail::convolutions::parameterData(torchType + 3, "gradWeight", gradWeight, weight.nElement());
    kernels::temporalConvolutionAccGrad(in.data(), gout.data(), n, gw, biasData(gradBias, "gradBias"),
                                        static_cast<T>(scale), g);
  }

  template <class V>
  void fields(V& v) {
    v.option("inputFrameSize", inputFrameSize);
    v.option("outputFrameSize", outputFrameSize);
    v.option("kW", kW);
    v.option("dW", dW);
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.parameter("bias", bias, "gradBias", gradBias);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

 private:
  kernels::Temporal1d geometry(const Tensor<T>& input) const {
    const int d = input.dim();
    const bool ok = (d == 2 || d == 3) && input.size(d - 1) == inputFrameSize && input.size(d - 2) >= kW;
    if (!ok)
      t7::detail::fail<SizeError>("TemporalConvolution: expected input [T x ", inputFrameSize, "] or [N x T x ",
                                  inputFrameSize, "] with T >= kW = ", kW, ", got [", input.sizes().toString(), "]");
    return {.frames = input.size(d - 2), .inputFrameSize = inputFrameSize, .outputFrameSize = outputFrameSize,
            .kW = kW, .dW = dW};
  }
  static Shape outputShape(const Tensor<T>& input, const kernels::Temporal1d& g) {
    return input.dim() == 3 ? Shape{input.size(0), g.outFrames(), g.outputFrameSize}
                            : Shape{g.outFrames(), g.outputFrameSize};
  }
  const T* weightData() const {
    return detail::convolutions::parameterData(torchType + 3, "weight", weight, outputFrameSize * kW * inputFrameSize);
  }
  T* biasData(const Tensor<T>& b, const char* name) const {
    return b.nElement() == 0 ? nullptr : detail::convolutions::parameterData(torchType + 3, name, b, outputFrameSize);
  }
};

template <std::integral... I>
TemporalConvolution(I...) -> TemporalConvolution<float>;

static_assert(Module<TemporalConvolution<float>>);

// ==== VolumetricConvolution =================================================================

/// 3-D convolution (Torch7's `nn.VolumetricConvolution(nInputPlane, nOutputPlane, kT, kW, kH,
/// dT=1, dW=1, dH=1, padT=0, padW=padT, padH=padW)`; a negative padW/padH means "as the one
/// before", Torch7's default): input [nInputPlane x T x H x W] or [N x nInputPlane x T x H x W],
/// output [nOutputPlane x T' x H' x W'] with T' = floor((T + 2 padT - kT) / dT) + 1 (and so on).
/// weight [nOutputPlane x nInputPlane x kT x kH x kW], bias [nOutputPlane], both uniform in
/// +-1/sqrt(kT*kW*kH*nInputPlane). vol2col + GEMMs per sample, in cache-sized chunks of
/// output slices (threads over the batch).
template <Element T = float>
class VolumetricConvolution : public ModuleBase<VolumetricConvolution<T>, T> {
 public:
  static constexpr const char* torchType = "nn.VolumetricConvolution";

  index_t nInputPlane = 0, nOutputPlane = 0;
  index_t kT = 0, kW = 0, kH = 0, dT = 1, dW = 1, dH = 1, padT = 0, padW = 0, padH = 0;
  Tensor<T> weight, bias, gradWeight, gradBias;
  Tensor<T> finput, fgradInput;   // vol2col columns (forward / accGradParameters, backward)
  Tensor<T> _input, _gradOutput;  // contiguous copies of non-contiguous arguments

  VolumetricConvolution() = default;
  VolumetricConvolution(index_t nInputPlane, index_t nOutputPlane, index_t kT, index_t kW, index_t kH, index_t dT = 1,
                        index_t dW = 1, index_t dH = 1, index_t padT = 0, index_t padW = -1, index_t padH = -1)
      : nInputPlane(nInputPlane), nOutputPlane(nOutputPlane), kT(kT), kW(kW), kH(kH), dT(dT), dW(dW), dH(dH),
        padT(padT), padW(padW < 0 ? padT : padW), padH(padH < 0 ? this->padW : padH) {
    detail::convolutions::checkPositive(torchType + 3, "plane counts", nInputPlane, nOutputPlane);
    detail::convolutions::checkPositive(torchType + 3, "kernel sizes", kT, kW, kH);
    detail::convolutions::checkPositive(torchType + 3, "strides", dT, dW, dH);
    detail::convolutions::checkPadding(torchType + 3, padT, this->padW, this->padH);
    detail::allocateParameters(Shape{nOutputPlane, nInputPlane, kT, kH, kW}, Shape{nOutputPlane}, weight, gradWeight,
                               bias, gradBias);
    reset();
  }

  /// Torch7's `reset(stdv)`: uniform in +-1/sqrt(kT*kW*kH*nInputPlane) (or +-stdv*sqrt(3)).
  VolumetricConvolution& reset(double stdv = 0) {
    detail::resetUniform(stdv, kT * kW * kH * nInputPlane, weight, bias);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const kernels::Window3d g = geometry(input);
    const Tensor<T>& in = detail::contiguousIn(input, _input);
    const index_t n = input.dim() == 5 ? input.size(0) : 1;
    this->output.resize(outputShape(input, g));
    finput.resize(kernels::volumetricColumnsSize(n, nOutputPlane, g));
    kernels::volumetricConvolutionForward(in.data(), n, weightData(), biasData(bias, "bias"), this->output.data(),
                                          nOutputPlane, g, finput.data());
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const kernels::Window3d g = geometry(input);
    detail::checkGradOutputShape(torchType + 3, outputShape(input, g), input, gradOutput);
    const Tensor<T>& gout = detail::contiguousIn(gradOutput, _gradOutput);
    const index_t n = input.dim() == 5 ? input.size(0) : 1;
    this->gradInput.resize(input.sizes());
    fgradInput.resize(kernels::volumetricColumnsSize(n, nOutputPlane, g));
    kernels::volumetricConvolutionBackwardInput(gout.data(), n, weightData(), this->gradInput.data(), nOutputPlane,
                                                g, fgradInput.data());
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    const kernels::Window3d g = geometry(input);
    detail::checkGradOutputShape(torchType + 3, outputShape(input, g), input, gradOutput);
    const Tensor<T>& in = detail::contiguousIn(input, _input);
    const Tensor<T>& gout = detail::contiguousIn(gradOutput, _gradOutput);
    const index_t n = input.dim() == 5 ? input.size(0) : 1;
    T* gw = detail::convolutions::parameterData(torchType + 3, "gradWeight", gradWeight, weight.nElement());
    const index_t columns = kernels::volumetricColumnsSize(1, nOutputPlane, g);
    if (finput.nElement() < columns) finput.resize(columns);
    kernels::volumetricConvolutionAccGrad(in.data(), gout.data(), n, gw, biasData(gradBias, "gradBias"),
                                          static_cast<T>(scale), nOutputPlane, g, finput.data());
  }

  template <class V>
  void fields(V& v) {
    v.option("nInputPlane", nInputPlane);
    v.option("nOutputPlane", nOutputPlane);
    v.option("kT", kT);
    v.option("kW", kW);
    v.option("kH", kH);
    v.option("dT", dT);
    v.option("dW", dW);
    v.option("dH", dH);
    v.option("padT", padT);
    v.option("padW", padW);
    v.option("padH", padH);
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.parameter("bias", bias, "gradBias", gradBias);
    v.buffer("finput", finput);
    v.buffer("fgradInput", fgradInput);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  /// "nn.VolumetricConvolution(2 -> 4, 3x3x3)", then ", dT,dW,dH" when any stride is not 1
  /// or any padding is set, then ", padT,padW,padH" when any padding is set (Torch7's format;
  /// the kernel prints as kT x kW x kH).
  std::string toString() const {
    std::string s = std::string(torchType) + "(" + std::to_string(nInputPlane) + " -> " +
                    std::to_string(nOutputPlane) + ", " + std::to_string(kT) + "x" + std::to_string(kW) + "x" +
                    std::to_string(kH);
    const bool padded = padT != 0 || padW != 0 || padH != 0;
    if (dT != 1 || dW != 1 || dH != 1 || padded)
      s += ", " + std::to_string(dT) + "," + std::to_string(dW) + "," + std::to_string(dH);
    if (padded) s += ", " + std::to_string(padT) + "," + std::to_string(padW) + "," + std::to_string(padH);
    return s + ")";
  }

 private:
  kernels::Window3d geometry(const Tensor<T>& input) const {
    const int d = input.dim();
    if ((d != 4 && d != 5) || input.size(d - 4) != nInputPlane)
      t7::detail::fail<SizeError>("VolumetricConvolution: expected input [", nInputPlane, " x T x H x W] or [N x ",
                                  nInputPlane, " x T x H x W], got [", input.sizes().toString(), "]");
    const kernels::Window3d g{.channels = nInputPlane, .depth = input.size(d - 3), .height = input.size(d - 2),
                              .width = input.size(d - 1), .kT = kT, .kH = kH, .kW = kW, .dT = dT, .dH = dH,
                              .dW = dW, .padT = padT, .padH = padH, .padW = padW};
    if (g.outT() < 1 || g.outH() < 1 || g.outW() < 1)
      t7::detail::fail<SizeError>("VolumetricConvolution: input [", input.sizes().toString(),
                                  "] is too small for kernel ", kT, "x", kH, "x", kW, " (kT x kH x kW) with padding ",
                                  padT, ",", padH, ",", padW, ": output would be ", g.outT(), "x", g.outH(), "x",
                                  g.outW());
    return g;
  }
  Shape outputShape(const Tensor<T>& input, const kernels::Window3d& g) const {
    return input.dim() == 5 ? Shape{input.size(0), nOutputPlane, g.outT(), g.outH(), g.outW()}
                            : Shape{nOutputPlane, g.outT(), g.outH(), g.outW()};
  }
  const T* weightData() const {
    return detail::convolutions::parameterData(torchType + 3, "weight", weight,
                                               nOutputPlane * nInputPlane * kT * kH * kW);
  }
  T* biasData(const Tensor<T>& b, const char* name) const {
    return b.nElement() == 0 ? nullptr : detail::convolutions::parameterData(torchType + 3, name, b, nOutputPlane);
  }
};

template <std::integral... I>
VolumetricConvolution(I...) -> VolumetricConvolution<float>;

static_assert(Module<VolumetricConvolution<float>>);

// ==== SpatialDepthWiseConvolution ===========================================================

/// Depth-wise 2-D convolution (Torch7's `nn.SpatialDepthWiseConvolution(nInputPlane,
/// depthwiseMultiplier, kW, kH, dW=1, dH=1, padW=0, padH=padW)`; a negative padH means padW):
/// every input plane i is convolved with `depthwiseMultiplier` kernels of its own, giving
/// nOutputPlane = nInputPlane * depthwiseMultiplier planes; output plane i*depthwiseMultiplier
/// + m comes from input plane i and kernel m. Input [nInputPlane x H x W] or [N x nInputPlane x
/// H x W]. weight [depthwiseMultiplier x nInputPlane x kH x kW] (Torch7 creates it as
/// [depthwiseMultiplier x nInputPlane*kH*kW] and views it 4-D in its first forward; both shapes
/// are accepted), bias [depthwiseMultiplier x nInputPlane]; uniform in +-1/sqrt(kW*kH*nInputPlane).
template <Element T = float>
class SpatialDepthWiseConvolution : public ModuleBase<SpatialDepthWiseConvolution<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialDepthWiseConvolution";

  index_t nInputPlane = 0, depthwiseMultiplier = 0, nOutputPlane = 0;
  index_t kW = 0, kH = 0, dW = 1, dH = 1, padW = 0, padH = 0;
  Tensor<T> weight, bias, gradWeight, gradBias;
  Tensor<T> _input, _gradOutput;  // contiguous copies of non-contiguous arguments

  SpatialDepthWiseConvolution() = default;
  SpatialDepthWiseConvolution(index_t nInputPlane, index_t depthwiseMultiplier, index_t kW, index_t kH, index_t dW = 1,
                              index_t dH = 1, index_t padW = 0, index_t padH = -1)
      : nInputPlane(nInputPlane), depthwiseMultiplier(depthwiseMultiplier),
        nOutputPlane(nInputPlane * depthwiseMultiplier), kW(kW), kH(kH), dW(dW), dH(dH), padW(padW),
        padH(padH < 0 ? padW : padH) {
    detail::convolutions::checkPositive(torchType + 3, "nInputPlane and depthwiseMultiplier", nInputPlane,
                                        depthwiseMultiplier);
    detail::convolutions::checkPositive(torchType + 3, "kernel sizes", kW, kH);
    detail::convolutions::checkPositive(torchType + 3, "strides", dW, dH);
    detail::convolutions::checkPadding(torchType + 3, padW, this->padH);
    detail::allocateParameters(Shape{depthwiseMultiplier, nInputPlane, kH, kW}, Shape{depthwiseMultiplier, nInputPlane},
                               weight, gradWeight, bias, gradBias);
    reset();
  }

  /// Removes the bias (Torch7's `noBias()`).
  SpatialDepthWiseConvolution& noBias() {
    bias = Tensor<T>();
    gradBias = Tensor<T>();
    return *this;
  }
  /// Torch7's `reset(stdv)`: uniform in +-1/sqrt(kW*kH*nInputPlane) (or +-stdv*sqrt(3)).
  SpatialDepthWiseConvolution& reset(double stdv = 0) {
    detail::resetUniform(stdv, kW * kH * nInputPlane, weight, bias);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const kernels::DepthWise2d g = geometry(input);
    const Tensor<T>& in = detail::contiguousIn(input, _input);
    const index_t n = input.dim() == 4 ? input.size(0) : 1;
    this->output.resize(outputShape(input, g));
    kernels::depthWiseConvolutionForward(in.data(), n, weightData(), biasData(bias, "bias"), this->output.data(), g);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const kernels::DepthWise2d g = geometry(input);
    detail::checkGradOutputShape(torchType + 3, outputShape(input, g), input, gradOutput);
    const Tensor<T>& gout = detail::contiguousIn(gradOutput, _gradOutput);
    const index_t n = input.dim() == 4 ? input.size(0) : 1;
    this->gradInput.resize(input.sizes());
    kernels::depthWiseConvolutionBackwardInput(gout.data(), n, weightData(), this->gradInput.data(), g);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    const kernels::DepthWise2d g = geometry(input);
    detail::checkGradOutputShape(torchType + 3, outputShape(input, g), input, gradOutput);
    const Tensor<T>& in = detail::contiguousIn(input, _input);
    const Tensor<T>& gout = detail::contiguousIn(gradOutput, _gradOutput);
    const index_t n = input.dim() == 4 ? input.size(0) : 1;
    T* gw = detail::convolutions::parameterData(torchType + 3, "gradWeight", gradWeight, weight.nElement());
    kernels::depthWiseConvolutionAccGrad(in.data(), gout.data(), n, gw, biasData(gradBias, "gradBias"),
                                         static_cast<T>(scale), g);
  }

  template <class V>
  void fields(V& v) {
    v.option("nInputPlane", nInputPlane);
    v.option("depthwiseMultiplier", depthwiseMultiplier);
    v.option("nOutputPlane", nOutputPlane);
    v.option("kW", kW);
    v.option("kH", kH);
    v.option("dW", dW);
    v.option("dH", dH);
    v.option("padW", padW);
    v.option("padH", padH);
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.parameter("bias", bias, "gradBias", gradBias);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  /// "nn.SpatialDepthWiseConvolution(3 -> 2, 3x3[, dW,dH][, padW,padH])[ without bias]"
  /// (Torch7's format: nInputPlane -> depthwiseMultiplier, kernel as kW x kH).
  std::string toString() const {
    const std::string s =
        detail::convolutionHead(torchType, nInputPlane, depthwiseMultiplier, kW, kH, dW, dH, padW, padH);
    return bias.nElement() > 0 ? s + ")" : s + ") without bias";
  }

 private:
  kernels::DepthWise2d geometry(const Tensor<T>& input) const {
    const int d = input.dim();
    if ((d != 3 && d != 4) || input.size(d - 3) != nInputPlane)
      t7::detail::fail<SizeError>("SpatialDepthWiseConvolution: expected input [", nInputPlane, " x H x W] or [N x ",
                                  nInputPlane, " x H x W], got [", input.sizes().toString(), "]");
    const kernels::DepthWise2d g{.nInputPlane = nInputPlane, .multiplier = depthwiseMultiplier,
                                 .height = input.size(d - 2), .width = input.size(d - 1), .kH = kH, .kW = kW,
                                 .dH = dH, .dW = dW, .padH = padH, .padW = padW};
    if (g.outH() < 1 || g.outW() < 1)
      t7::detail::fail<SizeError>("SpatialDepthWiseConvolution: input [", input.sizes().toString(),
                                  "] is too small for kernel ", kH, "x", kW, " (kH x kW) with padding ", padH, ",",
                                  padW, ": output would be ", g.outH(), "x", g.outW());
    return g;
  }
  Shape outputShape(const Tensor<T>& input, const kernels::DepthWise2d& g) const {
    return input.dim() == 4 ? Shape{input.size(0), nOutputPlane, g.outH(), g.outW()}
                            : Shape{nOutputPlane, g.outH(), g.outW()};
  }
  const T* weightData() const {
    return detail::convolutions::parameterData(torchType + 3, "weight", weight,
                                               depthwiseMultiplier * nInputPlane * kH * kW);
  }
  T* biasData(const Tensor<T>& b, const char* name) const {
    return b.nElement() == 0 ? nullptr
                             : detail::convolutions::parameterData(torchType + 3, name, b, nOutputPlane);
  }
};

template <std::integral... I>
SpatialDepthWiseConvolution(I...) -> SpatialDepthWiseConvolution<float>;

static_assert(Module<SpatialDepthWiseConvolution<float>>);

// ==== SpatialConvolutionLocal ===============================================================

/// Locally connected 2-D layer: a convolution whose kernels are NOT shared between output
/// locations (Torch7's `nn.SpatialConvolutionLocal(nInputPlane, nOutputPlane, iW, iH, kW, kH,
/// dW=1, dH=1, padW=0, padH=padW)`; a negative padH means padW). The input size is fixed:
/// [nInputPlane x iH x iW] or [N x nInputPlane x iH x iW]; output [nOutputPlane x oH x oW],
/// oW = floor((iW + 2 padW - kW) / dW) + 1 (and oH alike). weight
/// [oH x oW x nOutputPlane x nInputPlane x kH x kW], bias [nOutputPlane x oH x oW]; uniform in
/// +-1/sqrt(kW*kH*nInputPlane). im2col + one small GEMM per output location over the batch.
template <Element T = float>
class SpatialConvolutionLocal : public ModuleBase<SpatialConvolutionLocal<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialConvolutionLocal";

  index_t nInputPlane = 0, nOutputPlane = 0;
  index_t kW = 0, kH = 0, iW = 0, iH = 0, dW = 1, dH = 1, padW = 0, padH = 0, oW = 0, oH = 0;
  Tensor<T> weight, bias, gradWeight, gradBias;
  Tensor<T> finput, fgradInput;   // im2col columns of the batch (forward / accGrad, backward)
  Tensor<T> _scratch;             // per-thread gathered patches and products
  Tensor<T> _input, _gradOutput;  // contiguous copies of non-contiguous arguments

  SpatialConvolutionLocal() = default;
  SpatialConvolutionLocal(index_t nInputPlane, index_t nOutputPlane, index_t iW, index_t iH, index_t kW, index_t kH,
                          index_t dW = 1, index_t dH = 1, index_t padW = 0, index_t padH = -1)
      : nInputPlane(nInputPlane), nOutputPlane(nOutputPlane), kW(kW), kH(kH), iW(iW), iH(iH), dW(dW), dH(dH),
        padW(padW), padH(padH < 0 ? padW : padH) {
    detail::convolutions::checkPositive(torchType + 3, "plane counts", nInputPlane, nOutputPlane);
    detail::convolutions::checkPositive(torchType + 3, "input sizes", iW, iH);
    detail::convolutions::checkPositive(torchType + 3, "kernel sizes", kW, kH);
    detail::convolutions::checkPositive(torchType + 3, "strides", dW, dH);
    detail::convolutions::checkPadding(torchType + 3, padW, this->padH);
    oW = kernels::Window2d::outSize(iW, kW, dW, padW, 1);
    oH = kernels::Window2d::outSize(iH, kH, dH, this->padH, 1);
    if (oW < 1 || oH < 1)
      t7::detail::fail<ValueError>("SpatialConvolutionLocal: illegal configuration: input ", iW, "x", iH,
                                   " (iW x iH) with kernel ", kW, "x", kH, " and padding ", padW, ",", this->padH,
                                   " gives an output of ", oW, "x", oH);
    detail::allocateParameters(Shape{oH, oW, nOutputPlane, nInputPlane, kH, kW}, Shape{nOutputPlane, oH, oW}, weight,
                               gradWeight, bias, gradBias);
    reset();
  }

  /// Torch7's `reset(stdv)`: uniform in +-1/sqrt(kW*kH*nInputPlane) (or +-stdv*sqrt(3)).
  SpatialConvolutionLocal& reset(double stdv = 0) {
    detail::resetUniform(stdv, kW * kH * nInputPlane, weight, bias);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const kernels::Window2d g = geometry(input);
    const Tensor<T>& in = detail::contiguousIn(input, _input);
    const index_t n = input.dim() == 4 ? input.size(0) : 1;
    this->output.resize(outputShape(input));
    prepare(finput, n, g);
    kernels::localConvolutionForward(in.data(), n, weightData(), biasData(bias, "bias"), this->output.data(),
                                     nOutputPlane, g, finput.data(), _scratch.data());
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const kernels::Window2d g = geometry(input);
    detail::checkGradOutputShape(torchType + 3, outputShape(input), input, gradOutput);
    const Tensor<T>& gout = detail::contiguousIn(gradOutput, _gradOutput);
    const index_t n = input.dim() == 4 ? input.size(0) : 1;
    this->gradInput.resize(input.sizes());
    prepare(fgradInput, n, g);
    kernels::localConvolutionBackwardInput(gout.data(), n, weightData(), this->gradInput.data(), nOutputPlane, g,
                                           fgradInput.data(), _scratch.data());
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    const kernels::Window2d g = geometry(input);
    detail::checkGradOutputShape(torchType + 3, outputShape(input), input, gradOutput);
    const Tensor<T>& in = detail::contiguousIn(input, _input);
    const Tensor<T>& gout = detail::contiguousIn(gradOutput, _gradOutput);
    const index_t n = input.dim() == 4 ? input.size(0) : 1;
    T* gw = detail::convolutions::parameterData(torchType + 3, "gradWeight", gradWeight, weight.nElement());
    prepare(finput, n, g);
    kernels::localConvolutionAccGrad(in.data(), gout.data(), n, gw, biasData(gradBias, "gradBias"),
                                     static_cast<T>(scale), nOutputPlane, g, finput.data(), _scratch.data());
  }

  template <class V>
  void fields(V& v) {
    v.option("nInputPlane", nInputPlane);
    v.option("nOutputPlane", nOutputPlane);
    v.option("kW", kW);
    v.option("kH", kH);
    v.option("iW", iW);
    v.option("iH", iH);
    v.option("dW", dW);
    v.option("dH", dH);
    v.option("padW", padW);
    v.option("padH", padH);
    v.option("oW", oW);
    v.option("oH", oH);
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.parameter("bias", bias, "gradBias", gradBias);
    v.buffer("finput", finput);
    v.buffer("fgradInput", fgradInput);
    v.buffer("_scratch", _scratch);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  /// "nn.SpatialConvolutionLocal(3 -> 4, 8x8, 3x3[, dW,dH][, padW,padH])" (Torch7's format:
  /// input as iW x iH, kernel as kW x kH).
  std::string toString() const {
    std::string s = std::string(torchType) + "(" + std::to_string(nInputPlane) + " -> " +
                    std::to_string(nOutputPlane) + ", " + std::to_string(iW) + "x" + std::to_string(iH) + ", " +
                    std::to_string(kW) + "x" + std::to_string(kH);
    const bool padded = padW != 0 || padH != 0;
    if (dW != 1 || dH != 1 || padded) s += ", " + std::to_string(dW) + "," + std::to_string(dH);
    if (padded) s += ", " + std::to_string(padW) + "," + std::to_string(padH);
    return s + ")";
  }

 private:
  kernels::Window2d geometry(const Tensor<T>& input) const {
    const int d = input.dim();
    if ((d != 3 && d != 4) || input.size(d - 3) != nInputPlane || input.size(d - 2) != iH || input.size(d - 1) != iW)
      t7::detail::fail<SizeError>("SpatialConvolutionLocal: expected input [", nInputPlane, "x", iH, "x", iW,
                                  "] or [N x ", nInputPlane, "x", iH, "x", iW, "] (nInputPlane x iH x iW), got [",
                                  input.sizes().toString(), "]");
    return {.channels = nInputPlane, .height = iH, .width = iW, .kH = kH, .kW = kW, .dH = dH, .dW = dW,
            .padH = padH, .padW = padW};
  }
  Shape outputShape(const Tensor<T>& input) const {
    return input.dim() == 4 ? Shape{input.size(0), nOutputPlane, oH, oW} : Shape{nOutputPlane, oH, oW};
  }
  /// Sizes the columns buffer and the scratch for a batch of n.
  void prepare(Tensor<T>& columns, index_t n, const kernels::Window2d& g) {
    columns.resize(n * g.patchSize() * oH * oW);
    _scratch.resize(kernels::localConvolutionScratchSize(n, nOutputPlane, g));
  }
  const T* weightData() const {
    return detail::convolutions::parameterData(torchType + 3, "weight", weight,
                                               oH * oW * nOutputPlane * nInputPlane * kH * kW);
  }
  T* biasData(const Tensor<T>& b, const char* name) const {
    return b.nElement() == 0 ? nullptr
                             : detail::convolutions::parameterData(torchType + 3, name, b, nOutputPlane * oH * oW);
  }
};

template <std::integral... I>
SpatialConvolutionLocal(I...) -> SpatialConvolutionLocal<float>;

static_assert(Module<SpatialConvolutionLocal<float>>);

}  // namespace t7::nn
